/** Anything but the ASCII characters written as they are. */
const NEEDS_WORK = /[^\t\n\x20-\x25\x27-\x3B\x3D\x3F-\x7F]/;
/** What stands for a character the file cannot hold: visible, so the reader sees something was there. */
export const REPLACEMENT = '\uFFFD';

/** `&#x4E2D;`: a character as a reference, hexadecimal in capitals (xml-bytes.ts writes the same). */
function reference(codePoint: number): string {
  return `&#x${codePoint.toString(16).toUpperCase()};`;
}

const REPLACEMENT_REFERENCE = reference(0xfffd);

/** Per ASCII code, 1 when it is written as it is (NEEDS_WORK does not match it). */
const WRITTEN_AS_IS = Uint8Array.from({ length: 0x80 }, (_, c) => (NEEDS_WORK.test(String.fromCharCode(c)) ? 0 : 1));

/** A UTF-16 code unit other than the high half of a pair, as xmlText writes it: escaped, referenced or replaced. */
function escapedUnit(c: number): string {
  if (c === 0x26) return '&amp;';
  if (c === 0x3c) return '&lt;';
  if (c === 0x3e) return '&gt;';
  if (c === 0x0d) return '&#xD;';
  // Controls other than tab, LF and CR; U+FFFE, U+FFFF; half of a pair without its other half.
  if (c < 0x20 || c === 0xfffe || c === 0xffff || (c >= 0xd800 && c <= 0xdfff)) return REPLACEMENT_REFERENCE;
  return reference(c);
}

/**
 * Text as the content of an XML element, in ASCII: every character beyond it is written as a
 * reference (`&#x4E2D;`), so that a reader that decodes the XML a piece at a time (exceljs's
 * streaming reader does) cannot find a character split between two pieces. A character XML cannot
 * hold (a control character other than tab, LF and CR; U+FFFE, U+FFFF; a lone surrogate from a
 * badly decoded file) becomes U+FFFD rather than corrupting the workbook; a carriage return is
 * written as a reference so that parsers do not fold it into a line feed. One pass, copying the
 * runs written as they are: a cell of tens of thousands of characters beyond ASCII costs a
 * reference each, not a callback and a string per character.
 */
export function xmlText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  let out = '';
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80 && WRITTEN_AS_IS[c] === 1) continue;
    out += text.slice(run, i);
    const low = c >= 0xd800 && c <= 0xdbff ? text.charCodeAt(i + 1) : 0;
    if (low >= 0xdc00 && low <= 0xdfff) out += reference(text.codePointAt(i++)!);
    else out += escapedUnit(c);
    run = i + 1;
  }
  return out + text.slice(run);
}

/** An attribute value in double quotes. */
export function xmlAttribute(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');
}

/** 0 -> "A", 25 -> "Z", 26 -> "AA". */
export function columnLetters(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
