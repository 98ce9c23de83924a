/**
 * Imported rows rendered straight from their bytes (src/report/imported-xml.ts) must be the very
 * XML the renderer makes from the rows' values: compared byte for byte on random hostile chunks.
 */
import { describe, expect, it } from 'vitest';
import type { ImportRecord } from '../../src/import-record.js';
import { SheetRowsRenderer, type RenderedRows } from '../../src/report/sheet-rows.js';
import { encodeSuccessEntry, packSuccessEntry } from '../../src/redis/codec.js';
import { encodeRawChunk } from '../../src/chunks/chunk-codec.js';
import { ImportedXmlFromBytes } from '../../src/report/imported-xml.js';
import { compileSchema } from '../../src/schema/compile-schema.js';

const fromBytesFor = (record: ImportRecord): ImportedXmlFromBytes | null =>
  ImportedXmlFromBytes.forImport(record, record.schema ? compileSchema(JSON.parse(record.schema)) : null);

const COLUMNS = ['id', 'name', 'email', 'age', 'active', 'score', 'notes', 'free'];
const SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    active: { type: 'boolean' },
    score: { type: ['number', 'null'] },
    notes: { type: 'string', maxLength: 40000 },
  },
  required: ['id', 'name'],
};

/** The file's column the import ignores (keepColumns), when it has one: its fourth. */
const IGNORED_AT = 3;
const KEEP = { keep: [0, 1, 2, 4, 5, 6, 7, 8], width: 9 };

const recordWith = (schema: unknown, withIgnored = false): ImportRecord =>
  ({
    id: 'x',
    source: 'people.csv',
    columns: COLUMNS,
    headers: withIgnored ? [...COLUMNS.slice(0, IGNORED_AT), 'ignored', ...COLUMNS.slice(IGNORED_AT)] : COLUMNS,
    schema: schema === null ? null : JSON.stringify(schema),
    keepColumns: withIgnored ? KEEP : null,
    ignoredColumns: withIgnored ? ['ignored'] : [],
  }) as unknown as ImportRecord;

const TEXTS = [
  'Zoë', 'Łukasz Żółć', 'Ангелина', '李小龍', 'محمد', '😀 emoji', "O'Brien", 'Smith, Jr.', 'a<b & c>d', '=SUM(A1:A9)', '+33 1 23', '-5', '@home',
  '\tleading tab', 'trailing space ', ' both ', 'line\nbreak', 'crlf\r\ninside', 'lone\rcr', 'quote "inside"', '""', 'ctrl\u0001char', 'bad\uFFFEchar',
  'x'.repeat(40000), 'é'.repeat(20000), '', '', 'plain text',
];
const NUMBERS = ['1', '42', '-7', '0', '3.25', '007', '1e3', '12.50', '-0', ' 12', 'abc', '1.5', '9007199254740993', '', 'Infinity', '0.000001', '0.0000001'];
const BOOLEANS = ['yes', 'No', 'TRUE', 'false', '1', '0', ' y ', 'on', 'OFF', 'maybe', '', 'Ja'];

function randomRows(rand: () => number, count: number): string[][] {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  return Array.from({ length: count }, (_, i) => [
    rand() < 0.9 ? String(i + 1) : pick(NUMBERS),
    rand() < 0.95 ? pick(TEXTS) || 'n' : '',
    rand() < 0.8 ? `user${i}@example.org` : pick(TEXTS),
    pick(NUMBERS),
    pick(BOOLEANS),
    pick(NUMBERS),
    pick(TEXTS),
    pick(TEXTS),
  ]);
}

/** A record of the file, quoted where it must be (and sometimes where it need not be). */
function line(fields: readonly string[], delimiter: string, rand: () => number): string {
  return fields
    .map((f) => (f.includes('"') || f.includes(delimiter) || f.includes('\r') || f.includes('\n') || rand() < 0.1 ? `"${f.replaceAll('"', '""')}"` : f))
    .join(delimiter);
}

const xmlOf = (parts: readonly RenderedRows[]): string => parts.map((p) => `[${p.startsSheet}:${p.rows}]${Buffer.concat(p.xml).toString('utf8')}`).join('');

describe('imported rows rendered from their bytes', () => {
  it('make the same XML as from their values, on random hostile chunks', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let rows = 0;
    for (const [schema, withIgnored] of [[SCHEMA, false], [null, false], [SCHEMA, true]] as const) {
      const record = recordWith(schema, withIgnored);
      expect(fromBytesFor(record)).not.toBeNull();
      for (const [delimiter, lineEnd, eol] of [[',', 1, '\n'], [';', 3, '\r\n'], ['\t', 1, '\n'], ['|', 2, '\r']] as const) {
        const elements: Buffer[] = [];
        let first = 1;
        for (let chunk = 0; chunk < 6; chunk++) {
          const data = randomRows(rand, 150).map((fields) => (withIgnored ? [...fields.slice(0, IGNORED_AT), rand() < 0.1 ? 'x"y' : `ignored ${fields[0]}`, ...fields.slice(IGNORED_AT)] : fields));
          let text = data.map((fields) => line(fields, delimiter, rand)).join(eol) + eol;
          // A blank record (not a row), and a record with stray quotes (csv-parse's own reading).
          const gaps = withIgnored ? 8 : 7;
          text += `${delimiter.repeat(gaps)}${eol}${first + 150},ab"c${'"'}d${delimiter.repeat(gaps - 1)}${eol}`.replaceAll(',', delimiter);
          const failed = [...new Set(Array.from({ length: 20 }, () => Math.floor(rand() * 151)))].sort((a, b) => a - b);
          const payload = encodeRawChunk({ firstRow: first, firstLine: first + 1, rows: 151, delimiter, lineEnd }, Buffer.from(text, 'utf8')).toString('utf8');
          elements.push(packSuccessEntry(encodeSuccessEntry(failed, payload)));
          first += 151;
          rows += 151 - failed.length;
        }
        for (const rowsPerSheet of [1_048_575, 97]) {
          const fromBytes = new SheetRowsRenderer({ record, rowsPerSheet }).render('imported', elements, 0);
          const fromValues = new SheetRowsRenderer({ record, rowsPerSheet, fromValuesOnly: true }).render('imported', elements, 0);
          expect(xmlOf(fromBytes)).toBe(xmlOf(fromValues));
        }
      }
    }
    expect(rows).toBeGreaterThan(5000);
  });

  it('leaves imports with schemas beyond the fast check to the values', () => {
    expect(fromBytesFor(recordWith({ ...SCHEMA, properties: { ...SCHEMA.properties, age: { type: 'number', multipleOf: 1 } } }))).toBeNull();
  });
});
