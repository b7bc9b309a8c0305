import { TufciError, type ErrorCode } from '../errors.js';

/** The one error type of lib/oci: names where (store, repository, reference) and why (HTTP status, registry error codes). */

export type OciErrorKind =
  | 'not-found'
  | 'unauthorized'
  | 'denied'
  | 'precondition-failed'
  | 'digest-mismatch'
  | 'too-large'
  | 'invalid'
  | 'network'
  /** No complete answer within the deadline the client set (a slow retrieval). */
  | 'timeout'
  | 'http';

export interface OciErrorContext {
  /** What was being done, e.g. "GET manifest". */
  operation: string;
  /** `host[:port]` of a registry, or `oci-layout <dir>`. */
  registry?: string;
  repository?: string;
  /** Tag or digest. */
  reference?: string;
  status?: number;
  /** Error codes from the registry's JSON error body, e.g. MANIFEST_UNKNOWN. */
  codes?: string[];
}

/** `network` kinds are network failures; every other kind is an answer from a registry. */
/** Bytes that differ from their digest were refused (exit 3); network trouble is not the registry's answer. */
function codeOf(kind: OciErrorKind): ErrorCode {
  if (kind === 'network' || kind === 'timeout') return 'network';
  if (kind === 'digest-mismatch') return 'not-verified';
  return 'registry';
}

export class OciError extends TufciError {
  readonly kind: OciErrorKind;
  readonly operation: string;
  readonly registry?: string;
  readonly repository?: string;
  readonly reference?: string;
  readonly status?: number;
  readonly codes: string[];

  constructor(
    kind: OciErrorKind,
    context: OciErrorContext,
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(codeOf(kind), formatMessage(context, detail), options);
    this.name = 'OciError';
    this.kind = kind;
    this.operation = context.operation;
    this.registry = context.registry;
    this.repository = context.repository;
    this.reference = context.reference;
    this.status = context.status;
    this.codes = context.codes ?? [];
  }
}

function formatMessage(c: OciErrorContext, detail: string | undefined): string {
  let where = c.registry ?? '';
  if (c.repository) where += (where ? '/' : '') + c.repository;
  if (c.reference) where += (c.reference.includes(':') ? '@' : ':') + c.reference;
  let msg = `${c.operation}${where ? ` ${where}` : ''}`;
  const why: string[] = [];
  if (c.status !== undefined) why.push(`HTTP ${c.status}`);
  if (c.codes && c.codes.length > 0) why.push(c.codes.join(', '));
  if (detail) why.push(detail);
  if (why.length > 0) msg += `: ${why.join(' ')}`;
  return msg;
}

/** The kind an HTTP error status maps to. */
export function kindForStatus(status: number): OciErrorKind {
  if (status === 404) return 'not-found';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'denied';
  if (status === 412) return 'precondition-failed';
  if (status === 413) return 'too-large';
  return 'http';
}

/** Parses the distribution-spec error body `{"errors":[{"code":...,"message":...}]}`, tolerating anything. */
export function parseErrorBody(text: string): { codes: string[]; message?: string } {
  try {
    const body = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const errors = Array.isArray(body.errors) ? body.errors : [];
    const codes = errors.map((e) => e.code).filter((c): c is string => typeof c === 'string');
    const first = errors.find((e) => typeof e.message === 'string');
    const message = first ? String(first.message).slice(0, 200) : undefined;
    return { codes, message };
  } catch {
    return { codes: [] };
  }
}
