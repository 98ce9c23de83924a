/**
 * The importer under faults, with real processes: workers killed with SIGKILL, an enqueue killed
 * part way, a locked target, Redis connections dropped, Redis itself killed and restarted, a
 * supervisor killed. After each, the import is compared with its file row by row: every row has
 * exactly one outcome, every valid row is in the table exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { importDiscrepancies, writePeopleFile, type PeopleFile } from './helpers/people.js';
import { alive, childPids, freePort, importerClients, killConnectionsOf, launch, PrivateRedis, sleep, waitFor, type Cli } from './helpers/processes.js';
import { cleanPrefix, openRedis, REDIS_URL, testPrefix } from './helpers/redis.js';
import { monitorRedis } from './helpers/redis-monitor.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { importKeys, globalKeys } from '../src/redis/keys.js';
import { importKeyPattern } from '../src/lifecycle/import-key-scan.js';

const CHUNK = 200;
/** SIGKILLs at most in the first test, about one a second. */
const MAX_KILLS = 6;
let redis: ImporterRedis;
const prefixes: string[] = [];
const dirs: { remove: () => void }[] = [];
/** Every process a test started, so that none outlives it. */
let started: Cli[] = [];
let startedPids: number[] = [];

function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const dir = tempDir();
  dirs.push(dir);
  return { prefix, dir: dir.path, env: { IMPORTER_PREFIX: prefix } };
}

function start(args: readonly string[], env: Record<string, string>, keepStdin = false): Cli {
  const cli = launch(args, env, keepStdin);
  started.push(cli);
  return cli;
}

function metaKey(prefix: string, id: string): string {
  return importKeys(prefix, id).meta;
}

async function rowsDone(client: ImporterRedis, prefix: string, id: string): Promise<number> {
  const [succeeded, failed] = await client.hmget(metaKey(prefix, id), 'succeeded', 'failed');
  return Number(succeeded ?? 0) + Number(failed ?? 0);
}

/** Entry ids of the chunks a worker process holds right now (consumers are named host:pid:random). */
async function chunksHeldBy(client: ImporterRedis, prefix: string, id: string, pid: number): Promise<string[]> {
  const stream = importKeys(prefix, id).chunks;
  if (!(await client.exists(stream))) return []; // not created yet
  const summary = (await client.xpending(stream, 'workers')) as [number, string | null, string | null, [string, string][] | null];
  const held: string[] = [];
  for (const [consumer] of summary[3] ?? []) {
    if (consumer.split(':').at(-2) !== String(pid)) continue;
    const entries = (await client.xpending(stream, 'workers', '-', '+', 1000, consumer)) as [string, string, number, number][];
    held.push(...entries.map((e) => e[0]));
  }
  return held;
}

/** Everything an import owns in Redis, to show that a command changed none of it. */
async function snapshot(client: ImporterRedis, prefix: string, id: string): Promise<unknown> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', importKeyPattern(prefix, id), 'COUNT', 5000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const stream = importKeys(prefix, id).chunks;
  return {
    keys: keys.length,
    meta: await client.hgetall(importKeys(prefix, id).meta),
    chunks: await client.xlen(stream),
    lastChunk: await client.xrevrange(stream, '+', '-', 'COUNT', 1),
    active: await client.zscore(globalKeys(prefix).active, id),
  };
}

async function enqueueFile(file: PeopleFile, db: string, env: Record<string, string>, extra: string[] = []): Promise<string> {
  const res = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, ...extra], { env });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  const id = res.stdout.trim();
  expect(id).toMatch(/^[\w.-]+$/);
  return id;
}

/**
 * A handler that waits `ms` at the start of each chunk of CHUNK rows, so that an import lasts
 * long enough for a test's faults however fast the workers are. Its save is the target's.
 */
function slowHandler(dir: string, ms: number): string {
  const path = join(dir, `slow-handler-${ms}.mjs`);
  writeFileSync(path, `export function validate(row, context) {\n  if ((context.row - 1) % ${CHUNK} === 0) return new Promise((r) => setTimeout(r, ${ms}));\n}\n`);
  return path;
}

/** `report --wait --json` says complete, with every row accounted for. */
async function expectReportComplete(id: string, file: PeopleFile, env: Record<string, string>, extra: string[] = [], succeeded = file.valid): Promise<void> {
  const rep = await runCli(['report', id, '--wait', '--timeout', '30', '--json', ...extra], { env });
  expect(rep.code, rep.stderr).toBe(3);
  const summary = JSON.parse(rep.stdout) as Record<string, number>;
  expect(summary).toMatchObject({ id, state: 'complete', total: file.rows.length, succeeded, failed: file.rows.length - succeeded, pending: 0 });
  expect(summary['succeeded']! + summary['failed']!).toBe(summary['total']);
}

/**
 * True when process `pid` holds the write lock of a SQLite database in WAL mode: a POSIX lock on
 * byte 120 of its -shm file (WAL_WRITE_LOCK), as /proc/locks shows.
 */
function holdsSqliteWriteLock(path: string, pid: number): boolean {
  let inode: number;
  try {
    inode = statSync(`${path}-shm`).ino;
  } catch {
    return false; // no -shm file yet: nobody has written
  }
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((line) => {
      const f = line.trim().split(/\s+/);
      // "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 120 120"
      return f[1] === 'POSIX' && f[3] === 'WRITE' && Number(f[4]) === pid && Number(f[5]?.split(':')[2]) === inode && f[6] === '120';
    });
}

async function exited(clis: Cli[], timeoutMs = 30_000): Promise<void> {
  await waitFor(`processes ${clis.map((c) => c.pid).join(', ')} to exit`, () => clis.every((c) => c.exited), timeoutMs, 50);
}

beforeAll(async () => {
  redis = await openRedis();
});

afterEach(async () => {
  // A failed test must not leave its processes running: kill what this file started, by pid.
  for (const cli of started) if (!cli.exited) cli.child.kill('SIGKILL');
  for (const pid of startedPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await Promise.all(started.map((c) => c.exit));
  started = [];
  startedPids = [];
});

afterAll(async () => {
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  for (const dir of dirs) dir.remove();
});

// Nominally seconds each; generous limits because the machine may be shared with other work.
describe('faults', { timeout: 120_000 }, () => {
  it('workers SIGKILLed about every second, and one SIGTERMed: every row exactly once', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'crashes', 200_000);
    const db = join(dir, 'db.sqlite');
    // The import lasts several seconds however fast the workers are: long enough for the kills below.
    const id = await enqueueFile(file, db, env, ['--handler', slowHandler(dir, 30)]);

    const workers: Cli[] = [];
    const addWorker = (): Cli => {
      const worker = start(['work', '--until-idle', '--visibility-timeout', '2'], env);
      workers.push(worker);
      return worker;
    };
    for (let i = 0; i < 3; i++) addWorker();
    const killed = new Set<Cli>();
    let terminated: Cli | null = null;
    const heldAtKill: number[] = [];
    let lastFault = 0;
    const deadline = Date.now() + 90_000;
    while ((await redis.hget(metaKey(prefix, id), 'state')) !== 'complete') {
      expect(Date.now(), 'import did not complete').toBeLessThan(deadline);
      await sleep(50);
      if (Date.now() - lastFault < 800) continue;
      // Faults hit workers that hold chunks right now: in the middle of their work.
      const busy: { worker: Cli; chunks: number }[] = [];
      for (const worker of workers) {
        if (worker.exited || killed.has(worker) || worker === terminated) continue;
        const chunks = (await chunksHeldBy(redis, prefix, id, worker.pid)).length;
        if (chunks > 0) busy.push({ worker, chunks });
      }
      // Kills stop at a limit: on a loaded machine, where starting a process takes long, endless
      // kills would leave nobody working.
      const victim = killed.size < MAX_KILLS ? busy.shift() : undefined;
      if (victim) {
        victim.worker.child.kill('SIGKILL');
        killed.add(victim.worker);
        heldAtKill.push(victim.chunks);
        addWorker();
        lastFault = Date.now();
      }
      const next = busy.shift();
      if (!terminated && killed.size >= 2 && next) {
        terminated = next.worker;
        terminated.child.kill('SIGTERM'); // graceful: finishes its chunks in flight, exits 0
        addWorker();
        lastFault = Date.now();
      }
    }
    await exited(workers);

    // Each killed worker took chunks down with it: those went to others after 2 s.
    expect(heldAtKill.length, `chunks held at each kill: ${heldAtKill.join(', ')}`).toBeGreaterThanOrEqual(2);
    expect(terminated).not.toBeNull();
    for (const worker of workers) {
      const result = await worker.result;
      if (killed.has(worker)) expect(result.signal).toBe('SIGKILL');
      else expect({ pid: worker.pid, code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    }
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
    await expectReportComplete(id, file, env);
  });

  it('a worker frozen past the visibility timeout, then thawed: its late second go at its chunks changes nothing', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'frozen', 20_000);
    const db = join(dir, 'db.sqlite');
    const id = `frozen-${prefix}`;
    const stream = importKeys(prefix, id).chunks;
    // The file comes through stdin, the second half only once the frozen worker has done its
    // second go: until then the import cannot be complete, so that go is recorded (as a
    // duplicate), not skipped.
    const content = readFileSync(file.path);
    const half = content.indexOf('\n', content.length / 2) + 1;
    const enqueuer = start(['enqueue', '-', '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, '--table', file.table, '--id', id], env, true);
    enqueuer.child.stdin!.write(content.subarray(0, half));
    // Workers --until-idle find nothing to do (and exit) until the import exists.
    await waitFor('the import to exist', async () => Number(await redis.hget(metaKey(prefix, id), 'enqueuedChunks')) > 0);
    const workers = [0, 1].map(() => start(['work', '--until-idle', '--visibility-timeout', '2'], env));

    // Frozen (SIGSTOP: a long GC pause, a suspended VM) while it holds chunks. Not inside its write
    // transaction: holding SQLite's lock, it would make the database unavailable to all (the
    // locked-target case below), not this case.
    const frozen = await waitFor('a worker to freeze while it holds chunks', async () => {
      for (const worker of workers) {
        if ((await chunksHeldBy(redis, prefix, id, worker.pid)).length === 0) continue;
        worker.child.kill('SIGSTOP');
        const chunks = await chunksHeldBy(redis, prefix, id, worker.pid);
        if (chunks.length > 0 && !holdsSqliteWriteLock(db, worker.pid)) return { worker, chunks };
        worker.child.kill('SIGCONT');
      }
      return null;
    }, 30_000, 5);
    // The other worker takes them over after the visibility timeout and records them.
    await waitFor('the frozen chunks to be done by the other worker', async () => {
      const left = (await redis.xrange(stream, '-', '+')).map(([entry]) => entry);
      return frozen.chunks.every((t) => !left.includes(t));
    });
    expect(await redis.hget(metaKey(prefix, id), 'state')).toBe('enqueuing');
    // Its second go: the target finds the chunks in its ledger, Redis finds them recorded
    // (record-chunk.lua answers 'duplicate'). Seen on the server: its connections send the
    // record script for each of its chunks again.
    const keys = importKeys(prefix, id);
    const frozenAddrs = new Set((await importerClients(redis)).filter((c) => c.pid === frozen.worker.pid).map((c) => c.addr));
    expect(frozenAddrs.size).toBeGreaterThan(0);
    const chunks = frozen.chunks.map((entry) => entry.split('-')[0]!);
    // EVALSHA <sha> 5 meta chunks done succeeded failed <group> <chunk> ...
    const recordCall = (chunk: string): string => [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed, 'workers', chunk].map((a) => `"${a}"`).join(' ');
    const recordedAgain = new Set<string>();
    const server = new URL(REDIS_URL);
    const monitor = monitorRedis(server.hostname, Number(server.port || 6379), (line) => {
      const source = /^\S+ \[\d+ ([^\]]+)\] "eval(?:sha)?" /i.exec(line)?.[1];
      if (!source || !frozenAddrs.has(source)) return;
      for (const chunk of chunks) if (line.includes(recordCall(chunk))) recordedAgain.add(chunk);
    });
    try {
      await monitor.ready;
      frozen.worker.child.kill('SIGCONT');
      await waitFor(`the thawed worker to record its chunks ${chunks.join(', ')} again`, () => chunks.every((c) => recordedAgain.has(c)), 30_000, 50);
    } finally {
      monitor.close();
    }
    expect(frozen.worker.exited).toBe(false);
    expect(await redis.hget(metaKey(prefix, id), 'state')).toBe('enqueuing');

    enqueuer.child.stdin!.end(content.subarray(half));
    const enqueued = await enqueuer.result;
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stdout).toBe(`${id}\n`);
    await exited(workers);
    for (const worker of workers) {
      const result = await worker.result;
      expect(result.code, result.stderr).toBe(0);
    }
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
    await expectReportComplete(id, file, env);
  });

  it('an enqueue killed part way is not complete; the same command resumes it, a third run changes nothing', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'resumed', 50_000);
    const db = join(dir, 'db.sqlite');
    const id = `resume-${prefix}`;
    const args = ['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, '--id', id];
    const chunks = Math.ceil(file.rows.length / CHUNK);
    const meta = metaKey(prefix, id);

    const first = start(args, env);
    await waitFor('some chunks queued', async () => Number(await redis.hget(meta, 'enqueuedChunks')) >= 5, 20_000, 2);
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const queued = Number(await redis.hget(meta, 'enqueuedChunks'));
    expect(queued).toBeLessThan(chunks);
    expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(queued);

    const status = await runCli(['status', id, '--json'], { env });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, state: 'enqueuing', total: null, enqueued: queued * CHUNK });
    const waited = await runCli(['report', id, '--wait', '--timeout', '1'], { env });
    expect(waited.code).toBe(4);
    expect(waited.stderr).toMatch(/timed out/);

    const second = await runCli(args, { env });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`${id}\n`);
    expect(await redis.hgetall(meta)).toMatchObject({ state: 'processing', total: String(file.rows.length), enqueuedRows: String(file.rows.length), enqueuedChunks: String(chunks) });
    expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(chunks);
    const before = await snapshot(redis, prefix, id);

    const third = await runCli(args, { env });
    expect(third.code).toBe(0);
    expect(third.stdout).toBe(`${id}\n`);
    expect(await snapshot(redis, prefix, id)).toEqual(before);

    const worked = await runCli(['work', '--until-idle', '--import', id, '--visibility-timeout', '2'], { env });
    expect(worked.code, worked.stderr).toBe(0);
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
    await expectReportComplete(id, file, env);
  });

  describe('a locked target', () => {
    /** Holds an exclusive lock on a new SQLite file: no other connection can read or write it. */
    function lockDatabase(path: string): { release: () => number } {
      const holder = new Database(path);
      holder.exec('BEGIN EXCLUSIVE');
      return {
        release: () => {
          holder.exec('COMMIT');
          holder.close();
          return Date.now();
        },
      };
    }
    const busyEnv = { IMPORTER_SQLITE_BUSY_TIMEOUT_MS: '100' };

    it('for ~3 s: the worker retries with backoff, and every valid row is saved once', async () => {
      const { prefix, dir, env } = setup();
      const file = writePeopleFile(dir, 'locked', 5_000);
      const db = join(dir, 'db.sqlite');
      const id = await enqueueFile(file, db, env);
      const lock = lockDatabase(db);
      const lockedAt = Date.now();
      const worker = start(['work', '--until-idle', '--visibility-timeout', '5', '--max-attempts', '10'], { ...env, ...busyEnv });
      let stderr = '';
      worker.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitFor('the worker to retry', () => stderr.includes('target unavailable (attempt 2 of 10)'));
      await sleep(Math.max(0, lockedAt + 3000 - Date.now()));
      expect(worker.exited).toBe(false);
      expect(await rowsDone(redis, prefix, id)).toBe(0);
      const releasedAt = lock.release();

      const result = await worker.result;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/target unavailable \(attempt 1 of 10\), retrying: database unavailable: database is locked/);
      expect(Number(await redis.hget(metaKey(prefix, id), 'finishedAt'))).toBeGreaterThanOrEqual(releasedAt);
      expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
      await expectReportComplete(id, file, env);
    });

    it('for longer than --give-up-after: the import fails with the cause, no row failed, and a later work completes it', async () => {
      const { prefix, dir, env } = setup();
      const file = writePeopleFile(dir, 'lockedout', 1_000);
      const db = join(dir, 'db.sqlite');
      const id = await enqueueFile(file, db, env);
      const lock = lockDatabase(db);
      try {
        const worker = start(['work', '--until-idle', '--visibility-timeout', '5', '--max-attempts', '2', '--give-up-after', '2s'], { ...env, ...busyEnv });
        const result = await worker.result;
        expect(result.code, result.stderr).toBe(0);
        const meta = await redis.hgetall(metaKey(prefix, id));
        expect(meta).toMatchObject({ state: 'failed', failedFor: 'target', succeeded: '0', failed: '0' });
        expect(meta['error']).toMatch(/^target unavailable for \d+ s \(given up on after 2 s\): database unavailable: database is locked$/);
      } finally {
        lock.release();
      }
      const again = await start(['work', '--until-idle'], env).result;
      expect(again.code, again.stderr).toBe(0);
      expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
      await expectReportComplete(id, file, env);
    });
  });

  it('Redis connections of the workers dropped again and again: every row exactly once', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'dropped', 100_000);
    const db = join(dir, 'db.sqlite');
    // 500 chunks of 10 ms for three workers: several rounds of dropped connections while they work.
    const id = await enqueueFile(file, db, env, ['--handler', slowHandler(dir, 10)]);
    const workers = [0, 1, 2].map(() => start(['work', '--until-idle', '--visibility-timeout', '2'], env));
    const waiting = start(['report', id, '--wait', '--timeout', '60', '--json'], env);
    const ours = new Set([...workers, waiting].map((c) => c.pid));

    let rounds = 0;
    let killedConnections = 0;
    const deadline = Date.now() + 60_000;
    while ((await redis.hget(metaKey(prefix, id), 'state')) !== 'complete') {
      expect(Date.now(), 'import did not complete').toBeLessThan(deadline);
      const killed = await killConnectionsOf(redis, ours);
      if (killed > 0) rounds++;
      killedConnections += killed;
      await sleep(250);
    }
    await exited(workers);
    expect(rounds, `${killedConnections} connections killed`).toBeGreaterThanOrEqual(3);
    for (const worker of workers) {
      const result = await worker.result;
      expect(result.code, result.stderr).toBe(0);
    }

    const reported = await waiting.result;
    expect(reported.code, reported.stderr).toBe(3);
    expect(JSON.parse(reported.stdout)).toMatchObject({ id, state: 'complete', total: file.rows.length, succeeded: file.valid, failed: file.invalid });
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
  });

  it('Redis killed mid-import and restarted from its append-only file: workers and report reconnect', async () => {
    const { prefix, dir, env } = setup();
    const redisDir = join(dir, 'redis');
    mkdirSync(redisDir);
    const server = new PrivateRedis(redisDir, await freePort());
    await server.start();
    let client: ImporterRedis | null = null;
    try {
      client = await openRedis(server.url);
      const at = ['--redis', server.url];
      const file = writePeopleFile(dir, 'restarted', 60_000);
      const db = join(dir, 'db.sqlite');
      // 300 chunks of 20 ms for two workers of two slots: Redis goes down while they work.
      const id = await enqueueFile(file, db, env, [...at, '--handler', slowHandler(dir, 20)]);
      const workers = [0, 1].map(() => start(['work', '--until-idle', '--visibility-timeout', '2', ...at], env));
      const waiting = start(['report', id, '--wait', '--timeout', '60', '--json', ...at], env);

      const c = client;
      // All at work first: a process still connecting when Redis goes away reports it unreachable
      // after a few tries, as it should (a clear error beats a hang).
      const pids = [...workers, waiting].map((w) => w.pid);
      await waitFor('workers and report at work', async () => {
        const working = new Set((await importerClients(c)).filter((cl) => !/^(client|info|hello|NULL)/.test(cl.cmd)).map((cl) => cl.pid));
        return pids.every((pid) => working.has(pid));
      });
      const doneBefore = await waitFor('the import to be under way', async () => {
        const done = await rowsDone(c, prefix, id);
        return done >= file.rows.length / 10 ? done : 0;
      }, 20_000, 5);
      expect(doneBefore).toBeLessThan(file.rows.length);
      await server.kill();
      await sleep(1000);
      // Nobody gave up while Redis was away.
      for (const cli of [...workers, waiting]) {
        if (cli.exited) expect(await cli.result, `${cli.child.spawnargs.slice(2, 3).join(" ")} (pid ${cli.pid}) exited while Redis was down`).toBeUndefined();
      }
      await server.start();
      expect(await rowsDone(client, prefix, id)).toBeGreaterThanOrEqual(doneBefore);

      await exited([...workers, waiting], 40_000);
      for (const worker of workers) expect((await worker.result).code).toBe(0);
      const reported = await waiting.result;
      expect(reported.code, reported.stderr).toBe(3);
      expect(JSON.parse(reported.stdout)).toMatchObject({ id, state: 'complete', total: file.rows.length, succeeded: file.valid, failed: file.invalid });
      expect(await importDiscrepancies({ redis: client, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
    } finally {
      await client?.quit().catch(() => {});
      await server.stop();
    }
  });

  it('a supervisor killed with SIGKILL: its worker processes exit by themselves', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'orphans', 60_000);
    const db = join(dir, 'db.sqlite');
    const id = await enqueueFile(file, db, env);
    const supervisor = start(['work', '--processes', '2', '--visibility-timeout', '2'], env);
    const children = await waitFor('two worker processes', async () => {
      const pids = await childPids(supervisor.pid);
      return pids.length === 2 ? pids : null;
    });
    startedPids.push(...children);
    await waitFor('both workers connected and working', async () => {
      const workers = (await importerClients(redis)).filter((c) => c.role === 'worker' && children.includes(c.pid));
      return new Set(workers.map((w) => w.pid)).size === 2 && (await rowsDone(redis, prefix, id)) > 0;
    });

    supervisor.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect((await supervisor.exit).signal).toBe('SIGKILL');
    await waitFor('orphaned workers to exit', () => children.every((pid) => !alive(pid)), 10_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000);

    // What they left is finished by another worker, exactly.
    const worked = await runCli(['work', '--until-idle', '--visibility-timeout', '2'], { env });
    expect(worked.code, worked.stderr).toBe(0);
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
  });

  it('a supervisor killed while its worker processes are still starting: they exit too', async () => {
    const { env } = setup();
    const supervisor = start(['work', '--processes', '2'], env);
    // Killed as soon as both are forked, before they can have set up their own handlers.
    const children = await waitFor('two worker processes', async () => {
      const pids = await childPids(supervisor.pid);
      return pids.length === 2 ? pids : null;
    }, 20_000, 1);
    supervisor.child.kill('SIGKILL');
    startedPids.push(...children);
    await waitFor('orphaned workers to exit', () => children.every((pid) => !alive(pid)), 10_000);
  });

  it('SIGTERM to `work` while it has chunks: exits 0 well within the visibility timeout, its chunks finished', async () => {
    const { prefix, dir, env } = setup();
    const file = writePeopleFile(dir, 'stopped', 60_000);
    const db = join(dir, 'db.sqlite');
    const id = await enqueueFile(file, db, env);
    const stream = importKeys(prefix, id).chunks;
    const worker = start(['work', '--processes', '1', '--visibility-timeout', '10'], env);
    await waitFor('chunks in flight', async () => (await rowsDone(redis, prefix, id)) > 0 && Number(((await redis.xpending(stream, 'workers')) as [number])[0]) > 0, 20_000, 2);

    worker.child.kill('SIGTERM');
    const signalledAt = Date.now();
    const result = await worker.result;
    const took = Date.now() - signalledAt;
    expect(result.code, result.stderr).toBe(0);
    expect(took).toBeLessThan(9_000); // within the visibility timeout: it did not wait for it
    // Chunks in flight were finished and acknowledged: nothing waits for the visibility timeout.
    expect(Number(((await redis.xpending(stream, 'workers')) as [number])[0])).toBe(0);
    expect(await rowsDone(redis, prefix, id)).toBeLessThan(file.rows.length);

    const worked = await runCli(['work', '--until-idle', '--visibility-timeout', '2'], { env });
    expect(worked.code, worked.stderr).toBe(0);
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
  });
});
