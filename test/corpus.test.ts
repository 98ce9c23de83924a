import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { runCli } from './helpers/cli.js';
import { queryDb, readWorkbook } from './helpers/files.js';
import { useRedisScratch } from './helpers/redis.js';
import { HOSTILE_FILES, PEOPLE_FILES, peopleBytes, SCHEMA_PLACEHOLDER, type PeopleFile } from './corpus/corpus.js';
import { COLUMNS, EXPECTED_ERRORS, expectedLines, expectedSaved, HEADER, ROWS } from './corpus/people.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { importKeys } from '../src/redis/keys.js';

/**
 * The corpus (test/corpus): each file through the built command line (`run`, one worker
 * process), and the report's rows, values and messages compared with what the file holds.
 */

const CORPUS = fileURLToPath(new URL('./corpus/files/', import.meta.url));
const SCHEMA = fileURLToPath(new URL('./corpus/people.schema.json', import.meta.url));

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

interface RunOutcome {
  readonly code: number | null;
  readonly stderr: string;
  readonly summary: Record<string, unknown> | null;
  readonly db: string;
  readonly out: string;
}

let runs = 0;
async function run(file: string, args: readonly string[] = [], schema: string | null = SCHEMA): Promise<RunOutcome> {
  const n = ++runs;
  const db = join(dir.path, `db-${n}.sqlite`);
  const out = join(dir.path, `report-${n}.xlsx`);
  const res = await runCli(
    ['run', file, ...(schema ? ['--schema', schema] : []), '--target', `sqlite:${db}`, '--table', 'people', '--out', out, '--json', '--processes', '1', ...args],
    { env: { IMPORTER_PREFIX: prefix }, cwd: dir.path },
  );
  return { code: res.code, stderr: res.stderr, summary: res.stdout.trim() ? (JSON.parse(res.stdout) as Record<string, unknown>) : null, db, out };
}

/** Cells as exceljs reads them back: empty ones as holes, trailing ones dropped. Compared as text. */
function asText(values: readonly unknown[], width: number): string[] {
  return Array.from({ length: width }, (_, i) => (values[i] === undefined || values[i] === null ? '' : String(values[i])));
}

/** The checks every people file must pass: the same four rows saved, the same three rows failed. */
async function expectPeopleImported(outcome: RunOutcome, header: readonly string[], rows: readonly (readonly string[])[], lineBreak: string, lines: readonly number[]): Promise<void> {
  expect(outcome.stderr).toBe('');
  expect(outcome.summary).toMatchObject({ state: 'complete', total: 7, succeeded: 4, failed: 3 });
  expect(outcome.code).toBe(3);
  expect(queryDb(outcome.db, 'SELECT * FROM people ORDER BY id')).toEqual(expectedSaved(lineBreak, rows));

  const sheets = await readWorkbook(outcome.out);
  const errors = sheets.get('Errors')!;
  // The report shows the file's own headers, so its Errors sheet can be corrected and imported again.
  expect(errors[0]).toEqual(['Row', 'Line', 'Problems', ...header.map((h) => h.trim())]);
  expect(errors.length - 1).toBe(EXPECTED_ERRORS.size);
  for (const sheetRow of errors.slice(1)) {
    const row = sheetRow[0] as number;
    const messages = EXPECTED_ERRORS.get(row);
    expect(messages, `row ${row} should not have failed`).toBeDefined();
    expect(sheetRow[1]).toBe(lines[row - 1]);
    expect(sheetRow[2]).toBe(messages!.join('; '));
    expect(asText(sheetRow.slice(3), header.length)).toEqual(rows[row - 1]!.map((v) => v.replace(/\n/g, lineBreak)));
  }
  const imported = sheets.get('Imported')!;
  expect(imported[0]).toEqual(['Row', ...COLUMNS]);
  expect(imported.slice(1).map((r) => r[0])).toEqual([1, 2, 3, 4]);
}

describe('the corpus files', () => {
  it('are exactly what test/corpus/corpus.ts describes (regenerate with npx jiti test/corpus/make-corpus.ts)', () => {
    for (const file of PEOPLE_FILES) expect(readFileSync(join(CORPUS, file.file)).equals(peopleBytes(file)), file.file).toBe(true);
    for (const file of HOSTILE_FILES) expect(readFileSync(join(CORPUS, file.file)).equals(file.bytes), file.file).toBe(true);
  });
});

describe('people in every dialect and encoding import to the same rows', () => {
  it.each(PEOPLE_FILES.map((f) => [f.file, f] as const))('%s', async (_name, file: PeopleFile) => {
    const outcome = await run(join(CORPUS, file.file), file.args);
    await expectPeopleImported(outcome, file.header, file.rows, file.lineBreak, expectedLines());
  });
});

describe('hostile files are refused or stopped with the file, the line and why', () => {
  it.each(HOSTILE_FILES.map((f) => [f.file, f] as const))('%s', async (_name, file) => {
    const id = `corpus-${basename(file.file).replace(/[^\w-]/g, '-')}`;
    const args = file.args.map((a) => (a === SCHEMA_PLACEHOLDER ? SCHEMA : a));
    const outcome = await run(join(CORPUS, file.file), [...args, '--id', id], null);
    const expected = file.expect;
    expect(outcome.code, outcome.stderr).toBe(expected.exit);
    if (expected.exit === 1) {
      expect(outcome.stderr).toMatch(expected.stderr);
      expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
      const state = await redis.hget(importKeys(prefix, id).meta, 'state');
      expect(state).toBe(expected.importFailed ? 'failed' : null);
      if (expected.importFailed) expect(await redis.xlen(importKeys(prefix, id).chunks)).toBe(0);
      return;
    }
    expect(outcome.summary).toMatchObject({ state: 'complete', total: expected.total, failed: expected.errors.size });
    const errors = (await readWorkbook(outcome.out)).get('Errors')!.slice(1);
    expect(new Map(errors.map((r) => [r[0] as number, r[2]]))).toEqual(expected.errors);
  });
});

/** The people as a person keeps them in Excel: numbers, real dates, booleans, a formula. */
async function writePeopleWorkbook(path: string): Promise<number[]> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('People');
  workbook.addWorksheet('Notes').addRow(['Nothing to import here']);
  sheet.addRow([...HEADER]);
  const lines: number[] = [];
  ROWS.forEach((row, i) => {
    const [id, name, email, age, born, plan, active] = row;
    const values: unknown[] = [
      Number(id),
      name,
      email,
      age === '' ? null : i === 0 ? { formula: '30+1', result: 31 } : Number(age),
      /^\d{4}-\d\d-\d\d$/.test(born!) ? new Date(`${born}T00:00:00Z`) : born || null,
      plan || null,
      active === 'no' ? false : active === 'true' ? true : active === '0' ? 0 : active,
    ];
    const added = sheet.addRow(values);
    added.getCell(5).numFmt = 'dd/mm/yyyy';
    lines.push(added.number);
    if (i + 1 === 2) sheet.addRow([]); // an empty row: skipped
  });
  await workbook.xlsx.writeFile(path);
  return lines;
}

describe('Excel workbooks', () => {
  it('reads the first sheet with values, not display strings: numbers, dates as ISO dates, booleans, formula results', async () => {
    const path = join(dir.path, 'people.xlsx');
    const lines = await writePeopleWorkbook(path);
    const outcome = await run(path);
    await expectPeopleImported(outcome, HEADER, ROWS, '\n', lines);
  });

  it('reads the sheet --sheet names, and lists the sheets when there is no such sheet', async () => {
    const path = join(dir.path, 'sheets.xlsx');
    await writePeopleWorkbook(path);
    const notes = await run(path, ['--sheet', 'Notes'], null);
    expect(notes.summary).toMatchObject({ state: 'complete', total: 0 });
    const none = await run(path, ['--sheet', 'Staff'], null);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/sheets\.xlsx: no sheet named "Staff"; the workbook has "People", "Notes"/);
  });

  it('turns date-times, times and big or computed numbers into values a schema can check', async () => {
    const path = join(dir.path, 'times.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Times');
    sheet.addRow(['at', 'time', 'amount', 'sum']);
    const row = sheet.addRow([new Date(Date.UTC(2024, 2, 1, 14, 30, 5)), new Date(Date.UTC(1899, 11, 30, 8, 15, 0)), 1234567.891, { formula: '0.1+0.2', result: 0.30000000000000004 }]);
    row.getCell(1).numFmt = 'yyyy-mm-dd hh:mm:ss';
    row.getCell(2).numFmt = 'hh:mm';
    row.getCell(3).numFmt = '#,##0.00 "€"';
    await workbook.xlsx.writeFile(path);
    const schema = join(dir.path, 'times.schema.json');
    const properties = { at: { type: 'string', format: 'date-time' }, time: { type: 'string', pattern: '^\\d\\d:\\d\\d:\\d\\d$' }, amount: { type: 'number' }, sum: { type: 'number', maximum: 0.3 } };
    await import('node:fs/promises').then((fs) => fs.writeFile(schema, JSON.stringify({ type: 'object', properties })));
    const outcome = await run(path, [], schema);
    expect(outcome.summary).toMatchObject({ state: 'complete', total: 1, succeeded: 1 });
    expect(queryDb(outcome.db, 'SELECT * FROM people')).toEqual([{ at: '2024-03-01T14:30:05Z', time: '08:15:00', amount: 1234567.891, sum: 0.3 }]);
  });

  it("re-imports the report's Errors sheet: its Row, Line and Problems columns are ignored, the file's headers match again", async () => {
    const first = await run(join(CORPUS, 'comma-lf.csv'));
    expect(first.summary).toMatchObject({ failed: 3 });
    const again = await run(first.out, ['--sheet', 'Errors']);
    // Row 7 repeated an id of the first import; alone in this one, it is imported.
    expect(again.summary).toMatchObject({ state: 'complete', total: 3, succeeded: 1, failed: 2 });
    expect(queryDb(again.db, 'SELECT * FROM people')).toEqual([{ id: 1, name: 'Zoë Again', email_address: 'zoe2@example.com', age: 30, born: null, plan: 'pro', active: 1 }]);
    const errors = (await readWorkbook(again.out)).get('Errors')!;
    expect(errors[0]).toEqual(['Row', 'Line', 'Problems', ...HEADER]);
    expect(errors.slice(1).map((r) => [r[2], asText(r.slice(3), HEADER.length)])).toEqual([
      [EXPECTED_ERRORS.get(5)!.join('; '), ROWS[4]],
      [EXPECTED_ERRORS.get(6)!.join('; '), ROWS[5]],
    ]);
  });
});
