import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { connectRedis, closeRedis } from '../../src/redis/connection.js';
import type { ImporterRedis } from '../../src/redis/scripts.js';
import { tempDir } from './files.js';

export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A key prefix of the test's own: tests share the machine's Redis with everything else. */
export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

export async function openRedis(url = REDIS_URL): Promise<ImporterRedis> {
  return connectRedis({ url });
}

/**
 * Deletes only the keys under the test's own prefix (SCAN + DEL, never FLUSH), and under the
 * prefixes a test makes from it (`<prefix>-<suffix>`, for runs that must not share keys).
 */
export async function cleanPrefix(redis: ImporterRedis, prefix: string): Promise<void> {
  for (const pattern of [`${prefix}:*`, `${prefix}-*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  }
}

export async function closeTestRedis(redis: ImporterRedis, prefix?: string): Promise<void> {
  if (prefix) await cleanPrefix(redis, prefix);
  await closeRedis(redis);
}

/**
 * A test file's own Redis scratch: a key prefix and a temporary folder now, a connection before
 * its tests (handed to `onOpen`), and after them its keys deleted, the connection closed and the
 * folder removed.
 */
export function useRedisScratch(onOpen: (redis: ImporterRedis) => void): { prefix: string; dir: { path: string; remove: () => void } } {
  const prefix = testPrefix();
  const dir = tempDir();
  let redis: ImporterRedis | null = null;
  beforeAll(async () => {
    redis = await openRedis();
    onOpen(redis);
  });
  afterAll(async () => {
    if (redis) {
      await cleanPrefix(redis, prefix);
      await redis.quit();
    }
    dir.remove();
  });
  return { prefix, dir };
}
