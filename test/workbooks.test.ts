import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { BIN, FIXTURES, runCli, type CliResult } from './helpers/cli.js';
import { queryDb, readWorkbook, tempDir, writeFile } from './helpers/files.js';
import { freePort, PrivateRedis } from './helpers/processes.js';
import { closeTestRedis, openRedis, useRedisScratch } from './helpers/redis.js';
import { repeatedPart, SHEET_HEAD, SHEET_TAIL, sharedStringsXml, textPart, workbookParts, writeZip, type ZipPart } from './helpers/zip-writer.js';
import { openRecords } from '../src/sources/open-records.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { importKeys, globalKeys } from '../src/redis/keys.js';
import { importKeyPattern } from '../src/lifecycle/import-key-scan.js';

/**
 * Hostile workbooks are refused in seconds and bounded memory, with nothing left queued; a
 * workbook's formulas import the values saved with them; a full Redis stops the enqueue in words
 * and the same --id finishes it.
 */

const MB = 1024 * 1024;
const COLUMNS = 15;
const LETTERS = Array.from({ length: COLUMNS }, (_, i) => String.fromCharCode(65 + i));

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));
const env = { IMPORTER_PREFIX: prefix };

interface Measured extends CliResult {
  readonly ms: number;
  /** Peak resident memory of the command, in KB (GNU time's %M). */
  readonly peakKB: number;
}

/** Runs the built command line under GNU time, for its peak memory. */
function measuredCli(args: readonly string[], options: { env?: Record<string, string>; input?: Buffer } = {}): Promise<Measured> {
  const timeFile = join(dir.path, `time-${Date.now()}-${Math.random()}.txt`);
  const started = Date.now();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, process.execPath, BIN, ...args], { env: { ...process.env, ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => {}); // a refused file is not read to its end
  child.stdin.end(options.input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const peakKB = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, peakKB });
    });
  });
}

function randomLetters(length: number): string {
  let text = '';
  while (text.length < length) text += Math.random().toString(36).slice(2);
  return text.slice(0, length);
}

/** One shared string of `stringBytes` referenced by every data cell of `rows` rows x 15 columns. */
function sharedStringBomb(path: string, stringBytes: number, rows: number, sheets: readonly string[] = ['Data']): number {
  const header = LETTERS.map((letter, i) => `<c r="${letter}1" t="s"><v>${i + 1}</v></c>`).join('');
  const body: string[] = [SHEET_HEAD, `<row r="1">${header}</row>`];
  for (let r = 2; r <= rows + 1; r++) body.push(`<row r="${r}">${LETTERS.map((letter) => `<c r="${letter}${r}" t="s"><v>0</v></c>`).join('')}</row>`);
  body.push(SHEET_TAIL);
  const strings = [randomLetters(stringBytes), ...LETTERS.map((l) => `col_${l}`)];
  // The sheet before the shared strings, as Excel and LibreOffice store them.
  return writeZip(path, [...workbookParts(sheets), textPart('xl/worksheets/sheet1.xml', body.join('')), textPart('xl/sharedStrings.xml', sharedStringsXml(strings))]);
}

/** A sheet of `megabytes` MB of rows padded with spaces (a ZIP bomb), optionally declaring another size. */
const BOMB_ROW = `<row><c t="n"><v>1</v></c></row>${' '.repeat(2000)}`;

function bombSheet(name: string, megabytes: number, declaredSize?: number): ZipPart {
  const row = BOMB_ROW;
  const block = row.repeat(Math.ceil(MB / row.length));
  const head = `${SHEET_HEAD}<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>`;
  const part = repeatedPart(name, head, block, megabytes, SHEET_TAIL);
  return declaredSize === undefined ? part : { ...part, declaredSize };
}

function peopleSheet(): ZipPart {
  const rows = [`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row>`];
  for (let r = 2; r <= 4; r++) rows.push(`<row r="${r}"><c r="A${r}"><v>${r - 1}</v></c><c r="B${r}" t="inlineStr"><is><t>person ${r - 1}</t></is></c></row>`);
  return textPart('xl/worksheets/sheet1.xml', `${SHEET_HEAD}${rows.join('')}${SHEET_TAIL}`);
}

/** Keys of an import left in Redis (none when it was refused before anything was queued). */
async function keysOf(id: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', importKeyPattern(prefix, id), 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

describe('hostile workbooks', () => {
  it('one 1 MB shared string in 100,000 rows x 15 cells: refused in seconds, in bounded memory, nothing queued', async () => {
    const path = join(dir.path, 'shared-bomb.xlsx');
    const size = sharedStringBomb(path, MB, 100_000);
    expect(size).toBeGreaterThan(1 * MB);
    expect(size).toBeLessThan(6 * MB);
    const res = await measuredCli(['enqueue', path, '--id', 'shared-bomb']);
    expect(res.stderr).toMatch(/^importer: .*shared-bomb\.xlsx: refused at row \d+: its cells hold more than [\d.]+ MB of text, far more than a [\d.]+ MB workbook holds/);
    expect(res.code).toBe(1);
    expect(res.ms).toBeLessThan(20_000);
    expect(res.peakKB).toBeLessThan(300 * 1024);
    expect(await keysOf('shared-bomb')).toEqual([]); // refused while reading the first rows: nothing was created
    expect(await redis.zscore(globalKeys(prefix).imports, 'shared-bomb')).toBeNull();
  });

  it('a sheet inflating to 3 GB from a few MB is refused before it is inflated', async () => {
    const path = join(dir.path, 'inflate-bomb.xlsx');
    const size = writeZip(path, [...workbookParts(['Data']), bombSheet('xl/worksheets/sheet1.xml', 3 * 1024), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    expect(size).toBeLessThan(10 * MB);
    const res = await measuredCli(['enqueue', path, '--id', 'inflate-bomb']);
    expect(res.stderr).toMatch(/inflate-bomb\.xlsx: refused: its sheet "Data" \(xl\/worksheets\/sheet1\.xml\) inflates \d+ times, from [\d.]+ MB to 3\.0 GB; the limit is 100 times/);
    expect(res.code).toBe(1);
    expect(res.ms).toBeLessThan(20_000);
    expect(res.peakKB).toBeLessThan(300 * 1024);
    expect(await keysOf('inflate-bomb')).toEqual([]);
  });

  it('a sheet declaring a small size and inflating to 3 GB stops at the size it declared; what was queued is dropped', async () => {
    const path = join(dir.path, 'lying-bomb.xlsx');
    writeZip(path, [...workbookParts(['Data']), bombSheet('xl/worksheets/sheet1.xml', 3 * 1024, 8 * MB), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    const res = await measuredCli(['enqueue', path, '--id', 'lying-bomb', '--chunk-size', '100']);
    expect(res.stderr).toMatch(/lying-bomb\.xlsx: refused: xl\/worksheets\/sheet1\.xml does not inflate to the size its archive entry declares/);
    expect(res.code).toBe(1);
    expect(res.ms).toBeLessThan(20_000);
    expect(res.peakKB).toBeLessThan(300 * 1024);
    // Rows were queued before the lie showed: the import is failed and its chunks dropped.
    expect(await redis.hget(importKeys(prefix, 'lying-bomb').meta, 'state')).toBe('failed');
    expect(Number(await redis.hget(importKeys(prefix, 'lying-bomb').meta, 'enqueuedChunks'))).toBeGreaterThan(0);
    expect(await redis.xlen(importKeys(prefix, 'lying-bomb').chunks)).toBe(0);
  });

  it('only the sheet asked for is read: a bomb in another sheet costs nothing until it is asked for', async () => {
    const path = join(dir.path, 'two-sheets.xlsx');
    writeZip(path, [...workbookParts(['People', 'Bomb']), peopleSheet(), bombSheet('xl/worksheets/sheet2.xml', 3 * 1024), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    const first = await measuredCli(['enqueue', path, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ total: 3 });
    expect(first.ms).toBeLessThan(20_000);
    const bomb = await measuredCli(['enqueue', path, '--sheet', 'Bomb']);
    expect(bomb.code).toBe(1);
    expect(bomb.stderr).toMatch(/two-sheets\.xlsx: refused: its sheet "Bomb" \(xl\/worksheets\/sheet2\.xml\) inflates \d+ times/);
  });

  it('a workbook on stdin is read from a temporary copy, removed afterwards', async () => {
    const path = join(dir.path, 'stdin-bomb.xlsx');
    writeZip(path, [...workbookParts(['Data']), bombSheet('xl/worksheets/sheet1.xml', 1024), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    const tmp = join(dir.path, 'tmp');
    mkdirSync(tmp);
    const refused = await measuredCli(['enqueue', '-'], { input: readFileSync(path), env: { TMPDIR: tmp } });
    expect(refused.stderr).toMatch(/stdin: refused: its sheet "Data" \(xl\/worksheets\/sheet1\.xml\) inflates \d+ times/);
    expect(refused.code).toBe(1);
    const people = join(dir.path, 'people-stdin.xlsx');
    writeZip(people, [...workbookParts(['People']), peopleSheet(), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    const read = await measuredCli(['enqueue', '-', '--json'], { input: readFileSync(people), env: { TMPDIR: tmp } });
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ total: 3 });
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a sheet of more rows than Excel allows is refused at the first row past them', async () => {
    const path = join(dir.path, 'endless.xlsx');
    writeZip(path, [...workbookParts(['Data']), repeatedPart('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>`, '<row><c><v>1</v></c></row>'.repeat(1000), 2000, SHEET_TAIL)]);
    const rows: number[] = [];
    const source = await openRecords(path, { workbookLimits: { maxInflateRatio: 1000 } }); // past the ratio, to reach the rows
    await expect(
      (async () => {
        for await (const batch of source.batches) rows.push(batch.length);
      })(),
    ).rejects.toThrow(`${path}: row 1048577: past the last row a sheet can have (1048576); refused`);
  });

  it('a shared-string table over its limit is refused before it is read', async () => {
    const path = join(dir.path, 'big-table.xlsx');
    sharedStringBomb(path, MB, 1);
    const source = await openRecords(path, { workbookLimits: { maxSharedStringsBytes: 512 * 1024 } });
    await expect(source.batches.next()).rejects.toThrow(`${path}: refused: its shared-string table (xl/sharedStrings.xml) inflates to 1.0 MB, more than the limit of 512 KB`);
    const fine = await openRecords(path);
    const rows: string[][] = [];
    for await (const batch of fine.batches) rows.push(...batch.map((r) => r.fields));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual(LETTERS.map((l) => `col_${l}`));
    expect(rows[1]![14]).toHaveLength(MB);
  });
});

describe('the flags that raise the workbook limits', () => {
  it('--max-inflate-ratio, --max-text-ratio and --max-shared-strings move their limits', async () => {
    const dense = join(dir.path, 'dense.xlsx');
    writeZip(dense, [...workbookParts(['Data']), bombSheet('xl/worksheets/sheet1.xml', 2), textPart('xl/sharedStrings.xml', sharedStringsXml([]))]);
    const refused = await runCli(['enqueue', dense], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/dense\.xlsx: refused: its sheet "Data" \(xl\/worksheets\/sheet1\.xml\) inflates \d+ times, from [\d.]+ KB to 2\.0 MB; the limit is 100 times \(a ZIP bomb\? raise it with --max-inflate-ratio\)/);
    const raised = await runCli(['enqueue', dense, '--max-inflate-ratio', '1000', '--json'], { env });
    expect(raised.stderr).toBe('');
    expect(JSON.parse(raised.stdout)).toMatchObject({ total: Math.ceil(MB / BOMB_ROW.length) * 2 });

    const wordy = join(dir.path, 'wordy.xlsx');
    sharedStringBomb(wordy, MB, 3); // 45 MB of text from a file of under 1 MB
    let rows = 0;
    for await (const batch of (await openRecords(wordy)).batches) rows += batch.length;
    expect(rows).toBe(4); // within the default: 32 MB and 50 times the file
    const lowered = await runCli(['enqueue', wordy, '--max-text-ratio', '1'], { env });
    expect(lowered.code).toBe(1);
    expect(lowered.stderr).toMatch(/wordy\.xlsx: refused at row 4: its cells hold more than 32\.\d MB of text/);
    const table = await runCli(['enqueue', wordy, '--max-shared-strings', '512k'], { env });
    expect(table.code).toBe(1);
    expect(table.stderr).toMatch(/its shared-string table \(xl\/sharedStrings\.xml\) inflates to 1\.0 MB, more than the limit of 512 KB \(raise it with --max-shared-strings\)/);
    const bad = await runCli(['enqueue', wordy, '--max-text-ratio', 'lots'], { env });
    expect(bad.code).toBe(2);
  });
});

describe('formulas import the values saved with them', () => {
  it('a CSV saved as .xlsx by LibreOffice: formula results (0 and empty included), dates, booleans; an error value fails its row naming the cell', async () => {
    const db = join(dir.path, 'libreoffice.db');
    const out = join(dir.path, 'libreoffice-report.xlsx');
    const res = await runCli(['run', join(FIXTURES, 'workbooks/people-formulas.xlsx'), '--target', `sqlite:${db}`, '--table', 'people', '--out', out, '--json', '--processes', '1'], { env, cwd: dir.path });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(3);
    expect(queryDb(db, 'SELECT * FROM people ORDER BY id')).toEqual([
      { id: '1', name: 'Ann Lee', total: '0', doubled: '2', label: 'xy', born: '1990-05-17', amount: '1234.5', active: 'true' },
      { id: '2', name: 'Émile Dupré', total: '3', doubled: '4', label: null, born: '2001-12-31', amount: '1234.5', active: 'false' },
      { id: '4', name: 'Zoë', total: '0.6667', doubled: '8', label: '1.00', born: '1985-03-17T08:15:00Z', amount: '1000', active: null },
    ]);
    const errors = (await readWorkbook(out)).get('Errors')!;
    expect(errors).toHaveLength(2);
    expect(errors[1]!.slice(0, 5)).toEqual([3, 4, "cell C4: its formula's saved value is the error #DIV/0!", '3', 'Bob Stone']);
  });

  it('the second sheet of a workbook LibreOffice calculated and saved; the same workbook unsaved fails each row naming its cells', async () => {
    const db = join(dir.path, 'orders.db');
    const saved = await runCli(['run', join(FIXTURES, 'workbooks/orders-libreoffice.xlsx'), '--sheet', 'Orders', '--target', `sqlite:${db}`, '--table', 'orders', '--out', join(dir.path, 'o.xlsx'), '--json', '--processes', '1'], { env, cwd: dir.path });
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    expect(queryDb(db, 'SELECT * FROM orders ORDER BY "order"')).toEqual([
      { order: '1', quantity: '3', unit_price: '2.5', total: '7.5', due: '2024-03-02' },
      { order: '2', quantity: '0', unit_price: '9.99', total: '0', due: '2024-03-03' },
      { order: '3', quantity: '7', unit_price: '0.1', total: '0.7', due: '2024-03-04' },
    ]);
    const out = join(dir.path, 'unsaved.xlsx');
    const unsaved = await runCli(['run', join(FIXTURES, 'workbooks/orders-no-values.xlsx'), '--sheet', 'Orders', '--target', `sqlite:${db}`, '--table', 'unsaved', '--out', out, '--json', '--processes', '1'], { env, cwd: dir.path });
    expect(unsaved.code).toBe(3);
    expect(JSON.parse(unsaved.stdout)).toMatchObject({ total: 3, failed: 3 });
    const errors = (await readWorkbook(out)).get('Errors')!;
    expect(errors[1]!.slice(0, 3)).toEqual([1, 2, 'cell D2 is a formula without a saved value (=B2*C2); cell E2 is a formula without a saved value (=DATE(2024,3,2))']);
  });

  it('shared and array formulas give their saved values; a formula saved without a value fails its row naming the cell', async () => {
    const path = join(dir.path, 'computed.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Computed');
    sheet.addRow(['id', 'price', 'double', 'array']);
    for (let i = 1; i <= 4; i++) sheet.addRow([i, i * 10]);
    sheet.getCell('C2').value = { formula: 'B2*2', result: 20, shareType: 'shared', ref: 'C2:C4' } as ExcelJS.CellFormulaValue;
    sheet.getCell('C3').value = { sharedFormula: 'C2', result: 40 } as ExcelJS.CellSharedFormulaValue;
    sheet.getCell('C4').value = { sharedFormula: 'C2', result: 0 } as ExcelJS.CellSharedFormulaValue;
    sheet.getCell('D2').value = { formula: 'B2:B3*0', result: 0, shareType: 'array', ref: 'D2:D3' } as ExcelJS.CellFormulaValue;
    sheet.getCell('D3').value = 0;
    sheet.getCell('C5').value = { formula: 'B5*2' } as ExcelJS.CellFormulaValue; // saved by a program that does not calculate
    await workbook.xlsx.writeFile(path);
    const db = join(dir.path, 'computed.db');
    const out = join(dir.path, 'computed-report.xlsx');
    const res = await runCli(['run', path, '--target', `sqlite:${db}`, '--table', 'computed', '--out', out, '--json', '--processes', '1'], { env, cwd: dir.path });
    expect(res.code).toBe(3);
    expect(queryDb(db, 'SELECT * FROM computed ORDER BY id')).toEqual([
      { id: '1', price: '10', double: '20', array: '0' },
      { id: '2', price: '20', double: '40', array: '0' },
      { id: '3', price: '30', double: '0', array: null },
    ]);
    const errors = (await readWorkbook(out)).get('Errors')!;
    expect(errors.slice(1).map((r) => r.slice(0, 3))).toEqual([[4, 5, 'cell C5 is a formula without a saved value (=B5*2)']]);

    // In the header, the same names no column: the file is refused.
    sheet.getCell('B1').value = { formula: 'UPPER("price")' } as ExcelJS.CellFormulaValue;
    const header = join(dir.path, 'computed-header.xlsx');
    await workbook.xlsx.writeFile(header);
    const refused = await runCli(['enqueue', header], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`importer: ${header}: header row 1: cell B1 is a formula without a saved value (=UPPER("price"))\n`);
  });
});

describe('Redis full', () => {
  let own: { path: string; remove: () => void };
  let server: PrivateRedis;
  let client: ImporterRedis;
  beforeAll(async () => {
    own = tempDir();
    server = new PrivateRedis(own.path, await freePort());
    await server.start();
    client = await openRedis(server.url);
  });
  afterAll(async () => {
    await closeTestRedis(client);
    await server.stop();
    own.remove();
  });

  it('a full Redis (maxmemory) stops the enqueue in words; after room is made the same --id finishes it, every row once', async () => {
    const rows = 60_000;
    const lines = ['id,name,note'];
    for (let i = 1; i <= rows; i++) lines.push(`${i},person ${i},${'n'.repeat(60)}`);
    const path = writeFile(dir.path, 'many.csv', `${lines.join('\n')}\n`);
    const db = join(dir.path, 'many.db');
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', String(4 * MB));
    const args = ['--redis', server.url, 'enqueue', path, '--id', 'full', '--target', `sqlite:${db}`, '--json'];
    const full = await runCli(args, { env });
    expect(full.stderr).toMatch(/^importer: Redis is full \(maxmemory\): it refused to store more of import full \(OOM command not allowed when used memory > 'maxmemory'\); the rows queued so far are kept: free memory in Redis or raise its maxmemory, then run the same enqueue with --id full to continue\n$/);
    expect(full.code).toBe(1);
    const meta = importKeys(prefix, 'full').meta;
    expect(await client.hget(meta, 'state')).toBe('enqueuing');
    const queued = Number(await client.hget(meta, 'enqueuedChunks'));
    expect(queued).toBeGreaterThan(0);
    expect(queued).toBeLessThan(rows / 2000);

    await client.config('SET', 'maxmemory', '0');
    const resumed = await runCli(args, { env });
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id: 'full', total: rows, resumed: true });
    const work = await runCli(['--redis', server.url, 'work', '--import', 'full', '--until-idle'], { env, cwd: dir.path });
    expect(work.code).toBe(0);
    expect(queryDb(db, 'SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS total FROM many')).toEqual([{ n: rows, ids: rows, total: (rows * (rows + 1)) / 2 }]);
    expect(queryDb(db, "SELECT count(*) AS n FROM many WHERE name = 'person ' || id AND length(note) = 60")).toEqual([{ n: rows }]);
  });
});
