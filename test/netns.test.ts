/**
 * Workers on hosts of their own: two network namespaces, each linked to the host side by a veth
 * pair with addresses of its own, run one `work --until-idle` each against a private Redis bound
 * to the host side of the links. One import, enqueued from the host, must be finished by both,
 * with every row accounted for exactly once. Needs root and `ip netns` (skipped otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, finished, runCli, type CliResult } from './helpers/cli.js';
import { startFed } from './helpers/fed-cli.js';
import { tempDir } from './helpers/files.js';
import { unavailable, WorkerHosts, type WorkerHost } from './helpers/netns.js';
import { importDiscrepancies, writePeopleFile } from './helpers/people.js';
import { freePort, sleep, waitFor } from './helpers/processes.js';
import { connectRedis } from '../src/redis/connection.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { listWorkers } from '../src/work/worker-registry.js';
import { importKeys } from '../src/redis/keys.js';

const CHUNK = 500;
const ROWS = 30_000;
const reason = unavailable();
if (reason) console.warn(`test/netns.test.ts skipped: ${reason}`);

const hostsSetup = new WorkerHosts();
const dir = tempDir();
let server: ChildProcess | null = null;
let client: ImporterRedis | null = null;
let port = 0;
const children: ChildProcess[] = [];

/** `work --until-idle` run inside a namespace, against Redis on the host side of its link. */
function workOn(host: WorkerHost, prefix: string): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn('ip', ['netns', 'exec', host.ns, process.execPath, BIN, 'work', '--until-idle', '--redis', `redis://${host.hostAddress}:${port}`], {
    env: { ...process.env, IMPORTER_PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  return { child, result: finished(child) };
}

describe.skipIf(reason !== null)('workers on hosts of their own (network namespaces, veth pairs)', () => {
  beforeAll(async () => {
    const hosts = hostsSetup.create(2);
    port = await freePort();
    // A Redis of the test's own, reachable only on loopback and the host side of the two links.
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', ...hosts.map((h) => h.hostAddress), '--protected-mode', 'no', '--save', '', '--appendonly', 'no', '--dir', dir.path],
      { stdio: 'ignore' },
    );
    client = await waitFor('the private Redis', async () => connectRedis({ url: `redis://127.0.0.1:${port}` }).catch(() => null), 10_000, 100);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    client?.disconnect();
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    hostsSetup.destroy();
    dir.remove();
  });

  it('one import, enqueued from the host, is finished by workers in two namespaces: every row exactly once', async () => {
    const redis = client!;
    const [a, b] = hostsSetup.hosts as [WorkerHost, WorkerHost];
    const prefix = `test-netns-${process.pid}`;
    const env = { IMPORTER_PREFIX: prefix };
    const local = ['--redis', `redis://127.0.0.1:${port}`];
    const file = writePeopleFile(dir.path, 'hosts', ROWS);
    const db = join(dir.path, 'db.sqlite');
    const id = `netns-${Date.now()}`;
    // Each chunk takes 100 ms longer (a handler standing in for a remote check), so that both
    // workers hold chunks long enough to be seen holding them.
    const slow = join(dir.path, 'slow-check.mjs');
    writeFileSync(slow, `export default { async validate(row, context) { if (context.row % ${CHUNK} === 1) await new Promise((r) => setTimeout(r, 100)); } };\n`);

    // The enqueue reads stdin: it holds the import open (enqueuing) until both workers are up.
    const text = readFileSync(file.path, 'utf8');
    const cut = text.indexOf('\n', Math.floor(text.length / 10)) + 1;
    const enqueuing = startFed(['enqueue', '-', '--schema', file.schemaPath, '--table', file.table, '--chunk-size', String(CHUNK), '--target', `sqlite:${db}`, '--id', id, '--handler', slow, ...local], env);
    children.push(enqueuing.child);
    enqueuing.write(text.slice(0, cut));
    await waitFor('the import to exist', async () => (await redis.exists(importKeys(prefix, id).meta)) === 1, 20_000, 20);

    const workers = [workOn(a, prefix), workOn(b, prefix)];
    const pids = workers.map((w) => w.child.pid!);
    await waitFor('both workers to report in', async () => (await listWorkers({ redis, prefix })).length === 2, 20_000, 50);

    // Each worker reached Redis from its own address.
    const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'));
    for (const [i, host] of [a, b].entries()) {
      const line = clients.split('\n').find((l) => l.includes(`name=importer:work:${pids[i]} `));
      expect(line, `a connection of the worker in ${host.ns}`).toBeDefined();
      expect(line).toContain(`addr=${host.address}:`);
    }

    enqueuing.end(text.slice(cut));
    // Chunks per worker, until they exit: held (sampled from the stream's pending list, which names
    // the consumer, host:pid:random) and done (from heartbeats, every 2 s: shown, not asserted).
    const chunks = new Map<number, number>();
    const held = new Map<number, number>();
    const pending = importKeys(prefix, id).chunks;
    const exits = workers.map((w) => w.result);
    let running = true;
    void Promise.all(exits).then(() => (running = false));
    while (running) {
      for (const worker of await listWorkers({ redis, prefix })) chunks.set(worker.pid, Math.max(chunks.get(worker.pid) ?? 0, worker.chunks));
      const summary = (await redis.xpending(pending, 'workers')) as [number, string | null, string | null, [string, string][] | null];
      for (const [consumer, count] of summary[3] ?? []) {
        const pid = Number(consumer.split(':').at(-2));
        held.set(pid, (held.get(pid) ?? 0) + Number(count));
      }
      await sleep(20);
    }
    for (const result of await Promise.all(exits)) expect(result.code, result.stderr).toBe(0);
    const enqueueResult = await enqueuing.result;
    expect(enqueueResult.code, enqueueResult.stderr).toBe(0);
    expect(enqueueResult.stdout.trim()).toBe(id);

    const report = await runCli(['report', id, '--wait', '--timeout', '30', '--json', ...local], { env });
    expect(report.code, report.stderr).toBe(3);
    expect(JSON.parse(report.stdout)).toMatchObject({ id, state: 'complete', total: ROWS, succeeded: file.valid, failed: file.invalid, pending: 0 });
    expect(await importDiscrepancies({ redis, prefix, id, file, dbPath: db, chunkSize: CHUNK })).toEqual([]);
    // Both hosts did a share of the work.
    console.log(`chunks per worker: done ${JSON.stringify([...chunks])}, seen held ${JSON.stringify([...held])}`);
    for (const pid of pids) expect(held.get(pid), `chunks held by worker ${pid}: ${JSON.stringify([...held])}`).toBeGreaterThan(0);
  });
});
