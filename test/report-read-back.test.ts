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
import { csvLine, writeFile } from './helpers/files.js';
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

describe('the report read back with a streaming reader', () => {
  it('gives every row of the file once, in Errors or Imported, with its own text; the sheets are ASCII', { timeout: 120_000 }, async () => {
    const random = seededRandom(2026);
    const pick = (): string => WORDS[random(WORDS.length)]!;
    const rows: string[][] = [];
    for (let n = 1; n <= 6000; n++) {
      const name = `${pick()} ${pick()} ${pick()}`;
      const notes = Array.from({ length: 1 + random(12) }, pick).join(random(5) === 0 ? '\n' : ' ');
      // About 8% invalid: a negative age.
      const age = random(100) < 8 ? '-1' : String(random(90));
      rows.push([String(n), name, `p${n}@example.org`, age, notes]);
    }
    const source = writeFile(dir.path, 'people.csv', `id,name,email,age,notes\n${rows.map(csvLine).join('\n')}\n`);
    const schemaPath = writeFile(
      dir.path,
      'people.schema.json',
      JSON.stringify({
        type: 'object',
        properties: { id: { type: 'integer' }, name: { type: 'string' }, email: { type: 'string', format: 'email', unique: true }, age: { type: 'integer', minimum: 0 }, notes: { type: 'string' } },
        required: ['id', 'email'],
      }),
    );
    const { id } = await enqueue({ redis, prefix, source, schemaPath, chunkSize: 500, target: `sqlite://${join(dir.path, 'people.db')}` });
    const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 2 });
    const out = join(dir.path, 'report.xlsx');
    await report({ redis, prefix, id, out, ttlSeconds: 0 });

    // Every sheet's XML is ASCII.
    const zip = await JSZip.loadAsync(readFileSync(out));
    for (const name of Object.keys(zip.files).filter((f) => f.startsWith('xl/worksheets/'))) {
      const bytes = await zip.file(name)!.async('nodebuffer');
      expect(bytes.findIndex((b) => b >= 0x80), name).toBe(-1);
    }

    const file = (parse(readFileSync(source), { columns: false, from_line: 2 }) as string[][]).map((fields, i) => ({ row: i + 1, fields }));
    const sheets = await readStreaming(out);
    const imported = sheets.get('Imported')!.slice(1);
    const errors = sheets.get('Errors')!.slice(1);
    const invalid = file.filter(({ fields }) => fields[3] === '-1');
    expect(summary.failed).toBe(invalid.length);
    // Each sheet in the order the chunks were done: compared as sets, each row once.
    const rowsOf = (sheet: unknown[][]): number[] => sheet.map((r) => r[0] as number).sort((a, b) => a - b);
    expect(rowsOf(errors)).toEqual(invalid.map(({ row }) => row));
    expect(rowsOf(imported)).toEqual(file.filter(({ fields }) => fields[3] !== '-1').map(({ row }) => row));
    // Errors: Row, Line, Problems, then the file's values as text.
    const byRow = new Map(file.map(({ row, fields }) => [row, fields]));
    for (const r of errors) expect(r.slice(3), `row ${String(r[0])}`).toEqual(byRow.get(r[0] as number));
    // Imported: Row, then the values as the schema types them.
    for (const r of imported) {
      const [n, name, email, age, notes] = byRow.get(r[0] as number)!;
      expect(r.slice(1), `row ${String(r[0])}`).toEqual([Number(n), name, email, Number(age), notes]);
    }
    const text = JSON.stringify([...sheets.values()]);
    expect(text).not.toContain('\uFFFD');
  });
});
