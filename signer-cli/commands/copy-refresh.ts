/** `tufci copy --refresh`: brings imported roles up to the source's newer version. */
import { UserError } from '../../lib/errors.js';
import type { Ctx } from '../context.js';
import type { CopyOpts } from './copy.js';

export async function refreshImports(_ctx: Ctx, _o: CopyOpts): Promise<void> {
  throw new UserError('--refresh: not yet available');
}
