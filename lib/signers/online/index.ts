/**
 * The online key schemes, in one registry: what an `x-tuf-on-ci-online-uri` may say.
 * `init` checks a URI here before writing it into root, and the CLI (online-sign,
 * key public) and the online-sign action sign through it. A new scheme is one file
 * in this folder and one line in SCHEMES.
 */
import { UserError } from '../../errors.js';
import type { TufPublicKey } from '../../tuf/types.js';
import type { Signer } from '../signer.js';
import { awskms } from './awskms.js';
import { azurekms } from './azurekms.js';
import { envvar } from './envvar.js';
import { file } from './file.js';
import { gcpkms } from './gcpkms.js';
import { pkcs11 } from './pkcs11.js';
import type { OnlineEnv, OnlineScheme } from './types.js';

export type { OnlineEnv, OnlineScheme } from './types.js';

const SCHEMES: readonly OnlineScheme[] = [envvar, file, pkcs11, awskms, gcpkms, azurekms];

/** The schemes tufci knows, signable ones first. */
export function onlineSchemes(): readonly OnlineScheme[] {
  return SCHEMES;
}

/** "envvar:NAME, file:PATH, …": the URIs tufci can sign with, for messages. */
export function signableUris(): string {
  return SCHEMES.filter((s) => s.signs !== false)
    .map((s) => s.describe.split(' ')[0])
    .join(', ');
}

function schemeOf(uri: string): OnlineScheme | undefined {
  const colon = uri.indexOf(':');
  if (colon <= 0) return undefined;
  const name = uri.slice(0, colon).toLowerCase();
  return SCHEMES.find((s) => s.scheme === name);
}

/** Why `uri` cannot be an online key tufci signs with, or undefined. Nothing is contacted. */
export function onlineUriProblem(uri: string): string | undefined {
  const s = schemeOf(uri);
  if (!s) return 'unknown scheme';
  return s.check(uri);
}

/** Refuses an online key URI no signer can be made from, before it is written into root. */
export function checkOnlineUri(uri: string, where: string): void {
  const problem = onlineUriProblem(uri);
  if (problem)
    throw new UserError(
      `${where}: "${uri}" is not an online key URI tufci can sign with: ${problem} (use ${signableUris()})`,
    );
}

function signable(uri: string): OnlineScheme {
  const s = schemeOf(uri);
  if (!s) throw new UserError(`online key URI "${uri}": unknown scheme (use ${signableUris()})`);
  if (s.signs === false)
    throw new UserError(
      `online key URI "${uri}": ${s.check(uri) ?? 'cannot sign'} (use ${signableUris()})`,
    );
  return s;
}

/** The signer behind an `x-tuf-on-ci-online-uri`. */
export async function onlineSigner(uri: string, o: OnlineEnv): Promise<Signer> {
  return signable(uri).signer(uri, o);
}

/** The public key an online key URI names, read without any secret where the scheme allows. */
export async function onlinePublicKey(uri: string, o: OnlineEnv): Promise<TufPublicKey> {
  const s = signable(uri);
  if (s.publicKey) return s.publicKey(uri, o);
  return (await s.signer(uri, o)).publicKey();
}
