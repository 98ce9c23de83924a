import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from 'ioredis';
import { TestCluster } from './helpers/redis-cluster.js';
import { tempDir } from './helpers/files.js';
import { importViaLibrary } from './helpers/delivery.js';
import { connectRedis, closeRedis } from '../src/redis/connection.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { expireImport } from '../src/lifecycle/expire-import.js';
import { listImports } from '../src/lifecycle/list-imports.js';
import { purgeImport } from '../src/lifecycle/purge-import.js';
import { importKeys } from '../src/redis/keys.js';
import { importKeyPattern } from '../src/lifecycle/import-key-scan.js';

/** Three masters (a replica each), without TLS: imports spread over nodes. */
const cluster = new TestCluster(3, 2000, false);
const dir = tempDir();
const prefix = 'lifecycle';
let redis: ImporterRedis;

/** Every key of the import on whichever master holds it, with its TTL. */
async function keyTtls(id: string): Promise<Map<string, number>> {
  const ttls = new Map<string, number>();
  for (const node of (redis as unknown as Cluster).nodes('master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', importKeyPattern(prefix, id), 'COUNT', 1000);
      cursor = next;
      for (const key of keys) ttls.set(key, await node.ttl(key));
    } while (cursor !== '0');
  }
  return ttls;
}

beforeAll(async () => {
  await cluster.start();
  redis = await connectRedis({ url: cluster.url() });
}, 60_000);
afterAll(async () => {
  if (redis) await closeRedis(redis);
  await cluster.stop();
  dir.remove();
});

describe('expiry, list and purge on a Redis Cluster', () => {
  it('finds every key of an import on its master, expires them, lists and purges', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await importViaLibrary(redis, prefix, dir.path, { name: `part${i}.csv` }));
    const [first, second, third] = ids as [string, string, string];

    const before = await keyTtls(first);
    // At rest an import keeps its record, its stream, its done bits and its two outcome lists
    // (the unique-value keys are gone once the file is queued).
    const keys = importKeys(prefix, first);
    const atRest = new Set([keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed]);
    expect([...before.keys()].filter((k) => !atRest.has(k))).toEqual([]);
    expect([keys.meta, keys.done, keys.succeeded, keys.failed].filter((k) => !before.has(k))).toEqual([]);
    const expired = await expireImport({ redis, prefix, id: first, ttlSeconds: 3600 });
    expect(expired.keys).toBe(before.size);
    const after = await keyTtls(first);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, ttl] of after) {
      expect(ttl, key).toBeGreaterThan(3500);
      expect(ttl, key).toBeLessThanOrEqual(3600);
    }

    expect((await listImports({ redis, prefix })).map((s) => s.id)).toEqual([third, second, first]);
    const purged = await purgeImport({ redis, prefix, id: second });
    expect(purged.keys).toBeGreaterThanOrEqual(4);
    expect((await keyTtls(second)).size).toBe(0);
    expect((await listImports({ redis, prefix })).map((s) => s.id)).toEqual([third, first]);
  });
});
