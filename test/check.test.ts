import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile, type InvalidRow } from '../src/index.js';
import { SeenValues } from '../src/check/seen-values.js';
import { FIXTURES, runCli } from './helpers/cli.js';
import { csvLine, readWorkbook, writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { useRedisScratch } from './helpers/redis.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

/**
 * `importer check` and checkFile(): the same verdicts as an import of the same file (compared
 * with real imports through Redis and SQLite), exit codes, --json, --out, no Redis needed,
 * stdin, and uploads that try to write to the terminal.
 */

const SCHEMA = join(FIXTURES, 'people.schema.json');
const CORPUS = fileURLToPath(new URL('./corpus/files/', import.meta.url));
const CORPUS_SCHEMA = fileURLToPath(new URL('./corpus/people.schema.json', import.meta.url));

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

/** A port nothing listens on: taken, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A file as people send them: BOM, CRLF, quoted multi-line fields, duplicates in both unique columns, a ragged row, a column the schema lacks. */
function awkwardFile(): string {
  const header = ['id', 'name', 'E-mail', 'age', 'country', 'signup_date', 'newsletter', 'notes', 'is_admin'];
  const rows: string[][] = [
    ['1', 'Zoë Ångström', 'zoe@example.com', '31', 'SE', '2024-02-29', 'yes', 'likes "quotes", commas', 'yes'],
    ['2', '李小龍', 'lee@example.com', '', 'HK', '', '', 'multi\r\nline\r\nnote', ''],
    ['3', 'Bad Email', 'bad-at-example.com', '20', 'FR', '', 'no', '', ''],
    ['4', 'Too Old', 'old@example.com', '151', 'fr', '', 'maybe', '', ''],
    ['5', 'Dup Email', 'zoe@example.com', '40', 'DE', '', '', '', ''],
    ['1', 'Dup Id and bad', 'dupid@example.com', '-4', 'DE', '', '', '', ''],
    ['6', 'Ragged'],
    ['007', 'Leading zero', 'seven@example.com', '7', 'FR', '', '', '', ''],
    ['7', '', 'LEE@example.com', '7', 'FR', '2020-02-30', '', '', ''],
    ['8', 'Dup of a failed row', 'bad-at-example.com', '7', 'FR', '', '', '', ''],
    ['', '', '', '', '', '', '', '', ''],
    ['9', 'Émilie Dupré, Jr.', 'emilie@example.com', '0', 'FR', '2020-01-01', 'false', '=SUM(A1:A9)', 'no'],
  ];
  return '\uFEFF' + [header, ...rows].map(csvLine).join('\r\n') + '\r\n';
}

/** What an import concluded, row by row: its failed rows' lines, original values and messages. */
async function importVerdicts(file: string, args: readonly string[]): Promise<{ total: number; failed: Map<number, InvalidRow> }> {
  const db = join(dir.path, `import-${Math.random().toString(36).slice(2)}.sqlite`);
  const res = await runCli(['run', file, ...args, '--target', `sqlite:${db}`, '--table', 'people', '--out', `${db}.xlsx`, '--json', '--processes', '1'], {
    env: { IMPORTER_PREFIX: prefix },
    cwd: dir.path,
  });
  expect(res.stderr).toBe('');
  const summary = JSON.parse(res.stdout) as { id: string; total: number };
  const outcomes = await readOutcomes(redis, prefix, summary.id);
  const failed = new Map<number, InvalidRow>();
  for (const [row, f] of outcomes.failed) failed.set(row, { row, line: f.line!, messages: f.messages, values: f.fields });
  return { total: summary.total, failed };
}

async function checkVerdicts(file: string, options: { schemaPath?: string; encoding?: string; delimiter?: string; trim?: boolean } = {}) {
  const failed = new Map<number, InvalidRow>();
  const result = await checkFile({ source: file, ...options, onInvalidRow: (row) => failed.set(row.row, row) });
  return { result, failed };
}

describe('check agrees with an import of the same file', () => {
  const cases: { name: string; file: () => string; args: string[]; options: Parameters<typeof checkVerdicts>[1] }[] = [
    { name: 'the bundled fixture', file: () => join(FIXTURES, 'people.csv'), args: ['--schema', SCHEMA], options: { schemaPath: SCHEMA } },
    { name: 'an awkward CSV (BOM, CRLF, multi-line quotes, duplicates, ragged, ignored column)', file: () => writeFile(dir.path, 'awkward.csv', awkwardFile()), args: ['--schema', SCHEMA], options: { schemaPath: SCHEMA } },
    { name: 'the same with --trim (parsed records)', file: () => writeFile(dir.path, 'awkward-trim.csv', awkwardFile()), args: ['--schema', SCHEMA, '--trim'], options: { schemaPath: SCHEMA, trim: true } },
    { name: 'a windows-1252 file with semicolons', file: () => join(CORPUS, 'windows-1252.csv'), args: ['--schema', CORPUS_SCHEMA, '--encoding', 'windows-1252'], options: { schemaPath: CORPUS_SCHEMA, encoding: 'windows-1252' } },
    { name: 'a UTF-16 tab-separated file', file: () => join(CORPUS, 'utf16le-tab.txt'), args: ['--schema', CORPUS_SCHEMA], options: { schemaPath: CORPUS_SCHEMA } },
    { name: 'a workbook with formulas (no schema)', file: () => join(FIXTURES, 'workbooks/people-formulas.xlsx'), args: [], options: {} },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const file = c.file();
      const imported = await importVerdicts(file, c.args);
      const checked = await checkVerdicts(file, c.options);
      expect(checked.result.total).toBe(imported.total);
      expect(checked.result.invalid).toBe(imported.failed.size);
      expect(checked.result.valid).toBe(imported.total - imported.failed.size);
      expect(imported.failed.size).toBeGreaterThan(0);
      expect([...checked.failed.keys()].sort((a, b) => a - b)).toEqual([...imported.failed.keys()].sort((a, b) => a - b));
      for (const [row, verdict] of imported.failed) expect(checked.failed.get(row), `row ${row}`).toEqual(verdict);
    }, 60_000);
  }

  it('names the first row of a repeated value, also when that row failed for another reason', async () => {
    const { failed, result } = await checkVerdicts(writeFile(dir.path, 'awkward-dups.csv', awkwardFile()), { schemaPath: SCHEMA });
    expect(result.ignoredColumns).toEqual(['is_admin']);
    expect(failed.get(5)!.messages).toEqual(['email repeats a value already used earlier in the file (first in row 1)']);
    expect(failed.get(6)!.messages).toEqual(['age must be a whole number from 0 to 150', 'id repeats a value already used earlier in the file (first in row 1)']);
    expect(failed.get(10)!.messages).toEqual(['email must be a valid email address', 'email repeats a value already used earlier in the file (first in row 3)']);
    // A line of separators only is no row: the last row is row 11.
    expect(result.total).toBe(11);
    // "007" and "7" are other texts; a different case is another email.
    expect(failed.has(8)).toBe(false);
    expect(failed.get(9)!.messages.some((m) => m.includes('repeats'))).toBe(false);
    expect(failed.get(7)!.messages).toEqual(["row has fewer values than the header's 9 columns"]);
  });
});

describe('importer check on the command line', () => {
  it('exit 0 with every row valid, 3 with some invalid; --json has the counts', async () => {
    const good = writeFile(dir.path, 'good.csv', 'id,name,email\n1,Ann,ann@example.com\n2,Bob,bob@example.com\n');
    const ok = await runCli(['check', good, '--schema', SCHEMA, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ file: good, total: 2, valid: 2, invalid: 0, ignoredColumns: [], errorGroups: [], firstErrors: [], out: null });

    const bad = await runCli(['check', join(FIXTURES, 'people.csv'), '--schema', SCHEMA, '--json']);
    expect(bad.code).toBe(3);
    const summary = JSON.parse(bad.stdout) as { total: number; valid: number; invalid: number; ignoredColumns: string[]; errorGroups: { column: string | null; rows: number }[]; firstErrors: InvalidRow[] };
    expect(summary).toMatchObject({ total: 302, valid: 219, invalid: 83, ignoredColumns: [] });
    expect(summary.errorGroups.find((g) => g.column === 'email' && g.rows === 11)).toBeDefined();
    expect(summary.firstErrors).toHaveLength(10);
    expect(summary.firstErrors[0]).toEqual({ row: 3, line: 4, messages: ['email must be a valid email address'], values: expect.any(Array) as unknown });

    const human = await runCli(['check', join(FIXTURES, 'people.csv'), '--schema', SCHEMA]);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain('302 rows, 219 valid, 83 invalid');
    expect(human.stdout).toContain('email: must be a valid email address - 11 rows');
    expect(human.stderr).toBe('');
  });

  it('checks alike under each JSON Schema draft ajv is loaded for (the command line loads them from its bundle)', async () => {
    const schema = JSON.parse(readFileSync(SCHEMA, 'utf8')) as Record<string, unknown>;
    const answers: string[] = [];
    for (const draft of ['http://json-schema.org/draft-07/schema#', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema']) {
      const path = writeFile(dir.path, `schema-${answers.length}.json`, JSON.stringify({ ...schema, $schema: draft }));
      const res = await runCli(['check', join(FIXTURES, 'people.csv'), '--schema', path, '--json']);
      expect(res.code).toBe(3);
      const { total, valid, invalid, errorGroups, firstErrors } = JSON.parse(res.stdout) as Record<string, unknown>;
      expect({ total, valid, invalid }).toEqual({ total: 302, valid: 219, invalid: 83 });
      answers.push(JSON.stringify({ errorGroups, firstErrors }));
    }
    expect(new Set(answers).size).toBe(1);
    // A schema ajv finds invalid is refused under a draft too, in ajv's words.
    const invalid = writeFile(dir.path, 'invalid-2020.json', JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { age: { type: 'integer', minimum: 'x' } } }));
    const refused = await runCli(['check', join(FIXTURES, 'people.csv'), '--schema', invalid]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('properties/age/minimum must be number');
  });

  it('exit 2 for usage errors, 1 for unreadable files and schemas, naming them', async () => {
    const people = join(FIXTURES, 'people.csv');
    expect((await runCli(['check', people])).code).toBe(2); // --schema is required
    expect((await runCli(['check', people, '--schema', SCHEMA, '--bogus'])).code).toBe(2);
    expect((await runCli(['check', people, '--schema', SCHEMA, '--max-columns', 'x'])).code).toBe(2);
    const missing = await runCli(['check', join(dir.path, 'nope.csv'), '--schema', SCHEMA]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.csv: no such file/);
    const badSchema = writeFile(dir.path, 'bad.schema.json', '{"type": "object",');
    const schemaRes = await runCli(['check', people, '--schema', badSchema]);
    expect(schemaRes.code).toBe(1);
    expect(schemaRes.stderr).toMatch(/bad\.schema\.json is not valid JSON/);
    const out = join(dir.path, 'never.xlsx');
    const unclosedFile = writeFile(dir.path, 'unclosed.csv', 'id,name,email\n1,Ann,a@example.com\n2,"Bob,b@example.com\n3,Cy,c@example.com\n');
    const unclosed = await runCli(['check', unclosedFile, '--schema', SCHEMA, '--out', out]);
    expect(unclosed.code).toBe(1);
    expect(unclosed.stderr).toMatch(/unclosed\.csv: line 3: a quoted field opened here is never closed/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path).filter((f) => f.includes('never.xlsx'))).toEqual([]);
    const noFolder = await runCli(['check', people, '--schema', SCHEMA, '--out', join(dir.path, 'no-such-folder', 'errors.xlsx')]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toMatch(/cannot write errors workbook .*no-such-folder/);
    expect((await runCli(['check', people, '--schema', SCHEMA, '--out', 's3://bucket/errors.xlsx'])).code).toBe(2);
    const missingColumn = writeFile(dir.path, 'no-email.csv', 'id,name\n1,Ann\n');
    const header = await runCli(['check', missingColumn, '--schema', SCHEMA]);
    expect(header.code).toBe(1);
    expect(header.stderr).toMatch(/missing required column "email"/);
  });

  it('writes the same Errors sheet as the report of an import of the file', async () => {
    const file = writeFile(dir.path, 'for-sheet.csv', awkwardFile());
    const out = join(dir.path, 'check-errors.xlsx');
    const res = await runCli(['check', file, '--schema', SCHEMA, '--out', out, '--json']);
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stdout)).toMatchObject({ out, invalid: 7 });
    const checked = await readWorkbook(out);
    expect([...checked.keys()]).toEqual(['Errors', 'Summary']);

    const report = join(dir.path, 'for-sheet-report.xlsx');
    const run = await runCli(['run', file, '--schema', SCHEMA, '--target', `sqlite:${join(dir.path, 'sheet.sqlite')}`, '--out', report, '--json', '--processes', '1'], { env: { IMPORTER_PREFIX: prefix }, cwd: dir.path });
    expect(run.code).toBe(3);
    const reported = await readWorkbook(report);
    expect(checked.get('Errors')).toEqual(reported.get('Errors'));
    expect(checked.get('Errors')![0]).toEqual(['Row', 'Line', 'Problems', 'id', 'name', 'E-mail', 'age', 'country', 'signup_date', 'newsletter', 'notes']);
    expect(checked.get('Errors')).toHaveLength(8);
    const summary = checked.get('Summary')!.map((r) => r.join('|'));
    expect(summary).toContain('Invalid|7');
    expect(summary).toContain('Rows in the file|11');
    expect(summary.some((line) => line.startsWith('email|repeats a value already used earlier in the file|2'))).toBe(true);
  }, 60_000);

  it('needs no Redis: the same answer with REDIS_URL and --redis on a closed port', async () => {
    const port = await closedPort();
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    const started = Date.now();
    const res = await runCli(['check', join(FIXTURES, 'people.csv'), '--schema', SCHEMA, '--json'], { env });
    expect(res.code).toBe(3);
    expect(JSON.parse(res.stdout)).toMatchObject({ total: 302, invalid: 83 });
    const flag = await runCli(['--redis', `redis://127.0.0.1:${port}`, 'check', join(FIXTURES, 'people.csv'), '--schema', SCHEMA, '--json'], { env });
    expect(flag.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('reads stdin, CSV and workbook alike', async () => {
    const csv = await runCli(['check', '-', '--schema', SCHEMA, '--json'], { input: readFileSync(join(FIXTURES, 'people.csv')) });
    expect(csv.code).toBe(3);
    expect(JSON.parse(csv.stdout)).toMatchObject({ file: 'stdin', total: 302, valid: 219, invalid: 83 });
    const schema = writeFile(dir.path, 'formulas.schema.json', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, total: { type: 'number' } } }));
    const xlsx = await runCli(['check', '-', '--schema', schema, '--json'], { input: readFileSync(join(FIXTURES, 'workbooks/people-formulas.xlsx')) });
    const fromFile = await runCli(['check', join(FIXTURES, 'workbooks/people-formulas.xlsx'), '--schema', schema, '--json']);
    const a = JSON.parse(xlsx.stdout) as Record<string, unknown>;
    const b = JSON.parse(fromFile.stdout) as Record<string, unknown>;
    expect(a['format']).toBe('xlsx');
    expect({ ...a, file: null }).toEqual({ ...b, file: null });
    expect(xlsx.code).toBe(fromFile.code);
  });

  it('shows hostile file names, headers and values as text, never as terminal escapes', async () => {
    const name = 'evil\u001b[2J\u001b]0;owned\u0007<b>x<i>.csv';
    const header = 'id,name,email,"\u001b[31mred\u202eheader"';
    const file = writeFile(dir.path, name, `${header}\n1,"\u001b[1mAnn",not-an-email,x\n`);
    const res = await runCli(['check', file, '--schema', SCHEMA]);
    expect(res.code).toBe(3);
    expect(res.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
    expect(res.stdout).toContain('evil\\u{1b}[2J\\u{1b}]0;owned\\u{7}<b>x<i>.csv');
    expect(res.stdout).toContain('"\\u{1b}[31mred\\u{202e}header"');
    // A header error names the header: escaped on stderr too.
    const dup = writeFile(dir.path, 'dup-header.csv', 'id,name,email,"\u001b[31mx","\u001b[31mx"\n1,a,a@example.com,1,2\n');
    const refused = await runCli(['check', dup, '--schema', writeFile(dir.path, 'open.schema.json', JSON.stringify({ type: 'object', properties: { '\u001b[31mx': { type: 'string' } } }))]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('\\u{1b}[31mx');
    expect(refused.stderr).not.toContain('\u001b');
    // --json escapes as JSON does.
    const json = await runCli(['check', file, '--schema', SCHEMA, '--json']);
    expect(json.stdout).not.toContain('\u001b');
    expect((JSON.parse(json.stdout) as { ignoredColumns: string[] }).ignoredColumns).toEqual(['\u001b[31mred\u202eheader']);
  });
});

describe('checkFile on a larger file', () => {
  it('finds the repeats past the point where the unique tables are sized from the file (4 MB)', async () => {
    const lines = ['id,name,email'];
    for (let row = 1; row <= 60_000; row++) {
      const email = row % 1000 === 0 ? `person${row - 999}@example.com` : `person${row}@example.com`;
      lines.push(`${row},${'Someone with a long enough name '.repeat(2)}${row},${email}`);
    }
    const file = writeFile(dir.path, 'larger.csv', `${lines.join('\n')}\n`);
    expect(readFileSync(file).length).toBeGreaterThan(5 * 1024 * 1024);
    const failed = new Map<number, InvalidRow>();
    const result = await checkFile({ source: file, schemaPath: SCHEMA, onInvalidRow: (row) => failed.set(row.row, row) });
    expect(result).toMatchObject({ total: 60_000, invalid: 60, valid: 59_940 });
    for (let row = 1000; row <= 60_000; row += 1000) {
      expect(failed.get(row)?.messages).toEqual([`email repeats a value already used earlier in the file (first in row ${row - 999})`]);
    }
  }, 60_000);
});

describe('SeenValues', () => {
  it('finds every repeat with the row of its first occurrence, across growth, integers and text apart', () => {
    const seen = new SeenValues();
    const n = 200_000;
    for (let i = 0; i < n; i++) expect(seen.claim(`user${i}@example.com`, i + 1) || 0).toBe(0);
    for (let i = 0; i < n; i++) expect(seen.claim(String(i), n + i + 1)).toBe(0);
    let wrong = 0;
    for (let i = 0; i < n; i += 7) if (seen.claim(`user${i}@example.com`, 3 * n) !== i + 1) wrong++;
    for (let i = 0; i < n; i += 7) if (seen.claim(String(i), 3 * n) !== n + i + 1) wrong++;
    expect(wrong).toBe(0);
    expect(seen.claim('007', 1)).toBe(0);
    expect(seen.claim('7', 1)).toBe(n + 8);
    expect(seen.claim('99999999999', 5)).toBe(0);
    expect(seen.claim('99999999999', 6)).toBe(5);
    // Reserved room: no repeat lost, none made up.
    const reserved = new SeenValues();
    reserved.reserve(n);
    const before = reserved.bytes;
    for (let i = 0; i < n; i++) expect(reserved.claim(`v${i}`, i + 1) || 0).toBe(0);
    expect(reserved.bytes).toBe(before);
    expect(reserved.claim('v12345', 1)).toBe(12346);
    // ~12 bytes a text value at the table's load, 4 bytes an id.
    expect(seen.bytes).toBeLessThan(n * 12 * 2.6 + 1024 * 1024 * 4);
  });
});
