import { describe, expect, it } from 'vitest';
import { merge3 } from '../../lib/event/catch-up.js';

const W = 'metadata/targets.json';

describe('merge3: the event changes applied to the default branch', () => {
  it('takes the side that changed, key by key', () => {
    const base = { targets: { a: 1 }, x: 1 };
    const event = { targets: { a: 1, e: 2 }, x: 1 };
    const tip = { targets: { a: 1, m: 3 }, x: 5 };
    expect(merge3(base, event, tip, 'signed', W)).toEqual({ targets: { a: 1, m: 3, e: 2 }, x: 5 });
  });

  it('a removal on one side stays removed', () => {
    expect(
      merge3({ t: { a: 1, b: 2 } }, { t: { a: 1 } }, { t: { a: 1, b: 2, c: 3 } }, 's', W),
    ).toEqual({ t: { a: 1, c: 3 } });
  });

  it('merges delegated roles by name, keeping the default branch order', () => {
    const r = (name: string, threshold: number) => ({ name, threshold });
    const base = [r('a', 1), r('b', 1)];
    const event = [r('a', 2), r('b', 1), r('new', 1)];
    const tip = [r('z', 1), r('a', 1), r('b', 3)];
    expect(merge3(base, event, tip, 'roles', W)).toEqual([
      r('z', 1),
      r('a', 2),
      r('b', 3),
      r('new', 1),
    ]);
  });

  it('the same change on both sides is no conflict', () => {
    expect(merge3({ v: 1 }, { v: 2 }, { v: 2 }, 's', W)).toEqual({ v: 2 });
  });

  it('two different changes to one value are refused, naming the file and the field', () => {
    expect(() =>
      merge3(
        { roles: [{ name: 'a', threshold: 1 }] },
        { roles: [{ name: 'a', threshold: 2 }] },
        { roles: [{ name: 'a', threshold: 3 }] },
        'signed',
        W,
      ),
    ).toThrow(
      `${W} signed.roles[a].threshold: changed both on the default branch and in this event`,
    );
    expect(() => merge3(undefined, { a: 1 }, [1], 'signed.x', W)).toThrow('signed.x: changed both');
  });
});
