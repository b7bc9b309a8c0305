/**
 * `npm run bench`: `tufci mirror` of a published repository of 1,000 targets (the sizes of
 * publish.bench.ts: 1 KiB to 1 MiB, about 19 MiB; half top-level files, half in four
 * directories) and one signed registry artifact with its pointer referrer, from one
 * docker-registry to a fresh second one, beside two peers copying the same repositories
 * (metadata, targets, the artifact's; every tag):
 *
 * - `oras cp -r` of each tag (8 processes at a time, `oras repo tags | xargs -P 8`);
 * - `skopeo sync --all` of each repository (`--preserve-digests` but for the artifact's,
 *   whose referrers fallback index skopeo rewrites).
 *
 * Whole processes, in turn (tufci, oras, skopeo, ...), after one warm-up of tufci; every run
 * copies into a registry started empty for it. Prints medians, requests at both
 * registries (from their access logs) and the ratio tufci / the faster peer. No pass/fail
 * on time: the goal (tufci ≤ 1.0× the faster peer) is read from the output.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../lib/oci/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushArtifact, randomData } from '../oci/support.js';
import { Fixture, ORAS, SKOPEO, ok } from '../oci-publish/support.js';
import { median, runOnceAsync, type Run } from './measure.js';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'build', 'signer-cli', 'main.js');
const COUNT = 1000;
const RUNS = Number(process.env.TUFCI_BENCH_RUNS ?? 3);
const PARALLEL = 8;
const REPOS = ['bench/tuf', 'bench/tuf/targets', 'apps/web'];

function sizeOf(i: number): number {
  if (i % 100 === 99) return 1 << 20;
  if (i % 25 === 24) return (64 + ((i * 37) % 193)) << 10;
  return (1 + (i % 8)) << 10;
}

const fx = new Fixture();
let a: TestRegistry;
let home: string;
let mib = 0;
type Tool = 'tufci' | 'oras' | 'skopeo';
const runs: Record<Tool, Run[]> = { tufci: [], oras: [], skopeo: [] };
const requests: Record<Tool, number[]> = { tufci: [], oras: [], skopeo: [] };

/** The command line copying A's repositories into `b`. */
function command(tool: Tool, b: TestRegistry): string[] {
  if (tool === 'tufci')
    return [
      'node',
      CLI,
      'mirror',
      `oci://${a.host}/bench/tuf`,
      `oci://${b.host}/bench/tuf`,
      '--root',
      fx.root1,
    ];
  // oras: the first tag alone, so the blobs every manifest shares (the empty config) are
  // there before parallel copies race to upload them; a failed copy is tried once more.
  const cp = (r: string, t: string) =>
    `${ORAS} cp -r --from-plain-http --to-plain-http --no-tty ${a.host}/${r}:${t} ${b.host}/${r}:${t} >/dev/null`;
  const script =
    tool === 'oras'
      ? REPOS.map(
          (r) =>
            `tags=$(${ORAS} repo tags --plain-http ${a.host}/${r}); first=$(head -1 <<<"$tags"); ${cp(r, '"$first"')}; ` +
            `tail -n +2 <<<"$tags" | xargs -r -P ${PARALLEL} -I{} bash --norc -c '${cp(r, '{}')} || ${cp(r, '{}')}'`,
        )
      : REPOS.map((r) => {
          const parent = r.slice(0, r.lastIndexOf('/'));
          // skopeo cannot keep the digest of the referrers fallback index (an index with
          // artifactType): it may convert the artifact repository's.
          const keep = r === 'apps/web' ? '' : ' --preserve-digests';
          return `${SKOPEO} sync --all${keep} --src docker --dest docker --src-tls-verify=false --dest-tls-verify=false ${a.host}/${r} ${b.host}/${parent} >/dev/null`;
        });
  return ['bash', '--norc', '-euo', 'pipefail', '-c', script.join('\n')];
}

async function once(tool: Tool, keep: boolean): Promise<void> {
  const b = await startRegistry({ accessLog: true });
  try {
    const before = (await a.accessLog()).length;
    const env = tool === 'tufci' ? fx.w.env : { PATH: process.env.PATH, HOME: home };
    const run = await runOnceAsync(command(tool, b), { cwd: home, env });
    const n = (await a.accessLog()).length - before + (await b.accessLog()).length;
    // the copy is complete: the metadata and a target file's manifest are at B
    const copied = new RegistryClient(b.host);
    expect(await copied.repository('bench/tuf').headManifest('latest')).toBeDefined();
    expect((await copied.repository('bench/tuf/targets').listTags()).length).toBeGreaterThan(500);
    process.stderr.write(
      `${tool}${keep ? '' : ' (warm-up)'}: ${(run.ms / 1000).toFixed(2)} s, ${n} requests\n`,
    );
    if (keep) {
      runs[tool].push(run);
      requests[tool].push(n);
    }
  } finally {
    await b.stop();
  }
}

beforeAll(async () => {
  a = await startRegistry({ accessLog: true });
  home = mkdtempSync(join(tmpdir(), 'tufci-mirror-bench-'));
  const apps = new RegistryClient(a.host).repository('apps/web');
  await pushArtifact(apps, {
    files: [{ name: 'app.bin', data: randomData(64 << 10) }],
    tag: 'v1',
    artifactType: 'application/vnd.example.app',
  });
  await fx.bootstrap();
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < COUNT; i++) {
    const name = `file-${String(i).padStart(4, '0')}.bin`;
    const data = randomBytes(sizeOf(i));
    mib += data.length / 1048576;
    files[i % 2 === 0 ? name : `dir${i % 4}/${name}`] = data;
  }
  await fx.event(files);
  ok(
    'add-artifact',
    await fx.alice.tufci('add-artifact', 'sign/web', `oci://${a.host}/apps/web:v1`),
  );
  await fx.signEvent('sign/web');
  ok('publish', await fx.tufci('publish', '--to', `oci://${a.host}/bench/tuf`));
}, 600_000);

afterAll(async () => {
  const t = (tool: Tool) => median(runs[tool].map((r) => r.ms));
  const row = (tool: Tool, label: string) =>
    runs[tool].length
      ? `  ${label.padEnd(44)} median ${(t(tool) / 1000).toFixed(2).padStart(6)} s, peak ${median(runs[tool].map((r) => r.rssMiB)).toFixed(0)} MiB, ${median(requests[tool])} requests`
      : `  ${label}: not run`;
  const lines = [
    '',
    `mirror of ${COUNT} targets (${mib.toFixed(1)} MiB) + 1 artifact between two docker-registry instances, ${RUNS} runs each, in turn (${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)})`,
    row('tufci', 'tufci mirror'),
    row('oras', `oras cp -r, every tag, ${PARALLEL} at a time`),
    row('skopeo', 'skopeo sync --all, every repository'),
  ];
  if (runs.tufci.length && runs.oras.length && runs.skopeo.length) {
    const faster: Tool = t('oras') <= t('skopeo') ? 'oras' : 'skopeo';
    lines.push(
      `  ratio tufci/${faster} (the faster peer): ${(t('tufci') / t(faster)).toFixed(2)} (goal ≤ 1.0); tufci/oras ${(t('tufci') / t('oras')).toFixed(2)}, tufci/skopeo ${(t('tufci') / t('skopeo')).toFixed(2)}`,
    );
  }
  console.log(lines.join('\n') + '\n');
  await a?.stop();
  fx.cleanup();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe(`mirror ${COUNT} targets between registries, beside oras and skopeo`, () => {
  it('tufci mirror, oras cp -r, skopeo sync in turn', async () => {
    const tools: Tool[] = ['tufci', 'oras', 'skopeo'];
    // one warm-up (the source registry's files into the page cache), then the runs in turn
    await once('tufci', false);
    for (let i = 0; i < RUNS; i++) for (const tool of tools) await once(tool, true);
  }, 7_200_000);
});
