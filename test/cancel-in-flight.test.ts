/**
 * A chunk in a worker's hands when its import is cancelled: the worker saves its rows (it cannot
 * know in time) and records them; the import's counts and report must show those rows, since
 * they are in the table.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cancelImport, enqueue, getStatus, work } from '../src/index.js';
import { importKeys, CHUNK_GROUP } from '../src/redis/keys.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { waitFor } from './helpers/processes.js';
import { useRedisScratch } from './helpers/redis.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

describe('cancel while a chunk is in flight', () => {
  it('the rows the worker saved after the cancel are counted and reported; the import stays cancelled', async () => {
    const gate = join(dir.path, 'go');
    // validate() holds every row until the test opens the gate: the chunk stays in flight.
    const handler = writeFile(
      dir.path,
      'hold.mjs',
      `import { existsSync } from 'node:fs';\n` +
        `export default { async validate() { while (!existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 20)); } };\n`,
    );
    const db = join(dir.path, 'held.db');
    const csv = writeFile(dir.path, 'held.csv', `n,name\n${Array.from({ length: 12 }, (_, i) => `${i + 1},name ${i + 1}`).join('\n')}\n`);
    const { id } = await enqueue({ redis, prefix, source: csv, target: `sqlite:${db}`, table: 'held', chunkSize: 4, handler });
    const keys = importKeys(prefix, id);
    const stop = new AbortController();
    // One slot: it takes chunk 0 and holds it; chunks 1 and 2 stay queued.
    const working = work({ redis, prefix, importId: id, concurrency: 1, signal: stop.signal, visibilityTimeoutMs: 30_000 });
    await waitFor('the worker to hold a chunk', async () => ((await redis.xpending(keys.chunks, CHUNK_GROUP)) as [number])[0] === 1);

    const cancelled = await cancelImport({ redis, prefix, id });
    expect(cancelled).toMatchObject({ previousState: 'processing', state: 'cancelled', cancelled: true });
    writeFile(dir.path, 'go', '');
    await waitFor('the held chunk to be recorded', async () => ((await redis.xpending(keys.chunks, CHUNK_GROUP)) as [number])[0] === 0);
    stop.abort();
    const summary = await working;

    expect(existsSync(db)).toBe(true);
    const saved = new Database(db, { readonly: true });
    const inTable = (saved.prepare('SELECT n FROM held ORDER BY n').all() as { n: string | number }[]).map((r) => Number(r.n));
    saved.close();
    expect(inTable).toEqual([1, 2, 3, 4]);

    const status = await getStatus({ redis, prefix, id });
    expect(status).toMatchObject({ state: 'cancelled', succeeded: 4, failed: 0 });
    const outcomes = await readOutcomes(redis, prefix, id);
    expect([...outcomes.succeeded.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(outcomes.failed.size).toBe(0);
    expect(outcomes.repeated).toEqual([]);
    expect(summary).toMatchObject({ chunks: 1, succeeded: 4 });
  });
});
