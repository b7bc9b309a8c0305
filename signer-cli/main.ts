#!/usr/bin/env node
import { run } from './program.js';
import type { Ctx } from './context.js';

// tufci supports Node 20 (package.json engines); the AWS SDK's notice that its later
// releases will not is for tufci's maintainers, not for someone signing, so it is off
// (awskms: keys; set the variable to anything else to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// a reader that stops early (`tufci --help | head`) is no error: stop writing quietly
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });

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
