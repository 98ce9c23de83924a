import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { createRowValidator } from '../../src/schema/row-validator.js';

/** Messages for one row of one-column-per-property text. */
function messagesFor(properties: Record<string, unknown>, row: Record<string, string>, extra: Record<string, unknown> = {}): string[] {
  const columns = Object.keys(row);
  const check = createRowValidator(columns, compileSchema({ type: 'object', properties, ...extra }))(columns.map((c) => row[c]!));
  return check.ok ? [] : check.messages;
}

describe('messages a person understands', () => {
  it('says what a number column expects, bounds included', () => {
    expect(messagesFor({ age: { type: 'integer', minimum: 0, maximum: 150 } }, { age: '151' })).toEqual(['age must be a whole number from 0 to 150']);
    expect(messagesFor({ age: { type: 'integer', minimum: 0, maximum: 150 } }, { age: '12.5' })).toEqual(['age must be a whole number from 0 to 150']);
    expect(messagesFor({ price: { type: 'number', exclusiveMinimum: 0 } }, { price: '0' })).toEqual(['price must be a number greater than 0']);
    expect(messagesFor({ rate: { type: 'number', exclusiveMinimum: 0, maximum: 1 } }, { rate: '2' })).toEqual(['rate must be a number greater than 0 and at most 1']);
    expect(messagesFor({ n: { type: ['integer', 'null'], minimum: 1 } }, { n: 'x' })).toEqual(['n must be a whole number of at least 1']);
    expect(messagesFor({ n: { type: 'number', exclusiveMaximum: 10 } }, { n: '10' })).toEqual(['n must be a number less than 10']);
    expect(messagesFor({ step: { type: 'number', multipleOf: 0.5 } }, { step: '0.3' })).toEqual(['step must be a multiple of 0.5']);
    expect(messagesFor({ ok: { type: 'boolean' } }, { ok: 'perhaps' })).toEqual(['ok must be yes or no (yes/no, true/false, 1/0)']);
  });

  it('names the formats in words', () => {
    const formats = { email: 'valid email address', date: 'date as YYYY-MM-DD', 'date-time': 'date and time as YYYY-MM-DDTHH:MM:SS', uri: 'full URL', uuid: 'UUID' };
    for (const [format, words] of Object.entries(formats)) {
      const [message] = messagesFor({ v: { type: 'string', format } }, { v: 'nope' });
      expect(message).toContain(`v must be a ${words}`);
    }
    expect(messagesFor({ v: { type: 'string', format: 'date' } }, { v: '2023-02-29' })).toEqual(['v must be a date as YYYY-MM-DD']);
  });

  it('covers enum, const, pattern and lengths', () => {
    expect(messagesFor({ plan: { enum: ['free', 'pro'] } }, { plan: 'gold' })).toEqual(['plan must be one of: free, pro']);
    expect(messagesFor({ kind: { const: 'person' } }, { kind: 'robot' })).toEqual(['kind must be person']);
    expect(messagesFor({ code: { type: 'string', pattern: '^[A-Z]{2}$' } }, { code: 'fr' })).toEqual(['code is not in the expected form (pattern ^[A-Z]{2}$)']);
    expect(messagesFor({ pin: { type: 'string', minLength: 4, maxLength: 4 } }, { pin: '123' })).toEqual(['pin must be exactly 4 characters long']);
    expect(messagesFor({ nick: { type: 'string', minLength: 2, maxLength: 5 } }, { nick: 'abcdefg' })).toEqual(['nick must be 2 to 5 characters long']);
    const many = Array.from({ length: 20 }, (_, i) => `c${i}`);
    expect(messagesFor({ c: { enum: many } }, { c: 'x' })[0]).toMatch(/^c must be one of: c0, c1, .*c11, \.\.\. \(20 values\)$/);
  });

  it('reports every problem of a row, required columns included', () => {
    const properties = { id: { type: 'integer' }, email: { type: 'string', format: 'email' }, age: { type: 'integer', maximum: 150 }, name: { type: 'string' } };
    expect(messagesFor(properties, { id: 'x', email: 'y', age: '200', name: '' }, { required: ['id', 'name'] })).toEqual([
      'name is required',
      'id must be a whole number',
      'email must be a valid email address',
      'age must be a whole number of at most 150',
    ]);
  });

  it("uses the column's own message, or its message for one keyword", () => {
    const properties = {
      country: { type: 'string', pattern: '^[A-Z]{2}$', errorMessage: 'country must be a two-letter code such as FR' },
      email: { type: 'string', format: 'email', errorMessage: { required: 'we need an email to reach you', format: 'is not an email address we can write to' } },
      phone: { type: 'string', minLength: 6, errorMessage: { default: 'is not a phone number' } },
    };
    expect(messagesFor(properties, { country: 'France', email: '', phone: '12' }, { required: ['email'] })).toEqual([
      'email we need an email to reach you',
      'country must be a two-letter code such as FR',
      'phone is not a phone number',
    ]);
    expect(messagesFor(properties, { country: 'FR', email: 'nope', phone: '123456' })).toEqual(['email is not an email address we can write to']);
  });

  it('speaks of alternatives and dependencies as a whole', () => {
    const properties = { contact: { type: 'string', anyOf: [{ format: 'email' }, { pattern: '^\\+?[0-9 ]{6,}$' }] } };
    expect(messagesFor(properties, { contact: 'nobody' })).toEqual(['contact does not match any of the accepted forms']);
    expect(messagesFor({ a: { type: 'string' }, b: { type: 'string' } }, { a: 'x', b: '' }, { dependentRequired: { a: ['b'] }, $schema: 'https://json-schema.org/draft/2020-12/schema' })).toEqual([
      'b is required when a is given',
    ]);
    expect(messagesFor({ a: { type: 'string' } }, { a: 'x', z: 'y' }, { additionalProperties: false })).toEqual(['z is not an expected column']);
  });
});
