import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError } from '../errors.js';
import { globalKeys, importKeys } from '../redis/keys.js';
import { scanImportKeys } from './import-key-scan.js';

export interface PurgeOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
}

export interface PurgeResult {
  readonly id: string;
  /** Keys deleted. */
  readonly keys: number;
}

/**
 * Deletes every key an import owns at once (UNLINK: Redis frees large values in the background)
 * and forgets it in the shared sets. The record goes last, so an interrupted purge can be run
 * again. Workers holding one of its tasks find no record and drop the task. An id with no keys
 * at all is an error (a typo should not look like success).
 */
export async function purgeImport(options: PurgeOptions): Promise<PurgeResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const meta = importKeys(prefix, options.id).meta;
  const global = globalKeys(prefix);
  // Out of the active set first: no worker starts on it while its keys go.
  await options.redis.zrem(global.active, options.id);
  let count = 0;
  let hadMeta = false;
  for await (const keys of scanImportKeys(options.redis, prefix, options.id)) {
    const others = keys.filter((key) => key !== meta);
    hadMeta ||= others.length !== keys.length;
    if (others.length > 0) count += await options.redis.unlink(...others);
  }
  count += await options.redis.unlink(meta);
  const listed = await options.redis.zrem(global.imports, options.id);
  if (count === 0 && !hadMeta && listed === 0) {
    throw new ImporterError('state', `no import with id "${options.id}" in this Redis`);
  }
  return { id: options.id, keys: count };
}
