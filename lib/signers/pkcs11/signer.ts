/**
 * The PKCS#11 signer: a YubiKey's PIV "Digital Signature" key through Yubico's ykcs11
 * by default, any P-256 / P-384 key on any PKCS#11 token by label or id (SoftHSM2 in
 * tests, an HSM for online keys). The token hashes nothing: we hash, it signs the
 * digest with CKM_ECDSA, and the raw r‖s becomes the DER signature TUF carries.
 */
import { createHash, verify } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { rawEcdsaToDer } from './der.js';
import { pkcs11ErrorCode, signError } from './errors.js';
import { describeKey } from './key-errors.js';
import { isPivDefault, type LocatedKey, locateKey, type TufKeyInfo, tufKeyOf } from './locate.js';
import { describeSelector, type KeySelector } from './objects.js';
import { contextLogin, type PinCallback, withModule } from './session.js';
import { formatPkcs11Uri, parsePkcs11Uri } from './uri.js';
import { type Signer } from '../signer.js';
import { type TufPublicKey } from '../../tuf/types.js';
import { SignerError } from '../../errors.js';

export type { KeySelector } from './objects.js';
export type { PinCallback, PinRequest } from './session.js';
export { parseKeySelector } from './objects.js';
export { parsePkcs11Uri } from './uri.js';
export { listTokenKeys, type TokenKeyListing } from './list.js';
export { assertKeyMatches } from './assert.js';

export const YKCS11_MODULE_PATH_LINUX = '/usr/lib/x86_64-linux-gnu/libykcs11.so';
export const YKCS11_MODULE_PATH_MACOS = '/usr/local/lib/libykcs11.dylib';
const YKCS11_MODULE_PATH_WINDOWS = 'C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll';

/** Where Yubico's ykcs11 installs on `platform` (a `process.platform` value). */
export function defaultYkcs11ModulePath(platform: string): string {
  if (platform === 'darwin') return YKCS11_MODULE_PATH_MACOS;
  if (platform === 'win32') return YKCS11_MODULE_PATH_WINDOWS;
  return YKCS11_MODULE_PATH_LINUX;
}

export interface Pkcs11SignerOptions {
  /** The PKCS#11 module; default: ykcs11's path on `platform`. */
  modulePath?: string;
  /** `process.platform` of the caller, for the default module path; default "linux". */
  platform?: string;
  /** Token label; default: the first token holding the selected key. */
  token?: string;
  /** Key label and/or id (hex); default: PIV slot 9c (id 02). */
  key?: KeySelector;
  /** Supplies the user PIN once the token is known. */
  pin: PinCallback;
  /** Told what is happening while the token works, e.g. that it may want a touch. */
  notify?: (message: string) => void;
}

/** The resolved key: where it lives and its TUF identity. */
export interface Pkcs11KeyInfo {
  token: string;
  label: string;
  id: string;
  key: TufPublicKey;
  keyid: string;
  /** A `pkcs11:` URI naming exactly this key, e.g. for `x-tuf-on-ci-online-uri`. */
  uri: string;
}

const SIGNATURE_BUFFER = 1024;

export class Pkcs11Signer implements Signer {
  readonly modulePath: string;
  #token: string | undefined;
  #selector: KeySelector;
  #resolved: (Pkcs11KeyInfo & { describe: string }) | undefined;

  constructor(private readonly options: Pkcs11SignerOptions) {
    this.modulePath = options.modulePath ?? defaultYkcs11ModulePath(options.platform ?? 'linux');
    this.#token = options.token;
    this.#selector = options.key ?? {};
  }

  get description(): string {
    if (this.#resolved)
      return `key ${this.#resolved.describe} on PKCS#11 token "${this.#resolved.token}"`;
    const where =
      this.#token === undefined ? 'the first token holding it' : `token "${this.#token}"`;
    return `PKCS#11 key ${describeSelector(this.#selector)} on ${where}`;
  }

  /** The key's TUF identity, reading the token once (no PIN unless the key hides before login). */
  async keyInfo(): Promise<Pkcs11KeyInfo> {
    if (!this.#resolved) {
      await withModule(this.modulePath, (p) =>
        locateKey(p, this.#locateOptions(false), async (found) => {
          this.#remember(found);
        }),
      );
    }
    const { token, label, id, key, keyid, uri } = this.#resolved!;
    return { token, label, id, key, keyid, uri };
  }

  async publicKey(): Promise<TufPublicKey> {
    return (await this.keyInfo()).key;
  }

  async sign(data: Uint8Array): Promise<string> {
    return withModule(this.modulePath, (p) =>
      locateKey(p, this.#locateOptions(true), async (found) => {
        const info = this.#remember(found);
        const digest = createHash(info.curve.hash).update(data).digest();
        const keyName = describeKey(found.key);
        const fail = (err: unknown): never => {
          const code = pkcs11ErrorCode(err);
          if (code === undefined) throw err;
          throw signError(code, found.token.label, keyName);
        };
        try {
          p.C_SignInit(found.session, { mechanism: pkcs11js.CKM_ECDSA }, found.key.privateHandle!);
        } catch (err) {
          fail(err);
        }
        if (found.key.alwaysAuthenticate) contextLogin(p, found.session, found.token, found.pin!);
        this.options.notify?.(
          `Signing with ${keyName} on token "${found.token.label}": touch the key if it blinks.`,
        );
        const raw = await p
          .C_SignAsync(found.session, digest, Buffer.alloc(SIGNATURE_BUFFER))
          .catch(fail);
        const key = { key: info.spkiPem, dsaEncoding: 'ieee-p1363' as const };
        if (raw.length !== 2 * info.curve.size || !verify(info.curve.hash, data, key, raw)) {
          throw new Error(`the token's signature does not verify with ${this.description}`);
        }
        return rawEcdsaToDer(raw).toString('hex');
      }),
    );
  }

  /** The `pkcs11:` URI of the resolved key (with module-path), for an online key's metadata. */
  async uri(): Promise<string> {
    return (await this.keyInfo()).uri;
  }

  #locateOptions(login: boolean) {
    return {
      modulePath: this.modulePath,
      ...(this.#token === undefined ? {} : { token: this.#token }),
      selector: this.#selector,
      pin: this.options.pin,
      login,
    };
  }

  /** Pins later operations to the key found first; refuses if the token's key changed. */
  #remember(found: LocatedKey): TufKeyInfo {
    const info = tufKeyOf(found.key, found.token.label);
    if (this.#resolved && this.#resolved.keyid !== info.keyid) {
      throw new SignerError(
        'key',
        `The key on token "${found.token.label}" (keyid ${info.keyid.slice(0, 8)}…) is not the key ` +
          `this signer used before (keyid ${this.#resolved.keyid.slice(0, 8)}…); was the token swapped?`,
      );
    }
    const { label, id } = found.key;
    this.#token = found.token.label;
    if (id !== '') this.#selector = { ...this.#selector, id };
    else if (isPivDefault(this.#selector)) this.#selector = { label };
    const uri = formatPkcs11Uri({
      token: found.token.label,
      ...(label === '' ? {} : { object: label }),
      ...(id === '' ? {} : { id }),
      modulePath: this.modulePath,
    });
    this.#resolved = {
      token: found.token.label,
      label,
      id,
      key: info.key,
      keyid: info.keyid,
      uri,
      describe: describeKey(found.key),
    };
    return info;
  }
}

/** The signer an online key's `x-tuf-on-ci-online-uri` names (see pkcs11-uri.ts). */
export function pkcs11SignerFromUri(
  uri: string,
  pin: PinCallback,
  extra: Pick<Pkcs11SignerOptions, 'platform' | 'notify'> = {},
): Pkcs11Signer {
  const parsed = parsePkcs11Uri(uri);
  const key: KeySelector = {
    ...(parsed.object === undefined ? {} : { label: parsed.object }),
    ...(parsed.id === undefined ? {} : { id: parsed.id }),
  };
  return new Pkcs11Signer({
    ...extra,
    ...(parsed.modulePath === undefined ? {} : { modulePath: parsed.modulePath }),
    ...(parsed.token === undefined ? {} : { token: parsed.token }),
    key,
    pin,
  });
}

/** The TUF key and keyid of the token's key, as a signer accepting an invite adds it to metadata. */
export async function pkcs11InviteKey(options: Pkcs11SignerOptions): Promise<Pkcs11KeyInfo> {
  return new Pkcs11Signer(options).keyInfo();
}
