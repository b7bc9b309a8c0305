#!/usr/bin/env node
// Bundles the signer CLI (signer-cli/main.ts and everything it imports, lazily loaded
// commands included) into one file, packages/signer/dist/tufci.mjs: the `tufci` npm
// package a signer installs. Only the native PKCS#11 addon stays outside, as an
// optional dependency. The bundle is build output (not committed); `npm pack` in
// packages/signer after this script yields the release tarball.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'packages', 'signer', 'package.json'), 'utf8'));
const result = await build({
  entryPoints: [join(root, 'signer-cli', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  write: false,
  // identifiers kept: readable stacks with --debug, and the @tufjs/models patch stays findable
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  external: ['pkcs11js'],
  define: { 'process.env.TUFCI_BUNDLE_VERSION': JSON.stringify(pkg.version) },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'error',
});
let code = result.outputFiles[0].text;
// esbuild keeps the entry's own shebang after the banner: one is enough
code = code.replace(/^(#!.*\n)((?:.*\n)??)#!.*\n/, '$1$2');
const out = join(root, 'packages', 'signer', 'dist', 'tufci.mjs');
mkdirSync(join(root, 'packages', 'signer', 'dist'), { recursive: true });
writeFileSync(out, code);
chmodSync(out, 0o755);
console.log(`built packages/signer/dist/tufci.mjs (${(code.length / 1024).toFixed(0)} KiB)`);
