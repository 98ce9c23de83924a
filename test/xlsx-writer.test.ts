import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { tempDir } from './helpers/files.js';
import { MAX_DATA_ROWS_PER_SHEET, PagedSheet } from '../src/report/paged-sheet.js';
import { Style } from '../src/report/xlsx/parts.js';
import { XlsxWriter } from '../src/report/xlsx/workbook-writer.js';
import type { CellInput } from '../src/report/cells.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** Values a file may hold that XML, Excel or a spreadsheet's formula parser would take badly. */
const AWKWARD: readonly { value: string; readBack: string }[] = [
  { value: '=SUM(A1)', readBack: '=SUM(A1)' },
  { value: '+33 1 23', readBack: '+33 1 23' },
  { value: '@cmd', readBack: '@cmd' },
  { value: '\tTabbed', readBack: '\tTabbed' },
  { value: '\rCR first', readBack: '\rCR first' },
  { value: 'line one\r\nline two', readBack: 'line one\r\nline two' },
  { value: '  padded  ', readBack: '  padded  ' },
  { value: 'a & b < c > d "q" \'s\'', readBack: 'a & b < c > d "q" \'s\'' },
  { value: 'bell\x07 nul\x00 esc\x1b', readBack: 'bell\uFFFD nul\uFFFD esc\uFFFD' },
  { value: 'lone \uD800 high, lone \uDC00 low', readBack: 'lone \uFFFD high, lone \uFFFD low' },
  { value: 'Zoë 李 محمد 😀', readBack: 'Zoë 李 محمد 😀' },
  { value: '_x0041_', readBack: '_x0041_' },
];

async function writeSample(path: string): Promise<void> {
  const workbook = new XlsxWriter(createWriteStream(path));
  const people = await workbook.addSheet('People', { widths: [8, 30, 12], frozenHeader: true });
  await people.row(['Row', 'Value', 'Flag'], [Style.bold, Style.bold, Style.bold]);
  let n = 0;
  for (const { value } of AWKWARD) await people.row([++n, value, n % 2 === 0]);
  await people.row([++n, null, 3.25]);
  const text = await workbook.addSheet('Text', { widths: [8, 18] });
  await text.row(['n', 'kept'], [Style.bold, Style.bold]);
  await text.row([1, '007'], [], 1);
  await text.row([2, null], [], 1);
  await workbook.finish();
}

describe('the streaming XLSX writer', () => {
  it('writes values, types, Text formats, a bold frozen header and widths that exceljs reads back exactly', async () => {
    const path = join(dir.path, 'sample.xlsx');
    await writeSample(path);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['People', 'Text']);

    const people = workbook.getWorksheet('People')!;
    expect(people.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(people.columns.map((c) => c.width)).toEqual([8, 30, 12]);
    expect(people.getRow(1).getCell(2).font?.bold).toBe(true);
    expect(people.rowCount).toBe(AWKWARD.length + 2);
    AWKWARD.forEach(({ value, readBack }, i) => {
      const row = people.getRow(i + 2);
      expect(row.getCell(1).value).toBe(i + 1);
      const c = row.getCell(2);
      expect(c.value, JSON.stringify(value)).toBe(readBack);
      expect(c.type).toBe(ExcelJS.ValueType.String);
      expect(c.formula).toBeUndefined();
      // A formula-shaped value gets Excel's Text format, so editing it keeps it text.
      expect(c.numFmt, JSON.stringify(value)).toBe(/^[=+\-@\t\r]/.test(value) ? '@' : undefined);
      expect(row.getCell(3).value).toBe((i + 1) % 2 === 0);
    });
    const last = people.getRow(AWKWARD.length + 2);
    expect(last.getCell(2).value).toBeNull();
    expect(last.getCell(3).value).toBe(3.25);

    // Columns from textFrom on are Text even when empty: a person types the correction there.
    const text = workbook.getWorksheet('Text')!;
    expect(text.views[0]?.state).toBe('normal');
    expect(text.getRow(2).getCell(2)).toMatchObject({ value: '007', numFmt: '@' });
    expect(text.getRow(3).getCell(2).numFmt).toBe('@');
    expect(text.getRow(2).getCell(1).numFmt).toBeUndefined();
  });

  it('holds no formula and no shared strings, only strings in their cells, in well-formed parts', async () => {
    const path = join(dir.path, 'raw.xlsx');
    await writeSample(path);
    const zip = await JSZip.loadAsync(readFileSync(path));
    expect(Object.keys(zip.files).sort()).toEqual([
      '[Content_Types].xml', '_rels/.rels', 'docProps/core.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/sheet2.xml',
    ]);
    const sheet = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    expect(sheet).not.toMatch(/<f[ >]/);
    expect(sheet).not.toMatch(/t="s"/);
    // Text in <v> (t="str", no formula), inline with xml:space when it starts or ends with white space.
    expect(sheet.match(/t="str"><v>/g)!.length + sheet.match(/t="inlineStr"><is><t xml:space="preserve">/g)!.length).toBe(3 + AWKWARD.length);
    expect(sheet.match(/t="inlineStr"/g)!.length).toBe(AWKWARD.filter(({ value }) => /^\s|\s$/.test(value)).length);
    expect(sheet).toContain('t="str"><v>=SUM(A1)</v>');
    // No character XML 1.0 forbids, whatever the input held.
    expect(sheet).not.toMatch(/[\x00-\x08\x0B\x0C\x0E-\x1F]/);
    // ASCII: characters beyond it as references, one per code point (never a surrogate's).
    expect(sheet).not.toMatch(/[^\x00-\x7F]/);
    expect(sheet).toContain('<v>Zo&#xEB; &#x674E; &#x645;&#x62D;&#x645;&#x62F; &#x1F600;</v>');
  });

  it('writes a row wider than its batch whole, between rows that are batched', async () => {
    const path = join(dir.path, 'wide.xlsx');
    const workbook = new XlsxWriter(createWriteStream(path));
    const sheet = await workbook.addSheet('Wide', { widths: [8, 18, 18] });
    const wide = ['é'.repeat(30_000), 'ü'.repeat(30_000)];
    await sheet.row([1, 'before']);
    await sheet.row([2, ...wide]);
    await sheet.row([3, 'after']);
    await workbook.finish();
    const read = new ExcelJS.Workbook();
    await read.xlsx.readFile(path);
    const values = read.getWorksheet('Wide')!.getSheetValues().slice(1).map((r) => (r as unknown[]).slice(1));
    expect(values).toEqual([[1, 'before'], [2, ...wide], [3, 'after']]);
  });

  it('stops producing while its output is stalled, and finishes once the output drains', async () => {
    const chunks: Buffer[] = [];
    const held: (() => void)[] = [];
    let stalled = true;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        if (stalled) held.push(callback);
        else callback();
      },
    });
    const workbook = new XlsxWriter(out);
    const sheet = await workbook.addSheet('Rows', { widths: [8, 40] });
    let written = 0;
    const producing = (async () => {
      for (let i = 1; i <= 200_000; i++) {
        // Text that does not deflate to nothing, so the compressed stream fills the output.
        await sheet.row([i, `row ${i} ${(i * 2654435761) % 1_000_003} ${Math.sqrt(i)}`]);
        written = i;
      }
      await workbook.finish();
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const whileStalled = written;
    // Bounded by the buffers of the stream, the deflater and one batch of text: not the rows.
    expect(whileStalled).toBeGreaterThan(0);
    expect(whileStalled).toBeLessThan(20_000);
    stalled = false;
    for (const callback of held.splice(0)) callback();
    await producing;
    expect(written).toBe(200_000);
    const zip = await JSZip.loadAsync(Buffer.concat(chunks));
    const xml = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    expect(xml.match(/<row /g)!.length).toBe(200_000);
  });

  it("continues into a second sheet past Excel's real limit of 1,048,575 data rows", { timeout: 120_000 }, async () => {
    expect(MAX_DATA_ROWS_PER_SHEET).toBe(1_048_576 - 1);
    const path = join(dir.path, 'limit.xlsx');
    const workbook = new XlsxWriter(createWriteStream(path));
    const paged = new PagedSheet(workbook, { name: 'Imported', header: ['Row'], widths: [8], rowsPerSheet: MAX_DATA_ROWS_PER_SHEET });
    const row: CellInput[] = [0];
    for (let i = 1; i <= MAX_DATA_ROWS_PER_SHEET + 2; i++) {
      row[0] = i;
      await paged.add(row);
    }
    await paged.finish();
    await workbook.finish();
    const zip = await JSZip.loadAsync(readFileSync(path));
    expect(await zip.file('xl/workbook.xml')!.async('string')).toMatch(/<sheet name="Imported" [^>]*\/><sheet name="Imported \(2\)"/);
    const first = await zip.file('xl/worksheets/sheet1.xml')!.async('string');
    expect(first.match(/<row /g)!.length).toBe(1_048_576);
    expect(first).toMatch(/<row r="1048576"><c r="A1048576"><v>1048575<\/v><\/c><\/row><\/sheetData>/);
    const second = await zip.file('xl/worksheets/sheet2.xml')!.async('string');
    expect([...second.matchAll(/<row r="(\d+)">.*?<\/row>/g)].map((m) => m[0])).toEqual([
      '<row r="1"><c r="A1" s="2" t="str"><v>Row</v></c></row>',
      '<row r="2"><c r="A2"><v>1048576</v></c></row>',
      '<row r="3"><c r="A3"><v>1048577</v></c></row>',
    ]);
  });

  const soffice = spawnSync('soffice', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!soffice)('opens in LibreOffice without repair, every sheet with the same text', { timeout: 120_000 }, async () => {
    const path = join(dir.path, 'office.xlsx');
    await writeSample(path);
    const outDir = join(dir.path, 'csv');
    // 76 = UTF-8; the trailing -1 exports every sheet to its own file.
    execFileSync('soffice', [`-env:UserInstallation=file://${join(dir.path, 'lo-profile')}`, '--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1', '--outdir', outDir, path], { stdio: 'pipe', timeout: 110_000 });
    const files = readdirSync(outDir).sort();
    expect(files).toEqual(['office-People.csv', 'office-Text.csv']);
    const people = readFileSync(join(outDir, 'office-People.csv'), 'utf8');
    expect(people.startsWith('Row,Value,Flag\n1,=SUM(A1),FALSE\n')).toBe(true);
    expect(people).toContain('Zoë 李 محمد 😀');
    expect(people).toContain('"a & b < c > d ""q"" \'s\'"');
    expect(readFileSync(join(outDir, 'office-Text.csv'), 'utf8')).toBe('n,kept\n1,007\n2,\n');
  });
});
