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
    // it says where its files are, and the three commands it offers work as printed
    expect(stdout).toMatch(/\nEverything is in \/\S+tufci-demo-\w+:\n/);
    const next = stdout.slice(stdout.indexOf('\nTry next:\n') + 11).split('\n\n')[0]!;
    const commands = next.split('\n').map((l) => l.trim());
    expect(commands).toHaveLength(3);
    const outputs: string[] = [];
    for (const c of commands) outputs.push((await run('sh', ['-c', c])).stdout);
    expect(outputs[0]).toContain('Signed by @alice');
    expect(outputs[1]).not.toContain('error');
    expect(outputs[2]).toContain('Target "hello.txt" verified: 35 bytes');
  });
});
