/**
 * Signers see whom they trust, on a real git remote through the real CLI: a key's
 * owner label alone proves nothing, so every account names keys by owner and keyid,
 * warns when a label names a signer whose known key is another key, and never calls a
 * root key swap "no content change".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../lib/signers/keyfile.js';
import { keyId, tufKeyFromPublicPem } from '../../lib/tuf/keys.js';
import { World } from '../helpers/world.js';

const short = (pem: string): string => keyId(tufKeyFromPublicPem(pem)).slice(0, 8);

describe('whom a signer trusts', () => {
  const w = new World();
  const alice = w.clone('alice');
  const bob = w.clone('bob');
  const mallory = w.clone('mallory');
  const ci = w.ci();

  beforeAll(async () => {
    await w.bootstrap([alice, bob], 2);
  }, 120_000);
  afterAll(() => w.cleanup());

  it('a delegation to a key labelled "@alice" that is not her key: keyid shown, warned', async () => {
    w.sync(mallory, 'main');
    const fake = generateKey('ecdsa');
    const fakePub = join(w.root, 'fake-alice.pub');
    writeFileSync(fakePub, fake.publicPem);
    const d = await mallory.tufci(
      ...['delegate', 'sign/tools', 'tools', '--signers', '@alice', '--key', `@alice=${fakePub}`],
      ...['--paths', '*', '--no-sign'],
    );
    expect(d.code, d.err).toBe(0);
    w.sync(ci, 'sign/tools');
    expect((await ci.tufci('event', 'update', '--push')).code).toBe(0);

    const fakeId = short(fake.publicPem);
    const realId = short(readPub(alice.pubfile));
    w.sync(bob, 'sign/tools');
    const sign = await bob.tufci('sign', 'sign/tools', '--yes');
    expect(sign.code, sign.err).toBe(0);
    expect(sign.out).toContain('  * signers of tools: none -> @alice; threshold 1; paths *');
    expect(sign.out).toContain(`      + key @alice keyid ${fakeId}`);
    expect(sign.out).toContain(
      `      ! warning: key ${fakeId} is labelled @alice, but @alice's key in root is ${realId}`,
    );

    w.sync(ci, 'sign/tools');
    const md = await ci.tufci('status', '--markdown');
    expect(md.out).toContain(
      `key ${fakeId} is labelled @alice, but @alice's key in root is ${realId}`,
    );
    expect(md.out).toContain('1 key label warning');
    const json = JSON.parse((await ci.tufci('status', '--json')).out) as {
      changes: { role: string; delegations: { keysAdded: { keyid: string }[] }[] }[];
    };
    const targets = json.changes.find((c) => c.role === 'targets')!;
    expect(targets.delegations[0]!.keysAdded[0]!.keyid.slice(0, 8)).toBe(fakeId);
  });

  it('a root key swap shows both keyids, in sign and in the PR comment', async () => {
    w.sync(alice, 'main');
    const next = generateKey('ecdsa', 'pw');
    const nextPub = join(w.root, 'bob-next.pub');
    writeFileSync(nextPub, next.publicPem);
    const d = await alice.tufci(
      ...['delegate', 'sign/swap', 'root', '--signers', '@alice,@bob', '--key', `@bob=${nextPub}`],
      '--no-sign',
    );
    expect(d.code, d.err).toBe(0);
    const oldBob = short(readPub(bob.pubfile));
    const newBob = short(next.publicPem);
    w.sync(alice, 'sign/swap');
    const sign = await alice.tufci('sign', 'sign/swap', '--yes');
    expect(sign.code, sign.err).toBe(0);
    expect(sign.out).not.toContain('no content change');
    expect(sign.out).toContain(`      + key @bob keyid ${newBob}`);
    expect(sign.out).toContain(`      - key @bob keyid ${oldBob}`);
    w.sync(ci, 'sign/swap');
    const md = (await ci.tufci('status', '--markdown')).out;
    expect(md).not.toMatch(/\| root \| \d+ \| expiry only \|/);
    expect(md).toContain(`signers of root (+@bob ${newBob}, -@bob ${oldBob})`);
  });
});

const readPub = (path: string): string => readFileSync(path, 'utf8');
