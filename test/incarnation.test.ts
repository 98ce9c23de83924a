/**
 * An import id can be used again: after `purge`, after the import's keys expired, and under
 * another `--prefix` on the same target. Each import is its own incarnation (made when its record
 * is created), and the target's ledger is keyed by it: a new import under an old id writes its
 * rows, while a resumed enqueue and a redelivered chunk still write nothing twice. On SQLite,
 * PostgreSQL and MariaDB, read back with their drivers.
 */
import { chunkEntryId, decodeChunkFields } from '../src/redis/codec.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { enqueue, work } from '../src/index.js';
import { expireImport } from '../src/lifecycle/expire-import.js';
import { purgeImport } from '../src/lifecycle/purge-import.js';
import { importKeys, CHUNK_GROUP } from '../src/redis/keys.js';
import { runScript, type ImporterRedis } from '../src/redis/scripts.js';
import { openTarget } from '../src/targets/open-target.js';
import { LEDGER_TABLE } from '../src/targets/target.js';
import { ChunkFetcher } from '../src/work/chunk-fetcher.js';
import { runCli } from './helpers/cli.js';
import { csvLine, tempDir, writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { freePort } from './helpers/processes.js';
import { DIALECTS, openScratch, withPort, type Scratch } from './helpers/sql.js';

let redis: ImporterRedis;
const prefixes: string[] = [];
const dir = tempDir();
const scratches: Scratch[] = [];

beforeAll(async () => {
  redis = await openRedis();
});
afterAll(async () => {
  for (const s of scratches) await s.drop().catch(() => {});
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

function newPrefix(): string {
  const prefix = testPrefix();
  prefixes.push(prefix);
  return prefix;
}

let files = 0;
/** A file of `rows` people whose names start with `tag`, so that each file's rows can be told apart. */
function peopleFile(tag: string, rows: number): string {
  const lines = [['id', 'name'], ...Array.from({ length: rows }, (_, i) => [String(i + 1), `${tag}-${i + 1}`])];
  return writeFile(dir.path, `${++files}-${tag}.csv`, lines.map(csvLine).join('\n') + '\n');
}

/** A target of the test's own: a SQLite file, a PostgreSQL schema or a MariaDB database. */
interface Place {
  readonly url: string;
  readonly table: string;
  /** The table's names, sorted. */
  names(): Promise<string[]>;
  /** Ledger rows by import id. */
  ledger(): Promise<Record<string, number>>;
}

type Kind = 'sqlite' | (typeof DIALECTS)[number];

async function place(kind: Kind): Promise<Place> {
  if (kind === 'sqlite') {
    const path = join(dir.path, `${++files}.db`);
    const read = <T>(sql: string): T[] => {
      const db = new Database(path, { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    };
    return {
      url: `sqlite:${path}`,
      table: 'people',
      names: async () => read<{ name: string }>('SELECT name FROM people ORDER BY name').map((r) => r.name),
      ledger: async () => countsById(read<{ import_id: string; n: number }>(`SELECT import_id, count(*) AS n FROM ${LEDGER_TABLE} GROUP BY import_id`)),
    };
  }
  const s = await openScratch(kind);
  scratches.push(s);
  return {
    url: s.url,
    table: s.table('people'),
    names: async () => (await s.query<{ name: string }>(`SELECT name FROM ${s.qualified('people')} ORDER BY name`)).map((r) => r.name),
    ledger: async () => countsById(await s.query<{ import_id: string; n: number }>(`SELECT import_id, count(*) AS n FROM ${s.qualified(LEDGER_TABLE)} GROUP BY import_id`)),
  };
}

function countsById(rows: readonly { import_id: string; n: number | string }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.import_id, Number(r.n)]));
}

function names(tag: string, rows: number): string[] {
  return Array.from({ length: rows }, (_, i) => `${tag}-${i + 1}`).sort();
}

/** Enqueues a file under `id` and works it to the end in this process; its summary counts. */
async function importUnder(prefix: string, id: string, source: string, to: Place): Promise<{ succeeded: number; failed: number; incarnation: string }> {
  await enqueue({ redis, prefix, source, id, target: to.url, table: to.table, createTable: true, chunkSize: 2 });
  await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
  const out = await readOutcomes(redis, prefix, id);
  expect(out.meta['state']).toBe('complete');
  expect(out.repeated).toEqual([]);
  return { succeeded: out.succeeded.size, failed: out.failed.size, incarnation: out.meta['incarnation']! };
}

const KINDS: readonly Kind[] = ['sqlite', ...DIALECTS];

describe.each(KINDS)('a reused import id on the %s target', (kind) => {
  it('run a.csv --id nightly, purge nightly, run b.csv --id nightly: b\'s rows are in the table; purge deleted a\'s ledger rows', async () => {
    const to = await place(kind);
    const prefix = newPrefix();
    const env = { IMPORTER_PREFIX: prefix };
    const a = peopleFile('a', 3);
    const b = peopleFile('b', 2);
    const run = async (file: string) => {
      const out = await runCli(['run', file, '--id', 'nightly', '--target', to.url, '--table', to.table, '--create-table', '--chunk-size', '2', '--out', join(dir.path, `${++files}.xlsx`), '--json'], { env });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      return JSON.parse(out.stdout) as { succeeded: number; failed: number };
    };
    expect(await run(a)).toMatchObject({ succeeded: 3, failed: 0 });
    expect(await to.ledger()).toEqual({ nightly: 2 });

    const purge = await runCli(['purge', 'nightly', '--json'], { env });
    expect(purge.code).toBe(0);
    expect(JSON.parse(purge.stdout)).toMatchObject({ id: 'nightly', purged: true, ledgerRows: 2, ledgerError: null });
    expect(await to.ledger()).toEqual({});

    expect(await run(b)).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await to.names()).toEqual([...names('a', 3), ...names('b', 2)].sort());
    expect(await to.ledger()).toEqual({ nightly: 1 });
  });

  it('a new import under the id of one whose keys expired writes its rows; purge then deletes only the new import\'s ledger rows', async () => {
    const to = await place(kind);
    const prefix = newPrefix();
    const first = await importUnder(prefix, 'nightly', peopleFile('a', 5), to);
    expect(first).toMatchObject({ succeeded: 5, failed: 0 });
    // --ttl: every key of the import expires (the record last).
    await expireImport({ redis, prefix, id: 'nightly', ttlSeconds: 1 });
    const meta = importKeys(prefix, 'nightly').meta;
    for (let i = 0; i < 50 && (await redis.exists(meta)) === 1; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await redis.exists(meta)).toBe(0);

    const second = await importUnder(prefix, 'nightly', peopleFile('b', 4), to);
    expect(second).toMatchObject({ succeeded: 4, failed: 0 });
    expect(second.incarnation).not.toBe(first.incarnation);
    expect(await to.names()).toEqual([...names('a', 5), ...names('b', 4)].sort());
    // Both incarnations' chunks are in the ledger: 3 of a, 2 of b.
    expect(await to.ledger()).toEqual({ nightly: 5 });
    await purgeImport({ redis, prefix, id: 'nightly' });
    expect(await to.ledger()).toEqual({ nightly: 3 });
  });

  it('two prefixes with the same id on one target: both files\' rows land', async () => {
    const to = await place(kind);
    const [one, two] = [newPrefix(), newPrefix()];
    const a = importUnder(one, 'nightly', peopleFile('a', 7), to);
    const b = importUnder(two, 'nightly', peopleFile('b', 6), to);
    expect(await a).toMatchObject({ succeeded: 7, failed: 0 });
    expect(await b).toMatchObject({ succeeded: 6, failed: 0 });
    expect(await to.names()).toEqual([...names('a', 7), ...names('b', 6)].sort());
    expect(await to.ledger()).toEqual({ nightly: 4 + 3 });
  });

  it('a resumed enqueue keeps the incarnation and changes nothing; a chunk saved again is not doubled', async () => {
    const to = await place(kind);
    const prefix = newPrefix();
    const source = peopleFile('a', 5);
    const first = await enqueue({ redis, prefix, source, id: 'nightly', target: to.url, table: to.table, createTable: true, chunkSize: 2 });
    const keys = importKeys(prefix, 'nightly');
    const incarnation = await redis.hget(keys.meta, 'incarnation');
    expect(incarnation).toMatch(/^[0-9a-f]{24}$/);
    const again = await enqueue({ redis, prefix, source, id: 'nightly', target: to.url, table: to.table, createTable: true, chunkSize: 2 });
    expect(again).toMatchObject({ resumed: true, total: first.total });
    expect(await redis.hget(keys.meta, 'incarnation')).toBe(incarnation);
    const chunks = (await redis.xrange(keys.chunks, '-', '+')) as [string, string[]][];
    expect(chunks.map(([entry]) => entry)).toEqual([0, 1, 2].map(chunkEntryId));
    // Every chunk carries its import's incarnation.
    for (const [, fields] of chunks) expect(decodeChunkFields(fields).incarnation).toBe(incarnation);
    await work({ redis, prefix, importId: 'nightly', untilIdle: true, concurrency: 2 });
    expect(await to.names()).toEqual(names('a', 5));

    // Chunk 0 delivered again (a worker stopped before recording it): the ledger finds it.
    const target = openTarget(to.url);
    try {
      const request = { importId: 'nightly', ledgerKey: incarnation!, chunk: 0, table: to.table, columns: ['id', 'name'], rows: [[1, 'a-1'], [2, 'a-2']], onConflict: null };
      expect(await target.save(request)).toEqual([]);
      expect(await to.names()).toEqual(names('a', 5));
      // The same chunk number of another incarnation is another chunk.
      expect(await target.save({ ...request, ledgerKey: 'another-incarnation', rows: [[1, 'c-1']] })).toEqual([]);
      expect(await to.names()).toEqual([...names('a', 5), 'c-1'].sort());
    } finally {
      await target.close();
    }
  });
});

describe('chunks of an earlier incarnation', () => {
  it('a worker that knew the import before it was purged and created again works the new one\'s chunks with the new settings', async () => {
    const to = await place('sqlite');
    const prefix = newPrefix();
    await enqueue({ redis, prefix, source: peopleFile('a', 4), id: 'nightly', target: to.url, table: to.table, createTable: true, chunkSize: 2 });
    const fetcher = new ChunkFetcher(redis, prefix, 'worker-1', 60_000, 'nightly', () => {});
    const old = await fetcher.next();
    expect(old).toHaveLength(1);
    const oldIncarnation = old[0]!.context.record.incarnation;

    await purgeImport({ redis, prefix, id: 'nightly' });
    await enqueue({ redis, prefix, source: peopleFile('b', 4), id: 'nightly', target: to.url, table: 'others', createTable: true, chunkSize: 2 });
    const fresh = await fetcher.next();
    expect(fresh).toHaveLength(1);
    const incarnation = await redis.hget(importKeys(prefix, 'nightly').meta, 'incarnation');
    expect(incarnation).not.toBe(oldIncarnation);
    expect(fresh[0]!.context.record.incarnation).toBe(incarnation);
    expect(fresh[0]!.context.record.table).toBe('others');
  });

  it('a chunk of an earlier incarnation left in the stream is dropped, not saved', async () => {
    const prefix = newPrefix();
    const to = await place('sqlite');
    await enqueue({ redis, prefix, source: peopleFile('a', 4), id: 'nightly', target: to.url, table: to.table, createTable: true, chunkSize: 2 });
    const keys = importKeys(prefix, 'nightly');
    // The record is now another incarnation's: the two chunks in the stream are leftovers.
    await redis.hset(keys.meta, 'incarnation', 'f'.repeat(24));
    const warnings: string[] = [];
    await work({ redis, prefix, importId: 'nightly', untilIdle: true, concurrency: 1, onWarning: (w) => warnings.push(w) });
    expect(warnings.filter((w) => /chunk\(s\) of an earlier import under the same id dropped/.test(w))).toHaveLength(2);
    expect(await redis.xlen(keys.chunks)).toBe(0);
    expect(await redis.xpending(keys.chunks, CHUNK_GROUP)).toEqual([0, null, null, null]);
    expect(await redis.hget(keys.meta, 'succeeded')).toBe('0');
    // Nothing saved: the target's file was never even opened.
    expect(existsSync(to.url.slice('sqlite:'.length))).toBe(false);
  });

  it('recording a chunk saved under an earlier incarnation changes nothing of the new import', async () => {
    const prefix = newPrefix();
    const to = await place('sqlite');
    await enqueue({ redis, prefix, source: peopleFile('a', 2), id: 'nightly', target: to.url, table: to.table, createTable: true, chunkSize: 2 });
    const keys = importKeys(prefix, 'nightly');
    const record = (incarnation: string) =>
      runScript(redis, 'recordChunk', [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed], [CHUNK_GROUP, 0, Date.now(), 2, 0, 'S', incarnation]);
    expect(await record('f'.repeat(24))).toBe('stale');
    expect(await redis.getbit(keys.done, 0)).toBe(0);
    expect(await redis.xlen(keys.chunks)).toBe(1);
    expect(await redis.hget(keys.meta, 'succeeded')).toBe('0');
    expect(await record((await redis.hget(keys.meta, 'incarnation'))!)).toBe('complete');
  });

  it('an enqueue whose import was purged and created again adds no chunk to the new one', async () => {
    const prefix = newPrefix();
    const to = await place('sqlite');
    await enqueue({ redis, prefix, source: peopleFile('a', 2), id: 'nightly', target: to.url, table: to.table, chunkSize: 2 });
    const keys = importKeys(prefix, 'nightly');
    // The new import is still being enqueued (its record says enqueuing, chunk 0 expected).
    await redis.hset(keys.meta, 'state', 'enqueuing', 'enqueuedChunks', '0');
    await redis.del(keys.chunks);
    const args = [0, 1, 1, '[1,2,[["1","x"]]]', Date.now(), '[]', '[]', '[]', 'f'.repeat(24)];
    await expect(runScript(redis, 'enqueueChunk', [keys.meta, keys.chunks], args)).rejects.toMatchObject({ code: 'IMPORT_CLOSED', state: 'replaced' });
    expect(await redis.xlen(keys.chunks)).toBe(0);
  });
});

describe('purge where the target cannot be reached', () => {
  it.each(DIALECTS)('on %s: the keys are purged, a warning says the ledger rows were left', async (kind) => {
    const to = await place(kind);
    const prefix = newPrefix();
    await importUnder(prefix, 'nightly', peopleFile('a', 3), to);
    // The database is elsewhere now: nothing listens on the port the record names.
    await redis.hset(importKeys(prefix, 'nightly').meta, 'target', withPort(to.url, await freePort()));
    const purge = await runCli(['purge', 'nightly', '--json'], { env: { IMPORTER_PREFIX: prefix } });
    expect(purge.code).toBe(0);
    const result = JSON.parse(purge.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ id: 'nightly', purged: true, ledgerRows: null });
    expect(result['ledgerError']).toMatch(/database unavailable: .*ECONNREFUSED/);
    expect(purge.stderr).toMatch(/^importer: the import's ledger rows were left in \S+ \(database unavailable: .*\); they are deleted after 30 days\n$/);
    expect(await redis.exists(importKeys(prefix, 'nightly').meta)).toBe(0);
    expect(await to.ledger()).toEqual({ nightly: 2 });
  });
});

describe('ledger rows by age', () => {
  it.each(KINDS)('on %s, rows older than the ledger keeps are deleted when a worker first uses the ledger', async (kind) => {
    const to = await place(kind);
    const prefix = newPrefix();
    await importUnder(prefix, 'old', peopleFile('a', 2), to);
    const aged = `UPDATE ${kind === 'sqlite' ? LEDGER_TABLE : qualifiedLedger(to)} SET saved_at = ${kind === 'sqlite' ? "datetime('now', '-31 days')" : kind === 'postgres' ? "now() - interval '31 days'" : 'NOW() - INTERVAL 31 DAY'}`;
    await runSql(kind, to, aged);
    await importUnder(prefix, 'new', peopleFile('b', 2), to);
    expect(await to.ledger()).toEqual({ new: 1 });
  });
});

function qualifiedLedger(to: Place): string {
  const s = scratches.find((x) => to.table.startsWith(`${x.space}.`))!;
  return s.qualified(LEDGER_TABLE);
}

async function runSql(kind: Kind, to: Place, sql: string): Promise<void> {
  if (kind !== 'sqlite') {
    await scratches.find((x) => to.table.startsWith(`${x.space}.`))!.query(sql);
    return;
  }
  const db = new Database(to.url.slice('sqlite:'.length));
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}
