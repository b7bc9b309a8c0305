#!/usr/bin/env node
// Writes templates/repository/: the workflows another organisation copies into its own
// TUF repository, made from this repository's own workflows by one change: each
// `uses: ./actions/NAME` becomes `uses: REPO/actions/NAME@REF`, and a checkout made only
// to reach ./actions goes. The adopting repository then carries these few YAML files
// and no tufci source. With --check, fails when the committed template is stale.
// --uses OWNER/REPO@REF picks the actions' home (default: the one in docs/ADOPT.md).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const check = args.includes('--check');
const usesAt = args.indexOf('--uses');
const home = usesAt >= 0 ? args[usesAt + 1] : 'tufci/tufci@v0.1.0';
const m = /^([\w.-]+\/[\w.-]+)@([\w.-]+)$/.exec(home ?? '');
if (!m) {
  console.error(`--uses: expected OWNER/REPO@REF, got ${home}`);
  process.exit(2);
}
const [, repo, ref] = m;
const outDir = join(root, 'templates', 'repository', '.github', 'workflows');
const sources = [
  'signing-event',
  'online-sign',
  'publish',
  'create-signing-events',
  'test-repository',
  'mirror',
];

/** The template text of one of this repository's workflows. */
function template(text) {
  // a checkout that only fetches ./actions (sparse) is not needed once actions are remote
  let out = text.replace(
    /\n( +)- uses: actions\/checkout@[0-9a-f]{40}[^\n]*\n\1 {2}with:\n\1 {4}sparse-checkout: actions\n/g,
    '\n',
  );
  out = out.replace(/uses: \.\/actions\/([\w-]+)/g, `uses: ${repo}/actions/$1@${ref}`);
  return `# From tufci's template (${repo}@${ref}); see docs/ADOPT.md.\n${out}`;
}

const stale = [];
if (!check) mkdirSync(outDir, { recursive: true });
for (const name of sources) {
  const text = template(readFileSync(join(root, '.github', 'workflows', `${name}.yml`), 'utf8'));
  const out = join(outDir, `${name}.yml`);
  if (check) {
    if (!existsSync(out) || readFileSync(out, 'utf8') !== text) stale.push(name);
  } else writeFileSync(out, text);
}
if (check) {
  const extra = existsSync(outDir)
    ? readdirSync(outDir).filter((f) => !sources.includes(f.replace(/\.yml$/, '')))
    : [];
  if (stale.length || extra.length) {
    console.error(
      `stale workflow template: ${[...stale, ...extra].join(', ')}. Run \`npm run build:template\` and commit templates/.`,
    );
    process.exit(1);
  }
  console.log(`workflow template up to date (${sources.length})`);
} else console.log(`wrote templates/repository/.github/workflows (${sources.length}) for ${home}`);
