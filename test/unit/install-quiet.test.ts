/**
 * The quick start installs quietly on the oldest Node the project supports: every
 * package in the lock file accepts that version (no EBADENGINE warning) and every
 * install script is one `allowScripts` approves (no install-scripts warning).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  engines?: Record<string, string> | string[];
  hasInstallScript?: boolean;
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  allowScripts: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('.').map(Number);
  return [a, b, c];
};
const cmp = (x: Version, y: Version): number => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** Enough of npm's range grammar for engine fields: `||` of space-joined comparators. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .every((c) => {
        if (c === '*' || c === '' || c === 'x') return true;
        const m = /^(>=|<=|>|<|\^|~|=)?v?(\d+(?:\.\d+){0,2})/.exec(c);
        if (!m) throw new Error(`engine range not understood: ${range}`);
        const op = m[1] ?? '';
        const w = parse(m[2]!);
        const parts = m[2]!.split('.').length;
        const d = cmp(v, w);
        if (op === '>=') return d >= 0;
        if (op === '<=') return d <= 0;
        if (op === '>') return d > 0;
        if (op === '<') return d < 0;
        if (op === '^') return v[0] === w[0] && d >= 0;
        if (op === '~') return v[0] === w[0] && v[1] === w[1] && d >= 0;
        // a bare version: 20 means 20.x, 20.1 means 20.1.x
        return v.slice(0, parts).every((n, i) => n === w[i]);
      }),
  );
}

describe('a quiet install', () => {
  const floor = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(pkg.engines.node)?.[1];

  it('the range check reads engine fields as npm does', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.1', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.19.0', '>=22')).toBe(false);
    expect(satisfies('20.19.0', '18 || 20 || >=22')).toBe(true);
    expect(satisfies('20.19.0', '>=0.6.11 <=0.7.0 || >=0.7.3')).toBe(true);
    expect(satisfies('20.19.0', '>= 20')).toBe(true);
    expect(satisfies('20.19.0', '*')).toBe(true);
  });

  it('every locked package accepts the oldest supported Node and the one running', () => {
    expect(floor, 'package.json engines.node is ">=X.Y"').toBeDefined();
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (!range) continue;
      for (const v of [floor!, process.versions.node])
        if (!satisfies(v, range)) refused.push(`${path} wants node ${range}, not ${v}`);
    }
    expect(refused).toEqual([]);
  });

  it('every install script is approved in allowScripts', () => {
    const scripts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 13));
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((name) => pkg.allowScripts[name] !== true)).toEqual([]);
  });
});
