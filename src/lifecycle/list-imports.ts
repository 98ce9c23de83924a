import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { parseRecord } from '../import-record.js';
import { globalKeys, importKeys } from '../redis/keys.js';
import { statusOf, type ImportStatus } from '../status/status.js';

export interface ListOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  /** At most this many imports (newest first); all when absent. */
  readonly limit?: number;
}

const PAGE = 200;

/**
 * The imports known to this Redis, newest first, with where each stands. Ids whose record has
 * expired (or was deleted) are skipped and taken out of the `imports` set on the way.
 */
export async function listImports(options: ListOptions): Promise<ImportStatus[]> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const global = globalKeys(prefix);
  const limit = options.limit ?? Infinity;
  const found: ImportStatus[] = [];
  const now = Date.now();
  for (let start = 0; found.length < limit; start += PAGE) {
    const ids = await options.redis.zrevrange(global.imports, start, start + PAGE - 1);
    if (ids.length === 0) break;
    // One command per import, all sent at once (records live in different hash slots).
    const hashes = await Promise.all(ids.map((id) => options.redis.hgetall(importKeys(prefix, id).meta)));
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const record = parseRecord(hashes[i] ?? {});
      if (!record) gone.push(id);
      else if (found.length < limit) found.push(statusOf(record, now));
    });
    if (gone.length > 0) {
      await options.redis.zrem(global.imports, ...gone);
      start -= gone.length; // the set shifted under the cursor
    }
    if (ids.length < PAGE) break;
  }
  return found;
}
