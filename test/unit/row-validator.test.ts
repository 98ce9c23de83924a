import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { createRowValidator } from '../../src/schema/row-validator.js';

const schema = compileSchema({
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1 },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    score: { type: 'number' },
    active: { type: 'boolean' },
    plan: { enum: ['free', 'pro'] },
    code: { type: 'string', pattern: '^[A-Z]{2}$', errorMessage: 'must be two capital letters' },
    nick: { type: 'string', minLength: 2, maxLength: 5 },
  },
  required: ['id', 'email'],
});
const columns = ['id', 'email', 'age', 'score', 'active', 'plan', 'code', 'nick'];
const validate = createRowValidator(columns, schema);

describe('row validation', () => {
  it('coerces CSV text to the declared types', () => {
    expect(validate(['7', 'a@b.co', '42', '3.5', 'yes', 'pro', 'FR', 'bob'])).toEqual({
      ok: true,
      values: [7, 'a@b.co', 42, 3.5, true, 'pro', 'FR', 'bob'],
      written: true,
    });
    const check = validate(['8', 'a@b.co', '', '', 'No', '', '', '']);
    expect(check).toMatchObject({ ok: true, values: [8, 'a@b.co', null, null, false, null, null, null] });
  });

  it('treats an empty cell as absent: it fails required and passes optional columns', () => {
    expect(validate(['', '', '', '', '', '', '', ''])).toEqual({ ok: false, messages: ['id is required', 'email is required'] });
  });

  it('reports every problem of a row in words that name the column', () => {
    const check = validate(['0', 'not-an-email', '151', 'abc', 'maybe', 'gold', 'France', 'x']);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.messages).toEqual([
      'id must be a whole number of at least 1',
      'email must be a valid email address',
      'age must be a whole number from 0 to 150',
      'score must be a number',
      'active must be yes or no (yes/no, true/false, 1/0)',
      'plan must be one of: free, pro',
      'code must be two capital letters',
      'nick must be 2 to 5 characters long',
    ]);
  });

  it('reports a row with the wrong number of fields', () => {
    expect(validate(['1', 'a@b.co'])).toEqual({ ok: false, messages: ['row has 2 values but the header has 8 columns'] });
  });

  it('without a schema every row of the right width is valid, as text', () => {
    const plain = createRowValidator(['a', 'b'], null);
    expect(plain(['1', ''])).toEqual({ ok: true, values: ['1', null], written: true });
    expect(plain(['1']).ok).toBe(false);
  });

  it('rejects a schema that is not valid JSON Schema', () => {
    expect(() => compileSchema({ type: 'object', properties: { a: { type: 'integr' } } })).toThrow(/schema is invalid/);
    expect(() => compileSchema([1, 2])).toThrow(/JSON object/);
  });
});
