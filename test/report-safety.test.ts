import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { useRedisScratch } from './helpers/redis.js';
import { queryDb } from './helpers/files.js';
import { FORMULA_SHAPED, importViaLibrary, PROBLEM_HEADER, PROBLEM_ROWS } from './helpers/delivery.js';
import { enqueue, report, work } from '../src/index.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

/** Every cell of every sheet as written in the file's XML: reference, type attribute, style, formula and text. */
async function rawCells(path: string): Promise<{ sheet: string; ref: string; type: string | null; style: number; formula: boolean; text: string }[]> {
  const zip = await JSZip.loadAsync(readFileSync(path));
  const cells = [];
  for (const name of Object.keys(zip.files).filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n))) {
    const xml = await zip.file(name)!.async('string');
    for (const match of xml.matchAll(/<c ([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = match[1]!;
      const body = match[2] ?? '';
      const text = (body.match(/<(?:v|t)(?: [^>]*)?>([\s\S]*?)<\/(?:v|t)>/)?.[1] ?? '')
        .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/&amp;/g, '&');
      cells.push({
        sheet: name,
        ref: attrs.match(/r="([A-Z]+\d+)"/)?.[1] ?? '',
        type: attrs.match(/t="(\w+)"/)?.[1] ?? null,
        style: Number(attrs.match(/s="(\d+)"/)?.[1] ?? 0),
        formula: /<f[ >]/.test(body),
        text,
      });
    }
  }
  return cells;
}

/** numFmtId of each cell style (cellXfs), from the file's styles. */
async function styleFormats(path: string): Promise<number[]> {
  const zip = await JSZip.loadAsync(readFileSync(path));
  const xml = await zip.file('xl/styles.xml')!.async('string');
  const xfs = xml.match(/<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/)![1]!;
  return [...xfs.matchAll(/<xf ([^>]*?)\/?>/g)].map((m) => Number(m[1]!.match(/numFmtId="(\d+)"/)?.[1] ?? 0));
}

describe('the report as a spreadsheet', () => {
  it('writes formula-shaped values as text, never as formulas, in every sheet', async () => {
    const id = await importViaLibrary(redis, prefix, dir.path, { name: '=cmd.csv' });
    const out = join(dir.path, 'safety.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });

    const cells = await rawCells(out);
    expect(cells.filter((c) => c.formula)).toEqual([]);
    const formats = await styleFormats(out);
    for (const value of FORMULA_SHAPED) {
      const found = cells.filter((c) => c.text === value);
      expect(found.length, JSON.stringify(value)).toBeGreaterThan(0);
      for (const c of found) {
        expect(['str', 'inlineStr', 's'], `${c.sheet} ${c.ref}`).toContain(c.type);
        // 49 is Excel's built-in "@" (Text): edited in Excel the cell stays text.
        expect(formats[c.style], `${c.sheet} ${c.ref}`).toBe(49);
      }
    }
    // The formula-shaped values sit in imported rows, failed rows and a header alike.
    const sheetsWith = new Set(cells.filter((c) => FORMULA_SHAPED.includes(c.text)).map((c) => c.sheet));
    expect(sheetsWith.size).toBe(3);

    // Read back with exceljs: strings with the Text format, no formula.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    // Chunks are recorded in the order workers finish them: the row is found by its id.
    const imported = workbook.getWorksheet('Imported')!;
    const rowOf2 = imported.getRows(2, imported.rowCount - 1)!.find((row) => String(row.getCell(2).value) === '2');
    expect(rowOf2, 'imported row with id 2').toBeDefined();
    const hyperlink = rowOf2!.getCell(3);
    expect(hyperlink.value).toBe('=HYPERLINK("http://evil.example","click")');
    expect(hyperlink.type).toBe(ExcelJS.ValueType.String);
    expect(hyperlink.formula).toBeUndefined();
    expect(hyperlink.numFmt).toBe('@');
    const summary = workbook.getWorksheet('Summary')!;
    expect(summary.getRow(1).getCell(1).value).toBe('Import of =cmd.csv');
  });

  it('the Errors sheet holds each failed row under the file’s own headers, re-importable as it is', async () => {
    const id = await importViaLibrary(redis, prefix, dir.path, { name: 'layout.csv' });
    const out = join(dir.path, 'layout.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const errors = workbook.getWorksheet('Errors')!;
    const header = (errors.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['Row', 'Line', 'Problems', ...PROBLEM_HEADER]);
    const byRow = new Map<number, ExcelJS.Row>();
    errors.eachRow((row, n) => {
      if (n > 1) byRow.set(row.getCell(1).value as number, row);
    });
    for (const [row, excelRow] of byRow) {
      const original = PROBLEM_ROWS[row - 1]!;
      // Row 8 holds a carriage return inside quotes: the rows after it start one line further down.
      expect(excelRow.getCell(2).value).toBe(row + 1 + (row > 8 ? 1 : 0));
      original.forEach((value, i) => {
        const c = excelRow.getCell(4 + i);
        // Exactly the text of the file (empty cells stay empty); Text format so "007" stays "007".
        expect(c.value ?? '', `row ${row} ${PROBLEM_HEADER[i]}`).toBe(value);
        expect(c.numFmt).toBe('@');
      });
    }
    expect(String(byRow.get(6)!.getCell(3).value)).toBe('age must be a whole number from 0 to 150');
    expect(String(byRow.get(10)!.getCell(3).value)).toBe('id repeats a value already used earlier in the file (first in row 1)');

    // Summary: problems grouped by column and message, most frequent first.
    const summary = workbook.getWorksheet('Summary')!;
    const lines: unknown[][] = [];
    summary.eachRow((row) => lines.push((row.values as unknown[]).slice(1)));
    const at = lines.findIndex((l) => l[0] === 'Problems by column');
    expect(lines[at]).toEqual(['Problems by column', 'Problem', 'Rows']);
    expect(lines.slice(at + 1, at + 5)).toEqual([
      ['email', 'must be a valid email address', 3],
      ['age', 'must be a whole number from 0 to 150', 2],
      ['-notes', 'must be at most 10 characters long', 1],
      ['id', 'repeats a value already used earlier in the file', 1],
    ]);
  });

  it('the Errors sheet, corrected in place, imports again: every corrected row saved, values exact', async () => {
    const id = await importViaLibrary(redis, prefix, dir.path, { name: 'fixme.csv' });
    const out = join(dir.path, 'fixme.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });
    // A person corrects the values in Excel: emails, ages, the long note, the repeated id.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const errors = workbook.getWorksheet('Errors')!;
    const header = (errors.getRow(1).values as unknown[]).slice(1) as string[];
    const col = (name: string): number => header.indexOf(name) + 1;
    errors.eachRow((row, n) => {
      if (n === 1) return;
      const cell = (name: string) => row.getCell(col(name));
      const id = Number(cell('id').value);
      if (!String(cell('email').value ?? '').match(/^[^@\s]+@[^@\s]+\.\w+$/)) cell('email').value = `fixed${id}@example.com`;
      if (!/^\d+$/.test(String(cell('age').value)) || Number(cell('age').value) > 150) cell('age').value = '42';
      if (String(cell('-notes').value ?? '').length > 10) cell('-notes').value = 'short';
      if (row.getCell(1).value === 10) cell('id').value = '10';
    });
    const fixed = join(dir.path, 'fixed.xlsx');
    await workbook.xlsx.writeFile(fixed);

    const again = await enqueue({ redis, prefix, source: fixed, sheet: 'Errors', schemaPath: join(dir.path, 'fixme.csv.schema.json'), target: `sqlite:${join(dir.path, 'again.db')}`, table: 'people' });
    await work({ redis, prefix, importId: again.id, untilIdle: true });
    const { status } = await report({ redis, prefix, id: again.id, ttlSeconds: 0 });
    expect(status).toMatchObject({ state: 'complete', total: 7, succeeded: 7, failed: 0 });
    const saved = queryDb<Record<string, unknown>>(join(dir.path, 'again.db'), 'SELECT * FROM people ORDER BY id');
    expect(saved.map((r) => r['id'])).toEqual([3, 4, 5, 6, 7, 9, 10]);
    expect(saved.find((r) => r['id'] === 5)).toMatchObject({ email: 'fixed5@example.com', '-notes': '@SUM(A1)' });
    expect(saved.find((r) => r['id'] === 6)).toMatchObject({ age: 42, '-notes': '-2+3' });
  });

  it('a file with its own Row, Line or Problems column keeps it; the report’s column is renamed', async () => {
    const source = Readable.from(['Problems,Row,name\nnone,1,\nsome,2,x\n']);
    const schema = join(dir.path, 'clash.json');
    (await import('node:fs')).writeFileSync(schema, JSON.stringify({ type: 'object', properties: { Problems: { type: 'string' }, Row: { type: 'string' }, name: { type: 'string', minLength: 1 } }, required: ['name'] }));
    const { id } = await enqueue({ redis, prefix, source: '-', stdin: source, schemaPath: schema, target: `sqlite:${join(dir.path, 'clash.db')}`, table: 'clash' });
    await work({ redis, prefix, importId: id, untilIdle: true });
    const out = join(dir.path, 'clash.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const errors = workbook.getWorksheet('Errors')!;
    expect((errors.getRow(1).values as unknown[]).slice(1)).toEqual(['Row (report)', 'Line', 'Problems (report)', 'Problems', 'Row', 'name']);
    expect((errors.getRow(2).values as unknown[]).slice(1)).toEqual([1, 2, 'name is required', 'none', '1']);
  });

  it('a value holding characters XML cannot carry (control characters) is written as U+FFFD: the file stays readable', async () => {
    const source = Readable.from(['code,name\nA\x01,ok\n"B\x1b\x7f",\x0bbad\n']);
    const schema = join(dir.path, 'controls.json');
    (await import('node:fs')).writeFileSync(schema, JSON.stringify({ type: 'object', properties: { code: { type: 'string' }, name: { type: 'string', minLength: 5 } }, required: ['name'] }));
    const { id } = await enqueue({ redis, prefix, source: '-', stdin: source, schemaPath: schema, target: `sqlite:${join(dir.path, 'controls.db')}`, table: 'controls' });
    await work({ redis, prefix, importId: id, untilIdle: true });
    const out = join(dir.path, 'controls.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const rows = (name: string): unknown[][] => workbook.getWorksheet(name)!.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1));
    // Two rows, both failed (names too short): the original values, controls replaced, DEL kept (XML allows it).
    expect(rows('Errors').map((r) => r.slice(3))).toEqual([
      ['A\uFFFD', 'ok'],
      ['B\uFFFD\x7f', '\uFFFDbad'],
    ]);
  });
});
