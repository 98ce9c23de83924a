import { describe, expect, it } from 'vitest';
import { compileBytePattern } from '../../src/schema/byte-pattern.js';
import { compileLinearRegExp } from '../../src/schema/linear-regexp.js';
import { seededRandom } from '../helpers/random-numbers.js';

// A pattern matched on bytes must give the engine's verdict on every ASCII field, and never
// match a field holding anything else (the text decides those).

const READ = [
  '^[A-Z]{2}$',
  '^\\d{5}$',
  '^[a-z0-9_-]{3,16}$',
  '^[A-Z][a-z]*$',
  '^a?b+c{2,}d{0,2}$',
  '^[^,;]{1,4}$',
  '^\\w+\\-?\\d*$',
  '^[+]?[0-9]{1,3}[ ]?[0-9]{2,4}$',
  '^[\\]\\\\a-c]+x$',
  '^ab*b*b?$',
  '^[-a]{2}[a-]$',
  '^\\D\\W$',
  '^$',
  '^/x/$',
];
const LEFT = ['^(ab)+$', '^a|b$', '[A-Z]{2}', '^.{2}$', '^\\s$', '^a+?$', '^[a-z]{1,64}$', '^\\p{L}+$', '^\\u0041$', '^a\\$'];

const ALPHABET = ['A', 'B', 'Z', 'a', 'b', 'c', 'd', 'x', 'z', '0', '5', '9', '_', '-', '+', ' ', ',', ';', ']', '\\', '/', '.', '\n', 'é', '王', '😀'];

describe('schema patterns on bytes', () => {
  it('give the engine\'s verdict on ASCII fields, and never match others', () => {
    const random = seededRandom(41);
    let matched = 0;
    for (const pattern of READ) {
      const onBytes = compileBytePattern(pattern);
      expect(onBytes, pattern).not.toBeNull();
      const engine = compileLinearRegExp(pattern);
      for (let n = 0; n < 20_000; n++) {
        const length = random(9);
        let text = '';
        for (let i = 0; i < length; i++) text += ALPHABET[random(n % 2 === 0 ? 12 : ALPHABET.length)]!;
        const bytes = Buffer.from(`"${text}"`);
        const got = onBytes!(bytes, 1, bytes.length - 1);
        // eslint-disable-next-line no-control-regex
        if (/^[\x00-\x7f]*$/.test(text)) expect(got, `${pattern} ${JSON.stringify(text)}`).toBe(engine.test(text));
        else expect(got, `${pattern} ${JSON.stringify(text)}`).toBe(false);
        if (got) matched++;
      }
      for (const text of ['AB', '12345', 'abc', 'Ab', 'abbccd', 'ab-1', 'x', '']) {
        const bytes = Buffer.from(text);
        expect(onBytes!(bytes, 0, bytes.length), `${pattern} ${text}`).toBe(engine.test(text));
      }
    }
    expect(matched).toBeGreaterThan(10_000);
  });

  it('leaves other patterns to the engine', () => {
    for (const pattern of LEFT) expect(compileBytePattern(pattern), pattern).toBeNull();
  });
});
