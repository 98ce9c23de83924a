import { describe, expect, it } from 'vitest';
import { Digits } from '../../src/report/xml-bytes.js';

function written(digits: Digits): string {
  const buffer = new Uint8Array(32);
  return Buffer.from(buffer.subarray(0, digits.write(buffer, 0))).toString('latin1');
}

describe('row numbers written as digits (Digits)', () => {
  it('counts up one by one across every carry, as String(n) writes the numbers', () => {
    const digits = new Digits();
    for (let n = 0; n <= 100_123; n++) {
      digits.of(n);
      if (written(digits) !== String(n)) expect(written(digits)).toBe(String(n));
    }
    expect(written(digits)).toBe('100123');
  });

  it('writes any number after any other: jumps, repeats, going back, carries to a new digit', () => {
    const digits = new Digits();
    for (const n of [1048576, 1048577, 7, 7, 8, 999, 1000, 12, 99, 100, 0, 2 ** 31, 2 ** 31 + 1, 9_999_999, 10_000_000, 3]) {
      digits.of(n);
      expect(written(digits)).toBe(String(n));
    }
  });
});
