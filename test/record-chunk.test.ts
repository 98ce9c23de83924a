/**
 * The record script stores the packed elements a worker sends as they are. A worker of an
 * earlier version sent a text entry's first line only, and the script took the chunk's payload
 * from the chunk in the stream; without the chunk there, it asks for the whole entry and changes
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { enqueue } from '../src/index.js';
import { importKeys, CHUNK_GROUP } from '../src/redis/keys.js';
import { runScript, type ImporterRedis } from '../src/redis/scripts.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import { chunkEntryId, decodeChunkFields, packFailedRows, packSuccessEntry } from '../src/redis/codec.js';
import { readList } from '../src/report/list-reader.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

async function enqueued(id: string): Promise<{ keys: ReturnType<typeof importKeys>; payload: string }> {
  const source = writeFile(dir.path, `${id}.csv`, 'a,b\n1,2\n3,4\n5,6\n');
  await enqueue({ redis, prefix, source, id, chunkSize: 10 });
  const keys = importKeys(prefix, id);
  const [, fields] = ((await redis.xrange(keys.chunks, '-', '+')) as [string, string[]][])[0]!;
  return { keys, payload: decodeChunkFields(fields).payload };
}

async function record(keys: ReturnType<typeof importKeys>, succeeded: string, failed: string[], incarnation?: string): Promise<unknown> {
  const own = incarnation ?? (await redis.hget(keys.meta, 'incarnation')) ?? '';
  return runScript(redis, 'recordChunk', [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed], [CHUNK_GROUP, 0, Date.now(), 3 - failed.length, failed.length, succeeded, own, ...failed]);
}

describe('record-chunk.lua', () => {
  it('puts the chunk payload behind the first line the worker sends', async () => {
    const { keys, payload } = await enqueued('payload-from-stream');
    expect(await record(keys, 'S,1', ['[2,3,["3","4"],["no"]]'])).toBe('complete');
    expect(await redis.lrange(keys.succeeded, 0, -1)).toEqual([`S,1\n${payload}`]);
    expect(await redis.xlen(keys.chunks)).toBe(0);
    // Recorded once: a second go changes nothing, even though the chunk is gone (the import is
    // complete; on one still open, the chunk's bit says 'duplicate' before the chunk is looked for).
    expect(await record(keys, 'S,1', ['[2,3,["3","4"],["no"]]'])).toBe('skipped');
    await redis.hset(keys.meta, 'state', 'processing');
    expect(await record(keys, 'S,1', ['[2,3,["3","4"],["no"]]'])).toBe('duplicate');
    expect(await redis.llen(keys.succeeded)).toBe(1);
    expect(await redis.llen(keys.failed)).toBe(1);
  });

  it('asks for the whole entry when the chunk is not in the stream, and changes nothing until then', async () => {
    const { keys, payload } = await enqueued('payload-resend');
    await redis.xdel(keys.chunks, chunkEntryId(0));
    expect(await record(keys, 'S', [])).toBe('resend');
    expect(await redis.llen(keys.succeeded)).toBe(0);
    expect(await redis.getbit(keys.done, 0)).toBe(0);
    expect(await redis.hget(keys.meta, 'succeeded')).not.toBe('3');
    expect(await record(keys, `S\n${payload}`, [])).toBe('complete');
    expect(await redis.lrange(keys.succeeded, 0, -1)).toEqual([`S\n${payload}`]);
  });
});

describe('record-chunk.lua with packed elements', () => {
  it('stores packed elements byte for byte, counts the failed rows from their number, and reads back beside text ones', async () => {
    const { keys, payload } = await enqueued('packed');
    // An element of a chunk recorded as text by an earlier version, before this one.
    await redis.rpush(keys.failed, '[9,10,["x"],["old"]]');
    const failedRows = ['[2,3,["3","4"],["no"]]', '[3,4,["5","6"],["nor this"]]'];
    const success = packSuccessEntry(`S,1,2\n${payload}`);
    const failed = packFailedRows(failedRows);
    const own = (await redis.hget(keys.meta, 'incarnation')) ?? '';
    const recorded = await runScript(redis, 'recordChunk', [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed], [CHUNK_GROUP, 0, Date.now(), 1, 2, success, own, failed]);
    expect(recorded).toBe('complete');
    expect(await redis.lrangeBuffer(keys.succeeded, 0, -1)).toEqual([success]);
    expect(await redis.lrangeBuffer(keys.failed, 1, -1)).toEqual([failed]);
    expect(await redis.hmget(keys.meta, 'succeeded', 'failed')).toEqual(['1', '2']);
    const entries: string[] = [];
    for await (const entry of readList(redis, keys.failed)) entries.push(entry);
    expect(entries).toEqual(['[9,10,["x"],["old"]]', ...failedRows]);
    const imported: string[] = [];
    for await (const entry of readList(redis, keys.succeeded)) imported.push(entry);
    expect(imported).toEqual([`S,1,2\n${payload}`]);
  });
});
