import { describe, expect, it } from 'vitest';
import { UniqueHasher, UNIQUE_FIELD_LENGTH } from '../../src/enqueue/unique-hash.js';
import { UNIQUE_BUCKETS } from '../../src/enqueue/unique-values.js';

describe('UniqueHasher', () => {
  it('gives a value the same field from its text, its bytes and its quoted CSV form', () => {
    const hasher = new UniqueHasher('incarnation-1');
    for (const value of ['a', 'say "hi"', '""', 'Émile 王 👀', 'x'.repeat(1000), 'two\r\nlines']) {
      const bytes = Buffer.from(value);
      const quoted = Buffer.from(`,"${value.replaceAll('"', '""')}",`);
      const field = hasher.ofText(value);
      expect(field).toHaveLength(UNIQUE_FIELD_LENGTH);
      expect(hasher.ofBytes(bytes, 0, bytes.length)).toBe(field);
      expect(hasher.ofQuoted(quoted, 1, quoted.length - 1)).toBe(field);
    }
  });

  it('gives different values different fields, spread over the buckets, and depends on its key', () => {
    const hasher = new UniqueHasher('incarnation-1');
    const fields = new Set<string>();
    const buckets = new Array<number>(UNIQUE_BUCKETS).fill(0);
    const values = 200_000;
    for (let i = 0; i < values; i++) {
      // Values that differ little: a number's digits, a byte moved, a prefix of another.
      fields.add(hasher.ofText(`user.${i}@example.org`));
      buckets[hasher.bucket]!++;
    }
    fields.add(hasher.ofText('user.1@example.or'));
    fields.add(hasher.ofText(''));
    expect(fields.size).toBe(values + 2);
    for (const count of buckets) expect(Math.abs(count - values / UNIQUE_BUCKETS)).toBeLessThan(values / UNIQUE_BUCKETS / 10);
    expect(new UniqueHasher('incarnation-2').ofText('user.1@example.org')).not.toBe(hasher.ofText('user.1@example.org'));
  });
});
