/** Characters XML 1.0 cannot hold at all (controls other than tab, LF, CR; U+FFFE, U+FFFF). */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
/** Half of a surrogate pair without its other half: not a character, cannot be encoded. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** A character beyond ASCII (a surrogate pair is one). */
const BEYOND_ASCII = /[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\x00-\x7F]/g;
/** Anything but the ASCII characters written as they are. */
const NEEDS_WORK = /[^\t\n\x20-\x25\x27-\x3B\x3D\x3F-\x7F]/;
/** What stands for a character the file cannot hold: visible, so the reader sees something was there. */
export const REPLACEMENT = '\uFFFD';

/** `&#x4E2D;`: a character as a reference, hexadecimal in capitals (xml-bytes.ts writes the same). */
function reference(character: string): string {
  return `&#x${character.codePointAt(0)!.toString(16).toUpperCase()};`;
}

/**
 * Text as the content of an XML element, in ASCII: every character beyond it is written as a
 * reference (`&#x4E2D;`), so that a reader that decodes the XML a piece at a time (exceljs's
 * streaming reader does) cannot find a character split between two pieces. A character XML cannot
 * hold (a control character, a lone surrogate from a badly decoded file) becomes U+FFFD rather
 * than corrupting the workbook; a carriage return is written as a reference so that parsers do
 * not fold it into a line feed.
 */
export function xmlText(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text
    .replace(NOT_XML, REPLACEMENT)
    .replace(LONE_SURROGATE, REPLACEMENT)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;')
    .replace(BEYOND_ASCII, reference);
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
