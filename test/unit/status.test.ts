import { describe, expect, it } from 'vitest';
import type { Invites } from '../../lib/event/invites.js';
import { statusMarkdown, statusText } from '../../lib/event/render.js';
import { eventStatus, missingSigners, unsignedKeysOf } from '../../lib/event/status.js';
import { generateKey, KeyObjectSigner, loadPrivateKey } from '../../lib/signers/keyfile.js';
import { signedBytes } from '../../lib/tuf/envelope.js';
import { keyId } from '../../lib/tuf/keys.js';
import type { MetadataReader } from '../../lib/tuf/repo.js';
import type { Envelope, KeyJson, RootSigned, TargetsSigned } from '../../lib/tuf/types.js';

const users = ['@alice', '@bob', '@carol', '@dave'] as const;
type User = (typeof users)[number];
const keys = Object.fromEntries(
  users.map((u) => {
    const k = generateKey('ed25519');
    return [
      u,
      {
        id: keyId(k.tufKey),
        json: { ...k.tufKey, 'x-tuf-on-ci-keyowner': u } as KeyJson,
        signer: new KeyObjectSigner(loadPrivateKey(k.privatePem, u), u),
      },
    ];
  }),
) as Record<User, { id: string; json: KeyJson; signer: KeyObjectSigner }>;

function root(version: number, rootSigners: User[], threshold: number): Envelope<RootSigned> {
  const ids = (us: User[]) => us.map((u) => keys[u].id);
  return {
    signed: {
      _type: 'root',
      spec_version: '1.0.31',
      version,
      expires: '2030-01-01T00:00:00Z',
      consistent_snapshot: true,
      keys: Object.fromEntries(users.map((u) => [keys[u].id, keys[u].json])),
      roles: {
        root: { keyids: ids(rootSigners), threshold },
        targets: { keyids: ids(['@alice', '@bob']), threshold: 1 },
        snapshot: { keyids: ids(['@alice']), threshold: 1 },
        timestamp: { keyids: ids(['@alice']), threshold: 1 },
      },
    },
    signatures: [],
  };
}
function targets(version: number, t: TargetsSigned['targets'] = {}): Envelope<TargetsSigned> {
  return {
    signed: {
      _type: 'targets',
      spec_version: '1.0.31',
      version,
      expires: '2030-01-01T00:00:00Z',
      targets: t,
    },
    signatures: [],
  };
}
async function sign(env: Envelope, ...who: User[]): Promise<Envelope> {
  for (const u of who)
    env.signatures.push({ keyid: keys[u].id, sig: await keys[u].signer.sign(signedBytes(env)) });
  return env;
}
const reader = (roles: Record<string, Envelope>): MetadataReader => ({
  read: async (role) => roles[role],
});

describe('eventStatus', () => {
  it('lists only changed roles, with who signed and the threshold', async () => {
    const base = reader({ root: root(1, ['@alice', '@bob'], 2), targets: targets(1) });
    const next = new Map<string, Envelope>([
      ['root', root(1, ['@alice', '@bob'], 2)],
      [
        'targets',
        await sign(targets(2, { 'a.txt': { length: 1, hashes: { sha256: 'ab' } } }), '@bob'),
      ],
    ]);
    const s = await eventStatus(next, base, {});
    expect(s.roles.map((r) => r.role)).toEqual(['targets']);
    expect(s.roles[0]).toMatchObject({
      version: 2,
      complete: true,
      previous: undefined,
      current: { threshold: 1, signedCount: 1, met: true },
    });
    expect(s.roles[0]!.current.signers).toEqual([
      { name: '@alice', keyid: keys['@alice'].id, signed: false },
      { name: '@bob', keyid: keys['@bob'].id, signed: true },
    ]);
    expect(s.complete).toBe(true);
  });

  it('requires both the new and the previous root threshold for a rotation', async () => {
    const base = reader({ root: root(1, ['@alice', '@bob', '@carol'], 2) });
    const next = root(2, ['@alice', '@bob', '@dave'], 2);
    const status = async (...who: User[]) => {
      const env = await sign(JSON.parse(JSON.stringify(next)) as Envelope, ...who);
      return (await eventStatus(new Map([['root', env]]), base, {})).roles[0]!;
    };
    const s1 = await status('@bob', '@dave');
    expect(s1.current.met).toBe(true);
    expect(s1.previous).toMatchObject({ threshold: 2, signedCount: 1, met: false });
    expect(s1.complete).toBe(false);
    expect(unsignedKeysOf(s1, '@carol')).toEqual([keys['@carol'].id]);
    expect(unsignedKeysOf(s1, '@dave')).toEqual([]);
    expect(unsignedKeysOf(s1, '@alice')).toEqual([keys['@alice'].id]);

    const s2 = await status('@bob', '@dave', '@carol');
    expect(s2.previous).toMatchObject({ signedCount: 2, met: true });
    expect(s2.current.signedCount).toBe(2);
    expect(s2.complete).toBe(true);
  });

  it('is incomplete while invites are pending, and names who is missing', async () => {
    const base = reader({ root: root(1, ['@alice'], 1), targets: targets(1) });
    const invites: Invites = { '@erin': ['targets'] };
    const next = new Map<string, Envelope>([
      ['root', root(1, ['@alice'], 1)],
      ['targets', targets(2)],
    ]);
    const s = await eventStatus(next, base, invites);
    expect(s.roles[0]).toMatchObject({ invites: ['@erin'], complete: false });
    expect(s.complete).toBe(false);
    expect(missingSigners(s)).toEqual(['@alice', '@bob', '@erin']);
  });
});

describe('statusText and statusMarkdown', () => {
  const pending = async () => {
    const base = reader({ root: root(1, ['@alice', '@bob', '@carol'], 2), targets: targets(1) });
    const next = new Map<string, Envelope>([
      ['root', await sign(root(2, ['@alice', '@bob', '@dave'], 2), '@dave')],
    ]);
    return eventStatus(next, base, { '@erin': ['targets'] });
  };

  it('text: per role state, both root requirements, who we wait for', async () => {
    const lines = statusText('sign/rot', await pending());
    expect(lines[0]).toBe('Signing event sign/rot: not complete');
    expect(lines).toContain(
      '    signatures: 1 of 2 needed; signed: @dave; not signed: @alice, @bob',
    );
    expect(lines).toContain(
      '    previous root: 0 of 2 needed; signed: nobody; not signed: @alice, @bob, @carol',
    );
    expect(lines.at(-1)).toBe('  Waiting for: @alice, @bob, @carol, @erin');
  });

  it('markdown: table, the command for each missing signer, changes and a timeline', async () => {
    const md = statusMarkdown({
      event: 'sign/rot',
      status: await pending(),
      cli: 'npx tufci',
      changes: [
        {
          role: 'root',
          isNew: false,
          version: { old: 1, new: 2 },
          expires: { old: 'A', new: 'B' },
          added: [],
          modified: [],
          removed: [],
          delegations: [],
          unusedKeys: { added: [], removed: [] },
          otherFields: [],
        },
      ],
      timeline: [{ role: 'root', from: '2030-01-01T00:00:00Z', expires: '2031-01-01T00:00:00Z' }],
    });
    expect(md).toMatch(/^### Signing event `sign\/rot`: ⏳/);
    expect(md).toContain('| Role | Version | Changes | Expires | State | Signers |');
    expect(md).toMatch(
      /\| root \| 2 \| [^|]+ \| 2030-01-01 \| ⏳ needs signatures \| .*✅ @dave.*previous root:/,
    );
    for (const u of ['@alice', '@bob', '@carol'])
      expect(md).toContain(`- ${u}: \`npx tufci sign sign/rot\``);
    expect(md).toContain('- @erin (accept the invite for targets): `npx tufci sign sign/rot`');
    expect(md).toContain('<details><summary>What changed</summary>');
    expect(md).toContain('Role root: version 1 -> 2');
    expect(md).toContain('```mermaid\ngantt');
    expect(md).toContain('  root : 2030-01-01, 2031-01-01');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('markdown: a complete event needs no one, and names cannot inject markdown', async () => {
    const base = reader({ root: root(1, ['@alice'], 1), targets: targets(1) });
    const t = await sign(targets(2), '@alice');
    const s = await eventStatus(
      new Map<string, Envelope>([
        ['root', root(1, ['@alice'], 1)],
        ['targets', t],
      ]),
      base,
      {},
    );
    const md = statusMarkdown({ event: 'sign/x', status: s, changes: [] });
    expect(md).toMatch(/^### Signing event `sign\/x`: ✅ complete/);
    expect(md).not.toContain('Still needed');
    s.roles[0]!.current.signers[0]!.name = '@a|b<script>';
    const esc = statusMarkdown({ event: 'sign/x', status: s, changes: [] });
    expect(esc).toContain('@a\\|b\\<script\\>');
    expect(esc).not.toContain('<script>');
  });
});
