/**
 * Names from metadata that reach a file path or a URL (role names, snapshot entries) are
 * checked here, where metadata is loaded, so a hostile name never reaches the file system.
 */
import { UserError } from '../errors.js';

const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const TOP_LEVEL_ROLES: readonly string[] = ['root', 'targets', 'snapshot', 'timestamp'];

/** Letters, digits, '.', '_', '-'; no leading '.', no '/', no '..', at most 128 characters. */
function isRoleName(role: unknown): boolean {
  return (
    typeof role === 'string' &&
    ROLE_NAME.test(role) &&
    !role.includes('..') &&
    !role.endsWith('.json') &&
    role !== 'root_history'
  );
}

export function checkRoleName(role: string, where = 'role name'): void {
  if (!isRoleName(role)) {
    throw new UserError(
      `${where}: ${JSON.stringify(role)} is not a valid role name (letters, digits, '.', '_', '-'; at most 128)`,
    );
  }
}

/** A delegated role's name: a valid role name that is not a top-level role's. */
export function checkDelegatedRoleName(role: string, where: string): void {
  checkRoleName(role, where);
  if (TOP_LEVEL_ROLES.includes(role))
    throw new UserError(
      `${where}: ${JSON.stringify(role)} is a top-level role's name; a delegation cannot use it`,
    );
}

/** A snapshot `meta` entry: `<role>.json` with a valid role name. */
export function checkMetaFileName(name: string, where: string): void {
  const role = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
  if (!role || !isRoleName(role))
    throw new UserError(
      `${where}: ${JSON.stringify(name)} is not "<role>.json" with a valid role name`,
    );
}
