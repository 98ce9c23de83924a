/**
 * Only the schema's columns are written: a file's extra header (`is_admin`) against a table that
 * has such a column must never set it, on any target, through upserts or a handler; it is named
 * as ignored (status --json, list --json, the Summary sheet). `"additionalProperties": false`
 * refuses the file before anything is queued; `--map` onto a non-property is a usage error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { FIXTURES, runCli } from './helpers/cli.js';
import { readWorkbook, writeFile } from './helpers/files.js';
import { useRedisScratch } from './helpers/redis.js';
import { openScratch, type Dialect, type Scratch } from './helpers/sql.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
const env = { IMPORTER_PREFIX: prefix };
const scratches: Scratch[] = [];
afterAll(async () => {
  for (const s of scratches) await s.drop();
});

const SCHEMA = { type: 'object', properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } }, required: ['email'] };
const schemaFile = (name: string, extra: Record<string, unknown> = {}): string => writeFile(dir.path, name, JSON.stringify({ ...SCHEMA, ...extra }));

// Row 3 lacks its last field: with an ignored column it must still fail as ragged, not be padded.
const FILE = 'email,name,is_admin\nann@example.com,Ann New,1\nbob@example.com,Bob,true\ncid@example.com,Cid\n';

interface Summary {
  id: string;
  state: string;
  succeeded: number;
  failed: number;
  ignoredColumns: string[];
}

async function keysUnder(p: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${p}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys;
}

async function checkReported(summary: Summary, report: string): Promise<void> {
  expect(summary.ignoredColumns).toEqual(['is_admin']);
  const status = await runCli(['status', summary.id, '--json'], { env });
  expect(JSON.parse(status.stdout)).toMatchObject({ ignoredColumns: ['is_admin'] });
  const list = await runCli(['list', '--json'], { env });
  expect((JSON.parse(list.stdout) as Summary[]).find((s) => s.id === summary.id)).toMatchObject({ ignoredColumns: ['is_admin'] });
  const text = await runCli(['status', summary.id], { env });
  expect(text.stdout).toContain('ignored:  "is_admin" (not in the schema, not written)');
  const sheets = await readWorkbook(report);
  const lines = sheets.get('Summary')!.filter((r) => r[0] === 'Ignored columns');
  expect(lines).toEqual([['Ignored columns', '"is_admin": not in the schema, not imported']]);
  // Rows 1 and 2 saved, row 3 (a field short) failed as ragged; the Errors sheet has no is_admin.
  const errors = sheets.get('Errors')!;
  expect(errors[0]).toEqual(['Row', 'Line', 'Problems', 'email', 'name']);
  expect(errors.slice(1).map((r) => r.slice(0, 3))).toEqual([[3, 4, "row has fewer values than the header's 3 columns"]]);
}

describe('only the schema columns are written', () => {
  it('SQLite: an existing is_admin column is untouched, by inserts and by upserts', async () => {
    const db = join(dir.path, 'people.db');
    const setup = new Database(db);
    setup.exec('CREATE TABLE people (email TEXT UNIQUE, name TEXT, is_admin INTEGER NOT NULL DEFAULT 0)');
    setup.prepare('INSERT INTO people (email, name, is_admin) VALUES (?, ?, 0)').run('ann@example.com', 'Ann Old');
    setup.close();
    const csv = writeFile(dir.path, 'people.csv', FILE);
    const out = join(dir.path, 'sqlite.xlsx');
    const res = await runCli(['run', csv, '--schema', schemaFile('s.json'), '--target', `sqlite:${db}`, '--on-conflict', 'email', '--processes', '1', '--out', out, '--json'], { env });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(3);
    const summary = JSON.parse(res.stdout) as Summary;
    expect(summary).toMatchObject({ state: 'complete', succeeded: 2, failed: 1 });
    const read = new Database(db, { readonly: true });
    const rows = read.prepare('SELECT email, name, is_admin FROM people ORDER BY email').all();
    read.close();
    expect(rows).toEqual([
      { email: 'ann@example.com', name: 'Ann New', is_admin: 0 },
      { email: 'bob@example.com', name: 'Bob', is_admin: 0 },
    ]);
    await checkReported(summary, out);
  });

  for (const dialect of ['postgres', 'mysql'] as Dialect[]) {
    it(`${dialect}: is_admin untouched by inserts and upserts; --create-table makes only schema columns`, async () => {
      const s = await openScratch(dialect);
      scratches.push(s);
      const bool = dialect === 'postgres' ? 'boolean NOT NULL DEFAULT false' : 'BOOLEAN NOT NULL DEFAULT 0';
      const key = dialect === 'postgres' ? 'text UNIQUE' : 'VARCHAR(255) UNIQUE';
      await s.query(`CREATE TABLE ${s.qualified('people')} (email ${key}, name text, is_admin ${bool})`);
      await s.query(`INSERT INTO ${s.qualified('people')} (email, name) VALUES (?, ?)`, ['ann@example.com', 'Ann Old']);
      const csv = writeFile(dir.path, `${dialect}.csv`, FILE);
      const out = join(dir.path, `${dialect}.xlsx`);
      const res = await runCli(['run', csv, '--schema', schemaFile(`${dialect}.json`), '--target', s.url, '--table', s.table('people'), '--on-conflict', 'email', '--processes', '1', '--out', out, '--json'], { env });
      expect(res.stderr).toBe('');
      const summary = JSON.parse(res.stdout) as Summary;
      expect(summary).toMatchObject({ state: 'complete', succeeded: 2, failed: 1 });
      const rows = await s.query(`SELECT email, name, is_admin FROM ${s.qualified('people')} ORDER BY email`);
      expect(rows.map((r) => ({ ...r, is_admin: Boolean(r['is_admin']) }))).toEqual([
        { email: 'ann@example.com', name: 'Ann New', is_admin: false },
        { email: 'bob@example.com', name: 'Bob', is_admin: false },
      ]);
      await checkReported(summary, out);

      const created = await runCli(['run', csv, '--schema', schemaFile(`${dialect}-c.json`), '--target', s.url, '--table', s.table('fresh'), '--create-table', '--processes', '1', '--out', join(dir.path, `${dialect}-c.xlsx`), '--json'], { env });
      expect(JSON.parse(created.stdout)).toMatchObject({ succeeded: 2, failed: 1, ignoredColumns: ['is_admin'] });
      const columns = await s.query<{ c: string }>('SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [s.space, 'fresh']);
      expect(columns.map((c) => c.c ?? (c as Record<string, unknown>)['C'])).toEqual(['email', 'name']);
    });
  }

  it('"unique" still works past an ignored column, and a short record claims nothing', async () => {
    const db = join(dir.path, 'unique.db');
    const csv = writeFile(dir.path, 'unique.csv', 'is_admin,email,name\n1,a@example.com,A\n0,a@example.com,B\n1,b@example.com\n0,b@example.com,C\n');
    const schema = writeFile(dir.path, 'unique.json', JSON.stringify({ ...SCHEMA, properties: { ...SCHEMA.properties, email: { type: 'string', unique: true } } }));
    const res = await runCli(['run', csv, '--schema', schema, '--target', `sqlite:${db}`, '--table', 'people', '--chunk-size', '2', '--processes', '1', '--out', join(dir.path, 'unique.xlsx'), '--json'], { env });
    expect(JSON.parse(res.stdout)).toMatchObject({ succeeded: 2, failed: 2, ignoredColumns: ['is_admin'] });
    const sheets = await readWorkbook(join(dir.path, 'unique.xlsx'));
    // Two chunks of two rows: their outcomes are recorded in the order they finish.
    const byRow = (a: unknown[], b: unknown[]): number => Number(a[0]) - Number(b[0]);
    expect(sheets.get('Errors')!.slice(1).map((r) => r.slice(0, 3)).sort(byRow)).toEqual([
      [2, 3, 'email repeats a value already used earlier in the file (first in row 1)'],
      [3, 4, "row has fewer values than the header's 3 columns"],
    ]);
    const read = new Database(db, { readonly: true });
    expect(read.prepare('SELECT * FROM people ORDER BY name').all()).toEqual([
      { email: 'a@example.com', name: 'A' },
      { email: 'b@example.com', name: 'C' },
    ]);
    read.close();
  });

  it('a handler is given only the schema properties', async () => {
    const out = join(dir.path, 'handler-out');
    const csv = writeFile(dir.path, 'handled.csv', FILE);
    const res = await runCli(['run', csv, '--schema', schemaFile('h.json'), '--handler', join(FIXTURES, 'handlers', 'save-to-jsonl.mjs'), '--processes', '1', '--out', join(dir.path, 'h.xlsx'), '--json'], {
      env: { ...env, HANDLER_OUT: out },
      cwd: dir.path,
    });
    expect(JSON.parse(res.stdout)).toMatchObject({ succeeded: 2, failed: 1, ignoredColumns: ['is_admin'] });
    const saved = readdirSync(out).flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
    expect(saved.sort((a, b) => Number(a['row']) - Number(b['row']))).toEqual([
      { row: 1, email: 'ann@example.com', name: 'Ann New' },
      { row: 2, email: 'bob@example.com', name: 'Bob' },
    ]);
  });

  it('"additionalProperties": false refuses the file before anything is queued, naming the file and the columns', async () => {
    const p = `${prefix}-strict`;
    const csv = writeFile(dir.path, 'strict.csv', 'email,name,is_admin,role\nann@example.com,Ann,1,root\n');
    const res = await runCli(['enqueue', csv, '--schema', schemaFile('strict.json', { additionalProperties: false }), '--target', `sqlite:${join(dir.path, 'strict.db')}`], { env: { IMPORTER_PREFIX: p } });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('strict.csv: line 1:');
    expect(res.stderr).toContain('"additionalProperties": false');
    expect(res.stderr).toContain('"is_admin", "role"');
    expect(await keysUnder(p)).toEqual([]);
  });

  it('--map onto a column the schema does not have is a usage error; onto a property it is read', async () => {
    const p = `${prefix}-map`;
    const csv = writeFile(dir.path, 'mapped.csv', 'Mail,Full name,Admin\nann@example.com,Ann,1\n');
    const schema = schemaFile('map.json');
    const refused = await runCli(['enqueue', csv, '--schema', schema, '--map', 'Mail=email', '--map', 'Admin=is_admin', '--target', `sqlite:${join(dir.path, 'map.db')}`], { env: { IMPORTER_PREFIX: p } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--map onto "is_admin": not a property of the schema; expected one of "email", "name"');
    expect(await keysUnder(p)).toEqual([]);

    const db = join(dir.path, 'map.db');
    const ok = await runCli(['run', csv, '--schema', schema, '--map', 'Mail=email', '--map', 'Full name=name', '--target', `sqlite:${db}`, '--table', 'people', '--processes', '1', '--out', join(dir.path, 'map.xlsx'), '--json'], { env: { IMPORTER_PREFIX: p } });
    expect(JSON.parse(ok.stdout)).toMatchObject({ succeeded: 1, failed: 0, ignoredColumns: ['Admin'] });
    const read = new Database(db, { readonly: true });
    expect(read.prepare('SELECT * FROM people').all()).toEqual([{ email: 'ann@example.com', name: 'Ann' }]);
    read.close();
  });

  it('without a schema every column is written, as the operator chose', async () => {
    const db = join(dir.path, 'free.db');
    const csv = writeFile(dir.path, 'free.csv', 'email,name,is_admin\nann@example.com,Ann,1\n');
    const res = await runCli(['run', csv, '--target', `sqlite:${db}`, '--table', 'people', '--processes', '1', '--out', join(dir.path, 'free.xlsx'), '--json'], { env });
    expect(JSON.parse(res.stdout)).toMatchObject({ succeeded: 1, ignoredColumns: [] });
    const read = new Database(db, { readonly: true });
    expect(read.prepare('SELECT * FROM people').all()).toEqual([{ email: 'ann@example.com', name: 'Ann', is_admin: '1' }]);
    read.close();
  });
});
