import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ImportRecord } from '../../src/import-record.js';
import { SheetRowsRenderer, type RenderedRows } from '../../src/report/sheet-rows.js';
import { encodeFailedRow, encodeSuccessEntry, listElementRows, packFailedRows, packSuccessEntry } from '../../src/redis/codec.js';
import { countSuccessRows, encodeChunk } from '../../src/chunks/chunk-codec.js';

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
    const first = renderer.render('imported', [success(1, ['a', 'b', 'c', 'd', 'e'], [2])], 0);
    expect(first.map((p) => [p.startsSheet, p.rows])).toEqual([
      [true, 3],
      [true, 1],
    ]);
    expect(first.map(rowNumbers)).toEqual([[2, 3, 4], [2]]);
    expect(first.map(firstCells)).toEqual([[1, 2, 4], [5]]);
    // A text element (stored by an earlier version) and a packed one in the same batch.
    const textElement = Buffer.from(encodeSuccessEntry([], encodeChunk(10, [11], [['10', 'j', 'no']])), 'utf8');
    const second = renderer.render('imported', [success(6, ['f', 'g', 'h', 'i']), textElement], 4);
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
    const [part] = renderer.render('imported', [success(1, ['=1+1', 'a<b & c'])], 0);
    expect(text(part!)).toBe(
      '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>1</v></c><c r="C2" s="1" t="str"><v>=1+1</v></c><c r="D2" t="b"><v>1</v></c></row>' +
        '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><v>2</v></c><c r="C3" t="str"><v>a&lt;b &amp; c</v></c><c r="D3" t="b"><v>0</v></c></row>',
    );
  });

  it("writes failed rows with the uploader's file name, and their values as Text", () => {
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 100 });
    const chunk = { firstRow: 7, lines: [8], rows: [['x', '=cmd', '']] };
    const element = packFailedRows([encodeFailedRow({ row: chunk.firstRow, line: chunk.lines[0]!, values: chunk.rows[0]!, messages: ['id must be an integer', 'in /srv/uploads/people.csv'] })]);
    const [part] = renderer.render('errors', [element], 0);
    expect(part!.startsSheet).toBe(true);
    expect(text(part!)).toBe(
      '<row r="2"><c r="A2"><v>7</v></c><c r="B2"><v>8</v></c><c r="C2" t="str"><v>id must be an integer; in people.csv</v></c>' +
        '<c r="D2" s="1" t="str"><v>x</v></c><c r="E2" s="1" t="str"><v>=cmd</v></c><c r="F2" s="1"/></row>',
    );
  });

  it('renders a batch from any starting index: the same rows as rendered after the ones before it', () => {
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 3 });
    const later = renderer.render('imported', [success(6, ['f', 'g', 'h', 'i'])], 4);
    const earlier = renderer.render('imported', [success(1, ['a', 'b', 'c', 'd', 'e'], [2])], 0);
    expect(earlier.map(firstCells)).toEqual([[1, 2, 4], [5]]);
    expect(later.map((p) => [p.startsSheet, p.rows])).toEqual([
      [false, 2],
      [true, 2],
    ]);
    expect(later.map(rowNumbers)).toEqual([
      [3, 4],
      [2, 3],
    ]);
    // A batch starting exactly where a sheet is full starts the next sheet; an empty one adds nothing.
    expect(renderer.render('imported', [success(1, ['a', 'b', 'c'])], 3).map((p) => [p.startsSheet, p.rows])).toEqual([[true, 3]]);
    expect(renderer.render('imported', [success(1, ['a'], [0])], 3)).toEqual([]);
    expect(renderer.render('imported', [success(1, ['a'], [0])], 0).map((p) => [p.startsSheet, p.rows])).toEqual([[true, 0]]);
  });

  it('counts the rows of list elements from their headers, as rendering finds them', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `name ${i} ${'x'.repeat(i % 50)}`);
    const failedIndexes = Array.from({ length: 1500 }, (_, i) => i * 2);
    const elements = [
      success(1, ['a', 'b', 'c', 'd', 'e'], [2]),
      success(1, long, failedIndexes),
      success(1, ['a'], [0]),
      Buffer.from(encodeSuccessEntry([1], encodeChunk(10, [11, 12], [['10', 'j', 'no'], ['11', 'k', 'no']])), 'utf8'),
      packFailedRows([encodeFailedRow({ row: 1, line: 2, values: ['a\nb'], messages: ['m'] }), encodeFailedRow({ row: 2, line: 3, values: [], messages: ['n'] })]),
      packFailedRows([]),
      Buffer.from(encodeFailedRow({ row: 1, line: 2, values: [], messages: ['m'] }), 'utf8'),
    ];
    expect(elements.map((element) => listElementRows(element, countSuccessRows))).toEqual([4, 1500, 0, 1, 2, 0, 1]);
    const renderer = new SheetRowsRenderer({ record, rowsPerSheet: 10_000 });
    expect(renderer.render('imported', elements.slice(0, 4), 0).reduce((sum, p) => sum + p.rows, 0)).toBe(1505);
  });

  it('gives the same bytes in its worker thread as in this one', async () => {
    const built = new URL('../../dist/report/rows-renderer.js', import.meta.url);
    expect(existsSync(fileURLToPath(built)), 'npm run build first').toBe(true);
    const { startRowsRenderer } = (await import(built.href)) as typeof import('../../src/report/rows-renderer.js');
    const setup = { record, rowsPerSheet: 4 };
    const batches = [[success(1, ['a', 'b', 'c'])], [success(4, ['d', 'e', 'f', 'g', 'h'], [1])], [success(9, ['i', 'j'])], [success(11, ['k', 'l', 'm'])]];
    const here = new SheetRowsRenderer(setup);
    const threaded = startRowsRenderer(setup);
    try {
      // Four batches asked at once: the thread takes two, this thread renders the others.
      const firsts = [0, 3, 7, 9];
      const got = await Promise.all(batches.map((batch, i) => threaded.render('imported', batch, firsts[i]!)));
      batches.forEach((batch, i) => {
        const expected = here.render('imported', batch, firsts[i]!);
        expect(got[i]!.map((p) => [p.startsSheet, p.rows, text(p)])).toEqual(expected.map((p) => [p.startsSheet, p.rows, text(p)]));
      });
      expect(got.flat().map((p) => [p.startsSheet, p.rows])).toEqual([
        [true, 3],
        [false, 1],
        [true, 3],
        [false, 1],
        [true, 1],
        [false, 3],
      ]);
    } finally {
      await threaded.close();
    }
  });
});
