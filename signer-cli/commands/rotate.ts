/**
 * `tufci key rotate`: one signing event that replaces the signer's key in every role
 * they hold, signed with the new key (the roles' new thresholds) and the old one (the
 * previous root's threshold), then `.tufci.yaml` names the new key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describeChanges } from '../../lib/event/changes.js';
import { eventReport } from '../../lib/event/report.js';
import { rotateKey } from '../../lib/event/rotate.js';
import { signOwnChanges } from '../../lib/event/sign.js';
import { updateEvent } from '../../lib/event/update.js';
import { commitAndPush, openEvent } from '../../lib/event/workflow.js';
import { UsageError, UserError } from '../../lib/errors.js';
import { keyFileSigner } from '../../lib/signers/keyfile.js';
import type { Signer } from '../../lib/signers/signer.js';
import { keyMaterial } from '../../lib/tuf/key-identity.js';
import { keyId } from '../../lib/tuf/keys.js';
import { writeUserFile } from '../../lib/util/fs.js';
import { withRollback } from '../../lib/util/transaction.js';
import type { ConfigFlags, Ctx, SignerConfig } from '../context.js';
import {
  CONFIG_FILE,
  eventIo,
  makeSigner,
  passphraseSource,
  repoOf,
  signerConfig,
} from '../context.js';
import { parseKeyChoice } from '../signers.js';

export interface RotateOpts extends ConfigFlags {
  newKey: string;
  pkcs11Module?: string;
  event?: string;
  sign: boolean;
  push: boolean;
}

/** The new key as `.tufci.yaml` will name it, and its signer. */
interface NewKey {
  settings: Record<string, string>;
  /** Settings of the other signing method, dropped. */
  drop: string[];
  signer: Promise<Signer>;
  what: string;
}

const TOKEN_KEY = /^(pkcs11:|id:|label:|9[acde]$)/i;

/**
 * `--new-key`: a token key (9c, id:HEX, label:NAME, pkcs11:…), or a key file: the
 * private key, or its `.pub` beside it. A public key alone cannot sign, so it is refused.
 */
function newKeyOf(ctx: Ctx, o: RotateOpts, cfg: SignerConfig): NewKey {
  const value = o.newKey.trim();
  if (TOKEN_KEY.test(value)) {
    parseKeyChoice(value, '--new-key');
    const module = o.pkcs11Module ?? cfg.pkcs11Module;
    const settings: Record<string, string> = {
      'signing-method': 'pkcs11',
      'pkcs11-key': value,
      ...(module === undefined ? {} : { 'pkcs11-module': module }),
    };
    const next: SignerConfig = {
      ...cfg,
      method: 'pkcs11',
      pkcs11Key: value,
      ...(module === undefined ? {} : { pkcs11Module: module }),
    };
    delete next.keyfile;
    return { settings, drop: ['keyfile'], signer: makeSigner(ctx, next), what: value };
  }
  if (o.pkcs11Module !== undefined)
    throw new UsageError(
      `--pkcs11-module has no effect here: it is only for a token key as --new-key (9c, id:HEX, label:NAME, pkcs11:…), not the key file ${value}`,
    );
  const path = resolve(ctx.cwd, value);
  if (!existsSync(path))
    throw new UserError(
      `--new-key ${value}: no such file (a token key is 9c, id:HEX, label:NAME or a pkcs11: URI)`,
    );
  const pem = readFileSync(path, 'utf8');
  let keyfile = value;
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    const priv = value.endsWith('.pub') ? value.slice(0, -4) : undefined;
    if (!priv || !existsSync(resolve(ctx.cwd, priv)))
      throw new UserError(
        `--new-key ${value}: a public key alone cannot sign; give its private key file (tufci key generate writes KEY and KEY.pub) or the token key (9c, id:HEX, pkcs11:…)`,
      );
    keyfile = priv;
  } else if (!/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(pem))
    throw new UserError(`--new-key ${value}: not a PEM public or private key`);
  const full = resolve(ctx.cwd, keyfile);
  return {
    settings: { 'signing-method': 'keyfile', keyfile },
    drop: ['pkcs11-key', 'pkcs11-module'],
    signer: Promise.resolve(keyFileSigner(full, passphraseSource(ctx, keyfile))),
    what: keyfile,
  };
}

/** Writes the new key's settings over `.tufci.yaml`, keeping everything else (comments too). */
function updateSettings(ctx: Ctx, k: NewKey): void {
  const path = join(ctx.cwd, CONFIG_FILE);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = parseDocument(text.trim() ? text : '{}');
  for (const f of k.drop) doc.delete(f);
  for (const [f, v] of Object.entries(k.settings)) doc.set(f, v);
  writeUserFile(path, doc.toString());
}

/** `tufci key rotate --new-key KEY [--event sign/NAME]`. */
export async function rotateCommand(ctx: Ctx, o: RotateOpts): Promise<void> {
  const cfg = signerConfig(ctx, o);
  const event = o.event ?? `sign/rotate-${cfg.user.replace(/^@/, '')}`;
  const next = newKeyOf(ctx, o, cfg);
  const newSigner = await next.signer;
  const newPub = await newSigner.publicKey();
  const oldSigner = o.sign ? await makeSigner(ctx, cfg) : undefined;
  const oldPub = oldSigner ? await oldSigner.publicKey() : undefined;
  if (oldPub && keyMaterial(oldPub) === keyMaterial(newPub))
    throw new UserError(
      `--new-key ${o.newKey}: this is the key you sign with now; nothing to rotate`,
    );
  const io = eventIo(ctx, cfg);
  const ev = await openEvent(io, event);
  const repo = repoOf(ctx);
  await withRollback(ctx.cwd, ['metadata'], async () => {
    const r = rotateKey(repo, {
      user: cfg.user,
      newKey: newPub,
      ...(oldPub ? { oldKey: oldPub } : {}),
    });
    await updateEvent(repo, ev.base, ctx.now(), { event });
    const report = await eventReport(repo, ev.base, ctx.now());
    for (const c of report.changes) for (const l of describeChanges(c)) ctx.out(l);
    ctx.out(
      `Rotated ${cfg.user}'s key in ${r.roles.join(', ')}: keyid ${r.replaced.map((k) => k.slice(0, 12)).join(', ')} -> ${r.keyid.slice(0, 12)} (${next.what}).`,
    );
    if (oldSigner) {
      const signedNew = await signOwnChanges(repo, ev.base, cfg.user, newSigner, ctx.now());
      if (signedNew.length) ctx.out(`Signed ${signedNew.join(', ')} with the new key.`);
      const signedOld = await signOwnChanges(repo, ev.base, cfg.user, oldSigner, ctx.now());
      if (signedOld.length)
        ctx.out(`Signed ${signedOld.join(', ')} with the old key (the previous root's threshold).`);
    }
    await commitAndPush(
      io,
      ev,
      `Rotate ${cfg.user}'s key (keyid ${keyId(newPub).slice(0, 12)})`,
      o.push,
    );
  });
  updateSettings(ctx, next);
  ctx.out(`${CONFIG_FILE} now signs with ${next.what}.`);
  ctx.out(
    oldSigner
      ? `Next: the other signers run \`tufci sign ${event}\`; once merged, your old key signs nothing.`
      : `Next: run \`tufci sign ${event}\` (new key), and sign with your old key too if root needs it; then the other signers.`,
  );
}
