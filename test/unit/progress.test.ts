import { describe, expect, it } from 'vitest';
import type { Ctx } from '../../signer-cli/context.js';
import { progressPrinter } from '../../signer-cli/progress.js';

function ctx(isTTY: boolean): { ctx: Ctx; bar: string[]; err: string[] } {
  const bar: string[] = [];
  const err: string[] = [];
  return {
    bar,
    err,
    ctx: {
      cwd: '/',
      env: {},
      now: () => new Date(),
      out: () => undefined,
      err: (l) => err.push(l),
      isTTY,
      progress: (l) => bar.push(l),
    },
  };
}

describe('publish progress', () => {
  it('draws a bar on a terminal and ends it with a newline', () => {
    const t = ctx(true);
    const p = progressPrinter(t.ctx);
    p(0, 4, 'targets/a');
    p(2, 4, 'targets/b');
    p(4, 4, 'index.html');
    expect(t.bar).toEqual([
      '[                    ] 0% 0/4 targets/a',
      '[##########          ] 50% 2/4 targets/b',
      '[####################] 100% 4/4 index.html',
    ]);
    expect(t.err).toEqual(['']);
  });

  it('prints a few lines in logs for large publishes and nothing for small ones', () => {
    const big = ctx(false);
    const p = progressPrinter(big.ctx);
    for (let i = 0; i <= 100; i++) p(i, 100, `f${i}`);
    expect(big.err).toEqual([
      'publish: 0/100',
      'publish: 25/100',
      'publish: 50/100',
      'publish: 75/100',
      'publish: 100/100',
    ]);
    const small = ctx(false);
    const q = progressPrinter(small.ctx);
    for (let i = 0; i <= 5; i++) q(i, 5, `f${i}`);
    expect(small.err).toEqual([]);
  });
});
