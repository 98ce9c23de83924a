/**
 * A report read back the way a script reads a big one, with exceljs's streaming reader, row by
 * row against the file: every invalid row once in Errors, every valid row once in Imported, each
 * with its own text. That reader decodes a sheet's XML a piece at a time, and a character whose
 * UTF-8 bytes straddle two pieces came back as U+FFFD: the sheets' XML is ASCII, every character
 * beyond it written as a reference, so there is nothing to split.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { parse } from 'csv-parse/sync';
import { enqueue, report, work } from '../src/index.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import { seededRandom } from './helpers/random-numbers.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

/** Text in several scripts, 2, 3 and 4 bytes a character in UTF-8, dense enough that most pieces of the XML end inside one. */
const WORDS = ['Zoë', 'Łukasz', 'Ангелина', '李小龍', 'محمد', 'Ελένη', 'שָׁלוֹם', 'नमस्ते', '佐藤 健', '한국어', '😀🎉', '👩‍👩‍👧', 'Smith, Jr.', '"quoted"', 'a & b < c'];

/** Each sheet of the workbook (by name), its rows as exceljs's streaming reader gives them. */
async function readStreaming(path: string): Promise<Map<string, unknown[][]>> {
  // The reader names sheets by their part (Sheet1, ...): their names come from workbook.xml.
  const zip = await JSZip.loadAsync(readFileSync(path));
  const workbookXml = await zip.file('xl/workbook.xml')!.async('string');
  const rels = await zip.file('xl/_rels/workbook.xml.rels')!.async('string');
  const partOf = new Map([...rels.matchAll(/Id="(rId\d+)"[^>]*Target="worksheets\/sheet(\d+)\.xml"/g)].map((m) => [m[1]!, Number(m[2])]));
  const names = new Map([...workbookXml.matchAll(/<sheet name="([^"]+)"[^>]*r:id="(rId\d+)"/g)].map((m) => [partOf.get(m[2]!)!, m[1]!]));
  const sheets = new Map<string, unknown[][]>();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore' });
  for await (const sheet of reader) {
    const id = (sheet as unknown as { id: number }).id;
    const rows: unknown[][] = [];
    for await (const row of sheet) rows.push((row.values as unknown[]).slice(1));
    sheets.set(names.get(id)!, rows);
  }
  return sheets;
}

/** A record of the file, quoted where it must be. */
function line(fields: readonly string[], delimiter: string): string {
  return fields.map((f) => (f.includes(delimiter) || /["\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter);
}

const DIALECTS = [
  { name: 'commas and LF', delimiter: ',', lineEnd: '\n', file: 'people.csv' },
  { name: 'tabs and CRLF', delimiter: '\t', lineEnd: '\r\n', file: 'people.tsv' },
] as const;

describe.each(DIALECTS)('the report of a file with $name, read back with a streaming reader', ({ delimiter, lineEnd, file: fileName }) => {
  it('gives every row of the file once, in Errors or Imported, with its own text; the sheets are ASCII', { timeout: 120_000 }, async () => {
    const random = seededRandom(2026);
    const pick = (): string => WORDS[random(WORDS.length)]!;
    const rows: string[][] = [];
    const codes: string[] = [];
    for (let n = 1; n <= 6000; n++) {
      const name = `${pick()} ${pick()} ${pick()}`;
      const notes = Array.from({ length: 1 + random(12) }, pick).join(random(5) === 0 ? lineEnd : random(7) === 0 ? '\t' : ' ');
      // About 8% invalid: a negative age, or a code an earlier row has (a unique text key).
      const age = random(100) < 5 ? '-1' : String(random(90));
      const code = codes.length > 0 && random(100) < 3 ? codes[random(codes.length)]! : `K-${pick()}-${n}`;
      codes.push(code);
      rows.push([String(n), code, name, age, ['yes', 'no', 'true', '0'][random(4)]!, notes]);
    }
    const header = ['id', 'code', 'name', 'age', 'active', 'notes'];
    const source = writeFile(dir.path, fileName, [header, ...rows].map((r) => line(r, delimiter) + lineEnd).join(''));
    const schemaPath = writeFile(
      dir.path,
      'people.schema.json',
      JSON.stringify({
        type: 'object',
        properties: {
          id: { type: 'integer' },
          code: { type: 'string', unique: true },
          name: { type: 'string' },
          age: { type: 'integer', minimum: 0 },
          active: { type: 'boolean' },
          notes: { type: 'string' },
        },
        required: ['id', 'code'],
      }),
    );
    const { id } = await enqueue({ redis, prefix, source, schemaPath, chunkSize: 500, target: `sqlite://${join(dir.path, `${fileName}.db`)}` });
    const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
    const out = join(dir.path, `${fileName}.xlsx`);
    await report({ redis, prefix, id, out, ttlSeconds: 0 });

    // Every sheet's XML is ASCII.
    const zip = await JSZip.loadAsync(readFileSync(out));
    for (const name of Object.keys(zip.files).filter((f) => f.startsWith('xl/worksheets/'))) {
      const bytes = await zip.file(name)!.async('nodebuffer');
      expect(bytes.findIndex((b) => b >= 0x80), name).toBe(-1);
    }

    const file = (parse(readFileSync(source), { delimiter, from_line: 2 }) as string[][]).map((fields, i) => ({ row: i + 1, fields }));
    expect(file.map(({ fields }) => fields)).toEqual(rows);
    // Invalid: a negative age, or a code met in an earlier row (the first one keeps it).
    const met = new Set<string>();
    const invalid = new Set<number>();
    for (const { row, fields } of file) {
      if (fields[3] === '-1' || met.has(fields[1]!)) invalid.add(row);
      met.add(fields[1]!);
    }
    const sheets = await readStreaming(out);
    const imported = sheets.get('Imported')!.slice(1);
    const errors = sheets.get('Errors')!.slice(1);
    expect(summary.failed).toBe(invalid.size);
    // Each sheet in the order the chunks were done: compared as sets, each row once.
    const rowsOf = (sheet: unknown[][]): number[] => sheet.map((r) => r[0] as number).sort((a, b) => a - b);
    expect(rowsOf(errors)).toEqual(file.filter(({ row }) => invalid.has(row)).map(({ row }) => row));
    expect(rowsOf(imported)).toEqual(file.filter(({ row }) => !invalid.has(row)).map(({ row }) => row));
    // Errors: Row, Line, Problems, then the file's values as text.
    const byRow = new Map(file.map(({ row, fields }) => [row, fields]));
    for (const r of errors) expect(r.slice(3), `row ${String(r[0])}`).toEqual(byRow.get(r[0] as number));
    // Imported: Row, then the values as the schema types them.
    for (const r of imported) {
      const [n, code, name, age, active, notes] = byRow.get(r[0] as number)!;
      expect(r.slice(1), `row ${String(r[0])}`).toEqual([Number(n), code, name, Number(age), active === 'yes' || active === 'true', notes]);
    }
    const text = JSON.stringify([...sheets.values()]);
    expect(text).not.toContain('\uFFFD');
  });
});

describe('the report of a file whose rows mostly fail, read back with a streaming reader', () => {
  it('gives every failed row once, with its values, when a chunk holds more failed rows than a batch of the Errors sheet', { timeout: 120_000 }, async () => {
    const random = seededRandom(7);
    // 9 rows in 10 invalid (a negative age): chunks of 1500 rows hold ~1350 failed rows each,
    // more than the Errors sheet renders at a time from several chunks (2000 rows).
    const rows = Array.from({ length: 9000 }, (_, i) => [String(i + 1), `${WORDS[random(WORDS.length)]!} ${i + 1}`, random(10) === 0 ? String(random(90)) : '-1']);
    const source = writeFile(dir.path, 'mostly-invalid.csv', [['id', 'name', 'age'], ...rows].map((r) => line(r, ',') + '\n').join(''));
    const schemaPath = writeFile(
      dir.path,
      'mostly-invalid.schema.json',
      JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, age: { type: 'integer', minimum: 0 } }, required: ['id'] }),
    );
    const { id } = await enqueue({ redis, prefix, source, schemaPath, chunkSize: 1500, target: `sqlite://${join(dir.path, 'mostly-invalid.db')}` });
    const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
    const out = join(dir.path, 'mostly-invalid.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });

    const invalid = rows.filter((r) => r[2] === '-1');
    expect(summary.failed).toBe(invalid.length);
    const sheets = await readStreaming(out);
    const errors = sheets.get('Errors')!.slice(1);
    // Each failed row once, with its values, and within each chunk in file order.
    expect(errors.map((r) => r[0] as number).sort((a, b) => a - b)).toEqual(invalid.map((r) => Number(r[0])));
    for (const r of errors) expect(r.slice(3), `row ${String(r[0])}`).toEqual(rows[(r[0] as number) - 1]);
    const chunkOf = (row: number): number => Math.floor((row - 1) / 1500);
    for (let i = 1; i < errors.length; i++) {
      const [before, after] = [errors[i - 1]![0] as number, errors[i]![0] as number];
      if (chunkOf(before) === chunkOf(after)) expect(after).toBeGreaterThan(before);
    }
    expect(sheets.get('Imported')!.slice(1).map((r) => r[0] as number).sort((a, b) => a - b)).toEqual(rows.filter((r) => r[2] !== '-1').map((r) => Number(r[0])));
  });
});
