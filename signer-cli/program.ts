import { Command, CommanderError } from 'commander';
import { UserError } from '../lib/errors.js';
import type { Ctx } from './context.js';
import { registerDelegate } from './commands/delegate.js';
import { registerEvent, registerStatus } from './commands/event.js';
import { registerInit } from './commands/init.js';
import { registerKey, registerSetup } from './commands/key.js';
import { registerOnline } from './commands/online.js';
import { registerAddArtifact } from './commands/oci-add-artifact.js';
import { registerPublish } from './commands/publish.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('tufci')
    .description('A TUF repository that runs on CI and publishes to OCI registries')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.err(s.replace(/\n$/, '')),
    });
  registerSetup(program, ctx);
  registerInit(program, ctx);
  registerDelegate(program, ctx);
  registerSign(program, ctx);
  registerStatus(program, ctx);
  registerEvent(program, ctx);
  registerOnline(program, ctx);
  registerPublish(program, ctx);
  registerVerify(program, ctx);
  registerKey(program, ctx);
  registerAddArtifact(program, ctx);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI; returns the exit code. Errors meant for people print without a stack. */
export async function run(argv: string[], ctx: Ctx): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof UserError) {
      ctx.err(`error: ${e.message}`);
      return 1;
    }
    const fsError = describeFsError(e);
    if (fsError) {
      ctx.err(`error: ${fsError}`);
      return 1;
    }
    ctx.err(`internal error: ${(e as Error).stack ?? String(e)}`);
    return 70;
  }
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
