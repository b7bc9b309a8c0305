import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../signer-cli/context.js';
import { buildProgram, run } from '../../signer-cli/program.js';

function ctxIn(dir: string, sink: { out: string[]; err: string[] }): Ctx {
  const ctx: Ctx = {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir },
    now: () => new Date(),
    out: (l) => sink.out.push(l),
    err: (l) => sink.err.push(l),
  };
  return ctx;
}

const empty = mkdtempSync(join(tmpdir(), 'tufci-empty-'));

describe('tufci CLI basics', () => {
  const names: string[][] = [];
  const program = buildProgram(ctxIn(empty, { out: [], err: [] }));
  for (const c of program.commands) {
    if (c.commands.length) for (const s of c.commands) names.push([c.name(), s.name()]);
    else names.push([c.name()]);
  }

  it.each(names)('%s %s --help documents the command', async (...cmd) => {
    const sink = { out: [] as string[], err: [] as string[] };
    const code = await run([...cmd.filter(Boolean), '--help'], ctxIn(empty, sink));
    expect(code).toBe(0);
    const text = sink.out.join('\n');
    expect(text).toContain(`Usage: tufci ${cmd.filter(Boolean).join(' ')}`);
    expect(text).toMatch(/\n\S.*\n|Options:/);
  });

  it.each([['status'], ['publish', '--to', 'dir:site'], ['online-sign'], ['event', 'update']])(
    '%s outside a repository gives a clear error, no stack',
    async (...args) => {
      const sink = { out: [] as string[], err: [] as string[] };
      const code = await run(args, ctxIn(empty, sink));
      expect(code).toBe(1);
      const err = sink.err.join('\n');
      expect(err).toMatch(/^error: /);
      expect(err).not.toContain('    at ');
    },
  );

  it.each([
    [
      ['key', 'generate', '--out', '/nonexistent-dir/k.pem', '--no-passphrase'],
      'error: cannot open /nonexistent-dir/k.pem: no such file or directory',
    ],
    [
      ['verify', '--from', 'dir:/nonexistent', '--root', empty],
      `error: --root: ${empty} is not a file; pin a trusted root.json`,
    ],
  ])('file-system trouble names the path: %j', async (args, message) => {
    const sink = { out: [] as string[], err: [] as string[] };
    expect(await run(args, ctxIn(empty, sink))).toBe(1);
    expect(sink.err.join('\n')).toBe(message);
  });

  it('rejects unknown commands and flags', async () => {
    const sink = { out: [] as string[], err: [] as string[] };
    expect(await run(['frobnicate'], ctxIn(empty, sink))).not.toBe(0);
    expect(sink.err.join('\n')).toContain("unknown command 'frobnicate'");
    const sink2 = { out: [] as string[], err: [] as string[] };
    expect(await run(['status', '--bogus'], ctxIn(empty, sink2))).not.toBe(0);
    expect(sink2.err.join('\n')).toContain("unknown option '--bogus'");
  });
});

describe('key generate at a terminal', () => {
  it('asks for the passphrase twice and writes nothing when they differ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tufci-keygen-'));
    const answers = ['one', 'two'];
    const sink = { out: [] as string[], err: [] as string[] };
    const ctx = { ...ctxIn(dir, sink), askSecret: async () => answers.shift()! };
    expect(await run(['key', 'generate', '--out', 'k.pem'], ctx)).toBe(1);
    expect(sink.err).toEqual(['error: the passphrases differ; no key was written']);
    expect(existsSync(join(dir, 'k.pem'))).toBe(false);
    const same = ['pw', 'pw'];
    const ok = { ...ctxIn(dir, sink), askSecret: async () => same.shift()! };
    expect(await run(['key', 'generate', '--out', 'k.pem'], ok)).toBe(0);
    expect(readFileSync(join(dir, 'k.pem'), 'utf8')).toContain('ENCRYPTED PRIVATE KEY');
  });
});
