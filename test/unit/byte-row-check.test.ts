import { describe, expect, it } from 'vitest';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { decodeChunk, encodeRawChunk } from '../../src/chunks/chunk-codec.js';
import { chunkEntryFromText, readChunkEntry } from '../../src/redis/codec.js';
import { parse } from 'csv-parse/sync';
import { compileByteRowCheck, decimalBytes, isFullDateBytes, isFullEmailBytes, type ColumnsAsWritten } from '../../src/schema/byte-row-check.js';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { isFullDate } from '../../src/schema/fast-row-check.js';
import { createRowValidator, type CellValue } from '../../src/schema/row-validator.js';
import { copyRowsBytes, POSTGRES_BOOLEAN_WORDS } from '../../src/targets/copy-text.js';
import { randomNumberField, seededRandom } from '../helpers/random-numbers.js';

// A row the byte check passes is sent as the file wrote it, never split: it must be a row the
// usual checks pass, and its bytes what COPY would have been sent for it. Rows it refuses go the
// usual way, so the test compares whole chunks encoded both ways, byte for byte.

const COLUMNS = ['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'score', 'notes'];

const SCHEMAS: (Record<string, unknown> | null)[] = [
  {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1 },
      name: { type: 'string', minLength: 2, maxLength: 6 },
      email: { type: 'string', format: 'email' },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      country: { type: 'string', pattern: '^[A-Z]{2}$' },
      signup_date: { type: 'string', format: 'date' },
      newsletter: { type: 'boolean' },
      score: { type: 'number', minimum: 0 },
      notes: { type: 'string', maxLength: 12 },
    },
    required: ['id', 'name', 'email'],
  },
  {
    type: 'object',
    properties: {
      id: { type: ['integer', 'null'], enum: [1, 2, 3, 10] },
      name: { enum: ['free', 'pro', '1', 'a,b', 'say "hi"'] },
      email: { type: 'string', format: 'date-time' },
      age: { type: 'number', exclusiveMaximum: 100 },
      country: {},
      signup_date: true,
      newsletter: { type: 'boolean', enum: [true] },
      score: { type: 'string', maxLength: 3, minLength: 2 },
    },
    required: ['notes'],
  },
  null,
];

const POOL = [
  '', ' ', '0', '1', '2', '3', '10', '-0', '-1', '-1.5', '12', ' 12 ', '1e2', '0x1F', '1.0', '12.5', '12.50', '99.99', '100', '150', '151',
  '0.0000001', '9007199254740993', 'Infinity', 'NaN', 'abc', 'a@b.co', 'x@example.com', 'A.B@Ex-ample.COM', 'a..b@x.co', 'a@-x.co', 'a@x', 'é@x.co',
  'FR', 'fr', 'Fr', '2020-01-31', '2020-02-30', '2024-02-29', '2023-02-29', '31/12/2020', '2020-01-31T10:00:00Z', 'yes', 'No', 'TRUE', ' TRUE ', 't',
  'off', 'On', 'Y', 'maybe', 'free', 'pro', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '\\.', 'back\\slash', 'ab', 'abcdef', 'abcdefg',
  '😀😀😀', '😀😀😀😀😀😀', 'é', 'Zoë', 'Ünïcödé text', '"q"', '""', 'x'.repeat(13), '王'.repeat(12), '王'.repeat(13),
];

/** A field as a CSV file writes it: quoted when it must be, sometimes when it need not be. */
function csvField(value: string, rand: () => number): string {
  const must = /[",\r\n]/.test(value);
  return must || (value !== '' && rand() < 0.15) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The text of `count` rows of random cells (most rows mostly valid cells, some of another width). */
function chunkText(rand: () => number, count: number): string {
  const valid = ['7', 'Anna', 'a@b.co', '42', 'FR', '2020-01-31', 'yes', '12.5', 'note'];
  const lines: string[] = [];
  for (let r = 0; r < count; r++) {
    const cells = COLUMNS.map((_, c) => (rand() < 0.6 ? valid[c]! : POOL[Math.floor(rand() * POOL.length)]!));
    if (rand() < 0.02) cells.push('extra');
    if (rand() < 0.02) cells.pop();
    lines.push(cells.map((cell) => csvField(cell, rand)).join(','));
  }
  return lines.join('\n') + '\n';
}

interface Encoded {
  valid: number[];
  bytes: string;
  onBytes: number;
}

/**
 * Encodes a chunk's valid rows as saveTogether does: checked as strings (check null), or on their
 * bytes first (rows found valid as written need no values).
 */
function encodeChunk(payload: Buffer, columns: string[], schemaJson: Record<string, unknown> | null, booleanColumns: boolean[], doubleColumns: boolean[], withBytes: boolean): Encoded {
  const schema = schemaJson ? compileSchema(schemaJson) : null;
  const validate = createRowValidator(columns, schema);
  const read: ColumnsAsWritten = { booleanWords: booleanColumns.map((b) => (b ? POSTGRES_BOOLEAN_WORDS : null)), decimals: doubleColumns };
  const check = withBytes ? compileByteRowCheck(columns, schema?.root ?? null, schema?.format ?? (() => undefined), read) : null;
  const chunk = decodeChunk(chunkEntryFromText('3-1', ['d', payload.toString('utf8')]), null, check);
  const valid: number[] = [];
  const values: CellValue[][] = [];
  const written: boolean[] = [];
  const asWritten: boolean[] = [];
  let onBytes = 0;
  chunk.rows.forEach((fields, index) => {
    if (chunk.asWritten?.[index] === 1) {
      valid.push(index);
      values.push([]);
      written.push(true);
      asWritten.push(true);
      onBytes++;
      return;
    }
    const result = validate(fields);
    if (!result.ok) return;
    valid.push(index);
    values.push(result.values);
    written.push(result.written);
    asWritten.push(false);
  });
  const plain = chunk.plain!;
  const originals = {
    fields: valid.map((i) => chunk.rows[i]!),
    bytes: plain.bytes,
    starts: valid.map((i) => plain.starts[i]!),
    ends: valid.map((i) => plain.ends[i]!),
    written,
    asWritten,
  };
  return { valid, bytes: copyRowsBytes(values, originals, booleanColumns).toString('utf8'), onBytes };
}

describe('rows checked on their bytes', () => {
  it('email and date on bytes give the same verdict as ajv-formats on strings', () => {
    const random = seededRandom(23);
    const rand = () => random(1_000_000) / 1_000_000;
    const alphabet = ['a', 'Z', '0', '9', '.', '.', '@', '@', '-', '-', '!', '_', '+', '`', '~', '"', ' ', 'é', '\u212a', '\u017f', 'ß', ',', '(', 'x', 'y'];
    const email = fullFormats.email as RegExp;
    let matched = 0;
    for (let n = 0; n < 200_000; n++) {
      const length = 1 + Math.floor(rand() * 14);
      let text = '';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(rand() * alphabet.length)]!;
      if (n % 3 === 0) text = `${text.replaceAll('@', '')}@${n % 2 ? 'ex-a.mple' : 'a'}.${text.slice(0, 3).replaceAll('@', '')}`;
      const bytes = Buffer.from(`,${text},`);
      const expected = email.test(text);
      expect(isFullEmailBytes(bytes, 1, bytes.length - 1), JSON.stringify(text)).toBe(expected);
      if (expected) matched++;
    }
    expect(matched).toBeGreaterThan(1500);

    for (const text of ['2020-01-31', '2020-02-29', '2021-02-29', '2000-02-29', '1900-02-29', '2020-13-01', '2020-00-10', '2020-04-31', '2020-1-31', '２０２０-01-31', '2020/01/31', '']) {
      const bytes = Buffer.from(text);
      expect(isFullDateBytes(bytes, 0, bytes.length), text).toBe(isFullDate(text));
    }
    for (let n = 0; n < 50_000; n++) {
      const text = `${Math.floor(rand() * 10_000)}`.padStart(4, '0') + '-' + `${Math.floor(rand() * 14)}`.padStart(2, '0') + '-' + `${Math.floor(rand() * 33)}`.padStart(2, '0');
      const bytes = Buffer.from(text);
      expect(isFullDateBytes(bytes, 0, bytes.length), text).toBe(isFullDate(text));
    }
  });

  it('a chunk encoded for COPY is the same bytes with or without the byte check, which passes most valid rows', () => {
    const random = seededRandom(7);
    const rand = () => random(1_000_000) / 1_000_000;
    let onBytes = 0;
    let valid = 0;
    for (const schema of SCHEMAS) {
      for (const [booleanColumns, doubleColumns] of [
        [COLUMNS.map((c) => c === 'newsletter'), COLUMNS.map(() => false)],
        [COLUMNS.map(() => false), COLUMNS.map(() => false)],
        [COLUMNS.map((c) => c === 'newsletter'), COLUMNS.map((c) => c === 'score' || c === 'age')],
      ]) {
        for (let round = 0; round < 40; round++) {
          const rows = 200;
          const payload = encodeRawChunk({ firstRow: 1, firstLine: 2, rows, delimiter: ',', lineEnd: 1 }, Buffer.from(chunkText(rand, rows)));
          const strings = encodeChunk(payload, COLUMNS, schema, booleanColumns!, doubleColumns!, false);
          const bytes = encodeChunk(payload, COLUMNS, schema, booleanColumns!, doubleColumns!, true);
          expect(bytes.valid).toEqual(strings.valid);
          if (!doubleColumns!.includes(true)) expect(bytes.bytes).toBe(strings.bytes);
          else {
            // Into double precision columns a decimal may go as written (12.50 for 12.5), where the
            // usual way rebuilds the row (and writes its booleans t or f): the database reads the
            // same values; every other field is the same text.
            const a = parse(bytes.bytes, { relax_column_count: true }) as string[][];
            const b = parse(strings.bytes, { relax_column_count: true }) as string[][];
            expect(a.length).toBe(b.length);
            a.forEach((row, r) =>
              row.forEach((field, c) => {
                const other = b[r]![c]!;
                if (doubleColumns![c] && field !== other) expect(Number(field), `${field} ${other}`).toBe(Number(other));
                else if (booleanColumns![c] && field !== other) expect(POSTGRES_BOOLEAN_WORDS.get(field), `${field} ${other}`).toBe(POSTGRES_BOOLEAN_WORDS.get(other));
                else expect(field).toBe(other);
              }),
            );
          }
          onBytes += bytes.onBytes;
          valid += bytes.valid.length;
        }
      }
    }
    expect(valid).toBeGreaterThan(5000);
    expect(onBytes / valid).toBeGreaterThan(0.5);
  });

  it('reads decimals as JavaScript does, or leaves them', () => {
    const random = seededRandom(3);
    const edges = ['0', '-0', '-0.0', '0.0', '007', '007.50', '12.50', '1.', '.5', '-', '', '1e5', '123456789012345', '1234567890123456', '0.000000000000001', '99.990', '--1', '1.2.3', ' 1'];
    for (let n = 0; n < 100_000 + edges.length; n++) {
      const text = edges[n - 100_000] ?? randomNumberField(random, 17, 9);
      const got = decimalBytes(Buffer.from(text), 0, text.length);
      if (got === undefined) continue;
      expect(/^-?[0-9]+(\.[0-9]+)?$/.test(text), text).toBe(true);
      expect(Object.is(got, +text), text).toBe(true);
      expect(Object.is(got, -0), text).toBe(false);
    }
    expect(decimalBytes(Buffer.from('12.50'), 0, 5)).toBe(12.5);
  });

  it('leaves to the usual checks a payload that is not UTF-8, and rows repeating a unique value', () => {
    const text = Buffer.concat([Buffer.from('1,Anna,a@b.co,42,FR,2020-01-31,yes,12.5,x\n2,Jo'), Buffer.from([0xff]), Buffer.from(',a@b.co,42,FR,2020-01-31,yes,12.5,x\n')]);
    const payload = encodeRawChunk({ firstRow: 1, firstLine: 2, rows: 2, delimiter: ',', lineEnd: 1 }, text);
    const schema = compileSchema(SCHEMAS[0]!);
    const check = compileByteRowCheck(COLUMNS, schema.root, schema.format, {
      booleanWords: COLUMNS.map((c) => (c === 'newsletter' ? POSTGRES_BOOLEAN_WORDS : null)),
      decimals: COLUMNS.map(() => false),
    });
    const notUtf8 = decodeChunk(readChunkEntry(Buffer.from('3-1'), [Buffer.from('d'), payload]), null, check);
    expect(notUtf8.asWritten).toBeUndefined();

    const good = encodeRawChunk({ firstRow: 1, firstLine: 2, rows: 2, delimiter: ',', lineEnd: 1 }, Buffer.from('1,Anna,a@b.co,42,FR,2020-01-31,yes,12.5,x\n2,Jo,a@b.co,42,FR,2020-01-31,no,1,y\n'));
    const withRepeat = decodeChunk(chunkEntryFromText('3-1', ['d', good.toString('utf8'), 'u', '1:0:1']), null, check);
    expect([...withRepeat.asWritten!]).toEqual([1, 0]);
    expect(withRepeat.rows[1]).toEqual(['2', 'Jo', 'a@b.co', '42', 'FR', '2020-01-31', 'no', '1', 'y']);
  });
});
