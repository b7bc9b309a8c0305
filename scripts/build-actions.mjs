#!/usr/bin/env node
// Bundles each action (actions/<name>/src/main.ts) into actions/<name>/dist/index.js.
// With --check, bundles into memory and fails if a committed dist/ differs (stale).
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const check = process.argv.includes('--check');
// --dist-root DIR: compare against DIR/<action>/dist/index.js instead (used by the test of this check)
const distRootArg = process.argv.indexOf('--dist-root');
const root = new URL('..', import.meta.url).pathname;
const actions = readdirSync(join(root, 'actions')).filter((a) =>
  existsSync(join(root, 'actions', a, 'src', 'main.ts')),
);
let stale = [];
for (const a of actions) {
  const result = await build({
    entryPoints: [join(root, 'actions', a, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    write: false,
    minify: false,
    legalComments: 'none',
    external: ['pkcs11js'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  const code = result.outputFiles[0].text;
  const distRoot = distRootArg > 0 ? process.argv[distRootArg + 1] : join(root, 'actions');
  const out = join(distRoot, a, 'dist', 'index.js');
  if (check) {
    if (!existsSync(out) || readFileSync(out, 'utf8') !== code) stale.push(a);
  } else {
    mkdirSync(join(root, 'actions', a, 'dist'), { recursive: true });
    writeFileSync(out, code);
    console.log(`built actions/${a}/dist/index.js (${(code.length / 1024).toFixed(0)} KiB)`);
  }
}
if (check && stale.length) {
  console.error(
    `stale action bundles: ${stale.join(', ')}. Run \`npm run build:actions\` and commit dist/.`,
  );
  process.exit(1);
}
if (check) console.log(`action bundles up to date (${actions.length})`);
