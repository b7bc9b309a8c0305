/**
 * `tufci key list`: the keys each token holds and the roles each signs for in the
 * checked-out repository; `tufci key public`: a token key's public key as PEM, for
 * `init --online-key` or `--key @user=FILE`. Both read public objects only: no PIN.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import {
  listTokenKeys,
  Pkcs11Signer,
  type TokenKeyListing,
} from '../../lib/signers/pkcs11/signer.js';
import { formatKeyListing } from '../../lib/signers/pkcs11/list.js';
import { UserError } from '../../lib/errors.js';
import { RepoDir } from '../../lib/tuf/repo.js';
import { KEYOWNER } from '../../lib/tuf/types.js';
import type { KeyJson } from '../../lib/tuf/types.js';
import { CONFIG_FILE, type Ctx } from '../context.js';
import { parseKeyChoice, pkcs11ModulePath } from './pkcs11-signer.js';

/** `pkcs11-module` and `pkcs11-key` from `.tufci.yaml`, without needing the rest of it. */
export function pkcs11Settings(ctx: Ctx): { module?: string; key?: string } {
  const path = join(ctx.cwd, CONFIG_FILE);
  if (!existsSync(path)) return {};
  let file: unknown;
  try {
    file = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${CONFIG_FILE}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const fields = (file ?? {}) as Record<string, unknown>;
  const str = (name: string): string | undefined => {
    const v = fields[name];
    if (v !== undefined && typeof v !== 'string')
      throw new UserError(`${CONFIG_FILE}: field "${name}" must be a string`);
    return v;
  };
  const module = str('pkcs11-module');
  const key = str('pkcs11-key');
  return { ...(module === undefined ? {} : { module }), ...(key === undefined ? {} : { key }) };
}

/** What one keyid does in the repository: roles it signs and the owner metadata names. */
export interface KeyUse {
  roles: string[];
  owner?: string;
}

/**
 * Roles per keyid in the metadata checked out in `dir`: root's four top-level roles,
 * then targets' delegations. Undefined when there is no metadata.
 */
export function keyUses(dir: string): Map<string, KeyUse> | undefined {
  const repo = new RepoDir(dir);
  if (!repo.has('root')) return undefined;
  const uses = new Map<string, KeyUse>();
  const add = (keyid: string, role: string, key: KeyJson | undefined): void => {
    const use = uses.get(keyid) ?? { roles: [] };
    if (!use.roles.includes(role)) use.roles.push(role);
    const owner = key?.[KEYOWNER];
    if (use.owner === undefined && typeof owner === 'string') use.owner = owner;
    uses.set(keyid, use);
  };
  const root = repo.root().signed;
  for (const [role, entry] of Object.entries(root.roles)) {
    for (const id of entry.keyids) add(id, role, root.keys[id]);
  }
  if (repo.has('targets')) {
    const delegations = repo.targets().signed.delegations;
    for (const d of delegations?.roles ?? []) {
      for (const id of d.keyids) add(id, d.name, delegations?.keys[id]);
    }
  }
  return uses;
}

/** The listing with a "signs: ..." line under each usable key when there is metadata. */
export function formatKeyRoles(
  listings: TokenKeyListing[],
  uses: Map<string, KeyUse> | undefined,
): string {
  return listings
    .map((t) => {
      const lines = formatKeyListing([t]).split('\n');
      if (!uses) return lines.join('\n');
      const out = [lines[0]!];
      t.keys.forEach((k, i) => {
        out.push(lines[i + 1]!);
        if (!k.keyid) return;
        const use = uses.get(k.keyid);
        out.push(
          use
            ? `    signs: ${use.roles.join(', ')}${use.owner ? ` (as ${use.owner})` : ''}`
            : '    signs: nothing in this repository',
        );
      });
      if (t.keys.length === 0) out.push(...lines.slice(1));
      return out.join('\n');
    })
    .join('\n');
}

interface ListOpts {
  module?: string;
  json?: boolean;
}

interface PublicOpts {
  module?: string;
  key?: string;
  out?: string;
}

function keyCommand(program: Command): Command {
  const key = program.commands.find((c) => c.name() === 'key');
  if (!key) throw new Error('the `key` command must be registered before the PKCS#11 commands');
  return key;
}

/** Adds `key list` and `key public` to the existing `key` command. */
export function registerPkcs11KeyCommands(program: Command, ctx: Ctx): void {
  const key = keyCommand(program);
  key
    .command('list')
    .description(
      'list the keys on each PKCS#11 token (YubiKey) and the roles each signs for in this repository',
    )
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option('--json', 'machine-readable output')
    .action(async (o: ListOpts) => {
      const settings = pkcs11Settings(ctx);
      const modulePath = pkcs11ModulePath(o.module ?? settings.module, ctx.cwd);
      const listings = await listTokenKeys(modulePath);
      const uses = keyUses(ctx.cwd);
      if (o.json) {
        const withRoles = listings.map((t) => ({
          ...t,
          keys: t.keys.map((k) => {
            const use = k.keyid && uses ? uses.get(k.keyid) : undefined;
            return { ...k, roles: use?.roles ?? [], ...(use?.owner ? { owner: use.owner } : {}) };
          }),
        }));
        ctx.out(JSON.stringify({ module: modulePath, tokens: withRoles }, null, 2));
        return;
      }
      ctx.out(formatKeyRoles(listings, uses));
    });
  key
    .command('public')
    .description(
      'print (or --out) the public key PEM of a token key, e.g. for init --online-key or --key @user=FILE',
    )
    .option('--module <path>', 'PKCS#11 module (default: pkcs11-module in .tufci.yaml, or ykcs11)')
    .option(
      '--key <key>',
      'the key: 9c (PIV default), id:HEX, a label, or a pkcs11: URI (default: pkcs11-key in .tufci.yaml)',
    )
    .option('--out <file>', 'write the PEM to this file instead of printing it')
    .action(async (o: PublicOpts) => {
      const settings = pkcs11Settings(ctx);
      const choice = parseKeyChoice(o.key ?? settings.key, o.key ? '--key' : 'pkcs11-key');
      const signer = new Pkcs11Signer({
        modulePath: choice.modulePath ?? pkcs11ModulePath(o.module ?? settings.module, ctx.cwd),
        ...(choice.token === undefined ? {} : { token: choice.token }),
        key: choice.key,
        pin: async (r) => {
          throw new UserError(
            `The key is not visible on token "${r.token}" without the PIN; ` +
              `import its public key (or certificate) next to it.`,
          );
        },
      });
      const info = await signer.keyInfo();
      const pem = info.key.keyval.public;
      if (o.out) {
        const out = resolve(ctx.cwd, o.out);
        if (existsSync(out)) throw new UserError(`--out ${o.out}: file exists; not overwriting`);
        writeFileSync(out, pem.endsWith('\n') ? pem : `${pem}\n`);
        ctx.out(`Wrote ${o.out}: ${signer.description}, keyid ${info.keyid}`);
        ctx.out(`Online key URI: ${info.uri}`);
      } else {
        ctx.out(pem.replace(/\n$/, ''));
      }
    });
}
