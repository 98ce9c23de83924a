import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImportRecord } from '../../src/import-record.js';
import { SheetRowsRenderer, type RenderedRows } from '../../src/report/sheet-rows.js';
import { encodeFailedRow, encodeSuccessEntry, packFailedRows, packSuccessEntry } from '../../src/redis/codec.js';
import { encodeChunk } from '../../src/chunks/chunk-codec.js';

const record = {
  id: 'rows',
  source: '/srv/uploads/people.csv',
  columns: ['id', 'name', 'ok'],
  headers: ['id', 'name', 'ok'],
  schema: JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, ok: { type: 'boolean' } }, required: ['id'] }),
  target: 'sqlite:/srv/data/people.db',
  keepColumns: null,
  ignoredColumns: [],
} as unknown as ImportRecord;

/** A chunk's success entry, packed as the worker stores it: rows from `first`, `failed` indexes left out. */
function success(first: number, names: readonly string[], failed: readonly number[] = []): Buffer {
  const rows = names.map((name, i) => [String(first + i), name, i % 2 === 0 ? 'yes' : 'false']);
  return packSuccessEntry(encodeSuccessEntry(failed, encodeChunk(first, rows.map((_, i) => first + i + 1), rows)));
}

const text = (part: RenderedRows): string => Buffer.concat(part.xml).toString('utf8');
const rowNumbers = (part: RenderedRows): number[] => [...text(part).matchAll(/<row r="(\d+)">/g)].map((m) => Number(m[1]));
const firstCells = (part: RenderedRows): number[] => [...text(part).matchAll(/<row r="\d+"><c r="A\d+"><v>(\d+)<\/v>/g)].map((m) => Number(m[1]));

describe('rows rendered for the report (SheetRowsRenderer)', () => {
  it('numbers rows within their sheet across batches and starts the next sheet past rowsPerSheet', () => {
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 3 });
    const first = renderer.render('imported', [success(1, ['a', 'b', 'c', 'd', 'e'], [2])]);
    expect(first.map((p) => [p.startsSheet, p.rows])).toEqual([
      [true, 3],
      [true, 1],
    ]);
    expect(first.map(rowNumbers)).toEqual([[2, 3, 4], [2]]);
    expect(first.map(firstCells)).toEqual([[1, 2, 4], [5]]);
    // A text element (stored by an earlier version) and a packed one in the same batch.
    const textElement = Buffer.from(encodeSuccessEntry([], encodeChunk(10, [11], [['10', 'j', 'no']])), 'utf8');
    const second = renderer.render('imported', [success(6, ['f', 'g', 'h', 'i']), textElement]);
    expect(second.map((p) => [p.startsSheet, p.rows])).toEqual([
      [false, 2],
      [true, 3],
    ]);
    expect(second.map(rowNumbers)).toEqual([
      [3, 4],
      [2, 3, 4],
    ]);
    expect(second.map(firstCells)).toEqual([
      [6, 7],
      [8, 9, 10],
    ]);
  });

  it('types imported values by the schema, keeps formula-shaped text as text and escapes XML', () => {
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 100 });
    const [part] = renderer.render('imported', [success(1, ['=1+1', 'a<b & c'])]);
    expect(text(part!)).toBe(
      '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1</v></c><c r="C2" s="1" t="inlineStr"><is><t>=1+1</t></is></c><c r="D2" t="b"><v>1</v></c></row>' +
        '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><v>2</v></c><c r="C3" t="inlineStr"><is><t>a&lt;b &amp; c</t></is></c><c r="D3" t="b"><v>0</v></c></row>',
    );
  });

  it("writes failed rows with the uploader's file name, and their values as Text", () => {
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 100 });
    const chunk = { firstRow: 7, lines: [8], rows: [['x', '=cmd', '']] };
    const element = packFailedRows([encodeFailedRow({ row: chunk.firstRow, line: chunk.lines[0]!, values: chunk.rows[0]!, messages: ['id must be an integer', 'in /srv/uploads/people.csv'] })]);
    const [part] = renderer.render('errors', [element]);
    expect(part!.startsSheet).toBe(true);
    expect(text(part!)).toBe(
      '<row r="2"><c r="A2"><v>7</v></c><c r="B2"><v>8</v></c><c r="C2" t="inlineStr"><is><t>id must be an integer; in people.csv</t></is></c>' +
        '<c r="D2" s="1" t="inlineStr"><is><t>x</t></is></c><c r="E2" s="1" t="inlineStr"><is><t>=cmd</t></is></c><c r="F2" s="1"/></row>',
    );
  });

  it('gives the same bytes in its worker thread as in this one', async () => {
    const built = new URL('../../dist/report/rows-renderer.js', import.meta.url);
    expect(existsSync(fileURLToPath(built)), 'npm run build first').toBe(true);
    const { startRowsRenderer } = (await import(built.href)) as typeof import('../../src/report/rows-renderer.js');
    const setup = { record, rowsPerSheet: 4 };
    const batches = [[success(1, ['a', 'b', 'c'])], [success(4, ['d', 'e', 'f', 'g', 'h'], [1])]];
    const here = new SheetRowsRenderer(setup);
    const threaded = startRowsRenderer(setup);
    try {
      for (const batch of batches) {
        const expected = here.render('imported', batch);
        const got = await threaded.render('imported', batch);
        expect(got.map((p) => [p.startsSheet, p.rows, text(p)])).toEqual(expected.map((p) => [p.startsSheet, p.rows, text(p)]));
      }
    } finally {
      await threaded.close();
    }
  });
});
