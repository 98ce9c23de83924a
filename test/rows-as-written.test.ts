/**
 * Into PostgreSQL, rows are checked on the chunk's bytes and most go into the COPY as the file
 * wrote them (src/schema/byte-row-check.ts). A real PostgreSQL must then hold, for every valid
 * row, exactly the values the string check gives, and every other row must fail with the string
 * check's messages; on a table of the user's own whose columns read the file's words differently
 * (text where the schema says boolean, numeric where it says number) as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { enqueue, work } from '../src/index.js';
import { createRowValidator, type CellValue } from '../src/schema/row-validator.js';
import { compileSchema } from '../src/schema/compile-schema.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { tempDir, writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { openScratch, type Scratch } from './helpers/sql.js';
import { seededRandom } from './helpers/random-numbers.js';

let redis: ImporterRedis;
const prefix = testPrefix();
const dir = tempDir();
let s: Scratch;

beforeAll(async () => {
  redis = await openRedis();
  s = await openScratch('postgres');
});
afterAll(async () => {
  await s.drop().catch(() => {});
  await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

const COLUMNS = ['id', 'name', 'email', 'age', 'country', 'day', 'flag', 'score', 'notes'];
const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: { type: 'string', minLength: 1, maxLength: 12 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    day: { type: 'string', format: 'date' },
    flag: { type: 'boolean' },
    score: { type: 'number', minimum: 0 },
    notes: { type: 'string', maxLength: 20 },
  },
  required: ['id', 'name'],
};

/** Per column: valid cells first (VALID of them), then others, valid or not. */
const POOLS: Record<string, string[]> = {
  name: ['Anna', 'Zoë Łukasz', 'Smith, John', "O'Brien", 'say "hi"', '王伟', '', 'x'.repeat(13), '😀😀', 'two\nlines', '\\.', 'back\\slash'],
  email: ['a@b.co', 'A.B@Ex-ample.COM', 'x@y.org', 'bad', 'é@x.de', '', 'a..b@x.co'],
  age: ['1', '0', '150', '151', '-1', '007', '12.0', '', 'abc', ' 5'],
  country: ['FR', 'DE', 'JP', 'fr', 'XX', 'GRC', '', 'É1'],
  day: ['2020-01-31', '2024-02-29', '1999-12-31', '2020-02-30', '2023-02-29', '31/12/2020', ''],
  flag: ['true', 'No', 'on', 'FALSE', 'yes', 'Y', 'n', '1', '0', 'OFF', 't', 'maybe', '', ' yes'],
  score: ['12.5', '12.50', '007.5', '0', '0.0', '-0', '-0.0', '1e3', '7', '.5', '5.', '', '0.0000001', '99999999999999999'],
  notes: ['', 'a, b', 'two\r\nlines', 'plain', 'quote "x"', '\\.', 'x\\.\ny', 'ok 👍', 'y'.repeat(21), 'tab\there'],
};
const VALID = 3;

function fileText(rows: number, seed: number): string {
  const random = seededRandom(seed);
  const pick = (list: string[]): string => list[random(list.length)]!;
  const lines = [COLUMNS.join(',')];
  for (let i = 1; i <= rows; i++) {
    const cells = COLUMNS.map((c) => (c === 'id' ? String(i) : random(12) > 0 ? pick(POOLS[c]!.slice(0, VALID)) : pick(POOLS[c]!)));
    const quoted = cells.map((v) => (/[",\r\n]/.test(v) || (v !== '' && random(10) === 0) ? `"${v.replaceAll('"', '""')}"` : v));
    lines.push(quoted.join(','));
  }
  return lines.join('\n') + '\n';
}

/** What the string check makes of the file's rows: row number -> values, or messages. */
function expected(text: string): { valid: Map<number, CellValue[]>; failed: Map<number, string[]> } {
  const validate = createRowValidator(COLUMNS, compileSchema(SCHEMA));
  const records = parse(text, { relax_column_count: true }) as string[][];
  const valid = new Map<number, CellValue[]>();
  const failed = new Map<number, string[]>();
  records.slice(1).forEach((fields, i) => {
    const check = validate(fields);
    // COPY is sent -0 as 0 (copyField writes numbers as JavaScript's String does).
    if (check.ok) valid.set(i + 1, check.values.map((v) => (Object.is(v, -0) ? 0 : v)));
    else failed.set(i + 1, check.messages);
  });
  return { valid, failed };
}

async function importInto(table: string, text: string): Promise<Awaited<ReturnType<typeof readOutcomes>>> {
  const source = writeFile(dir.path, `${table}.csv`, text);
  const { id } = await enqueue({ redis, prefix, source, schemaPath: writeFile(dir.path, `${table}.schema.json`, JSON.stringify(SCHEMA)), target: s.url, table: s.table(table), chunkSize: 50 });
  await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
  const outcomes = await readOutcomes(redis, prefix, id);
  expect(outcomes.meta['state']).toBe('complete');
  return outcomes;
}

describe('into PostgreSQL, rows checked on their bytes', () => {
  it('the table holds the values the string check gives, and the other rows fail with its messages', async () => {
    await s.query(
      `CREATE TABLE ${s.qualified('typed')} (id bigint, name text, email text, age bigint, country text, day date, flag boolean, score double precision, notes text)`,
    );
    const text = fileText(1200, 5);
    const want = expected(text);
    expect(want.valid.size).toBeGreaterThan(400);
    expect(want.failed.size).toBeGreaterThan(150);
    const outcomes = await importInto('typed', text);
    expect(new Map([...outcomes.failed].map(([row, f]) => [row, f.messages]))).toEqual(want.failed);
    const rows = await s.query<Record<string, unknown>>(`SELECT * FROM ${s.qualified('typed')} ORDER BY id`);
    expect(rows.map((r) => r['id'])).toEqual([...want.valid.keys()]);
    for (const row of rows) {
      const values = want.valid.get(row['id'] as number)!;
      expect(COLUMNS.map((c) => row[c] ?? null), JSON.stringify(row)).toEqual(values);
    }
  });

  it('into columns that read the words differently (text, numeric), the checked values, as the string check writes them', async () => {
    await s.query(
      `CREATE TABLE ${s.qualified('loose')} (id bigint, name text, email text, age numeric, country text, day text, flag text, score numeric, notes text)`,
    );
    const text = fileText(600, 8);
    const want = expected(text);
    const outcomes = await importInto('loose', text);
    expect(new Map([...outcomes.failed].map(([row, f]) => [row, f.messages]))).toEqual(want.failed);
    const rows = await s.query<Record<string, unknown>>(`SELECT * FROM ${s.qualified('loose')} ORDER BY id`);
    expect(rows.map((r) => r['id'])).toEqual([...want.valid.keys()]);
    for (const row of rows) {
      const values = want.valid.get(row['id'] as number)!;
      // numeric comes back as its text (compared as a number); booleans in a text column as COPY's t and f.
      const written = values.map((v) => (v === null ? null : typeof v === 'boolean' ? (v ? 't' : 'f') : typeof v === 'number' ? v : String(v)));
      expect(COLUMNS.map((c, i) => (row[c] === null || row[c] === undefined ? null : typeof values[i] === 'number' ? Number(row[c]) : String(row[c]))), JSON.stringify(row)).toEqual(written);
    }
  });
});
