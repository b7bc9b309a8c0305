#!/usr/bin/env node
import { run } from './program.js';
import type { Ctx } from './context.js';

const tty = process.stdin.isTTY && process.stdout.isTTY;
const ctx: Ctx = {
  cwd: process.cwd(),
  env: process.env,
  now: () => new Date(),
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  isTTY: !!process.stderr.isTTY,
  progress: (l) =>
    process.stderr.write(
      `\r${l.slice(0, (process.stderr.columns || 80) - 1).padEnd((process.stderr.columns || 80) - 1)}`,
    ),
  ...(tty
    ? {
        // the prompt library is loaded only when a command asks something at a terminal
        askSecret: async (q: string) =>
          (await import('@inquirer/password')).default({ message: q, mask: false }),
        confirm: async (q: string) =>
          (await import('@inquirer/confirm')).default({ message: q, default: false }),
      }
    : {}),
};
process.exitCode = await run(process.argv.slice(2), ctx);
