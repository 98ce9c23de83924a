import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { csvLine } from './files.js';
import type { ImporterRedis } from '../../src/redis/scripts.js';
import { parseRecord } from '../../src/import-record.js';
import { readImportedRows, readList as readListEntries, type ImportedRow } from '../../src/report/list-reader.js';
import { importKeys } from '../../src/redis/keys.js';

/**
 * A generated people file with its expected outcome, row by row, so that a test can check an
 * import against the file exactly (not just by counts).
 */

export const PEOPLE_COLUMNS = ['id', 'name', 'email', 'age', 'country'] as const;

export const PEOPLE_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1, unique: true },
    name: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
  required: ['id', 'name', 'email'],
};

export type SavedValues = [id: number, name: string, email: string, age: number, country: string];

export interface ExpectedRow {
  /** 1 is the first data row. */
  readonly row: number;
  /** Line of the file the row starts on (the header is line 1). */
  readonly line: number;
  readonly fields: string[];
  /** Values as saved, for a valid row; null for an invalid one. */
  readonly values: SavedValues | null;
  /** The one problem of an invalid row. */
  readonly problem: RegExp | null;
}

export interface PeopleFile {
  readonly path: string;
  readonly schemaPath: string;
  readonly table: string;
  readonly rows: ExpectedRow[];
  readonly valid: number;
  readonly invalid: number;
}

const COUNTRIES = ['FR', 'DE', 'SE', 'JP', 'BR'];

/**
 * Writes `<name>.csv` with `count` rows into `dir`, and its schema. About 3% of the rows are
 * invalid, one problem each (age out of range, bad email, missing name, too few values), a few
 * repeat an earlier row's unique id, some names hold quoted commas and line breaks (so rows and
 * lines differ).
 */
export function writePeopleFile(dir: string, name: string, count: number): PeopleFile {
  const schemaPath = join(dir, `${name}.schema.json`);
  writeFileSync(schemaPath, JSON.stringify(PEOPLE_SCHEMA));
  const duplicates = new Set([Math.floor(count / 4), Math.floor(count / 2), Math.floor((3 * count) / 4), count - 1].filter((r) => r > 20));
  const firstRowOfId = new Map<string, number>();
  const rows: ExpectedRow[] = [];
  const lines: string[] = [csvLine([...PEOPLE_COLUMNS])];
  let line = 2;
  for (let row = 1; row <= count; row++) {
    let id = String(row);
    let personName = row % 50 === 0 ? `Smith, ${row}` : row % 997 === 0 ? `Line\nbreak ${row}` : `Person ${row}`;
    let email = `p${row}@example.com`;
    let age = String(row % 100);
    const country = COUNTRIES[row % COUNTRIES.length]!;
    let fields: string[] | null = null;
    let problem: RegExp | null = null;
    const kind = duplicates.has(row) ? -1 : row % 131;
    if (kind === -1) {
      id = '7';
    } else if (kind === 17) {
      age = '151';
      problem = /^age must be a whole number from 0 to 150$/;
    } else if (kind === 41) {
      email = `not-an-email-${row}`;
      problem = /^email must be a valid email address$/;
    } else if (kind === 77) {
      fields = [id, personName];
      problem = /^row has 2 values but the header has 5 columns$/;
    } else if (kind === 113) {
      personName = '';
      problem = /^name is required$/;
    }
    fields ??= [id, personName, email, age, country];
    if (fields.length === PEOPLE_COLUMNS.length) {
      // The unique check is on the raw text, in file order, before validation.
      const first = firstRowOfId.get(id);
      if (first === undefined) firstRowOfId.set(id, row);
      else problem = new RegExp(`^id repeats a value already used earlier in the file \\(first in row ${first}\\)$`);
    }
    const values: SavedValues | null = problem ? null : [Number(id), personName, email, Number(age), country];
    rows.push({ row, line, fields, values, problem });
    const text = csvLine(fields);
    lines.push(text);
    line += 1 + (text.match(/\n/g)?.length ?? 0);
  }
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, lines.join('\n') + '\n');
  const valid = rows.filter((r) => r.values).length;
  return { path, schemaPath, table: name.replace(/[^\w]/g, '_'), rows, valid, invalid: count - valid };
}

/** A list's entries as text, unpacked (src/redis/codec.ts). */
async function readList(redis: ImporterRedis, key: string): Promise<string[]> {
  const all: string[] = [];
  for await (const entry of readListEntries(redis, key)) all.push(entry);
  return all;
}

export interface ExactnessOptions {
  readonly redis: ImporterRedis;
  readonly prefix: string;
  readonly id: string;
  readonly file: PeopleFile;
  readonly dbPath: string;
  readonly chunkSize: number;
  /** When the target was down for good: valid rows are expected failed with this message. */
  readonly unsaved?: RegExp;
}

/**
 * Compares an import with its file row by row. Returns a list of discrepancies (empty when
 * exact), the first few of each kind, so that a failing test says what went wrong.
 */
export async function importDiscrepancies(options: ExactnessOptions): Promise<string[]> {
  const { redis, prefix, id, file, dbPath, chunkSize, unsaved } = options;
  const problems: string[] = [];
  const note = (message: string): void => {
    if (problems.length < 30) problems.push(message);
  };
  const total = file.rows.length;
  const expectSaved = unsaved ? 0 : file.valid;
  const base = importKeys(prefix, id);

  const meta = await redis.hgetall(base.meta);
  const want: Record<string, string> = {
    state: 'complete',
    total: String(total),
    enqueuedRows: String(total),
    enqueuedChunks: String(Math.ceil(total / chunkSize)),
    succeeded: String(expectSaved),
    failed: String(total - expectSaved),
  };
  for (const [field, value] of Object.entries(want)) if (meta[field] !== value) note(`meta ${field} is ${meta[field]}, expected ${value}`);
  const left = await redis.xlen(base.chunks);
  if (left !== 0) note(`${left} chunks left in the stream`);

  const seen = new Uint32Array(total + 1);
  const record = parseRecord(meta);
  const succeeded: ImportedRow[] = [];
  if (record) for await (const row of readImportedRows(redis, record, base.succeeded)) succeeded.push(row);
  const failed = await readList(redis, base.failed);
  if (succeeded.length !== expectSaved) note(`success list holds ${succeeded.length} rows, expected ${expectSaved}`);
  if (failed.length !== total - expectSaved) note(`error list holds ${failed.length}, expected ${total - expectSaved}`);
  for (const { row, values } of succeeded) {
    const entry = JSON.stringify([row, ...values]);
    const expected = file.rows[row - 1];
    if (!expected) {
      note(`success list: row ${row} is not in the file`);
      continue;
    }
    seen[row]!++;
    if (!expected.values || unsaved) note(`success list: row ${row} should have failed`);
    else if (JSON.stringify(values) !== JSON.stringify(expected.values)) note(`success list: row ${row} is ${entry}, expected ${JSON.stringify(expected.values)}`);
  }
  for (const entry of failed) {
    const [row, line, fields, messages] = JSON.parse(entry) as [number, number, string[], string[]];
    const expected = file.rows[row - 1];
    if (!expected) {
      note(`error list: row ${row} is not in the file`);
      continue;
    }
    seen[row]!++;
    const problem = expected.problem ?? unsaved;
    if (!problem) note(`error list: row ${row} should have been imported: ${entry}`);
    else if (messages.length !== 1 || !problem.test(messages[0]!)) note(`error list: row ${row} has ${JSON.stringify(messages)}, expected ${problem}`);
    if (line !== expected.line) note(`error list: row ${row} is on line ${line}, expected ${expected.line}`);
    if (JSON.stringify(fields) !== JSON.stringify(expected.fields)) note(`error list: row ${row} holds ${JSON.stringify(fields)}, expected ${JSON.stringify(expected.fields)}`);
  }
  for (let row = 1; row <= total; row++) if (seen[row] !== 1) note(`row ${row} has ${seen[row]} outcomes, expected 1`);

  const db = new Database(dbPath, { readonly: true });
  try {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(file.table);
    const saved = exists
      ? (db.prepare(`SELECT id, name, email, age, country FROM "${file.table}" ORDER BY id, rowid`).raw().all() as unknown[][])
      : [];
    const expected = file.rows
      .filter((r) => r.values && !unsaved)
      .map((r) => r.values!)
      .sort((a, b) => a[0] - b[0]);
    if (saved.length !== expected.length) note(`table holds ${saved.length} rows, expected ${expected.length}`);
    for (let i = 0, j = 0; i < saved.length || j < expected.length; ) {
      const a = saved[i];
      const b = expected[j];
      if (a && b && a[0] === b[0]) {
        if (JSON.stringify(a) !== JSON.stringify(b)) note(`table: id ${b[0]} is ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`);
        i++;
        j++;
      } else if (a && (!b || (a[0] as number) < b[0])) {
        note(`table: id ${String(a[0])} ${saved[i - 1]?.[0] === a[0] ? 'saved twice' : 'should not be there'}`);
        i++;
      } else {
        note(`table: id ${b![0]} missing`);
        j++;
      }
    }
  } finally {
    db.close();
  }
  return problems;
}
