import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError } from '../errors.js';
import type { ImportState } from '../import-record.js';
import { globalKeys, importKeys } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { NoImportError } from '../redis/script-errors.js';

export interface CancelOptions {
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  readonly id: string;
  readonly now?: number;
}

export interface CancelResult {
  readonly id: string;
  /** The state the import had: 'enqueuing' or 'processing' when this call cancelled it. */
  readonly previousState: ImportState;
  /** The state it has now. */
  readonly state: ImportState;
  /** True when this call cancelled it, false when it was already finished or cancelled. */
  readonly cancelled: boolean;
}

const REASON = 'cancelled with importer cancel';

/**
 * Cancels an import that still has work: its queued chunks are dropped at once (workers fetch
 * nothing more from it; a chunk one already holds is finished and its rows counted), it leaves
 * the active set, and its state becomes `cancelled`. Rows already saved stay saved. An import
 * that already finished is left as it is.
 */
export async function cancelImport(options: CancelOptions): Promise<CancelResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const keys = importKeys(prefix, options.id);
  let previous: ImportState;
  try {
    previous = (await runScript(options.redis, 'cancelImport', [keys.meta, keys.chunks], [options.now ?? Date.now(), REASON])) as ImportState;
  } catch (err) {
    if (err instanceof NoImportError) throw new ImporterError('state', `no import with id "${options.id}" in this Redis`);
    throw err;
  }
  const cancelled = previous === 'enqueuing' || previous === 'processing';
  if (cancelled || previous === 'cancelled') await options.redis.zrem(globalKeys(prefix).active, options.id);
  return { id: options.id, previousState: previous, state: cancelled ? 'cancelled' : previous, cancelled };
}
