import { describe, expect, it } from 'vitest';
import { plainNumber, plainNumberBytes } from '../../src/schema/plain-number.js';
import { randomNumberField, seededRandom } from '../helpers/random-numbers.js';

describe('plainNumber', () => {
  it('reads exactly the fields JavaScript writes back as themselves, with the value of +field', () => {
    const random = seededRandom(11);
    const edges = ['0', '-0', '00', '01', '-01', '0.5', '-0.5', '0.50', '.5', '5.', '-', '', '1.000001', '1.0000001', '0.000001', '0.0000012', '0.00000012', '-0.0000001', '0.123456789012345', '0.1234567890123456', '1234567890.12345', '1234567890.123456', '999999999999999', '1000000000000000', '-999999999999999', '99999999999999.9', '9999999999999.99', '-9999999999999.9', '+5', ' 5', '5 ', '1e3', '0x10', 'Infinity', '١٢'];
    let plain = 0;
    for (let i = 0; i < 200_000 + edges.length; i++) {
      const field = edges[i - 200_000] ?? randomNumberField(random, 17, 8);
      const value = plainNumber(field);
      // The same read from the field's bytes, inside a larger buffer.
      const bytes = Buffer.from(`x${field}y`, 'utf8');
      expect(Object.is(plainNumberBytes(bytes, 1, bytes.length - 1), value), field).toBe(true);
      const number = Number(field);
      // Plain: JavaScript's text of the number is the field, and at most 15 digits.
      const expected = /^-?[0-9.]+$/.test(field) && String(number) === field && field.replace(/[^0-9]/g, '').length <= 15;
      if (value === undefined) {
        expect(expected, field).toBe(false);
      } else {
        expect(expected, field).toBe(true);
        expect(Object.is(value, number), field).toBe(true);
        plain++;
      }
    }
    expect(plain).toBeGreaterThan(50_000);
    expect(plainNumber('-0')).toBeUndefined();
    expect(plainNumber('0.1')).toBe(0.1);
    expect(plainNumber('-123.456')).toBe(-123.456);
  });
});
