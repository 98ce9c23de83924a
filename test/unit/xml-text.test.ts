/**
 * xmlText writes text as ASCII XML in one pass; compared here with the same rules written as a
 * chain of replacements, on random strings of the characters each rule is about.
 */
import { describe, expect, it } from 'vitest';
import { REPLACEMENT, xmlText } from '../../src/report/xlsx/xml-text.js';

/** The rules one after the other: what cannot be held becomes U+FFFD, then escapes, then references. */
function byReplacements(text: string): string {
  return text
    .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g, REPLACEMENT)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, REPLACEMENT)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;')
    .replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\x00-\x7F]/g, (c) => `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`);
}

const PIECES = ['a', 'Z', ' ', '"', "'", '&', '<', '>', '\t', '\n', '\r', '\x00', '\x01', '\x1F', '\x7F', '\x80', 'é', 'Ł', '中', '\uFFFD', '\uFFFE', '\uFFFF', '😀', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '&amp;', 'plain words'];

describe('xmlText', () => {
  it('writes what the chain of replacements writes, on random strings', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 5000; n++) {
      let text = '';
      const length = Math.floor(rand() * 12);
      for (let k = 0; k < length; k++) text += PIECES[Math.floor(rand() * PIECES.length)];
      expect(xmlText(text)).toBe(byReplacements(text));
    }
  });

  it('leaves plain ASCII as it is, and writes the rest in ASCII', () => {
    expect(xmlText('Smith, Jr. "quoted" 100%')).toBe('Smith, Jr. "quoted" 100%');
    expect(xmlText('a<b & c>d\r\n')).toBe('a&lt;b &amp; c&gt;d&#xD;\n');
    expect(xmlText('Zoë 😀 \uD800x \x01')).toBe('Zo&#xEB; &#x1F600; &#xFFFD;x &#xFFFD;');
  });
});
