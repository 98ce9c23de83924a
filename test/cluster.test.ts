/**
 * The importer on a Redis Cluster of the test's own (three masters, a replica each): an import
 * end to end over TLS through an ACL user, then one during which the master owning the import's
 * hash slot is killed with SIGKILL and its replica takes over. Every row must be accounted for
 * exactly once: table against file, success and error lists, counters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { runCli } from './helpers/cli.js';
import { startFed, type FedCli } from './helpers/fed-cli.js';
import { tempDir } from './helpers/files.js';
import { importDiscrepancies, writePeopleFile, type PeopleFile } from './helpers/people.js';
import { launch, waitFor, type Cli } from './helpers/processes.js';
import { cli, TestCluster } from './helpers/redis-cluster.js';
import { testPrefix } from './helpers/redis.js';
import { connectRedis } from '../src/redis/connection.js';
import { listWorkers } from '../src/work/worker-registry.js';
import { replicated } from '../src/redis/replication.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { scanImportKeys } from '../src/lifecycle/import-key-scan.js';
import { importKeys } from '../src/redis/keys.js';

const CHUNK = 200;
const USER = 'importer';
const PASSWORD = 'cluster-s3cret-pw';
const cluster = new TestCluster(3, 2000, true);
let client: ImporterRedis;
/** Plain ports, ACL user: the failover test and the test's own client. */
let url = '';
/** TLS ports, ACL user: the end-to-end test. */
let tlsUrl = '';
/** Child processes trust the cluster's certificate through their CA. */
let tlsEnv: Record<string, string> = {};
const dirs: { remove: () => void }[] = [];
let started: Cli[] = [];
let fed: FedCli[] = [];

function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const dir = tempDir();
  dirs.push(dir);
  return { prefix: testPrefix(), dir: dir.path, env: { IMPORTER_PREFIX: '', REDIS_URL: '' } };
}

function start(args: readonly string[], env: Record<string, string>): Cli {
  const process = launch(args, env);
  started.push(process);
  return process;
}

async function enqueueFile(file: PeopleFile, db: string, at: string[], env: Record<string, string>): Promise<string> {
  const res = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, ...at], { env });
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return res.stdout.trim();
}

async function rowsDone(prefix: string, id: string): Promise<number> {
  const [succeeded, failed] = await client.hmget(importKeys(prefix, id).meta, 'succeeded', 'failed');
  return Number(succeeded ?? 0) + Number(failed ?? 0);
}

beforeAll(async () => {
  await cluster.start();
  // An ACL user on every node (ACLs are not propagated: a promoted replica must know it too).
  for (const port of cluster.ports) await cli(port, 'ACL', 'SETUSER', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
  url = cluster.url(false, `${USER}:${PASSWORD}`);
  tlsUrl = cluster.url(true, `${USER}:${PASSWORD}`);
  tlsEnv = { NODE_EXTRA_CA_CERTS: cluster.tlsFiles!.ca };
  client = await connectRedis({ url, maxRetriesPerRequest: null });
}, 60_000);

afterEach(async (context) => {
  for (const process of started) if (!process.exited) process.child.kill('SIGKILL');
  const results = await Promise.all(started.map((c) => c.result));
  if (context.task.result?.state === 'fail') {
    // What each process said, to tell a failed test's cause.
    for (const [i, result] of results.entries()) console.log(`process ${started[i]!.child.spawnargs.slice(2, 4).join(' ')}: exit ${result.code ?? result.signal}\n${result.stderr.slice(-2000)}`);
  }
  started = [];
  for (const process of fed) if (process.child.exitCode === null) process.child.kill('SIGKILL');
  await Promise.all(fed.map((f) => f.result));
  fed = [];
});

afterAll(async () => {
  client?.disconnect();
  await cluster.stop();
  for (const dir of dirs) dir.remove();
});

describe('on a Redis Cluster (three masters with a replica each)', () => {
  it('imports end to end through rediss+cluster:// (TLS) with an ACL user; no password in any output', async () => {
    const { prefix, dir } = setup();
    const file = writePeopleFile(dir, 'people', 3000);
    const db = join(dir, 'db.sqlite');
    const at = ['--redis', tlsUrl, '--prefix', prefix];
    const id = await enqueueFile(file, db, at, tlsEnv);
    const workers = [0, 1].map(() => start(['work', '--until-idle', ...at], tlsEnv));
    const report = await runCli(['report', id, '--wait', '--timeout', '60', '--json', ...at], { env: tlsEnv });
    expect(report.code, report.stderr).toBe(3);
    expect(JSON.parse(report.stdout)).toMatchObject({ id, state: 'complete', total: 3000, succeeded: file.valid, failed: file.invalid, pending: 0 });
    for (const worker of workers) {
      const result = await worker.result;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toContain(PASSWORD);
    }
    expect(await importDiscrepancies({ redis: client, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);

    // Every key of the import lives in one slot; the key scan (purge, expiry) finds them all on a cluster.
    const keys: string[] = [];
    for await (const batch of scanImportKeys(client, prefix, id)) keys.push(...batch);
    const base = importKeys(prefix, id);
    // The unique values' keys went once the file was queued (finish-enqueue.lua).
    expect(new Set(keys)).toEqual(new Set([base.meta, base.chunks, base.done, base.succeeded, base.failed]));

    // Writes nothing would redo are confirmed by a replica (WAIT); a user not allowed WAIT goes on without.
    for (const port of cluster.ports) await cli(port, 'ACL', 'SETUSER', 'nowait', 'on', '>nowait-pw', '~*', '&*', '+@all', '-wait');
    const limited = await connectRedis({ url: cluster.url(false, 'nowait:nowait-pw') });
    try {
      expect(await replicated(client, base.meta)).toBe(true);
      expect(await replicated(limited, base.meta)).toBe(false);
    } finally {
      limited.disconnect();
    }

    const wrong = tlsUrl.replace(PASSWORD, 'wrong-pw-123');
    const node = [...cluster.nodes.values()][0]!;
    const [status, statusJson, workersList, workersJson, refused, untrusted, single] = await Promise.all([
      runCli(['status', id, ...at], { env: tlsEnv }),
      runCli(['status', id, '--json', ...at], { env: tlsEnv }),
      runCli(['workers', ...at], { env: tlsEnv }),
      runCli(['workers', '--json', ...at], { env: tlsEnv }),
      runCli(['status', id, '--redis', wrong, '--prefix', prefix], { env: tlsEnv }),
      // Without the test's CA the certificate is refused.
      runCli(['status', id, ...at]),
      // One node of the cluster through a single-node URL: refused with the URL to use.
      runCli(['status', id, '--redis', `rediss://${USER}:${PASSWORD}@127.0.0.1:${node.tlsPort}`, '--prefix', prefix], { env: tlsEnv }),
    ]);
    expect(status.code, status.stderr).toBe(3);
    expect(status.stdout).toContain(`Import ${id}: complete`);
    expect(JSON.parse(statusJson.stdout)).toMatchObject({ id, state: 'complete' });
    expect(workersList.code, workersList.stderr).toBe(0);
    expect(JSON.parse(workersJson.stdout)).toEqual([]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^importer: cannot reach Redis at rediss\+cluster:\/\/importer@.*WRONGPASS/);
    expect(refused.stderr).not.toContain('wrong-pw-123');
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^importer: cannot reach Redis at .*certificate/);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain('is a node of a Redis Cluster: use rediss+cluster://');
    for (const res of [status, statusJson, workersList, workersJson, refused, untrusted, single]) expect(res.stdout + res.stderr).not.toContain(PASSWORD);
  });

  it('a master killed with SIGKILL mid-import, its replica promoted: every row exactly once', async () => {
    const { prefix, dir } = setup();
    const file = writePeopleFile(dir, 'failover', 30_000);
    const db = join(dir, 'db.sqlite');
    const at = ['--redis', url, '--prefix', prefix];
    const id = `failover-${Date.now()}`;
    const owner = await cluster.masterOf(importKeys(prefix, id).meta);
    const replica = await cluster.replicaOf(owner);

    // Workers already waiting for work, so that the master dies while the enqueue still sends
    // chunks and the workers record them.
    const workers = [0, 1].map(() => start(['work', '--visibility-timeout', '5', ...at], {}));
    await waitFor('both workers to be up', async () => (await listWorkers({ redis: client, prefix })).length === 2, 20_000, 50);
    // The file comes through stdin: a third first, until the workers are recording; then the
    // second third, and the master dies while the enqueue sends those chunks. The last third is
    // held back until after the kill: the enqueue cannot have finished before it.
    const text = readFileSync(file.path, 'utf8');
    const cut = text.indexOf('\n', Math.floor(text.length / 3)) + 1;
    const lastCut = text.indexOf('\n', Math.floor((text.length * 2) / 3)) + 1;
    const enqueuing = startFed(['enqueue', '-', '--schema', file.schemaPath, '--table', file.table, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, '--id', id, ...at]);
    fed.push(enqueuing);
    enqueuing.write(text.slice(0, cut));
    const meta = importKeys(prefix, id).meta;
    await waitFor('the import to exist', async () => (await client.exists(meta)) === 1, 20_000, 10);
    const waiting = start(['report', id, '--wait', '--timeout', '50', '--json', ...at], {});
    await waitFor('the workers to record', async () => (await rowsDone(prefix, id)) > 0, 30_000, 5);
    const queued = Number(await client.hget(meta, 'enqueuedRows'));
    enqueuing.write(text.slice(cut, lastCut));
    await waitFor('the enqueue to send the second third', async () => Number(await client.hget(meta, 'enqueuedRows')) >= queued + 2000, 30_000, 2);
    const doneBefore = await rowsDone(prefix, id);
    // The kill falls inside the enqueue: still running, the import still being read.
    expect(enqueuing.child.exitCode).toBeNull();
    expect(await client.hget(meta, 'state')).toBe('enqueuing');
    await cluster.kill(owner);
    const killedAt = Date.now();
    await cluster.waitForPromotion(replica);
    console.log(`master killed during the enqueue, ${doneBefore} rows done; replica promoted in ${Date.now() - killedAt} ms`);
    enqueuing.end(text.slice(lastCut));

    const enqueued = await enqueuing.result;
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stdout.trim()).toBe(id);
    const reported = await waiting.result;
    expect(reported.code, reported.stderr).toBe(3);
    expect(JSON.parse(reported.stdout)).toMatchObject({ id, state: 'complete', total: file.rows.length, succeeded: file.valid, failed: file.invalid });
    for (const worker of workers) worker.child.kill('SIGTERM');
    for (const worker of workers) expect((await worker.result).code).toBe(0);
    expect(await importDiscrepancies({ redis: client, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
  }, 90_000);
});
