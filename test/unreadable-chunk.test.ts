/**
 * A chunk entry no worker can read, whose rows cannot even be counted (a corrupt payload): it must
 * not be handed out for ever. After a bounded number of deliveries its import fails, naming it;
 * the other chunks' rows keep their outcomes.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { work } from '../src/index.js';
import { readRecord, settingsToFields, type ImportSettings } from '../src/import-record.js';
import { activeScore, globalKeys, importKeys, CHUNK_GROUP } from '../src/redis/keys.js';
import { chunkEntryId, encodeChunkFields } from '../src/redis/codec.js';
import { runScript, type ImporterRedis } from '../src/redis/scripts.js';
import { encodeChunk } from '../src/chunks/chunk-codec.js';
import { useRedisScratch } from './helpers/redis.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

describe('a chunk that cannot be read back', () => {
  it('whose rows cannot be counted fails its import after 3 deliveries, acknowledged; the readable chunk is saved and counted', async () => {
    const id = 'corrupt-chunk';
    const db = join(dir.path, 'corrupt.db');
    const now = Date.now();
    const settings: ImportSettings = {
      id, source: 'corrupt.csv', columns: ['n', 'name'], headers: ['n', 'name'], schema: null, target: `sqlite:${db}`, table: 'corrupt',
      notify: null, chunkSize: 2, uniqueColumns: [], createdAt: now, createTable: true, priority: 0, onConflict: null, handler: null, keepColumns: null, incarnation: '', ignoredColumns: [],
    };
    const keys = importKeys(prefix, id);
    const global = globalKeys(prefix);
    expect(await runScript(redis, 'createImport', [keys.meta, keys.chunks], [CHUNK_GROUP, ...settingsToFields(settings, now)])).toBe(1);
    await redis.xadd(keys.chunks, chunkEntryId(0), ...encodeChunkFields({ payload: encodeChunk(1, [2, 3], [['1', 'ann'], ['2', 'bob']]), incarnation: settings.incarnation }));
    await redis.xadd(keys.chunks, chunkEntryId(1), ...encodeChunkFields({ payload: '[3, 4, [["3", "cy"], ["4"', incarnation: settings.incarnation })); // cut short
    await redis.hset(keys.meta, 'enqueuedChunks', 2, 'enqueuedRows', 4, 'total', 4, 'state', 'processing');
    await redis.zadd(global.imports, now, id);
    await redis.zadd(global.active, activeScore(0, now), id);

    const warnings: string[] = [];
    const stop = new AbortController();
    // Without a bound the chunk comes back for ever: the test stops the worker after 20 s.
    const timer = setTimeout(() => stop.abort(), 20_000);
    const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 1, visibilityTimeoutMs: 200, signal: stop.signal, onWarning: (w) => warnings.push(w) });
    clearTimeout(timer);

    const record = await readRecord(redis, prefix, id);
    expect(record).toMatchObject({ state: 'failed', succeeded: 2, failed: 0 });
    expect(record!.error).toMatch(/^chunk 1 of the import cannot be read back \(.*JSON.*\), and its rows cannot be counted: the import cannot complete$/);
    expect(await redis.xpending(keys.chunks, CHUNK_GROUP)).toEqual([0, null, null, null]);
    expect(await redis.xlen(keys.chunks)).toBe(0);
    expect(await redis.zscore(global.active, id)).toBeNull();
    // Delivered 3 times: twice left for another worker, then the import failed.
    expect(warnings.filter((w) => w.includes(`chunk 1 not finished`))).toHaveLength(2);
    expect(warnings.filter((w) => w.startsWith(`import ${id} failed: chunk 1`))).toHaveLength(1);
    expect(summary).toMatchObject({ chunks: 1, succeeded: 2 });
    const saved = new Database(db, { readonly: true });
    expect(saved.prepare('SELECT n, name FROM corrupt ORDER BY n').all()).toEqual([{ n: '1', name: 'ann' }, { n: '2', name: 'bob' }]);
    saved.close();
  }, 30_000);
});
