/**
 * What an import keeps in Redis: its unique values' keys only while the file is read, and no
 * more than --max-pending queued rows while workers catch up.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { enqueue, importMemory, work } from '../src/index.js';
import { importKeys } from '../src/redis/keys.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { readList } from '../src/report/list-reader.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import { sleep, waitFor } from './helpers/processes.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

async function uniqueKeys(id: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${importKeys(prefix, id).uniquePrefix(0).replace(/0:$/, '')}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

async function failedMessages(id: string): Promise<Record<number, string>> {
  const out: Record<number, string> = {};
  for await (const entry of readList(redis, importKeys(prefix, id).failed)) {
    const [row, , , messages] = JSON.parse(entry) as [number, number, string[], string[]];
    out[row] = messages.join('; ');
  }
  return out;
}

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: { code: { type: 'string', unique: true }, n: { type: 'integer', unique: true }, name: { type: 'string' } },
});

describe('unique values in Redis', () => {
  // 0: no text value held in the enqueue's memory, all in the bucket hashes; undefined: the
  // default, every text value in memory and only the integers' arrays in Redis.
  it.each([0, undefined])('are kept while the file is read and deleted once it is queued, repeats across chunks still found (%s text values in memory)', async (inMemory) => {
    const schemaPath = writeFile(dir.path, 'codes.schema.json', SCHEMA);
    const id = `unique-window-${inMemory}`;
    const keys = importKeys(prefix, id);
    // Codes are text (the bucket hashes), n plain integers (the arrays); the last rows repeat
    // values of the first ones, chunks apart.
    const rows = Array.from({ length: 20 }, (_, i) => `C${i + 1},${i + 1},row ${i + 1}`);
    rows.push('C2,21,repeats code of row 2', 'C21,1,repeats n of row 1', 'C1,3,repeats both');
    const source = writeFile(dir.path, `${id}.csv`, `code,n,name\n${rows.join('\n')}\n`);
    // With no worker yet, the enqueue stops part way at its limit: the file is not read whole.
    const enqueued = enqueue({ redis, prefix, source, id, schemaPath, chunkSize: 2, maxPending: 4, uniqueValuesInMemory: inMemory, target: `sqlite://${join(dir.path, `${id}.db`)}` });
    await waitFor('the enqueue held back', async () => Number(await redis.hget(keys.meta, 'enqueuedRows')) >= 4, 10_000);
    await sleep(300);
    expect(await redis.hget(keys.meta, 'state')).toBe('enqueuing');
    const held = await uniqueKeys(id);
    expect(held.some((k) => /:unique:0:\d+$/.test(k))).toBe(inMemory === 0);
    expect(held.some((k) => /:unique:1:n0$/.test(k))).toBe(true);
    const reading = await importMemory({ redis, prefix, id });
    expect(reading.byKind['unique']).toBeGreaterThan(0);
    expect(reading.keys).toBe(held.length + 2); // and the record and the chunks stream
    const summary = await work({ redis, prefix, importId: id, untilIdle: true });
    expect(await enqueued).toMatchObject({ total: 23 });
    expect(await uniqueKeys(id)).toEqual([]);
    expect(summary).toMatchObject({ succeeded: 20, failed: 3 });
    expect(await failedMessages(id)).toEqual({
      21: 'code repeats a value already used earlier in the file (first in row 2)',
      22: 'n repeats a value already used earlier in the file (first in row 1)',
      23: 'code repeats a value already used earlier in the file (first in row 1); n repeats a value already used earlier in the file (first in row 3)',
    });
    expect(await redis.hmget(keys.meta, 'state', 'succeeded', 'failed')).toEqual(['complete', '20', '3']);
    const atRest = await importMemory({ redis, prefix, id });
    expect(Object.keys(atRest.byKind).sort()).toEqual(['chunks', 'done', 'failed', 'meta', 'succeeded']);
    expect(atRest.bytes).toBe(Object.values(atRest.byKind).reduce((a, b) => a + b, 0));
  });
});

describe('enqueue --max-pending', () => {
  const CHUNK = 5;
  const LIMIT = 20;
  const ROWS = 300;
  const file = (name: string): string => writeFile(dir.path, `${name}.csv`, `name\n${Array.from({ length: ROWS }, (_, i) => `person ${i + 1}`).join('\n')}\n`);
  // A worker slower than the enqueue: each chunk takes a while to save.
  const handler = (): string => writeFile(dir.path, 'slow-save.mjs', 'export async function save() { await new Promise((r) => setTimeout(r, 15)); return []; }\n');

  /** Samples the rows queued and not yet recorded until `until` settles; returns the most seen. */
  async function samplePending(id: string, until: Promise<unknown>): Promise<{ maxPending: number; maxQueued: number }> {
    const keys = importKeys(prefix, id);
    let settled = false;
    void until.finally(() => (settled = true)).catch(() => {});
    let maxPending = 0;
    let maxQueued = 0;
    while (!settled) {
      const [[, queued], [, meta]] = (await redis.multi().xlen(keys.chunks).hmget(keys.meta, 'enqueuedRows', 'succeeded', 'failed').exec()) as [[null, number], [null, (string | null)[]]];
      const [enqueued, succeeded, failed] = meta.map((v) => Number(v ?? 0));
      maxQueued = Math.max(maxQueued, queued);
      maxPending = Math.max(maxPending, enqueued! - succeeded! - failed!);
      await sleep(2);
    }
    return { maxPending, maxQueued };
  }

  it('holds at most the limit (and one chunk) of queued rows in Redis while a slow worker catches up', async () => {
    const id = 'bounded';
    const enqueued = enqueue({ redis, prefix, source: file(id), id, chunkSize: CHUNK, maxPending: LIMIT, handler: handler() });
    const worker = (async () => {
      await waitFor('the import', async () => (await redis.exists(importKeys(prefix, id).meta)) === 1, 10_000, 5);
      return work({ redis, prefix, importId: id, untilIdle: true, concurrency: 1 });
    })();
    const seen = await samplePending(id, Promise.all([enqueued, worker]));
    expect((await enqueued).total).toBe(ROWS);
    expect(await worker).toMatchObject({ succeeded: ROWS, failed: 0 });
    expect(seen.maxQueued * CHUNK).toBeLessThanOrEqual(LIMIT + CHUNK);
    expect(seen.maxPending).toBeLessThanOrEqual(LIMIT + CHUNK);
    // The limit was reached: the worker was the slower one.
    expect(seen.maxPending).toBeGreaterThanOrEqual(LIMIT - CHUNK);
  });

  it('waits with no worker, its heartbeat fresh, and goes on once one comes', async () => {
    const id = 'no-worker';
    const keys = importKeys(prefix, id);
    const enqueued = enqueue({ redis, prefix, source: file(id), id, chunkSize: CHUNK, maxPending: LIMIT });
    // Past one heartbeat interval (5 s): the enqueue still looks alive, stopped at the limit.
    await sleep(6500);
    const [state, rows, beat] = await redis.hmget(keys.meta, 'state', 'enqueuedRows', 'enqueueBeat');
    expect(state).toBe('enqueuing');
    expect(Number(rows)).toBeLessThanOrEqual(LIMIT + CHUNK);
    expect(Number(rows)).toBeGreaterThanOrEqual(LIMIT);
    // Renewed since the enqueue began (6.5 s ago), however late the timer fired on a loaded machine.
    expect(Date.now() - Number(beat)).toBeLessThan(6400);
    const summary = await work({ redis, prefix, importId: id, untilIdle: true });
    expect((await enqueued).total).toBe(ROWS);
    expect(summary).toMatchObject({ succeeded: ROWS, failed: 0 });
  }, 30_000);
});
