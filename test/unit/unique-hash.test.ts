import { describe, expect, it } from 'vitest';
import { uniqueBucket, uniqueField, UniqueHasher, UNIQUE_FIELD_LENGTH } from '../../src/enqueue/unique-hash.js';
import { UNIQUE_BUCKETS } from '../../src/enqueue/unique-values.js';
import { UNIQUE_VALUES_IN_MEMORY } from '../../src/defaults.js';
import { ClaimedValues, MAX_PROBES } from '../../src/enqueue/claimed-values.js';

/** The bucket-hash field of the value the hasher hashed last. */
const fieldOf = (hasher: UniqueHasher): string => uniqueField(hasher.h0, hasher.h1, hasher.h2);
const textField = (hasher: UniqueHasher, text: string): string => {
  hasher.hashText(text);
  return fieldOf(hasher);
};

describe('UniqueHasher', () => {
  it('gives a value the same hash from its text, its bytes and its quoted CSV form', () => {
    const hasher = new UniqueHasher('incarnation-1');
    for (const value of ['a', 'say "hi"', '""', 'Émile 王 👀', 'x'.repeat(1000), 'two\r\nlines']) {
      const bytes = Buffer.from(value);
      const quoted = Buffer.from(`,"${value.replaceAll('"', '""')}",`);
      const field = textField(hasher, value);
      expect(field).toHaveLength(UNIQUE_FIELD_LENGTH);
      hasher.hashBytes(bytes, 0, bytes.length);
      expect(fieldOf(hasher)).toBe(field);
      hasher.hashQuoted(quoted, 1, quoted.length - 1);
      expect(fieldOf(hasher)).toBe(field);
    }
  });

  it('gives different values different hashes, spread over the buckets, and depends on its key', () => {
    const hasher = new UniqueHasher('incarnation-1');
    const fields = new Set<string>();
    const buckets = new Array<number>(UNIQUE_BUCKETS).fill(0);
    const values = 200_000;
    for (let i = 0; i < values; i++) {
      // Values that differ little: a number's digits, a byte moved, a prefix of another.
      fields.add(textField(hasher, `user.${i}@example.org`));
      buckets[uniqueBucket(hasher.h2)]!++;
    }
    fields.add(textField(hasher, 'user.1@example.or'));
    fields.add(textField(hasher, ''));
    expect(fields.size).toBe(values + 2);
    for (const count of buckets) expect(Math.abs(count - values / UNIQUE_BUCKETS)).toBeLessThan(values / UNIQUE_BUCKETS / 10);
    expect(textField(new UniqueHasher('incarnation-2'), 'user.1@example.org')).not.toBe(textField(hasher, 'user.1@example.org'));
  });
});

describe('ClaimedValues', () => {
  it('gives each value the row that claimed it first, per slot, through its tables growing, until full', () => {
    const hasher = new UniqueHasher('k');
    const limit = 50_000;
    const claimed = new ClaimedValues(2, limit);
    const hashOf = (text: string): [number, number, number] => {
      hasher.hashText(text);
      return [hasher.h0, hasher.h1, hasher.h2];
    };
    for (let i = 0; i < limit; i++) {
      const [h0, h1, h2] = hashOf(`v${i}`);
      const slot = i % 2;
      expect(claimed.claim(slot, h0, h1, h2, i + 1)).toBe(0);
      expect(claimed.claim(slot, h0, h1, h2, i + 2)).toBe(i + 1);
    }
    expect(claimed.full).toBe(false);
    for (let i = 0; i < limit; i++) {
      const [h0, h1, h2] = hashOf(`v${i}`);
      expect(claimed.claim(i % 2, h0, h1, h2, limit + 1)).toBe(i + 1);
    }
    // Full: a new value is not taken (and stays unknown), held ones are still found.
    const [h0, h1, h2] = hashOf('one more');
    expect(claimed.claim(0, h0, h1, h2, limit + 1)).toBe(-1);
    expect(claimed.full).toBe(true);
    expect(claimed.claim(0, h0, h1, h2, limit + 2)).toBe(-1);
    expect(claimed.claim(1, ...hashOf('v1'), limit + 3)).toBe(2);
    // The same value in the other slot, and hashes differing in one word, are other values.
    const other = new ClaimedValues(2, 10);
    const [a, b, c] = hashOf('x');
    expect(other.claim(0, a, b, c, 1)).toBe(0);
    expect(other.claim(1, a, b, c, 2)).toBe(0);
    expect(other.claim(0, a, b ^ 1, c, 3)).toBe(0);
    expect(other.claim(0, a, b, c ^ 1, 4)).toBe(0);
    expect(other.claim(0, a ^ 1, b, c, 5)).toBe(0);
    expect(other.claim(0, a, b, c, 6)).toBe(1);
    expect(other.claim(1, a, b, c, 7)).toBe(2);
  });

  it('holds entries whose hashes share their low bits (linear probing), across growth', () => {
    const claimed = new ClaimedValues(1, 1000);
    for (let i = 0; i < 900; i++) expect(claimed.claim(0, 7, i, 0xffffffff, i + 1)).toBe(0);
    for (let i = 0; i < 900; i++) expect(claimed.claim(0, 7, i, 0xffffffff, 5000)).toBe(i + 1);
  });

  it('stops growing when values pile up on one place (made to collide), still finding those it holds', () => {
    const claimed = new ClaimedValues(1, 1_000_000);
    let held = 0;
    while (claimed.claim(0, 7, held, 1, held + 1) === 0) held++;
    expect(held).toBe(MAX_PROBES + 1);
    expect(claimed.full).toBe(true);
    for (let i = 0; i < held; i++) expect(claimed.claim(0, 7, i, 1, 5000)).toBe(i + 1);
    // Any new value now goes to Redis, however its hash falls.
    expect(claimed.claim(0, 12345, 6789, 1, 5001)).toBe(-1);
  });

  it('takes the default 1,500,000 values of a real file without a probe long enough to stop it early', () => {
    const hasher = new UniqueHasher('incarnation-3');
    const claimed = new ClaimedValues(1, UNIQUE_VALUES_IN_MEMORY);
    for (let i = 0; i < UNIQUE_VALUES_IN_MEMORY; i++) {
      hasher.hashText(`user.${i}@example.org`);
      if (claimed.claim(0, hasher.h0, hasher.h1, hasher.h2, i + 1) !== 0) throw new Error(`value ${i} refused`);
    }
    expect(claimed.full).toBe(false);
    hasher.hashText('one more');
    expect(claimed.claim(0, hasher.h0, hasher.h1, hasher.h2, UNIQUE_VALUES_IN_MEMORY + 1)).toBe(-1);
  });
});
