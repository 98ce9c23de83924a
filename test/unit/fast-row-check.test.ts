import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { compileFastRowCheck, isFullDate } from '../../src/schema/fast-row-check.js';
import { createRowValidator, type RowCheck } from '../../src/schema/row-validator.js';

// The fast path must never pass a row ajv refuses, nor give other values than ajv's coercion;
// on the schemas it handles it must pass every row ajv passes (bar non-finite numbers, left to ajv).

const SCHEMAS: Record<string, unknown>[] = [
  {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1, unique: true },
      name: { type: 'string', minLength: 1, maxLength: 5 },
      email: { type: 'string', format: 'email' },
      age: { type: 'integer', minimum: 0, maximum: 150 },
      country: { type: 'string', pattern: '^[A-Z]{2}$' },
      signup_date: { type: 'string', format: 'date' },
      newsletter: { type: 'boolean' },
      score: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 },
    },
    required: ['id', 'name', 'email'],
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    additionalProperties: false,
    properties: {
      id: { type: ['integer', 'null'], enum: [1, 2, 3, 10] },
      name: { enum: ['free', 'pro', '1'] },
      email: { type: 'string', format: 'date-time', errorMessage: 'a time' },
      age: { type: 'number', multipleOf: 1 }, // not handled: whole schema goes to ajv
      country: {},
      signup_date: true,
      newsletter: { type: 'boolean', enum: [true] },
      score: { type: 'string', maxLength: 3 },
    },
  },
  {
    type: 'object',
    properties: {
      id: { type: ['null', 'integer'], maximum: 5 },
      name: { enum: ['free', 'pro', '1'] },
      email: { type: 'string', format: 'date-time' },
      age: { type: 'number', minimum: -1.5 },
      newsletter: { type: 'boolean', enum: [true] },
      score: { type: 'string', maxLength: 3, minLength: 2 },
    },
    required: ['country'],
  },
];
const COLUMNS = ['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'score'];

const POOL = [
  '', ' ', '0', '1', '2', '3', '5', '10', '-0', '-1', '-1.5', '-2', '12', ' 12 ', '1e2', '0x1F', '1.0', '12.5', '99.99', '100', '150', '151',
  'Infinity', '-Infinity', '1e400', 'NaN', 'abc', 'a@b.co', 'x@example.com', 'not-an-email', 'FR', 'fr', 'France', '2020-01-31', '2020-02-30',
  '31/12/2020', '2020-01-31T10:00:00Z', '2020-01-31 10:00', 'yes', 'No', ' TRUE ', 'off', 'maybe', 'free', 'pro', 'gold', 'ab', 'abc',
  'abcdef', '😀😀😀', '😀😀😀😀', 'é', 'Zoë', '"q"',
];

function randomRow(rand: () => number): string[] {
  return COLUMNS.map(() => POOL[Math.floor(rand() * POOL.length)]!);
}

describe('fast row check', () => {
  it('agrees with ajv on random rows: never passes what ajv refuses, same values', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let fastPassed = 0;
    let writtenRows = 0;
    let notWrittenRows = 0;
    for (const raw of SCHEMAS) {
      const schema = compileSchema(raw);
      const fast = compileFastRowCheck(COLUMNS, schema.root, schema.format);
      const reference = createRowValidator(COLUMNS, schema, { fastPath: false });
      if (raw === SCHEMAS[1]) {
        expect(fast).toBeNull(); // multipleOf
        continue;
      }
      expect(fast).not.toBeNull();
      for (let n = 0; n < 40_000; n++) {
        const row = randomRow(rand);
        // Valid rows are rare among random cells: also try a row with most cells from a valid one.
        if (n % 2 === 1) {
          const valid = ['7', 'Anna', 'a@b.co', '42', 'FR', '2020-01-31', 'yes', '12.5'];
          for (let c = 0; c < COLUMNS.length; c++) if (rand() < 0.8) row[c] = valid[c]!;
          if (raw === SCHEMAS[2]) row[2] = rand() < 0.8 ? '2020-01-31T10:00:00Z' : row[2]!;
        }
        const expected = reference(row);
        const found = { written: false };
        const got = fast!(row, found);
        if (got !== null) {
          expect(expected, JSON.stringify(row)).toEqual({ ok: true, values: got, written: false });
          fastPassed++;
          // Written: every value but the booleans is the field's own text (a COPY sends it as it is).
          if (found.written) {
            writtenRows++;
            got.forEach((value, c) => {
              if (typeof value === 'boolean') return;
              expect(value === null ? '' : typeof value === 'string' ? value : String(value), JSON.stringify(row)).toBe(row[c]);
            });
          } else {
            notWrittenRows++;
          }
        } else if (expected.ok) {
          // Only non-finite numbers are left to ajv on schemas the fast path handles.
          expect(row.some((f) => /Infinity|1e400/.test(f)), JSON.stringify(row)).toBe(true);
        }
      }
    }
    expect(fastPassed).toBeGreaterThan(5000);
    expect(writtenRows > 1000 && notWrittenRows > 100, `${writtenRows} written, ${notWrittenRows} not`).toBe(true);
  });

  it('trusted (rows that passed before): the same values as ajv on every row ajv passes, text cells not checked again', () => {
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let compared = 0;
    for (const raw of [SCHEMAS[0]!, SCHEMAS[2]!]) {
      const schema = compileSchema(raw);
      const trusted = compileFastRowCheck(COLUMNS, schema.root, schema.format, { trusted: true })!;
      const reference = createRowValidator(COLUMNS, schema, { fastPath: false });
      for (let n = 0; n < 40_000; n++) {
        const row = randomRow(rand);
        const valid = ['7', 'Anna', 'a@b.co', '42', 'FR', '2020-01-31', 'yes', '12.5'];
        for (let c = 0; c < COLUMNS.length; c++) if (rand() < 0.8) row[c] = valid[c]!;
        if (raw === SCHEMAS[2]) row[2] = rand() < 0.8 ? '2020-01-31T10:00:00Z' : row[2]!;
        const expected = reference(row);
        if (!expected.ok) continue;
        const got = trusted(row);
        if (got === null) expect(row.some((f) => /Infinity|1e400/.test(f)), JSON.stringify(row)).toBe(true);
        else expect(got, JSON.stringify(row)).toEqual(expected.values);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
    // Text is taken as it is; numbers and booleans are still typed.
    const schema = compileSchema(SCHEMAS[0]!);
    const trusted = compileFastRowCheck(COLUMNS, schema.root, schema.format, { trusted: true })!;
    expect(trusted(['7', 'too long a name', 'not-an-email', '42', 'fr', '31/12/2020', 'No', '12.5'])).toEqual([7, 'too long a name', 'not-an-email', 42, 'fr', '31/12/2020', false, 12.5]);
  });

  it('checks dates as ajv-formats does', () => {
    const reference = (fullFormats.date as { validate: (s: string) => boolean }).validate;
    const texts = ['2020-02-29', '2019-02-29', '1900-02-29', '2000-02-29', '2020-13-01', '2020-00-10', '2020-01-00', '2020-04-31',
      '2020-1-01', '2020-01-1', ' 2020-01-01', '2020-01-01 ', '2020-01-01\n', '2020/01/01', '٢٠٢٠-01-01', '20a0-01-01', '', '9999-12-31', '0000-01-01'];
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 20_000; n++) {
      const y = String(Math.floor(rand() * 10_000)).padStart(4, '0');
      const m = String(Math.floor(rand() * 14)).padStart(2, '0');
      const d = String(Math.floor(rand() * 33)).padStart(2, '0');
      texts.push(`${y}-${m}-${d}`);
    }
    let valid = 0;
    for (const text of texts) {
      expect(isFullDate(text), text).toBe(reference(text));
      if (isFullDate(text)) valid++;
    }
    expect(valid).toBeGreaterThan(10_000);
  });

  it('leaves schemas beyond its keywords to ajv', () => {
    const beyond = [
      { type: 'object', properties: { id: { type: 'integer' } }, allOf: [{ required: ['id'] }] },
      { type: 'object', properties: { id: { type: ['integer', 'string'] } } },
      { type: 'object', properties: { id: { type: 'string', format: 'no-such-format' } } },
      { type: 'object', properties: { id: { oneOf: [{ type: 'integer' }, { type: 'string' }] } } },
      { type: 'object', properties: { id: { type: 'integer', format: 'int32' } } },
      { type: 'object', properties: { id: { type: 'object' } } },
      { type: 'object', properties: { id: { type: 'integer' } }, required: ['missing'] },
      { type: 'object', properties: { id: { type: 'integer' } }, additionalProperties: false },
    ];
    for (const raw of beyond) {
      const schema = compileSchema(raw);
      expect(compileFastRowCheck(['id', 'other'], schema.root, schema.format), JSON.stringify(raw)).toBeNull();
    }
  });

  it('is used by the row validator: same verdicts and words as ajv alone', () => {
    const schema = compileSchema(SCHEMAS[0]);
    const withFast = createRowValidator(COLUMNS, schema);
    const ajvOnly = createRowValidator(COLUMNS, schema, { fastPath: false });
    const rows = [
      ['7', 'Anna', 'a@b.co', '42', 'FR', '2020-01-31', 'yes', '12.5'],
      ['0x1F', 'Zoë', 'a@b.co', ' 12 ', 'FR', '2020-01-31', ' TRUE ', '1e1'],
      ['7', 'Anna', 'not-an-email', '151', 'France', '2020-02-30', 'maybe', '100'],
      ['', '', '', '', '', '', '', ''],
      ['7', 'Anna'],
    ];
    // The same verdict, values and words; `written` is the fast check's own (ajv's rows: false).
    const verdict = (check: RowCheck) => (check.ok ? { ok: true, values: check.values } : check);
    for (const row of rows) expect(verdict(withFast(row))).toEqual(verdict(ajvOnly(row)));
    expect(withFast(rows[0]!)).toEqual({ ok: true, values: [7, 'Anna', 'a@b.co', 42, 'FR', '2020-01-31', true, 12.5], written: true });
    // 0x1F, ' 12 ' and 1e1 are numbers, but not as JavaScript writes them.
    expect(withFast(rows[1]!)).toEqual({ ok: true, values: [31, 'Zoë', 'a@b.co', 12, 'FR', '2020-01-31', true, 10], written: false });
  });
});
