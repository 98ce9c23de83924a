/**
 * A report past Excel's sheet limit with the real limit, not a tiny rows-per-sheet: an import of
 * 1,050,000 rows through enqueue, work and report, the report read back streaming. The suite's
 * one slow test (about a minute).
 */
import { describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { streamWorkbookRows } from './helpers/xlsx-stream.js';
import { useScratch } from './helpers/scratch.js';

const scratch = useScratch();
/** Excel's 1,048,576 rows a sheet, less the header. */
const SHEET_DATA_ROWS = 1_048_575;
const ROWS = 1_050_000;

async function writeNumbers(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('n\n');
  let batch = '';
  for (let i = 1; i <= rows; i++) {
    batch += `${i}\n`;
    if (i % 50_000 === 0) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

describe('a report of more rows than a sheet holds', () => {
  it(`continues the Imported sheet on "Imported (2)" after ${SHEET_DATA_ROWS.toLocaleString('en-US')} rows; every row once, with its values`, { timeout: 180_000 }, async () => {
    const corner = scratch.corner();
    const file = join(corner.dir, 'numbers.csv');
    await writeNumbers(file, ROWS);
    const id = await corner.enqueue(file, ['--chunk-size', '5000', '--target', `sqlite:${join(corner.dir, 'numbers.db')}`]);
    const work = await corner.cli(['work', '--until-idle', '--import', id]);
    expect(work.code, work.stderr).toBe(0);
    const out = join(corner.dir, 'numbers.xlsx');
    const rep = await corner.cli(['report', id, '--out', out, '--json']);
    expect(rep.code, rep.stderr).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({ state: 'complete', total: ROWS, succeeded: ROWS, failed: 0 });

    // Each file row (column A) seen once over both sheets, its value (column B) its own number.
    const seen = new Uint8Array(ROWS + 1);
    const counts = new Map<string, number>();
    const headers = new Map<string, string[]>();
    const problems: string[] = [];
    const lastSheetRow = new Map<string, number>();
    const names = await streamWorkbookRows(out, (sheet, row, cells) => {
      if (!sheet.startsWith('Imported')) return;
      lastSheetRow.set(sheet, row);
      if (row === 1) return void headers.set(sheet, cells);
      counts.set(sheet, (counts.get(sheet) ?? 0) + 1);
      const fileRow = Number(cells[0]);
      if (!(fileRow >= 1 && fileRow <= ROWS) || seen[fileRow]) problems.length < 10 && problems.push(`${sheet} row ${row}: file row ${cells[0]} out of range or repeated`);
      else seen[fileRow] = 1;
      if (cells[1] !== String(fileRow)) problems.length < 10 && problems.push(`${sheet} row ${row}: value ${cells[1]} for file row ${fileRow}`);
    });
    expect(names).toEqual(['Summary', 'Errors', 'Imported', 'Imported (2)']);
    expect(problems).toEqual([]);
    expect(counts.get('Imported')).toBe(SHEET_DATA_ROWS);
    expect(counts.get('Imported (2)')).toBe(ROWS - SHEET_DATA_ROWS);
    expect(lastSheetRow.get('Imported')).toBe(SHEET_DATA_ROWS + 1);
    expect(lastSheetRow.get('Imported (2)')).toBe(ROWS - SHEET_DATA_ROWS + 1);
    expect(headers.get('Imported (2)')).toEqual(headers.get('Imported'));
    expect(headers.get('Imported')![1]).toBe('n');
    expect(seen.indexOf(0, 1)).toBe(-1);
  });
});
