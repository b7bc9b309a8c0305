/**
 * `tufci key rotate` from one YubiKey to another (two SoftHSM tokens with the PIV 9c key,
 * both plugged in), named by a pkcs11: URI as docs/YUBIKEY.md shows: one event replaces
 * @alice's key in root and targets, signed by both tokens; `.tufci.yaml` then names the
 * new token; after the merge the repository verifies and the old token is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PIV_9C_KEY, createSoftHsm } from '../helpers/softhsm.js';
import { World } from '../helpers/world.js';

const OLD = 'YubiKey PIV #1001';
const NEW = 'YubiKey PIV #2002';
const uri = (label: string): string => `pkcs11:token=${encodeURIComponent(label)};id=%02`;

describe('key rotate to a new YubiKey', () => {
  const hsm = createSoftHsm([
    { label: OLD, keys: [PIV_9C_KEY] },
    { label: NEW, keys: [PIV_9C_KEY] },
  ]);
  const w = new World();
  w.env.TUFCI_PIN = hsm.pin;
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const ci = w.ci();
  afterAll(() => {
    w.cleanup();
    hsm.cleanup();
  });
  const ok = async (p: Promise<{ code: number; out: string; err: string }>): Promise<string> => {
    const r = await p;
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.out;
  };

  it('rotates root and targets to the new token in one event, signed by both tokens', async () => {
    await ok(
      alice.tufci(
        ...['setup', '--user', '@alice', '--method', 'pkcs11'],
        ...['--pkcs11-module', hsm.module, '--pkcs11-key', uri(OLD)],
      ),
    );
    await w.bootstrap([alice, bob], 2);
    const out = await ok(alice.tufci('key', 'rotate', '--new-key', uri(NEW)));
    expect(out).toContain("Rotated @alice's key in root, targets");
    expect(out).toContain('Signed root, targets with the new key.');
    expect(out).toContain("Signed root with the old key (the previous root's threshold).");
    const settings = readFileSync(join(alice.dir, '.tufci.yaml'), 'utf8');
    expect(settings).toContain(`pkcs11-key: ${uri(NEW)}`);
    expect(settings).toContain(`pkcs11-module: ${hsm.module}`);
    expect(settings).toContain('signing-method: pkcs11');

    await ok(bob.tufci('sign', 'sign/rotate-alice', '--yes'));
    w.sync(ci, 'sign/rotate-alice');
    const s = JSON.parse((await ci.tufci('status', '--json', '--no-fetch')).out) as {
      complete: boolean;
    };
    expect(s.complete).toBe(true);
    w.merge('sign/rotate-alice');
    w.sync(ci, 'main');
    await ok(ci.tufci('online-sign', '--push'));
    const site = join(w.root, 'site');
    await ok(ci.tufci('publish', '--to', `dir:${site}`));
    expect(await ok(ci.tufci('verify', '--from', `dir:${site}`))).toContain('Repository verified');
  });

  it('the new token signs the next event; the old one is refused', async () => {
    w.sync(alice, 'main');
    const now = await ok(alice.tufci('delegate', 'sign/next', 'targets', '--expiry', '300'));
    expect(now).toContain('Signed targets as @alice.');
    await ok(
      alice.tufci(
        ...['setup', '--user', '@alice', '--method', 'pkcs11'],
        ...['--pkcs11-module', hsm.module, '--pkcs11-key', uri(OLD)],
      ),
    );
    const old = await alice.tufci('delegate', 'sign/next2', 'targets', '--expiry', '200');
    expect(old.code).toBe(5);
    expect(old.err).toContain("is not @alice's key in: targets");
  });
});
