/**
 * The PostgreSQL and MariaDB targets against the real databases of this machine. Each test works
 * in a schema (PostgreSQL) or database (MariaDB) of its own, dropped at the end, and its own Redis
 * key prefix. Tables are read back with the drivers and compared value by value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { enqueue, work } from '../src/index.js';
import type { ConflictPolicy } from '../src/targets/target.js';
import { openTarget } from '../src/targets/open-target.js';
import { createRowValidator } from '../src/schema/row-validator.js';
import { compileSchema } from '../src/schema/compile-schema.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { csvLine, tempDir, writeFile } from './helpers/files.js';
import { failureMessages, readOutcomes, type Outcomes } from './helpers/outcomes.js';
import { freePort } from './helpers/processes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { DIALECTS, openScratch, withPassword, withPort, type Dialect, type Scratch } from './helpers/sql.js';
import { importKeys } from '../src/redis/keys.js';

let redis: ImporterRedis;
const prefix = testPrefix();
const dir = tempDir();
const scratches: Scratch[] = [];

beforeAll(async () => {
  redis = await openRedis();
});
afterAll(async () => {
  for (const s of scratches) await s.drop().catch(() => {});
  await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

async function scratch(dialect: Dialect): Promise<Scratch> {
  const s = await openScratch(dialect);
  scratches.push(s);
  return s;
}

let files = 0;
function csv(name: string, rows: readonly (readonly string[])[]): string {
  return writeFile(dir.path, `${++files}-${name}.csv`, rows.map(csvLine).join('\n') + '\n');
}

function schemaFile(schema: object): string {
  return writeFile(dir.path, `${++files}.schema.json`, JSON.stringify(schema));
}

interface ImportOptions {
  readonly schema?: object;
  readonly table: string;
  readonly createTable?: boolean;
  readonly onConflict?: ConflictPolicy;
  readonly chunkSize?: number;
  readonly target?: string;
}

/** Enqueues a file and works it to the end in this process; returns every row's outcome. */
async function importFile(s: Scratch, source: string, options: ImportOptions): Promise<Outcomes & { id: string }> {
  const { id } = await enqueue({
    redis,
    prefix,
    source,
    schemaPath: options.schema ? schemaFile(options.schema) : undefined,
    target: options.target ?? s.url,
    table: options.table,
    createTable: options.createTable,
    onConflict: options.onConflict,
    chunkSize: options.chunkSize ?? 100,
  });
  await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
  const outcomes = await readOutcomes(redis, prefix, id);
  expect(outcomes.meta['state']).toBe('complete');
  expect(outcomes.repeated).toEqual([]);
  return { ...outcomes, id };
}

const TYPES_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    n: { type: 'number' },
    b: { type: 'boolean' },
    d: { type: 'string', format: 'date' },
    ts: { type: 'string', format: 'date-time' },
    t: { type: 'string' },
    // Only the schema's properties are written: an untyped one is text.
    u: {},
  },
  required: ['id'],
};

describe.each(DIALECTS)('the %s target', (dialect) => {
  const pg = dialect === 'postgres';

  it('creates a table with typed columns and reads back every value as written (--create-table)', async () => {
    const s = await scratch(dialect);
    const source = csv('types', [
      ['id', 'n', 'b', 'd', 'ts', 't', 'u'],
      ['1', '1.5', 'yes', '2024-02-29', '2024-02-29T12:34:56.789Z', 'He said "hi", then left\r\nnext line', 'Zoë 李小龍 🎉'],
      ['2', '', '', '', '', '', ''],
      ['3', '-2e3', 'no', '1999-12-31', '2024-01-01T00:00:00+02:00', '', 'plain'],
      ['9007199254740991', '0.1', 'TRUE', '2000-01-01', '2000-01-01T00:00:00Z', "C:\\temp\\new \\N x'); DROP TABLE t; --", 'comma, inside'],
      ['5', 'abc', 'maybe', '2024-13-01', 'yesterday', 'x', 'y'],
    ]);
    const out = await importFile(s, source, { schema: TYPES_SCHEMA, table: s.table('typed'), createTable: true, chunkSize: 2 });
    expect([...out.succeeded.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect([...out.failed.keys()]).toEqual([5]);
    expect(out.succeeded.get(1)).toEqual([1, 1.5, true, '2024-02-29', '2024-02-29T12:34:56.789Z', 'He said "hi", then left\r\nnext line', 'Zoë 李小龍 🎉']);

    const columns = await s.query<{ name: string; type: string }>(
      'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position',
      [s.space, 'typed'],
    );
    expect(columns.map((c) => `${c.name} ${String(c.type).toLowerCase()}`)).toEqual(
      pg
        ? ['id bigint', 'n double precision', 'b boolean', 'd date', 'ts timestamp with time zone', 't text', 'u text']
        : ['id bigint', 'n double', 'b tinyint', 'd date', 'ts datetime', 't text', 'u text'],
    );

    const rows = await s.query(`SELECT id, n, b, d, ts, t, u FROM ${s.qualified('typed')} ORDER BY id`);
    const bool = (v: boolean | null): unknown => (v === null || pg ? v : Number(v));
    const ts = (iso: string | null): unknown => (iso === null || pg ? iso : iso.replace('T', ' ').replace('Z', ''));
    expect(rows).toEqual([
      { id: 1, n: 1.5, b: bool(true), d: '2024-02-29', ts: ts('2024-02-29T12:34:56.789Z'), t: 'He said "hi", then left\r\nnext line', u: 'Zoë 李小龍 🎉' },
      { id: 2, n: null, b: null, d: null, ts: null, t: null, u: null },
      { id: 3, n: -2000, b: bool(false), d: '1999-12-31', ts: ts('2023-12-31T22:00:00.000Z'), t: null, u: 'plain' },
      { id: 9007199254740991, n: 0.1, b: bool(true), d: '2000-01-01', ts: ts('2000-01-01T00:00:00.000Z'), t: "C:\\temp\\new \\N x'); DROP TABLE t; --", u: 'comma, inside' },
    ]);
  });

  it('a row that breaks a constraint of the table is that row\'s error, naming column and value; the rest of its chunk is saved', async () => {
    const s = await scratch(dialect);
    const people = s.qualified('people');
    const countries = s.qualified('countries');
    if (pg) {
      await s.query(`CREATE TABLE ${countries} (code text PRIMARY KEY)`);
      await s.query(
        `CREATE TABLE ${people} (id bigint PRIMARY KEY, email text UNIQUE, name text NOT NULL, age integer CONSTRAINT adult CHECK (age >= 18), ` +
          `country text REFERENCES ${countries} (code))`,
      );
    } else {
      await s.query(`CREATE TABLE ${countries} (code VARCHAR(8) PRIMARY KEY) ENGINE=InnoDB`);
      await s.query(
        `CREATE TABLE ${people} (id BIGINT PRIMARY KEY, email VARCHAR(100) UNIQUE, name TEXT NOT NULL, age INT, country VARCHAR(8), ` +
          `CONSTRAINT adult CHECK (age >= 18), FOREIGN KEY (country) REFERENCES ${countries} (code)) ENGINE=InnoDB`,
      );
    }
    await s.query(`INSERT INTO ${countries} (code) VALUES ('FR'), ('DE')`);
    await s.query(`INSERT INTO ${people} (id, email, name, age, country) VALUES (100, 'taken@x.com', 'Old', 30, 'FR')`);
    const source = csv('constraints', [
      ['id', 'email', 'name', 'age', 'country'],
      ['1', 'a@x.com', 'A', '20', 'FR'],
      ['2', 'taken@x.com', 'B', '20', 'FR'],
      ['3', 'c@x.com', '', '20', 'FR'],
      ['4', 'd@x.com', 'D', '10', 'FR'],
      ['5', 'e@x.com', 'E', '20', 'XX'],
      ['100', 'f@x.com', 'F', '20', 'DE'],
      ['6', 'g@x.com', 'G', '30', 'DE'],
      ['7', 'h@x.com', 'H', '40', ''],
      ['8', 'a@x.com', 'I', '50', 'DE'],
    ]);
    const schema = { type: 'object', properties: { id: { type: 'integer' }, email: {}, name: {}, age: { type: 'integer' }, country: {} } };
    const out = await importFile(s, source, { schema, table: s.table('people'), chunkSize: 3 });
    const messages = failureMessages(out);
    // Rows 1 and 9 share an email in different chunks, saved concurrently: whichever is saved
    // second is the one refused.
    const second = messages[1] === undefined ? 9 : 1;
    expect(Object.keys(messages).map(Number)).toEqual([...(second === 1 ? [1] : []), 2, 3, 4, 5, 6, ...(second === 9 ? [9] : [])]);
    expect(messages[2]).toMatch(/^email\b.*"taken@x\.com"/);
    expect(messages[3]).toMatch(/^name\b.*(not null|requires a value)/);
    expect(messages[4]).toMatch(/^age\b.*"10"/);
    expect(messages[5]).toMatch(/^country\b.*"XX"/);
    expect(messages[6]).toMatch(/^id\b.*"100"/);
    expect(messages[second]).toMatch(/^email\b.*"a@x\.com"/);
    for (const m of Object.values(messages)) expect(m).not.toMatch(/database unavailable|not saved/);
    expect(out.failed.get(4)).toMatchObject({ line: 5, fields: ['4', 'd@x.com', 'D', '10', 'FR'] });
    const rows = await s.query(`SELECT id, name, country FROM ${people} ORDER BY id`);
    expect(rows).toEqual([
      ...(second === 9 ? [{ id: 1, name: 'A', country: 'FR' }] : []),
      { id: 6, name: 'G', country: 'DE' },
      { id: 7, name: 'H', country: null },
      ...(second === 1 ? [{ id: 8, name: 'I', country: 'DE' }] : []),
      { id: 100, name: 'Old', country: 'FR' },
    ]);
  });

  it('--on-conflict: update makes re-importing a corrected file update rows; ignore leaves them', async () => {
    const s = await scratch(dialect);
    const table = s.table('scores');
    const schemaObject = { type: 'object', properties: { id: { type: 'integer' }, name: {}, score: { type: 'number' } }, required: ['id'] };
    const schema = schemaFile(schemaObject);
    // Through the command line where its flags are the point; in this process otherwise (faster).
    const run = async (rows: string[][], ...extra: string[]): Promise<Record<string, unknown>> => {
      const source = csv('scores', [['id', 'name', 'score'], ...rows]);
      const res = await runCli(['run', source, '--schema', schema, '--target', s.url, '--table', table, '--processes', '1', '--json', '--out', join(dir.path, 'r.xlsx'), ...extra], {
        env: { IMPORTER_PREFIX: prefix },
      });
      expect(res.stderr).toBe('');
      return JSON.parse(res.stdout) as Record<string, unknown>;
    };
    const read = (): Promise<unknown[]> => s.query(`SELECT id, name, score FROM ${s.qualified('scores')} ORDER BY id`);

    expect(await run([['1', 'Ann', '10'], ['2', 'Bob', '20'], ['3', 'Cy', '30']], '--create-table', '--on-conflict', 'id')).toMatchObject({ succeeded: 3, failed: 0 });
    // The corrected file: Bob's row changes, Dee is new, Ann's row is the same.
    const corrected = csv('scores', [['id', 'name', 'score'], ['2', 'Bobby', '25'], ['4', 'Dee', '40'], ['1', 'Ann', '10']]);
    const updated = await importFile(s, corrected, { schema: schemaObject, table, onConflict: { columns: ['id'], action: 'update' } });
    expect([updated.succeeded.size, updated.failed.size]).toEqual([3, 0]);
    expect(await read()).toEqual([
      { id: 1, name: 'Ann', score: 10 },
      { id: 2, name: 'Bobby', score: 25 },
      { id: 3, name: 'Cy', score: 30 },
      { id: 4, name: 'Dee', score: 40 },
    ]);
    expect(await run([['1', 'Changed', '99'], ['5', 'Eve', '50']], '--on-conflict', 'id', '--on-conflict-action', 'ignore')).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await read()).toEqual([
      { id: 1, name: 'Ann', score: 10 },
      { id: 2, name: 'Bobby', score: 25 },
      { id: 3, name: 'Cy', score: 30 },
      { id: 4, name: 'Dee', score: 40 },
      { id: 5, name: 'Eve', score: 50 },
    ]);
    // Without --on-conflict, the key the created table got makes a known id that row's error.
    const plain = await importFile(s, csv('scores', [['id', 'name', 'score'], ['3', 'Again', '1'], ['6', 'Fay', '60']]), { schema: schemaObject, table });
    expect([...plain.succeeded.keys()]).toEqual([2]);
    expect(failureMessages(plain)).toEqual({ 1: expect.stringMatching(/^id\b.*"3"/) });
  });

  it('--on-conflict on a table of the user\'s own with a two-column key, rows spread over several chunks', async () => {
    const s = await scratch(dialect);
    const stock = s.qualified('stock');
    await s.query(
      pg
        ? `CREATE TABLE ${stock} (shop text NOT NULL, sku text NOT NULL, qty integer NOT NULL DEFAULT 0, note text, UNIQUE (shop, sku))`
        : `CREATE TABLE ${stock} (shop VARCHAR(20) NOT NULL, sku VARCHAR(20) NOT NULL, qty INT NOT NULL DEFAULT 0, note TEXT, UNIQUE KEY (shop, sku)) ENGINE=InnoDB`,
    );
    await s.query(`INSERT INTO ${stock} (shop, sku, qty, note) VALUES ('paris', 'A1', 1, 'old'), ('lyon', 'A1', 2, 'old')`);
    const schema = { type: 'object', properties: { shop: {}, sku: {}, qty: { type: 'integer' }, note: {} } };
    // Rows 1 and 2 share a key within one chunk: the later one wins, as if imported one by one.
    const source = csv('stock', [
      ['shop', 'sku', 'qty', 'note'],
      ['paris', 'A1', '9', 'first count'],
      ['paris', 'A1', '10', 'counted'],
      ['paris', 'B2', '5', ''],
      ['lyon', 'B2', '7', 'new'],
      ['nice', 'A1', '', 'no qty'],
      ['lyon', 'A1', '20', 'counted'],
    ]);
    const out = await importFile(s, source, { schema, table: s.table('stock'), onConflict: { columns: ['shop', 'sku'], action: 'update' }, chunkSize: 2 });
    expect([...out.succeeded.keys()].sort()).toEqual([1, 2, 3, 4, 6]);
    expect(Object.keys(failureMessages(out))).toEqual(['5']);
    expect(failureMessages(out)[5]).toMatch(/^qty: the table requires a value \(not null\)/);
    expect(await s.query(`SELECT shop, sku, qty, note FROM ${stock} ORDER BY shop, sku`)).toEqual([
      { shop: 'lyon', sku: 'A1', qty: 20, note: 'counted' },
      { shop: 'lyon', sku: 'B2', qty: 7, note: 'new' },
      { shop: 'paris', sku: 'A1', qty: 10, note: 'counted' },
      { shop: 'paris', sku: 'B2', qty: 5, note: null },
    ]);
  });

  it.runIf(pg)('workers creating the same table at the same moment (--create-table) all go on with it', { timeout: 60_000 }, async () => {
    // CREATE TABLE IF NOT EXISTS is not safe against another session creating the same table at
    // the same moment: the loser gets a unique violation (23505) or, more rarely, "type ...
    // already exists" (42710; 1 in ~500 here, once in a CI run). Eight targets with their
    // connections open create forty tables in step.
    const s = await scratch(dialect);
    const targets = Array.from({ length: 8 }, () => openTarget(s.url));
    const definition = (name: string) => ({ table: s.table(name), columns: [{ name: 'id', type: 'integer' as const }, { name: 'name', type: 'text' as const }], create: true, uniqueKey: ['id'] });
    try {
      await Promise.all(targets.map((target, i) => target.ensureTable(definition(`warm_${i}`))));
      for (let round = 0; round < 40; round++) {
        const results = await Promise.allSettled(targets.map((target) => target.ensureTable(definition(`raced_${round}`))));
        expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)), `round ${round}`).toEqual([]);
      }
      expect(await targets[0]!.save({ importId: 'raced', ledgerKey: 'raced-1', chunk: 0, table: s.table('raced_39'), columns: ['id', 'name'], rows: [[1, 'Ann']], onConflict: null })).toEqual([]);
    } finally {
      await Promise.all(targets.map((target) => target.close()));
    }
  });

  it.runIf(pg)('a type of the table\'s name that is no table is not taken for the table (--create-table)', async () => {
    const s = await scratch(dialect);
    await s.query(`CREATE TYPE ${s.qualified('clash')} AS ENUM ('a')`);
    const target = openTarget(s.url);
    try {
      await expect(target.ensureTable({ table: s.table('clash'), columns: [{ name: 'id', type: 'integer' }], create: true, uniqueKey: [] })).rejects.toThrow(/already exists/);
    } finally {
      await target.close();
    }
  });

  it('a chunk saved again (redelivered), even while its first save runs, is written once; its refused rows are returned again', async () => {
    const s = await scratch(dialect);
    await s.query(`CREATE TABLE ${s.qualified('once')} (id integer NOT NULL, v integer CHECK (v <> 13))`);
    const target = openTarget(s.url);
    try {
      const table = s.table('once');
      await target.ensureTable({ table, columns: [{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }], create: false, uniqueKey: [] });
      const rows = Array.from({ length: 300 }, (_, i) => [i + 1, i % 100 === 7 ? 13 : 1000 + i]);
      const importId = `once-${randomBytes(3).toString('hex')}`;
      const request = { importId, ledgerKey: `${importId}-incarnation`, chunk: 0, table, columns: ['id', 'v'], rows, onConflict: null };
      const [first, concurrent] = await Promise.all([target.save(request), target.save(request)]);
      const again = await target.save(request);
      expect(first.map((r) => r.index)).toEqual([7, 107, 207]);
      expect(first[0]!.message).toMatch(/^v: the value "13" breaks the table's check \S+$/);
      expect(concurrent).toEqual(first);
      expect(again).toEqual(first);
      // Another chunk of the same import is another ledger row.
      expect(await target.save({ ...request, chunk: 1, rows: [[1000, 1]] })).toEqual([]);
      expect(await s.query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${s.qualified('once')}`)).toEqual([{ n: 298, d: 298 }]);
    } finally {
      await target.close();
    }
  });

  it.runIf(pg)('a row sent as the file\'s own text stores exactly what the checked values would', async () => {
    // Fields PostgreSQL reads as the checked value go as they are; any other field makes the
    // row's text be built from the values. Either way the table must hold the checked values:
    // 007 is 7, 1.50 is 1.5, yes is true, and into a text column a boolean is t or f. (A row
    // with a boolean for the text column is always built; the others go as they are when they can.)
    const s = await scratch(dialect);
    await s.query(`CREATE TABLE ${s.qualified('verbatim')} (k integer, i bigint, n double precision, nt text, b boolean, bt text, d date, t text)`);
    const ints = ['7', '007', '-0', '+5', '1.0', '123456789012345', '-42', '0'];
    const nums = ['1.5', '1.50', '007', '-0', '0.1', '-0.5', '2', '2.0', '1e3', '0.000001', '0.0000001', '12345678901234.5', '.5'];
    const bools = ['yes', 'No', 'TRUE', '1', '0', 'false', 'YES', 'no', 'True', 'FALSE', ' yes'];
    const texts = ['plain', 'back\\slash \\.', ' spaced ', 'x"y', 'a,b', '', 'end'];
    const rows: string[][] = [['k', 'i', 'n', 'nt', 'b', 'bt', 'd', 't']];
    for (let k = 1; k <= 120; k++) {
      rows.push([String(k), ints[k % ints.length]!, nums[k % nums.length]!, nums[(k * 3) % nums.length]!, bools[k % bools.length]!, k % 4 === 0 ? bools[(k * 7) % bools.length]! : '', k % 9 === 0 ? '' : `2024-01-${String(1 + (k % 28)).padStart(2, '0')}`, texts[k % texts.length]!]);
    }
    const schema = {
      type: 'object',
      properties: { k: { type: 'integer' }, i: { type: 'integer' }, n: { type: 'number' }, nt: { type: 'number' }, b: { type: 'boolean' }, bt: { type: 'boolean' }, d: { type: 'string', format: 'date' }, t: { type: 'string' } },
    };
    const out = await importFile(s, csv('verbatim', rows), { schema, table: s.table('verbatim'), chunkSize: 50 });
    expect(Object.values(failureMessages(out))).toEqual([]);
    const validate = createRowValidator(rows[0]!, compileSchema(schema));
    const expected = rows.slice(1).map((fields) => {
      const check = validate(fields);
      if (!check.ok) throw new Error(check.messages.join('; '));
      const [k, i, n, nt, b, bt, d, t] = check.values;
      // -0 is written as 0 (JavaScript's text of it), in either way.
      return { k, i: i === null ? null : String(i), n: n === 0 ? 0 : n, nt: nt === null ? null : String(nt), b, bt: bt === null ? null : bt ? 't' : 'f', d, t };
    });
    const saved = await s.query(`SELECT k, i::text AS i, n, nt, b, bt, d::text AS d, t FROM ${s.qualified('verbatim')} ORDER BY k`);
    expect(saved).toEqual(expected);
    // A one-column file whose value is the end-of-data line of COPY's text.
    await s.query(`CREATE TABLE ${s.qualified('dot')} (v text)`);
    const dot = await importFile(s, csv('dot', [['v'], ['a'], ['\\.'], ['b']]), { table: s.table('dot') });
    expect(dot.failed.size).toBe(0);
    expect(await s.query(`SELECT v FROM ${s.qualified('dot')} ORDER BY v`)).toEqual([{ v: '\\.' }, { v: 'a' }, { v: 'b' }]);
  });

  it.runIf(pg)('a row with quoted fields sent as the file\'s own text stores exactly what the checked values would', async () => {
    // Quoted the way spreadsheets and exports write them: every field quoted, numbers and
    // booleans too, commas, doubled quotes and line breaks inside, an empty quoted field in a text
    // column (no value: NULL, where COPY would read "" as empty text, silently: in a number
    // column COPY would refuse it and the rows be sent again built from their values), and a
    // multi-line field one of whose lines is COPY's end-of-data line.
    const s = await scratch(dialect);
    await s.query(`CREATE TABLE ${s.qualified('quoted')} (k integer, n double precision, b boolean, t text, u text)`);
    const lines = [
      'k,n,b,t,u',
      '"1","1.50","yes","García, María","said ""hi"", then left"',
      '"2",,"no","two\nlines, with a comma","ok"',
      '3,2,"TRUE","","x"',
      '"4","-0","0","multi\n\\.\nline","\\N"',
      '5,7,1,"crlf\r\ninside","🎉 Zoë, 李"',
      '"6","1e3","false","a","b"',
    ];
    const source = writeFile(dir.path, `${++files}-quoted.csv`, lines.join('\n') + '\n');
    const schema = { type: 'object', properties: { k: { type: 'integer' }, n: { type: 'number' }, b: { type: 'boolean' }, t: { type: 'string' }, u: { type: 'string' } } };
    const out = await importFile(s, source, { schema, table: s.table('quoted'), chunkSize: 50 });
    expect(Object.values(failureMessages(out))).toEqual([]);
    const saved = await s.query(`SELECT k, n, b, t, u FROM ${s.qualified('quoted')} ORDER BY k`);
    expect(saved).toEqual([
      { k: 1, n: 1.5, b: true, t: 'García, María', u: 'said "hi", then left' },
      { k: 2, n: null, b: false, t: 'two\nlines, with a comma', u: 'ok' },
      { k: 3, n: 2, b: true, t: null, u: 'x' },
      { k: 4, n: 0, b: false, t: 'multi\n\\.\nline', u: '\\N' },
      { k: 5, n: 7, b: true, t: 'crlf\r\ninside', u: '🎉 Zoë, 李' },
      { k: 6, n: 1000, b: false, t: 'a', u: 'b' },
    ]);
  });

  it.runIf(pg)('saves several chunks in one statement (saveMany); a batch holding a chunk saved before saves each alone, none twice', async () => {
    const s = await scratch(dialect);
    await s.query(`CREATE TABLE ${s.qualified('many')} (id integer NOT NULL, v integer CHECK (v <> 13))`);
    const target = openTarget(s.url);
    try {
      const table = s.table('many');
      await target.ensureTable({ table, columns: [{ name: 'id', type: 'integer' }, { name: 'v', type: 'integer' }], create: false, uniqueKey: [] });
      const importId = `many-${randomBytes(3).toString('hex')}`;
      const chunkRows = (chunk: number) => Array.from({ length: 50 }, (_, i) => [chunk * 50 + i, chunk === 3 && i === 5 ? 13 : 100 + i]);
      const encoded = (chunk: number) => ({
        request: { importId, ledgerKey: `${importId}-incarnation`, chunk, table, columns: ['id', 'v'], onConflict: null },
        encoded: target.encodeRows!({ table, columns: ['id', 'v'] }, chunkRows(chunk), null),
        rows: () => chunkRows(chunk),
      });
      const count = async () => (await s.query(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${s.qualified('many')}`))[0];
      // Two new chunks: one statement, nothing refused.
      expect(await target.saveMany!([encoded(0), encoded(1)])).toEqual([[], []]);
      expect(await count()).toEqual({ n: 100, d: 100 });
      // Chunk 1 again (redelivered) beside new chunks 2 and 3, one row of 3 breaking the check.
      const mixed = await target.saveMany!([encoded(1), encoded(2), encoded(3)]);
      expect(mixed.map((r) => r.map((x) => x.index))).toEqual([[], [], [5]]);
      expect(mixed[2]![0]!.message).toMatch(/^v: the value "13" breaks the table's check/);
      expect(await count()).toEqual({ n: 199, d: 199 });
      // All again: nothing written twice, the refused row named again.
      expect((await target.saveMany!([encoded(0), encoded(1), encoded(2), encoded(3)])).map((r) => r.length)).toEqual([0, 0, 0, 1]);
      expect(await count()).toEqual({ n: 199, d: 199 });
    } finally {
      await target.close();
    }
  });

  it('a missing table fails the rows saying so, unless --create-table; table names are quoted, never SQL', async () => {
    const s = await scratch(dialect);
    await s.query(`CREATE TABLE ${s.qualified('users')} (id integer PRIMARY KEY, name text)`);
    await s.query(`INSERT INTO ${s.qualified('users')} (id, name) VALUES (1, 'alice')`);
    const source = csv('people', [['id', 'name'], ['1', 'Ann'], ['2', 'Bob'], ['3', 'Cy']]);
    for (const table of ['missing', 'users; DROP TABLE users', 'users`; DROP TABLE users; --', 'users"; DROP TABLE users; --']) {
      const out = await importFile(s, source, { table: s.table(table), chunkSize: 2 });
      expect(out.succeeded.size).toBe(0);
      expect(Object.values(failureMessages(out))).toEqual(
        Array(3).fill(`not saved: table ${s.table(table)} does not exist: create it, or use createTable`),
      );
      expect(await s.exists(table)).toBe(false);
    }
    const created = await importFile(s, source, { table: s.table('users"; DROP TABLE users; --'), chunkSize: 2, createTable: true });
    expect(created.succeeded.size).toBe(3);
    expect(await s.query(`SELECT id, name FROM ${s.qualified('users"; DROP TABLE users; --')} ORDER BY id`)).toEqual([
      { id: '1', name: 'Ann' },
      { id: '2', name: 'Bob' },
      { id: '3', name: 'Cy' },
    ]);
    expect(await s.query(`SELECT id, name FROM ${s.qualified('users')}`)).toEqual([{ id: 1, name: 'alice' }]);
  });

  it('a header shaped like SQL is a quoted identifier: an unknown column of an existing table, a real column of a created one', async () => {
    const s = await scratch(dialect);
    const evil = 'name"; DROP TABLE users; --';
    const evilBacktick = 'name`; DROP TABLE users; --';
    await s.query(`CREATE TABLE ${s.qualified('users')} (id integer PRIMARY KEY, name text)`);
    await s.query(`INSERT INTO ${s.qualified('users')} (id, name) VALUES (1, 'alice')`);
    for (const header of [evil, evilBacktick]) {
      const source = csv('evil', [['id', header], ['2', 'bob'], ['3', "x'); DROP TABLE users; --"]]);
      const out = await importFile(s, source, { table: s.table('users') });
      expect(out.succeeded.size).toBe(0);
      for (const message of Object.values(failureMessages(out))) {
        expect(message.startsWith(`${header}: `), message).toBe(true);
        expect(message).toMatch(/no column|unknown column|does not exist/i);
      }
      expect(await s.query(`SELECT id, name FROM ${s.qualified('users')}`)).toEqual([{ id: 1, name: 'alice' }]);
    }
    const created = await importFile(s, csv('evil', [['id', evil], ['2', "x'); DROP TABLE users; --"]]), { table: s.table('evil'), createTable: true });
    expect(created.succeeded.size).toBe(1);
    expect(await s.query(`SELECT ${s.quote(evil)} AS v FROM ${s.qualified('evil')}`)).toEqual([{ v: "x'); DROP TABLE users; --" }]);
    expect(await s.exists('users')).toBe(true);
  });

  it('a worker that cannot reach the database says so, retries, waits, then gives up on the import with the cause, its rows pending', async () => {
    const port = await freePort();
    const target = withPort(pg ? 'postgres://postgres@127.0.0.1:5432/test' : 'mysql://root@127.0.0.1:3306/test', port);
    const env = { IMPORTER_PREFIX: prefix };
    const source = csv('down', [['id', 'name'], ['1', 'Ann'], ['2', 'Bob'], ['3', 'Cy']]);
    const enq = await runCli(['enqueue', source, '--target', target, '--table', 'people', '--chunk-size', '2'], { env });
    expect(enq.code, enq.stderr).toBe(0);
    const id = enq.stdout.trim();
    const worker = await runCli(['work', '--until-idle', '--import', id, '--max-attempts', '2', '--give-up-after', '2s'], { env });
    expect(worker.code).toBe(0);
    const redacted = target.replace(/\/$/, '');
    // One warning per save, naming the target, before the retry: into PostgreSQL both chunks are
    // taken and saved together (Target.saveMany), into MySQL one at a time; then the workers wait
    // for the target (and probe it, each probe announcing its retry as well).
    const lines = worker.stderr.split('\n');
    const firstWait = lines.findIndex((l) => /waiting for its target/.test(l));
    expect(firstWait).toBeGreaterThan(0);
    const warnings = lines.slice(0, firstWait).filter((l) => /target unavailable \(attempt/.test(l));
    expect(warnings).toHaveLength(pg ? 1 : 2);
    for (const w of warnings) {
      expect(w).toMatch(/^importer: import \S+: target unavailable \(attempt 1 of 2\), retrying: /);
      expect(w).toContain(redacted);
      expect(w).toMatch(/ECONNREFUSED/);
    }
    expect(worker.stderr).toMatch(/waiting for its target/);
    const out = await readOutcomes(redis, prefix, id);
    expect(out.meta).toMatchObject({ state: 'failed', failedFor: 'target', succeeded: '0', failed: '0' });
    expect(out.meta['error']).toMatch(new RegExp(`^target unavailable for \\d+ s \\(given up on after 2 s\\): database unavailable: .*127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    expect(out.failed.size + out.succeeded.size).toBe(0);
    expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(2);
  });
});

describe('passwords', () => {
  it('a PostgreSQL password in --target is never stored in Redis nor printed by status', async () => {
    const s = await scratch('postgres');
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    const env = { IMPORTER_PREFIX: prefix };
    const source = csv('secret', [['id', 'name'], ['1', 'Ann'], ['2', 'Bob']]);
    const target = withPassword(s.url, secret);
    const enq = await runCli(['enqueue', source, '--target', target, '--table', s.table('people'), '--create-table'], { env });
    expect(enq.code).toBe(0);
    expect(enq.stderr).toMatch(/password in --target was not stored/);
    expect(enq.stderr + enq.stdout).not.toContain(secret);
    const id = enq.stdout.trim();
    const worker = await runCli(['work', '--until-idle', '--import', id], { env: { ...env, PGPASSWORD: secret } });
    expect(worker.code).toBe(0);
    expect(worker.stderr).not.toContain(secret);
    const meta = await redis.hgetall(importKeys(prefix, id).meta);
    expect(meta['target']).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(JSON.stringify(meta)).not.toContain(secret);
    for (const args of [['status', id], ['status', id, '--json']]) {
      const status = await runCli(args, { env });
      expect(status.code).toBe(0);
      expect(status.stdout).toContain('postgres://postgres@127.0.0.1:5432/test');
      expect(status.stdout + status.stderr).not.toContain(secret);
    }
    expect(await s.query(`SELECT count(*)::int AS n FROM ${s.qualified('people')}`)).toEqual([{ n: 2 }]);
  });

  it('a MariaDB user with a password: run hands it to its worker processes; work takes it from MYSQL_PWD, and without it waits, then gives up', async () => {
    const s = await scratch('mysql');
    const user = `imp_${randomBytes(4).toString('hex')}`;
    const secret = `pw-${randomBytes(6).toString('hex')}`;
    await s.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, secret]);
    await s.query(`CREATE USER ?@'localhost' IDENTIFIED BY ?`, [user, secret]);
    await s.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [user, secret]);
    try {
      for (const host of ['%', 'localhost', '127.0.0.1']) await s.query(`GRANT ALL PRIVILEGES ON ${s.quote(s.space)}.* TO ?@?`, [user, host]);
      const env = { IMPORTER_PREFIX: prefix, MYSQL_PWD: '' };
      const bare = `mysql://${user}@127.0.0.1:3306/${s.space}`;
      const source = csv('secret', [['id', 'name'], ['1', 'Ann'], ['2', 'Bob'], ['3', 'Cy']]);

      // run: the password reaches its two worker processes through their environment only.
      const ran = await runCli(['run', source, '--target', withPassword(bare, secret), '--table', 'people', '--create-table', '--chunk-size', '1', '--processes', '2', '--json', '--out', join(dir.path, 'pw.xlsx')], {
        env: { IMPORTER_PREFIX: prefix, MYSQL_PWD: '' },
      });
      expect(ran.stdout + ran.stderr).not.toContain(secret);
      const summary = JSON.parse(ran.stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({ state: 'complete', succeeded: 3, failed: 0, target: bare });
      expect(JSON.stringify(await redis.hgetall(importKeys(prefix, String(summary['id'])).meta))).not.toContain(secret);

      // work: from MYSQL_PWD.
      const enq = await runCli(['enqueue', source, '--target', withPassword(bare, secret), '--table', 'people2', '--create-table'], { env });
      const id = enq.stdout.trim();
      const worker = await runCli(['work', '--until-idle', '--import', id], { env: { ...env, MYSQL_PWD: secret } });
      expect(worker.code).toBe(0);
      expect((await readOutcomes(redis, prefix, id)).succeeded.size).toBe(3);

      // Without it: refused like a database that is down (workers with the password may share the
      // import): waited for, then given up on with the database's words; no row fails.
      const enq2 = await runCli(['enqueue', source, '--target', bare, '--table', 'people3', '--create-table'], { env });
      const id2 = enq2.stdout.trim();
      const refused = await runCli(['work', '--until-idle', '--import', id2, '--max-attempts', '2', '--give-up-after', '2s'], { env });
      expect(refused.code).toBe(0);
      expect(refused.stderr).toMatch(/Access denied/);
      const out = await readOutcomes(redis, prefix, id2);
      expect(out.meta).toMatchObject({ state: 'failed', failedFor: 'target', succeeded: '0', failed: '0' });
      expect(out.meta['error']).toMatch(/^target unavailable for .*Access denied/);
      expect(out.meta['error']).not.toContain(secret);
      expect(await s.query(`SELECT name FROM ${s.qualified('people')} ORDER BY id`)).toEqual([{ name: 'Ann' }, { name: 'Bob' }, { name: 'Cy' }]);
    } finally {
      for (const host of ['%', 'localhost', '127.0.0.1']) await s.query(`DROP USER IF EXISTS ?@?`, [user, host]);
    }
  });
});
