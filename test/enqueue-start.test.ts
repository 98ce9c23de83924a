/**
 * How an enqueue starts: its import exists before the slow steps (the upload of the original),
 * so workers waiting for it see it at once; and a second enqueue of the same id while the first
 * is reading is refused at once, naming the first by host and pid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { enqueue, work } from '../src/index.js';
import { readRecord } from '../src/import-record.js';
import { globalKeys, importKeys } from '../src/redis/keys.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { writeFile } from './helpers/files.js';
import { launch, waitFor } from './helpers/processes.js';
import { useRedisScratch } from './helpers/redis.js';
import { startS3Server, type TestS3Server } from './helpers/s3.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));
let s3: TestS3Server;
const BUCKET = 'originals';
const savedEnv = { ...process.env };

/** A TCP proxy to `port` that holds every byte the client sends until `open()`. */
async function heldProxy(port: number): Promise<{ endpoint: string; open: () => void; close: () => Promise<void> }> {
  let opened = false;
  const waiting: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    const pipeAll = (): void => {
      client.pipe(upstream);
      upstream.pipe(client);
    };
    client.pause();
    if (opened) pipeAll();
    else waiting.push(pipeAll);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${own}`,
    open: () => {
      opened = true;
      waiting.splice(0).forEach((f) => f());
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  Object.assign(process.env, s3.env);
});
afterAll(async () => {
  process.env = savedEnv;
  await s3?.close();
});

/** Rows `from..to` of a file of two columns, each line `<n>,name <n>`. */
function numbered(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i},name ${from + i}\n`).join('');
}

function rowsFile(name: string, rows: number): string {
  return writeFile(dir.path, name, `n,name\n${numbered(1, rows)}`);
}

describe('enqueue --upload', () => {
  it('creates the import before the upload: while the upload is held, the import is there for workers, with nothing queued', async () => {
    const proxy = await heldProxy(Number(new URL(s3.endpoint).port));
    try {
      const file = rowsFile('held-upload.csv', 30);
      const id = 'held-upload';
      const enqueuing = enqueue({ redis, prefix, source: file, id, target: `sqlite:${dir.path}/held.db`, table: 'held', chunkSize: 10, upload: `s3://${BUCKET}/kept/`, s3: { endpoint: proxy.endpoint } });
      enqueuing.catch(() => {});
      const record = await waitFor('the import record', () => readRecord(redis, prefix, id), 10_000);
      expect(record).toMatchObject({ state: 'enqueuing', enqueuedChunks: 0, original: null });
      expect(await redis.hmget(importKeys(prefix, id).meta, 'enqueueHost', 'enqueuePid')).toEqual([hostname(), String(process.pid)]);
      // The import joins the active set just after its record is made (two commands, not one script).
      await waitFor('the import in the active set', () => redis.zscore(globalKeys(prefix).active, id), 5_000);
      // Held for a second: the upload is still the enqueue's step, no chunk queued before it ends.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(0);
      proxy.open();
      const result = await enqueuing;
      expect(result).toMatchObject({ id, total: 30, resumed: false, state: 'processing' });
      expect((await readRecord(redis, prefix, id))!.original).toBe(`s3://${BUCKET}/kept/${id}/held-upload.csv`);
      expect((await s3.get(BUCKET, `kept/${id}/held-upload.csv`)).equals(readFileSync(file))).toBe(true);
      await work({ redis, prefix, importId: id, untilIdle: true });
      expect(await readRecord(redis, prefix, id)).toMatchObject({ state: 'complete', succeeded: 30, failed: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('a failed upload leaves no import behind: the id is free for the retry', async () => {
    const file = rowsFile('no-bucket.csv', 5);
    const id = 'no-bucket';
    await expect(enqueue({ redis, prefix, source: file, id, target: `sqlite:${dir.path}/nb.db`, table: 'nb', upload: 's3://no-such-bucket/kept/', s3: { endpoint: s3.endpoint } })).rejects.toThrow(/no-such-bucket|bucket/i);
    expect(await readRecord(redis, prefix, id)).toBeNull();
    expect(await redis.zscore(globalKeys(prefix).active, id)).toBeNull();
    expect(await redis.zscore(globalKeys(prefix).imports, id)).toBeNull();
    const retried = await enqueue({ redis, prefix, source: file, id, target: `sqlite:${dir.path}/nb.db`, table: 'nb', upload: `s3://${BUCKET}/kept/`, s3: { endpoint: s3.endpoint } });
    expect(retried).toMatchObject({ id, total: 5, resumed: false });
  });
});

describe('a second enqueue of an import being read', () => {
  const env = (): Record<string, string> => ({ IMPORTER_PREFIX: prefix });

  it('is refused at once, naming the first by host and pid; the first goes on to the end', async () => {
    const id = 'read-twice';
    const first = launch(['enqueue', '-', '--id', id, '--table', 'twice', '--target', `sqlite:${dir.path}/twice.db`], env(), true);
    // Enough for the reader's first blocks; the rest comes later.
    first.child.stdin!.write(`n,name\n${numbered(1, 20_000)}`);
    await waitFor('the first enqueue to create the import', async () => (await redis.hget(importKeys(prefix, id).meta, 'state')) === 'enqueuing', 20_000);

    const started = Date.now();
    const second = await runCli(['enqueue', rowsFile('twice.csv', 6), '--id', id, '--table', 'twice', '--target', `sqlite:${dir.path}/twice.db`], { env: env() });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`^importer: import ${id} is being read by another enqueue \\(host ${hostname()}, pid ${first.pid}, last heard from \\d+ s ago\\): wait for it to finish, or stop it; an enqueue silent for 15 s counts as stopped and can be resumed\\n$`));
    // Refused at once, not after the 15 s a silent enqueue needs to count as stopped.
    expect(Date.now() - started).toBeLessThan(12_000);

    first.child.stdin!.end(numbered(20_001, 20_008));
    const done = await first.result;
    expect(done.code).toBe(0);
    expect(await readRecord(redis, prefix, id)).toMatchObject({ state: 'processing', total: 20_008, enqueuedRows: 20_008 });
    expect(JSON.parse(await redis.hget(importKeys(prefix, id).meta, 'columns') ?? '[]')).toEqual(['n', 'name']);
  });

  it('after the first was killed, a resume on the same host goes on at once (its process is gone)', async () => {
    const id = 'killed-reader';
    const file = rowsFile('killed.csv', 30_000);
    const first = launch(['enqueue', '-', '--id', id, '--table', 'killed', '--target', `sqlite:${dir.path}/killed.db`], env(), true);
    first.child.stdin!.write(`n,name\n${numbered(1, 20_000)}`);
    await waitFor('the first enqueue to create the import', async () => (await redis.hget(importKeys(prefix, id).meta, 'state')) === 'enqueuing', 20_000);
    first.child.kill('SIGKILL');
    await first.exit;

    const resumed = await runCli(['enqueue', file, '--id', id, '--table', 'killed', '--target', `sqlite:${dir.path}/killed.db`, '--json'], { env: env() });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, total: 30_000, resumed: true, state: 'processing' });
    expect(await redis.hget(importKeys(prefix, id).meta, 'enqueuePid')).not.toBe(String(first.pid));
  });
});
