import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = resolve('build/signer-cli/main.js');

describe('key generate file modes', () => {
  it('writes the private key 0600 and the public key 0644 even under umask 000', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tufci-modes-'));
    const r = spawnSync(
      'sh',
      ['-c', `umask 000 && exec node "${CLI}" key generate --out k.pem --no-passphrase`],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(statSync(join(dir, 'k.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'k.pem.pub')).mode & 0o777).toBe(0o644);
  });
});
