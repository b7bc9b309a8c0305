/**
 * Forges attack trees from a tree `tufci publish --to dir:` wrote: copies it, then writes
 * new versions of roles signed by whichever keys the attack holds (the online key, a
 * root signer's key, an attacker's own key), with snapshot and timestamp re-made to
 * match. A forge that signs with the right keys yields a tree every client accepts (the
 * suite checks it), so each refusal is about the one thing an attack changed. The same
 * tree can be published to a registry or an image layout as it is, without checks.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { openOciLocation } from '../../lib/publish/oci-destination.js';
import { OciPublisher } from '../../lib/publish/oci.js';
import type { PublishTree, TreeEntry } from '../../lib/publish/tree.js';
import { parseLocation } from '../../lib/location.js';
import { KeyObjectSigner, generateKey, loadPrivateKey } from '../../lib/signers/keyfile.js';
import type { Signer } from '../../lib/signers/signer.js';
import { serialize, signedBytes, tufDate } from '../../lib/tuf/envelope.js';
import { keyId } from '../../lib/tuf/keys.js';
import type {
  Envelope,
  KeyJson,
  RootSigned,
  SnapshotSigned,
  TargetsSigned,
  TimestampSigned,
} from '../../lib/tuf/types.js';

/** A key the attack signs with: its signer and the keyid it signs as. */
export interface Key {
  id: string;
  signer: Signer;
  json: KeyJson;
}

export async function keyOf(pem: string, passphrase?: string): Promise<Key> {
  const signer = new KeyObjectSigner(loadPrivateKey(pem, 'test key', passphrase), 'test key');
  const json = (await signer.publicKey()) as KeyJson;
  return { id: keyId(json), signer, json };
}

/** A key nobody trusts. */
export function attackerKey(): Promise<Key> {
  return keyOf(generateKey('ecdsa').privatePem);
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const inDays = (days: number): string => tufDate(new Date(Date.now() + days * 86_400_000));

export interface Signing {
  /** Signers, each as the keyid it claims (default: its own). */
  by: { key: Key; as?: string }[];
}

export class Forge {
  constructor(readonly dir: string) {}

  /** A copy of `from` at `to`, to forge in. */
  static copy(from: string, to: string): Forge {
    cpSync(from, to, { recursive: true });
    return new Forge(to);
  }

  read<T extends Envelope>(file: string): T {
    return JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as T;
  }

  bytes(file: string): Buffer {
    return readFileSync(join(this.dir, file));
  }

  write(file: string, env: Envelope): Buffer {
    const bytes = Buffer.from(serialize(env));
    writeFileSync(join(this.dir, file), bytes);
    return bytes;
  }

  async sign<T extends Envelope>(env: T, s: Signing): Promise<T> {
    const data = signedBytes(env);
    env.signatures = [];
    for (const { key, as } of s.by)
      env.signatures.push({ keyid: as ?? key.id, sig: await key.signer.sign(data) });
    return env;
  }

  get timestamp(): Envelope<TimestampSigned> {
    return this.read('timestamp.json');
  }
  get snapshotVersion(): number {
    return this.timestamp.signed.meta['snapshot.json']!.version;
  }
  get snapshot(): Envelope<SnapshotSigned> {
    return this.read(`${this.snapshotVersion}.snapshot.json`);
  }
  get targetsVersion(): number {
    return this.snapshot.signed.meta['targets.json']!.version;
  }
  get targets(): Envelope<TargetsSigned> {
    return this.read(`${this.targetsVersion}.targets.json`);
  }
  get rootVersion(): number {
    return Math.max(
      ...readdirSync(this.dir)
        .map((f) => /^(\d+)\.root\.json$/.exec(f)?.[1])
        .filter((v): v is string => v !== undefined)
        .map(Number),
    );
  }
  get root(): Envelope<RootSigned> {
    return this.read(`${this.rootVersion}.root.json`);
  }

  /** Writes the next timestamp, naming the current snapshot file; `edit` may change anything. */
  async newTimestamp(
    s: Signing,
    edit: (t: TimestampSigned) => void = () => undefined,
  ): Promise<void> {
    const env = this.timestamp;
    env.signed.version += 1;
    env.signed.expires = inDays(1);
    const file = `${this.snapshotVersion}.snapshot.json`;
    describeFile(env.signed.meta['snapshot.json']!, this.bytes(file));
    edit(env.signed);
    this.write('timestamp.json', await this.sign(env, s));
  }

  /** Writes the next snapshot (naming the current targets file) and a timestamp for it. */
  async newSnapshot(
    s: Signing,
    edit: (t: SnapshotSigned) => void = () => undefined,
    timestamp: Signing = s,
  ): Promise<void> {
    const env = this.snapshot;
    env.signed.version += 1;
    env.signed.expires = inDays(7);
    describeFile(
      env.signed.meta['targets.json']!,
      this.bytes(`${this.targetsVersion}.targets.json`),
    );
    edit(env.signed);
    const file = `${env.signed.version}.snapshot.json`;
    this.write(file, await this.sign(env, s));
    const ts = this.timestamp;
    ts.signed.meta['snapshot.json'] = {
      ...ts.signed.meta['snapshot.json']!,
      version: env.signed.version,
    };
    this.write('timestamp.json', ts);
    await this.newTimestamp(timestamp);
  }

  /** Writes the next targets signed as `s`, then snapshot and timestamp signed by `online`. */
  async newTargets(
    s: Signing,
    online: Signing,
    edit: (t: TargetsSigned) => void = () => undefined,
  ): Promise<void> {
    const env = this.targets;
    env.signed.version += 1;
    env.signed.expires = inDays(30);
    edit(env.signed);
    this.write(`${env.signed.version}.targets.json`, await this.sign(env, s));
    const snap = this.snapshot;
    snap.signed.meta['targets.json'] = {
      ...snap.signed.meta['targets.json']!,
      version: env.signed.version,
    };
    this.write(`${this.snapshotVersion}.snapshot.json`, snap);
    await this.newSnapshot(online);
  }

  /** Writes the next root version, signed as `s` (the keys of the root before it, to be accepted). */
  async newRoot(s: Signing, edit: (r: RootSigned) => void): Promise<number> {
    const env = this.root;
    env.signed.version += 1;
    edit(env.signed);
    this.write(`${env.signed.version}.root.json`, await this.sign(env, s));
    return env.signed.version;
  }
}

/** Keeps the length and hashes of a meta entry (when it has them) true to `bytes`. */
function describeFile(meta: { length?: number; hashes?: Record<string, string> }, bytes: Buffer) {
  if (meta.length !== undefined) meta.length = bytes.length;
  if (meta.hashes) meta.hashes = { sha256: sha256(bytes) };
}

/** Every file of a published tree as a PublishTree, in safe order, for an OCI publisher. */
function treeOf(dir: string): PublishTree {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.push(relative(dir, p));
    }
  };
  walk(dir);
  const entries: TreeEntry[] = [];
  for (const path of files.filter((f) => f.startsWith('targets/'))) {
    const base = path.split('/').pop()!;
    const sha = base.slice(0, 64);
    const name = [...path.split('/').slice(1, -1), base.slice(65)].join('/');
    const length = statSync(join(dir, path)).size;
    entries.push({
      kind: 'target',
      path,
      name,
      file: join(dir, path),
      length,
      sha256: sha,
      target: { length, hashes: { sha256: sha } },
    });
  }
  const meta = files.filter((f) => /^(\d+\.)?[^/]+\.json$/.test(f));
  const rank = (f: string): number =>
    f === 'timestamp.json'
      ? 4
      : f.endsWith('.snapshot.json')
        ? 3
        : f.endsWith('.root.json')
          ? 2
          : 1;
  for (const path of meta.sort((a, b) => rank(a) - rank(b))) {
    const m = /^(?:(\d+)\.)?(.+)\.json$/.exec(path)!;
    const bytes = readFileSync(join(dir, path));
    entries.push({
      kind: m[2] === 'root' ? 'root' : 'metadata',
      path,
      name: m[2]!,
      ...(m[1] ? { version: Number(m[1]) } : {}),
      bytes,
      length: bytes.length,
      sha256: sha256(bytes),
    });
  }
  return { entries, roles: new Map(), registryTargets: [] };
}

/** Publishes a (forged) tree as it is to `oci://HOST/REPO` or `oci-layout:DIR`. */
export async function publishTree(dir: string, to: string): Promise<void> {
  const spec = parseLocation(to, { flag: '--to', cwd: dir, accept: ['oci', 'oci-layout'] });
  if (spec.kind !== 'oci' && spec.kind !== 'oci-layout') throw new Error(`${to}: not OCI`);
  const location = await openOciLocation(spec, { create: true });
  const publisher = new OciPublisher(to, {
    metadata: location.metadata,
    targets: location.targets!,
  });
  await publisher.publish(treeOf(dir));
}
