import { Command, CommanderError } from 'commander';
import { TufciError, type ErrorCode } from '../lib/errors.js';
import { OciError } from '../lib/oci/errors.js';
import type { Ctx } from './context.js';
import { checkFlags } from './flag-rules.js';
import {
  defineAddArtifact,
  defineDelegate,
  defineEvent,
  defineInit,
  defineKey,
  defineMirror,
  defineCopy,
  defineOnline,
  defineProject,
  definePublish,
  defineSetup,
  defineSign,
  defineStatus,
  defineVerify,
} from './definitions.js';

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('tufci')
    .description('A TUF repository that runs on CI and publishes to OCI registries')
    .version('0.1.0')
    .option('--debug', 'print the stack of an error (also TUFCI_DEBUG=1)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.err(s.replace(/\n$/, '')),
    });
  defineSetup(program, ctx);
  defineInit(program, ctx);
  defineDelegate(program, ctx);
  defineProject(program, ctx);
  defineSign(program, ctx);
  defineStatus(program, ctx);
  defineEvent(program, ctx);
  defineOnline(program, ctx);
  definePublish(program, ctx);
  defineVerify(program, ctx);
  defineKey(program, ctx);
  defineAddArtifact(program, ctx);
  defineMirror(program, ctx);
  defineCopy(program, ctx);
  for (const c of program.commands) c.exitOverride();
  program.hook('preAction', (_program, action) => checkFlags(action));
  return program;
}

/** Runs the CLI; returns the exit code (see `exitCodeFor`). */
export async function run(argv: string[], ctx: Ctx): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, ctx, argv.includes('--debug') || ctx.env.TUFCI_DEBUG === '1');
  }
}

/** Exit codes by error code: 1 failed user action, 2 usage, 3 not verified, 4 registry, 5 signer. */
const EXIT_CODES: Record<ErrorCode, number> = {
  user: 1,
  'metadata-invalid': 1,
  git: 1,
  usage: 2,
  'not-verified': 3,
  registry: 4,
  network: 4,
  signer: 5,
  internal: 70,
};

const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

/** The one place errors become a message and an exit code; a stack only with `debug`. */
function reportError(e: unknown, ctx: Ctx, debug: boolean): number {
  const stack = (): void => {
    if (debug && e instanceof Error && e.stack) ctx.err(e.stack);
  };
  if (e instanceof CommanderError) {
    if (COMMANDER_OK.has(e.code)) return e.exitCode;
    stack();
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof TufciError && e.code !== 'internal') {
    ctx.err(`error: ${e.message}${hintFor(e)}`);
    stack();
    return EXIT_CODES[e.code];
  }
  const fsError = describeFsError(e);
  if (fsError) {
    ctx.err(`error: ${fsError}`);
    stack();
    return 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  ctx.err(`internal error: ${message}`);
  if (debug) stack();
  else ctx.err('(a bug in tufci; run again with --debug or TUFCI_DEBUG=1 for the stack)');
  return 70;
}

/** A hint chosen by the error's code and kind, never by its text. */
function hintFor(e: TufciError): string {
  if (e instanceof OciError && e.kind === 'unauthorized') {
    return ' (give --registry-username and --registry-password-file, TUFCI_REGISTRY_USERNAME/PASSWORD, or ~/.docker/config.json)';
  }
  return '';
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** A file-system error (a path given on the command line, usually) in words, or undefined. */
function describeFsError(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== 'string' || !(err.code in FS_REASONS)) return undefined;
  const dest = (err as { dest?: string }).dest;
  const where = dest ? ` to ${dest}` : err.path ? ` ${err.path}` : '';
  return `cannot ${err.syscall ?? 'use'}${where}: ${FS_REASONS[err.code]}`;
}
