import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { anchoredInner, compileLinearRegExp, findUnsupportedPattern } from '../../src/schema/linear-regexp.js';
import { compileSchema } from '../../src/schema/compile-schema.js';
import { createRowValidator } from '../../src/schema/row-validator.js';

describe('linear-time schema patterns', () => {
  it("answers ^(a+)+$ on 10,000 a's and a '!' in linear time, as a backtracking engine cannot", () => {
    const started = process.hrtime.bigint();
    expect(compileLinearRegExp('^(a+)+$').test(`${'a'.repeat(10_000)}!`)).toBe(false);
    expect(compileLinearRegExp('^(a+)+$').test('a'.repeat(10_000))).toBe(true);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });

  it('keeps the ECMA-262 meaning of the patterns schemas use', () => {
    const cases: [string, string, boolean][] = [
      ['^[A-Z]{2}$', 'FR', true],
      ['^[A-Z]{2}$', 'FRA', false],
      ['\\d{3}', 'ab123', true],
      ['^(?<year>\\d{4})-\\d{2}$', '2026-12', true],
      ['^\\p{L}+$', 'Zoë', true],
      ['^\\u{1F600}$', '😀', true],
      ['^.$', '😀', true],
      ['^a\\/b$', 'a/b', true],
    ];
    for (const [pattern, text, expected] of cases) {
      expect(compileLinearRegExp(pattern).test(text), `${pattern} on ${text}`).toBe(expected);
      expect(new RegExp(pattern, 'u').test(text), `JavaScript's ${pattern} on ${text}`).toBe(expected);
    }
  });

  it('a pattern anchored at both ends is run as a full match of its middle, with the same verdicts', () => {
    expect(anchoredInner('^[A-Z]{2}$')).toBe('[A-Z]{2}');
    expect(anchoredInner('^a|b$')).toBeNull(); // (^a)|(b$): the anchors are not around the whole
    expect(anchoredInner('^(a|b)$')).toBe('(a|b)');
    expect(anchoredInner('^[|]$')).toBe('[|]');
    expect(anchoredInner('^a\\$')).toBeNull(); // an escaped dollar
    expect(anchoredInner('^a\\\\$')).toBe('a\\\\'); // an escaped backslash, then the anchor
    expect(anchoredInner('^\\|x$')).toBe('\\|x'); // an escaped bar
    expect(anchoredInner('a$')).toBeNull();
    const patterns = ['^[A-Z]{2}$', '^a|b$', '^(a|b)+$', '^\\d{5}(-\\d{4})?$', '^[ab|]*$', '^a\\\\$', '^(?:ab)*c?$', '^$', '^a*$'];
    const alphabet = ['a', 'b', 'c', '|', '-', '1', '\\', '\n', 'Z'];
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const pattern of patterns) {
      const ours = compileLinearRegExp(pattern);
      const search = RE2JS.compile(RE2JS.translateRegExp(pattern));
      const js = new RegExp(pattern, 'u');
      for (let n = 0; n < 400; n++) {
        let text = '';
        for (let k = Math.floor(random() * 7); k > 0; k--) text += alphabet[Math.floor(random() * alphabet.length)];
        expect(ours.test(text), `${pattern} on ${JSON.stringify(text)}`).toBe(search.test(text));
        expect(ours.test(text), `${pattern} on ${JSON.stringify(text)} (JavaScript)`).toBe(js.test(text));
      }
    }
  });

  it('names the first pattern RE2 cannot run, and nothing for names and values that merely look like one', () => {
    expect(findUnsupportedPattern({ properties: { a: { pattern: '^x$' } }, patternProperties: { '^y': {} } })).toBeNull();
    // A column named "pattern", an enum value and a default are not the keyword.
    expect(findUnsupportedPattern({ properties: { pattern: { type: 'string' } }, enum: ['(a)\\1'], default: '(?=x)' })).toBeNull();
    expect(findUnsupportedPattern({ properties: { a: { anyOf: [{ pattern: '^ok$' }, { pattern: '(a)\\1' }] } } })).toMatch(
      /^the regular expression "\(a\)\\\\1" at #\/properties\/a\/anyOf\/1\/pattern cannot be used/,
    );
    expect(findUnsupportedPattern({ patternProperties: { '(?<!x)y': {} } })).toMatch(/at #\/patternProperties cannot be used/);
  });

  it('ajv and the fast row check give the same verdicts on a hostile cell, both at once', () => {
    const schema = compileSchema({ type: 'object', properties: { code: { type: 'string', pattern: '^(a+)+$' } } });
    for (const fastPath of [true, false]) {
      const validate = createRowValidator(['code'], schema, { fastPath });
      const started = Date.now();
      const bad = validate([`${'a'.repeat(40)}!`]);
      // Backtracking would take hours on this cell; seconds leave room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(bad.ok).toBe(false);
      expect(validate(['aaaa'])).toMatchObject({ ok: true, values: ['aaaa'] });
    }
  });
});
