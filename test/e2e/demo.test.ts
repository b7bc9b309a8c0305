import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo (the README quick start)', () => {
  it('ends with a verified target, from the OCI layout and the static tree', async () => {
    const { stdout } = await run(process.execPath, ['build/scripts/demo.js'], { timeout: 120_000 });
    expect(stdout).toContain('tufci verify --from oci-layout:');
    expect(stdout.match(/Target "hello.txt" verified: 35 bytes/g)).toHaveLength(2);
    expect(
      stdout.trim().endsWith('Verified target hello.txt:\n  Hello from a TUF repository on CI!'),
    ).toBe(true);
  });
});
