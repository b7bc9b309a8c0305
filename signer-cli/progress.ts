import type { Ctx } from './context.js';

/** A progress bar on a terminal (redrawn in place, ended with a newline); sparse lines in logs. */
export function progressPrinter(ctx: Ctx): (done: number, total: number, current: string) => void {
  let last = -25;
  return (done, total, current) => {
    const pct = Math.floor((done / Math.max(total, 1)) * 100);
    if (ctx.isTTY && ctx.progress) {
      ctx.progress(
        `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20)}] ${pct}% ${done}/${total} ${current}`,
      );
      if (done === total) ctx.err('');
    } else if (total >= 50 && (pct >= last + 25 || done === total)) {
      last = pct;
      ctx.err(`publish: ${done}/${total}`);
    }
  };
}
