/**
 * A database outage is waited out, not turned into failed rows: private PostgreSQL and MariaDB
 * servers (never the shared ones) are stopped or restarted while workers save into them. Every
 * valid row must end in the table exactly once, only the file's invalid rows (and those the
 * table refuses) may fail, and the counts and the report must say so exactly. With
 * --give-up-after, an import whose target stays down fails with the cause, its rows pending,
 * and a later `work` finishes it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { readList } from '../src/report/list-reader.js';
import { runCli } from './helpers/cli.js';
import { readWorkbook, tempDir } from './helpers/files.js';
import { outcomeDiscrepancies, readOutcomes, tableDiscrepancies } from './helpers/outcomes.js';
import { writePeopleFile, type ExpectedRow, type PeopleFile, type SavedValues } from './helpers/people.js';
import { PrivateMariadb, PrivatePostgres } from './helpers/private-databases.js';
import { freePort, launch, sleep, waitFor, type Cli } from './helpers/processes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { CuttingProxy } from './helpers/cutting-proxy.js';
import { DIALECTS, openScratch, withPort, type Scratch } from './helpers/sql.js';
import { work } from '../src/work/work.js';
import Database from 'better-sqlite3';
import { importDiscrepancies } from './helpers/people.js';
import { importKeys } from '../src/redis/keys.js';

/** The table refuses this age (a check constraint): a row error the database gives, outage or not. */
const REFUSED_AGE = 42;
const CHUNK = 500;

type Dialect = 'postgres' | 'mysql';

interface Server {
  readonly url: string;
  query<T>(sql: string): Promise<T[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  remove(): Promise<void>;
}

let redis: ImporterRedis;
const prefixes: string[] = [];
const dir = tempDir();
const servers: Server[] = [];
const scratches: Scratch[] = [];
let started: Cli[] = [];

beforeAll(async () => {
  redis = await openRedis();
});
afterEach(async () => {
  for (const cli of started) if (!cli.exited) cli.child.kill('SIGKILL');
  await Promise.all(started.map((c) => c.exit));
  started = [];
});
afterAll(async () => {
  for (const server of servers) await server.remove().catch(() => {});
  for (const scratch of scratches) await scratch.drop().catch(() => {});
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

async function privateServer(dialect: Dialect): Promise<Server> {
  const server: Server = dialect === 'postgres' ? await PrivatePostgres.create() : await PrivateMariadb.create();
  servers.push(server);
  return server;
}

/**
 * The people table with a surrogate key (a row written twice would be there twice), a check the
 * rows of age 42 break, and, with `rowDelayS`, a trigger that makes each row take that long (so
 * the import is still running when the server goes away).
 */
async function createPeopleTable(server: Server, dialect: Dialect, table: string, rowDelayS: number): Promise<void> {
  if (dialect === 'postgres') {
    await server.query(
      `CREATE TABLE ${table} (rid bigserial PRIMARY KEY, id bigint NOT NULL, name text NOT NULL, email text NOT NULL, ` +
        `age integer CONSTRAINT not_${REFUSED_AGE} CHECK (age <> ${REFUSED_AGE}), country text NOT NULL)`,
    );
    if (rowDelayS > 0) {
      // pg_sleep waits at least about a millisecond: every fourth row waits four times as long.
      await server.query(
        `CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id % 4 = 0 THEN PERFORM pg_sleep(${rowDelayS * 4}); END IF; RETURN NEW; END $$`,
      );
      await server.query(`CREATE TRIGGER slow_row BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION slow_row()`);
    }
  } else {
    await server.query(
      `CREATE TABLE ${table} (rid BIGINT AUTO_INCREMENT PRIMARY KEY, id BIGINT NOT NULL, name TEXT NOT NULL, email VARCHAR(100) NOT NULL, age INT, ` +
        `country CHAR(2) NOT NULL, CONSTRAINT not_${REFUSED_AGE} CHECK (age <> ${REFUSED_AGE})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    if (rowDelayS > 0) await server.query(`CREATE TRIGGER slow_row BEFORE INSERT ON ${table} FOR EACH ROW DO SLEEP(${rowDelayS})`);
  }
}

/** The file's rows as the import must end: rows of the refused age fail in the database. */
function expectedRows(file: PeopleFile): ExpectedRow[] {
  const refused = new RegExp(`^age: the value "${REFUSED_AGE}" breaks the table's check not_${REFUSED_AGE}$`);
  return file.rows.map((r) => (r.values && r.values[3] === REFUSED_AGE ? { ...r, values: null, problem: refused } : r));
}

/** Compares the import (Redis outcomes, counts, the table) with the file row by row. */
async function discrepancies(prefix: string, id: string, server: Server, table: string, expected: readonly ExpectedRow[]): Promise<string[]> {
  const problems: string[] = [];
  const note = (m: string): void => void (problems.length < 30 && problems.push(m));
  const out = await readOutcomes(redis, prefix, id);
  outcomeDiscrepancies(out, expected, note);
  if (out.meta['waitingSince']) note(`meta still says waiting since ${out.meta['waitingSince']}`);
  if (out.succeeded.size + out.failed.size !== expected.length) note(`${out.succeeded.size + out.failed.size} outcomes for ${expected.length} rows`);
  const left = await redis.xlen(importKeys(prefix, id).chunks);
  if (left !== 0) note(`${left} chunks left in the stream`);

  const rows = await server.query<{ id: number | string; name: string; email: string; age: number; country: string }>(`SELECT id, name, email, age, country FROM ${table} ORDER BY id, rid`);
  const wanted = expected.filter((r) => r.values).map((r) => r.values as SavedValues).sort((a, b) => a[0] - b[0]);
  tableDiscrepancies(rows.map((r) => [Number(r.id), r.name, r.email, r.age, r.country]), wanted, note);
  return problems;
}

/** The report's sheets agree with the counts: the Errors sheet holds exactly the failed rows. */
async function checkReport(prefix: string, id: string, expected: readonly ExpectedRow[]): Promise<void> {
  const out = `${dir.path}/${id}.xlsx`;
  const rep = await runCli(['report', id, '--out', out, '--ttl', '0'], { env: { IMPORTER_PREFIX: prefix } });
  expect(rep.stderr).toBe('');
  expect(rep.code).toBe(3); // complete, with failed rows
  const sheets = await readWorkbook(out);
  const errors = sheets.get('Errors')!;
  const failedRows = expected.filter((r) => !r.values).map((r) => r.row);
  expect(errors.length - 1).toBe(failedRows.length);
  const rowColumn = errors[0]!.indexOf('Row');
  const reported = errors.slice(1).map((cells) => Number(cells[rowColumn]));
  expect(reported.sort((a, b) => a - b)).toEqual(failedRows);
  expect(JSON.stringify(errors)).not.toMatch(/not saved|unavailable/);
}

async function statusJson(prefix: string, id: string): Promise<Record<string, unknown>> {
  const st = await runCli(['status', id, '--json'], { env: { IMPORTER_PREFIX: prefix } });
  return JSON.parse(st.stdout) as Record<string, unknown>;
}

describe.each<[Dialect, string]>([
  ['postgres', 'stopped for 20 s'],
  ['mysql', 'restarted'],
])('a private %s %s mid-import', (dialect) => {
  it('every valid row saved once, only invalid rows failed, the import waited and said so', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { IMPORTER_PREFIX: prefix };
    const server = await privateServer(dialect);
    const table = 'people';
    await createPeopleTable(server, dialect, table, 0.0002);
    const file = writePeopleFile(dir.path, `outage-${dialect}`, 20_000);
    const expected = expectedRows(file);
    const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', server.url, '--table', table], { env });
    expect(enq.stderr).toBe('');
    const id = enq.stdout.trim();

    const worker = launch(['work', '--until-idle', '--processes', '2', '--import', id], env);
    started.push(worker);
    const meta = importKeys(prefix, id).meta;
    await waitFor('some rows saved', async () => Number(await redis.hget(meta, 'succeeded')) >= 2000, 60_000, 50);
    const failedBefore = Number(await redis.hget(meta, 'failed'));
    await server.stop();
    const stoppedAt = Date.now();
    // Down: the import waits for its target and says so; no row fails for it.
    await waitFor('the import to say it waits for its target', async () => (await redis.hget(meta, 'waitingSince')) !== null, 15_000, 100);
    const waiting = await statusJson(prefix, id);
    expect(waiting).toMatchObject({ state: 'processing', resumable: false });
    expect(waiting['waitingSince']).toEqual(expect.any(String));
    expect(String(waiting['waitingReason'])).toMatch(/ECONNREFUSED|terminat|connect|lost|closed|shutdown/i);
    const text = await runCli(['status', id], { env });
    expect(text.stdout).toMatch(/waiting:\s+for its target since/);
    // Heartbeats come every 2 s: `workers` says it by the next one.
    await waitFor('`workers` to show the target waited for', async () => {
      const workers = JSON.parse((await runCli(['workers', '--json'], { env })).stdout) as { waitingFor?: { target: string }[] }[];
      return workers.some((w) => (w.waitingFor ?? []).some((t) => t.target === server.url));
    }, 15_000, 500);
    const downFor = dialect === 'postgres' ? 20_000 : 3000;
    while (Date.now() - stoppedAt < downFor) {
      await sleep(500);
      // Rows refused by the table may still be recorded by a save that finished as it stopped;
      // a row failed for the outage would carry "not saved".
      const failed: string[] = [];
      for await (const entry of readList(redis, importKeys(prefix, id).failed)) failed.push(entry);
      expect(failed.filter((f) => /not saved|unavailable/.test(f))).toEqual([]);
    }
    expect(Number(await redis.hget(meta, 'failed'))).toBeLessThanOrEqual(failedBefore + 5 * CHUNK);
    await server.start();
    const done = await worker.result;
    if (process.env["OUTAGE_DEBUG"]) console.log(done.stderr);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(/waiting for its target/);
    expect(await discrepancies(prefix, id, server, table, expected)).toEqual([]);
    await checkReport(prefix, id, expected);
  }, 150_000);
});

describe('--give-up-after', () => {
  it('fails the import with the cause, keeps its rows pending, and a later work finishes it', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { IMPORTER_PREFIX: prefix };
    const pgServer = await PrivatePostgres.create();
    servers.push(pgServer);
    const table = 'people';
    await createPeopleTable(pgServer, 'postgres', table, 0);
    const file = writePeopleFile(dir.path, 'give-up', 5000);
    const expected = expectedRows(file);
    const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', pgServer.url, '--table', table], { env });
    const id = enq.stdout.trim();
    await pgServer.stop();

    const first = await runCli(['work', '--until-idle', '--processes', '2', '--give-up-after', '3s'], { env });
    expect(first.code, first.stderr).toBe(0);
    const failed = await statusJson(prefix, id);
    expect(failed).toMatchObject({ state: 'failed', succeeded: 0, failed: 0, pending: 5000, resumable: true });
    expect(String(failed['error'])).toMatch(/^target unavailable for \d+ s \(given up on after 3 s\): database unavailable: .*ECONNREFUSED/);
    // Its chunks are all still there, none acknowledged.
    expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(10);
    const rep = await runCli(['report', id, '--wait', '--out', `${dir.path}/give-up.xlsx`], { env });
    expect(rep.code).toBe(1);
    expect(rep.stderr).toMatch(/failed: target unavailable for/);

    await pgServer.start();
    const second = await runCli(['work', '--until-idle'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(await discrepancies(prefix, id, pgServer, table, expected)).toEqual([]);
    await checkReport(prefix, id, expected);
  }, 120_000);
});

describe.each(DIALECTS)('a COMMIT into %s whose reply is lost', (dialect) => {
  it('is found in the ledger on the retry: no row doubled, none "not saved"', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const scratch = await openScratch(dialect);
    scratches.push(scratch);
    const tableSql = scratch.qualified('people');
    const server: Server = {
      url: scratch.url,
      query: (sql) => scratch.query(sql) as never,
      start: async () => {},
      stop: async () => {},
      remove: async () => {},
    };
    await createPeopleTable(server, dialect, tableSql, 0);
    const port = Number(new URL(scratch.url).port || (dialect === 'postgres' ? 5432 : 3306));
    const proxy = new CuttingProxy(port);
    const proxyPort = await proxy.listen();
    try {
      const file = writePeopleFile(dir.path, `lost-commit-${dialect}`, 6000);
      const expected = expectedRows(file);
      const target = withPort(scratch.url, proxyPort);
      const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', target, '--table', scratch.table('people')], {
        env: { IMPORTER_PREFIX: prefix },
      });
      expect(enq.stderr).toBe('');
      const id = enq.stdout.trim();
      // PostgreSQL saves batches of chunks in one COPY whose transaction ends with the COPY's end
      // (CopyDone, the COMMIT is in the same query); MySQL commits with a COMMIT statement.
      proxy.arm(dialect === 'postgres' ? Buffer.from([0x63, 0, 0, 0, 4]) : Buffer.from('COMMIT'));
      const warnings: string[] = [];
      const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2, onWarning: (m) => warnings.push(m) });
      expect(proxy.cuts).toBe(1);
      expect(warnings.some((w) => /target unavailable \(attempt 1 of 5\)/.test(w))).toBe(true);
      expect(summary.rows).toBe(6000);
      expect(await discrepancies(prefix, id, server, tableSql, expected)).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('a SQLite database locked by another writer', () => {
  it('is waited for: no row fails while the lock is held, every row once after', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { IMPORTER_PREFIX: prefix, IMPORTER_SQLITE_BUSY_TIMEOUT_MS: '200' };
    const dbPath = `${dir.path}/locked.db`;
    const file = writePeopleFile(dir.path, 'locked', 4000);
    const holder = new Database(dbPath);
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE other (x INTEGER)');
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('INSERT INTO other VALUES (1)');
    try {
      const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${dbPath}`], { env });
      expect(enq.stderr).toBe('');
      const id = enq.stdout.trim();
      const worker = launch(['work', '--until-idle', '--import', id], env);
      started.push(worker);
      const meta = importKeys(prefix, id).meta;
      await waitFor('the import to say it waits for its target', async () => (await redis.hget(meta, 'waitingSince')) !== null, 20_000, 100);
      expect(await redis.hget(meta, 'waitingReason')).toMatch(/database is locked/);
      await sleep(3000);
      expect(await redis.hmget(meta, 'succeeded', 'failed')).toEqual(['0', '0']);
      holder.exec('COMMIT');
      const done = await worker.result;
      expect(done.code, done.stderr).toBe(0);
      expect(await importDiscrepancies({ redis, prefix, id, file, dbPath, chunkSize: CHUNK })).toEqual([]);
    } finally {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    }
  }, 90_000);
});

describe('one target down, another up', () => {
  it('the import into the working target completes while the other waits, then is given up on', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { IMPORTER_PREFIX: prefix };
    const down = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const dbPath = `${dir.path}/up.db`;
    const downFile = writePeopleFile(dir.path, 'down', 3000);
    const upFile = writePeopleFile(dir.path, 'up', 3000);
    // The import into the unreachable database first: its chunks are taken first.
    const enqDown = await runCli(['enqueue', downFile.path, '--schema', downFile.schemaPath, '--chunk-size', String(CHUNK), '--target', down, '--table', 'people'], { env });
    const downId = enqDown.stdout.trim();
    const enqUp = await runCli(['enqueue', upFile.path, '--schema', upFile.schemaPath, '--chunk-size', String(CHUNK), '--target', `sqlite:${dbPath}`], { env });
    const upId = enqUp.stdout.trim();
    const warnings: string[] = [];
    await work({ redis, prefix, untilIdle: true, concurrency: 2, giveUpAfterMs: 6000, onWarning: (m) => warnings.push(m) });
    expect(await importDiscrepancies({ redis, prefix, id: upId, file: upFile, dbPath, chunkSize: CHUNK })).toEqual([]);
    const downMeta = await redis.hgetall(importKeys(prefix, downId).meta);
    expect(downMeta).toMatchObject({ state: 'failed', failedFor: 'target', succeeded: '0', failed: '0' });
    // The working import did not wait for the other to be given up on.
    const upMeta = await redis.hgetall(importKeys(prefix, upId).meta);
    expect(Number(upMeta['finishedAt'])).toBeLessThan(Number(downMeta['finishedAt']));
    expect(await redis.xlen(importKeys(prefix, downId).chunks)).toBe(6);
    expect(warnings.some((w) => w.includes(`import ${downId} failed: target unavailable`))).toBe(true);
  }, 60_000);
});
