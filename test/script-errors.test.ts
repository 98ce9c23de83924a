/**
 * The scripts' error replies arrive as typed errors (src/redis/script-errors.ts), each from a
 * real script on a real Redis; COUNT_MISMATCH reaches the command line as a clear line, not as
 * an unexpected error.
 */
import { describe, expect, it } from 'vitest';
import { enqueue } from '../src/index.js';
import { importKeys } from '../src/redis/keys.js';
import { runScript, type ImporterRedis } from '../src/redis/scripts.js';
import { ChunkGapError, CountMismatchError, ImportClosedError, NoImportError, scriptError } from '../src/redis/script-errors.js';
import { ImporterError } from '../src/errors.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import { runCli } from './helpers/cli.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

/** An import of three rows in chunks of one, queued and sealed. */
async function queued(id: string): Promise<{ keys: ReturnType<typeof importKeys>; file: string; incarnation: string }> {
  const file = writeFile(dir.path, `${id}.csv`, 'a,b\n1,2\n3,4\n5,6\n');
  await enqueue({ redis, prefix, source: file, id, chunkSize: 1, target: `sqlite:${dir.path}/${id}.db` });
  const keys = importKeys(prefix, id);
  return { keys, file, incarnation: (await redis.hget(keys.meta, 'incarnation'))! };
}

function chunkArgs(chunk: number, incarnation: string): (string | number)[] {
  return [chunk, chunk + 1, 1, `[${chunk + 1},${chunk + 2},[["x","y"]]]`, Date.now(), '[]', '[]', '[]', incarnation];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the script succeeded'),
    (err: unknown) => err,
  );
}

describe('script error replies', () => {
  it('NO_IMPORT: cancel-import.lua on an id without a record', async () => {
    const keys = importKeys(prefix, 'nobody');
    const err = await rejection(runScript(redis, 'cancelImport', [keys.meta, keys.chunks], [Date.now(), 'test']));
    expect(err).toBeInstanceOf(NoImportError);
    expect((err as NoImportError).code).toBe('NO_IMPORT');
    expect(await redis.exists(keys.meta)).toBe(0);
  });

  it('IMPORT_CLOSED <state>: enqueue-chunk.lua on an import no longer enqueuing, or replaced', async () => {
    const { keys, incarnation } = await queued('closed');
    const closed = await rejection(runScript(redis, 'enqueueChunk', [keys.meta, keys.chunks], chunkArgs(3, incarnation)));
    expect(closed).toBeInstanceOf(ImportClosedError);
    expect((closed as ImportClosedError).state).toBe('processing');
    const replaced = await rejection(runScript(redis, 'enqueueChunk', [keys.meta, keys.chunks], chunkArgs(3, 'f'.repeat(24))));
    expect((replaced as ImportClosedError).state).toBe('replaced');
    expect(await redis.xlen(keys.chunks)).toBe(3);
  });

  it('CHUNK_GAP <expected>: enqueue-chunk.lua given a chunk before the one it expects', async () => {
    const { keys, incarnation } = await queued('gap');
    await redis.hset(keys.meta, 'state', 'enqueuing');
    const err = await rejection(runScript(redis, 'enqueueChunk', [keys.meta, keys.chunks], chunkArgs(5, incarnation)));
    expect(err).toBeInstanceOf(ChunkGapError);
    expect((err as ChunkGapError).expectedChunk).toBe(3);
    // The chunk it expects is taken.
    expect(await runScript(redis, 'enqueueChunk', [keys.meta, keys.chunks], chunkArgs(3, incarnation))).toBe(1);
    expect(await redis.xlen(keys.chunks)).toBe(4);
  });

  it('COUNT_MISMATCH <queued> queued, <read> read: finish-enqueue.lua with another total', async () => {
    const { keys } = await queued('mismatch');
    await redis.hset(keys.meta, 'state', 'enqueuing');
    const err = await rejection(runScript(redis, 'finishEnqueue', [keys.meta], [5, Date.now()]));
    expect(err).toBeInstanceOf(CountMismatchError);
    expect(err).toBeInstanceOf(ImporterError);
    expect(err).toMatchObject({ queuedRows: 3, readRows: 5 });
    expect((err as Error).message).toContain('3 rows are queued in Redis but 5 were read from its file');
    expect(await redis.hget(keys.meta, 'state')).toBe('enqueuing');
  });

  it('leaves other errors as they are', () => {
    const other = new Error('NOSCRIPT No matching script');
    expect(scriptError(other)).toBeNull();
    expect(scriptError(new Error('CHUNK_GAPS 1'))).toBeNull();
    expect(scriptError('CHUNK_GAP 1')).toBeNull();
    expect(scriptError(new Error('CHUNK_GAP 7'))).toMatchObject({ expectedChunk: 7 });
    expect(scriptError(new Error('ERR NO_IMPORT'))).toBeInstanceOf(NoImportError);
  });

  it('an enqueue resumed on a file with more rows than were queued ends with the mismatch in words (exit 1)', async () => {
    const { keys, file } = await queued('resumed');
    // Its enqueue stopped before sealing it (a process of no host's: taken over at once), and
    // Redis counts one row fewer queued than the file holds.
    await redis.hset(keys.meta, 'state', 'enqueuing', 'enqueueHost', 'elsewhere', 'enqueuePid', '0', 'enqueueBeat', '0', 'enqueuedRows', '2');
    const result = await runCli(['enqueue', file, '--id', 'resumed'], { env: { IMPORTER_PREFIX: prefix } });
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.stderr).toContain('importer: the import cannot be sealed: 2 rows are queued in Redis but 3 were read from its file');
    expect(result.code).toBe(1);
    expect(await redis.hget(keys.meta, 'state')).toBe('enqueuing');
  }, 30_000);
});
