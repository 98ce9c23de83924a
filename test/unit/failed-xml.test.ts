/**
 * Failed rows rendered straight from their entries' bytes (src/report/failed-xml.ts) must be the
 * very XML the renderer makes from the rows' values: compared byte for byte on random hostile rows.
 */
import { describe, expect, it } from 'vitest';
import type { ImportRecord } from '../../src/import-record.js';
import { SheetRowsRenderer, type RenderedRows } from '../../src/report/sheet-rows.js';
import { encodeFailedRow, packFailedRows } from '../../src/redis/codec.js';
import { FailedXmlFromBytes } from '../../src/report/failed-xml.js';
import type { XmlBytesOut } from '../../src/report/imported-xml.js';
import { countMessageGroups } from '../../src/message-groups.js';

const record = {
  id: 'x',
  source: '/srv/uploads/people.csv',
  target: 'postgres://app@db.internal:5432/shop',
  columns: ['id', 'name', 'notes'],
  headers: ['id', 'name', 'notes'],
  schema: null,
  keepColumns: null,
  ignoredColumns: [],
} as unknown as ImportRecord;

const VALUES = [
  'Zoë', 'Łukasz Żółć', 'Ангелина', '李小龍', 'محمد', '😀 emoji', "O'Brien", 'Smith, Jr.', 'a<b & c>d', '=SUM(A1:A9)', '+33 1 23', '-5', '@home',
  '\tleading tab', 'trailing space ', ' both ', 'line\nbreak', 'crlf\r\ninside', 'lone\rcr', 'quote "inside"', 'back\\slash', 'slash/es', '\\n not a break',
  'ctrl\u0001char', 'bell\u0007', 'bs\bff\f', 'bad\uFFFEchar', 'also\uFFFF', 'lone \uD800 surrogate', '\uDC00', 'x'.repeat(40000), 'é'.repeat(20000),
  '"'.repeat(20000), '', '', 'plain text', '12', '\n', ' ', '&',
];
const MESSAGES = [
  'email: must be a valid email address',
  'id: must be >= 1',
  '=cmd|calc',
  ' starts with a space',
  'cannot read /srv/uploads/people.csv at line 3',
  'not saved: database unavailable: postgres://app@db.internal:5432/shop: connect ECONNREFUSED 10.0.0.7:5432',
  'a & b <c>',
  '',
];

function randomEntries(rand: () => number, count: number, firstRow: number): string[] {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const width = rand() < 0.9 ? 3 : Math.floor(rand() * 6);
    const messages = rand() < 0.05 ? [] : Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(MESSAGES));
    return encodeFailedRow({
      row: firstRow + i,
      line: rand() < 0.1 ? null : firstRow + i + Math.floor(rand() * 3),
      values: Array.from({ length: width }, () => pick(VALUES)),
      messages,
    });
  });
}

const xmlOf = (parts: readonly RenderedRows[]): string => parts.map((p) => `[${p.startsSheet}:${p.rows}]${Buffer.concat(p.xml).toString('utf8')}`).join('');

describe('failed rows rendered from their bytes', () => {
  it('make the same XML as from their values, on random hostile rows', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const elements: Buffer[] = [];
    let first = 1;
    for (let chunk = 0; chunk < 12; chunk++) {
      const entries = randomEntries(rand, 120, first);
      first += 120;
      // Both packed forms a worker writes: with counted groups (mark 3) and without (mark 2).
      elements.push(chunk % 3 === 0 ? packFailedRows(entries) : packFailedRows(entries, countMessageGroups(entries.map(() => ['m']))));
    }
    elements.push(packFailedRows([]));
    elements.push(Buffer.from(randomEntries(rand, 1, first)[0]!, 'utf8')); // one row stored as text by an older version
    for (const rowsPerSheet of [1_048_575, 97]) {
      const fromBytes = new SheetRowsRenderer({ record, rowsPerSheet }).render('errors', elements, 0);
      const fromValues = new SheetRowsRenderer({ record, rowsPerSheet, fromValuesOnly: true }).render('errors', elements, 0);
      expect(fromBytes.reduce((n, p) => n + p.rows, 0)).toBe(12 * 120 + 1);
      expect(xmlOf(fromBytes)).toBe(xmlOf(fromValues));
    }
  });

  it('writes most rows itself and hands the rest over whole', () => {
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const entries = randomEntries(rand, 400, 1);
    const asValues: string[] = [];
    let rows = 0;
    const buffer = Buffer.alloc(1 << 24);
    let used = 0;
    const out: XmlBytesOut = { room: () => ({ buffer, at: used }), wrote: (end) => (used = end) };
    new FailedXmlFromBytes(record).render(Buffer.from(entries.join('\n'), 'utf8'), () => ++rows, out, (entry) => asValues.push(entry));
    expect(rows + asValues.length).toBe(400);
    // Rows holding \u escapes, \b, \f, U+FFFE/U+FFFF or a value past a cell's length go by their values.
    const beyond = entries.filter((e) => /\\u|\\b|\\f|\uFFFE|\uFFFF/.test(e) || JSON.parse(e)[2].some((v: string) => Buffer.byteLength(JSON.stringify(v)) - 2 > 32_767));
    expect(asValues).toEqual(beyond);
    expect(rows).toBeGreaterThan(100);
    const xml = buffer.toString('utf8', 0, used);
    expect(xml).not.toContain('/srv/uploads');
    expect(xml).not.toContain('db.internal');
  });

  it('hands over entries of any other shape', () => {
    const odd = ['', '[]', '[1,2]', '[1,2,["a"]]', '[01,2,["a"],[]]', '[1,-2,["a"],[]]', '[1,2,[3],[]]', '[1,2,["a"],"m"]', '[1,2,["a"],[1]]', '[1,2,["a],[]]', '{"row":1}', '[1,2,["a"],["m"]] '];
    const asValues: string[] = [];
    const out: XmlBytesOut = { room: () => ({ buffer: Buffer.alloc(4096), at: 0 }), wrote: () => {} };
    new FailedXmlFromBytes(record).render(Buffer.from(odd.join('\n'), 'utf8'), () => 2, out, (entry) => asValues.push(entry));
    expect(asValues).toEqual(odd);
  });
});
