import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { globalKeys, importKeys } from '../redis/keys.js';
import { scanImportKeys } from './import-key-scan.js';


export interface ExpireOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
  /** Seconds until every key of the import is gone; 0 keeps them (removes any expiry set before). */
  readonly ttlSeconds: number;
  readonly now?: number;
}

export interface ExpireResult {
  /** Keys given the expiry (or made persistent again). */
  readonly keys: number;
  /** When they expire (ms), or null when kept. */
  readonly expiresAt: number | null;
}

/**
 * Gives every key the import owns the same expiry (EXPIRE), or removes it (PERSIST) for a TTL
 * of 0. The record (`meta`) is done last and notes `expiresAt`, so an interrupted call leaves
 * the record without expiry and can simply be run again. The import leaves the active set; the
 * `imports` set keeps its id until `list` finds the record gone.
 */
export async function expireImport(options: ExpireOptions): Promise<ExpireResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const meta = importKeys(prefix, options.id).meta;
  const seconds = Math.floor(options.ttlSeconds);
  const expiresAt = seconds > 0 ? (options.now ?? Date.now()) + seconds * 1000 : null;
  let count = 0;
  for await (const keys of scanImportKeys(options.redis, prefix, options.id)) {
    const others = keys.filter((key) => key !== meta);
    if (others.length === 0) continue;
    const pipeline = options.redis.pipeline();
    for (const key of others) {
      if (seconds > 0) pipeline.expire(key, seconds);
      else pipeline.persist(key);
    }
    await pipeline.exec();
    count += others.length;
  }
  const last = options.redis.multi();
  if (expiresAt === null) last.hdel(meta, 'expiresAt').persist(meta);
  else last.hset(meta, 'expiresAt', String(expiresAt)).expire(meta, seconds);
  await last.exec();
  await options.redis.zrem(globalKeys(prefix).active, options.id);
  return { keys: count + 1, expiresAt };
}
