/**
 * Many imports on one pool of workers: a small import queued behind a large one finishes in
 * seconds, not after it; `enqueue --priority` puts an import first; `importer workers` shows the
 * fleet from its heartbeats (a worker killed with SIGKILL drops out); `status --watch --json`
 * follows an import with its pace until it completes. Every row of every file is accounted for.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { importDiscrepancies, writePeopleFile, type PeopleFile } from './helpers/people.js';
import { launch, waitFor, type Cli } from './helpers/processes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { work, type ChunkEvent } from '../src/work/work.js';
import { listWorkers, type WorkerInfo } from '../src/work/worker-registry.js';
import { importKeys, globalKeys } from '../src/redis/keys.js';

let redis: ImporterRedis;
const prefixes: string[] = [];
const dirs: { remove: () => void }[] = [];
let started: Cli[] = [];

function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const dir = tempDir();
  dirs.push(dir);
  return { prefix, dir: dir.path, env: { IMPORTER_PREFIX: prefix } };
}

function start(args: readonly string[], env: Record<string, string>): Cli {
  const cli = launch(args, env);
  started.push(cli);
  return cli;
}

async function enqueueFile(file: PeopleFile, db: string, chunkSize: number, env: Record<string, string>, extra: string[] = []): Promise<string> {
  const res = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(chunkSize), '--target', `sqlite:${db}`, ...extra], { env });
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.trim();
}

async function meta(prefix: string, id: string): Promise<Record<string, string>> {
  return redis.hgetall(importKeys(prefix, id).meta);
}

async function workersJson(env: Record<string, string>): Promise<WorkerInfo[]> {
  const res = await runCli(['workers', '--json'], { env });
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as WorkerInfo[];
}

beforeAll(async () => {
  redis = await openRedis();
});

afterEach(async () => {
  for (const cli of started) if (!cli.exited) cli.child.kill('SIGKILL');
  await Promise.all(started.map((c) => c.exit));
  started = [];
});

afterAll(async () => {
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  for (const dir of dirs) dir.remove();
});

describe('many imports on one pool of workers', () => {
  it('a small import queued behind a large one finishes in seconds; workers --json; status --watch; a killed worker drops out', async () => {
    const { prefix, dir, env } = setup();
    const db = join(dir, 'db.sqlite');
    const large = writePeopleFile(dir, 'large', 36_000);
    const small = writePeopleFile(dir, 'small', 200);
    // The large import goes to a slower place than this machine's SQLite: each of its chunks takes
    // 50 ms more (a handler standing in for a remote check), so that it lasts long enough to
    // queue the small one behind it and watch it.
    const slow = join(dir, 'slow-check.mjs');
    writeFileSync(slow, 'export default { async validate(row, context) { if (context.row % 200 === 1) await new Promise((r) => setTimeout(r, 50)); } };\n');

    const workers = [0, 1].map(() => start(['work', '--concurrency', '1', '--visibility-timeout', '3'], env));
    await waitFor('both workers to report in', async () => (await listWorkers({ redis, prefix })).length === 2, 20_000, 50);
    const fleet = await workersJson(env);
    for (const [i, worker] of workers.entries()) {
      const info = fleet.find((w) => w.pid === worker.pid);
      expect(info, `worker ${i} listed`).toMatchObject({ host: hostname(), pid: worker.pid, chunks: 0, rows: 0, currentImport: null });
      expect(Date.parse(info!.startedAt)).toBeGreaterThanOrEqual(worker.startedAt - 1000);
    }

    const largeId = `large-${Date.now()}`;
    const enqueuing = start(['enqueue', large.path, '--schema', large.schemaPath, '--chunk-size', '200', '--target', `sqlite:${db}`, '--handler', slow, '--id', largeId], env);
    await waitFor('the large import to be under way', async () => Number((await meta(prefix, largeId))['succeeded'] ?? 0) > 0, 20_000, 20);
    // status --watch follows the large import from here to its end.
    const watching = start(['status', largeId, '--watch', '--json'], env);
    const smallId = await enqueueFile(small, db, 50, env);
    const smallDone = await waitFor('the small import to complete', async () => {
      const record = await meta(prefix, smallId);
      return record['state'] === 'complete' ? record : null;
    }, 20_000, 20);
    const largeThen = await meta(prefix, largeId);
    // Seconds, not after the large import: round robin between the open imports.
    expect(Number(smallDone['finishedAt']) - Number(smallDone['createdAt'])).toBeLessThan(5000);
    expect(largeThen['state']).toBe('processing');
    console.log(`large import: ${Number(largeThen['succeeded']) + Number(largeThen['failed'])} rows done of ${large.rows.length} when the small one completed`);

    expect((await enqueuing.result).code).toBe(0);

    // The fleet while it works on the large import.
    // Heartbeats come every 2 s, and on a loaded machine a worker may take a moment to get its
    // first chunk: wait until every worker's beat shows work done.
    const busy = await waitFor('every worker to report chunks done', async () => {
      const listed = await listWorkers({ redis, prefix });
      return listed.length === workers.length && listed.every((w) => w.chunks > 0) ? listed : null;
    }, 15_000, 200);
    expect(busy.map((w) => w.pid).sort()).toEqual(workers.map((w) => w.pid).sort());
    expect(busy.reduce((sum, w) => sum + w.rows, 0)).toBeGreaterThan(0);
    expect(busy.some((w) => w.currentImport === largeId)).toBe(true);

    const killed = workers[0]!;
    killed.child.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor('the killed worker to drop out of the list', async () => !(await listWorkers({ redis, prefix })).some((w) => w.pid === killed.pid), 10_000, 100);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    expect((await workersJson(env)).map((w) => w.pid)).toEqual([workers[1]!.pid]);

    const watched = await watching.result;
    expect(watched.code, watched.stderr).toBe(3);
    const lines = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).toHaveProperty('rowsPerSecond');
      expect(line).toHaveProperty('secondsLeft');
      expect(line['id']).toBe(largeId);
    }
    const moving = lines.slice(1, -1);
    expect(moving.some((l) => typeof l['rowsPerSecond'] === 'number' && (l['rowsPerSecond'] as number) > 0)).toBe(true);
    expect(moving.some((l) => typeof l['secondsLeft'] === 'number' && (l['secondsLeft'] as number) > 0)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ state: 'complete', pending: 0 });

    const largeDone = await meta(prefix, largeId);
    expect(Number(smallDone['finishedAt'])).toBeLessThan(Number(largeDone['finishedAt']));
    for (const [id, file, chunkSize] of [[largeId, large, 200], [smallId, small, 50]] as const) {
      expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize })).toEqual([]);
    }
    workers[1]!.child.kill('SIGTERM');
    expect((await workers[1]!.result).code).toBe(0);
  }, 90_000);

  it('enqueue --priority 10 puts an import first; imports of one priority take turns', async () => {
    const { prefix, dir, env } = setup();
    const db = join(dir, 'db.sqlite');
    const files = ['first', 'second', 'urgent'].map((name) => writePeopleFile(dir, name, 400));
    const first = await enqueueFile(files[0]!, db, 50, env);
    const second = await enqueueFile(files[1]!, db, 50, env);
    const urgent = await enqueueFile(files[2]!, db, 50, env, ['--priority', '10']);
    expect(await redis.zrange(globalKeys(prefix).active, '0', '-1')).toEqual([urgent, first, second]);

    // One worker, one chunk at a time: the order in which chunks are recorded is the order served.
    const order: string[] = [];
    await work({ redis, prefix, concurrency: 1, untilIdle: true, onChunk: (event: ChunkEvent) => order.push(event.importId) });
    expect(order).toHaveLength(24);
    expect(order.slice(0, 8)).toEqual(Array(8).fill(urgent));
    // Then the two of priority 0 alternate, chunk by chunk.
    expect(order.slice(8)).toEqual(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? first : second)));
    for (const [i, id] of [first, second, urgent].entries()) {
      expect(await importDiscrepancies({ redis, prefix, id, file: files[i]!, dbPath: db, chunkSize: 50 })).toEqual([]);
    }
  });
});
