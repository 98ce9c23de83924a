/** Unicode encodings a byte order mark announces. */
export type BomEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** What the first bytes of a file say it is. */
export type ByteSniff =
  | { readonly kind: 'empty' }
  | { readonly kind: 'text'; readonly bom: BomEncoding | null; readonly bomLength: number }
  | { readonly kind: 'xlsx' }
  | { readonly kind: 'binary'; readonly description: string; /** The encoding to read it with, when it is text after all (UTF-16 without a BOM). */ readonly readAs?: BomEncoding };

const BOMS: readonly [BomEncoding, readonly number[]][] = [
  ['utf-8', [0xef, 0xbb, 0xbf]],
  ['utf-16le', [0xff, 0xfe]],
  ['utf-16be', [0xfe, 0xff]],
];

const ZIP = [0x50, 0x4b, 0x03, 0x04];

/** Signatures of files people upload by mistake, and how to name them in the message. */
const SIGNATURES: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x1f, 0x8b], 'a gzip-compressed file'],
  [[0x42, 0x5a, 0x68], 'a bzip2-compressed file'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'an Excel 97-2003 workbook (.xls) or another old Office file; save it as .xlsx or CSV'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable program'],
  [[0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], 'an SQLite database'],
];

function startsWith(head: Buffer, bytes: readonly number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b);
}

/** A ZIP archive holding an Excel workbook names its parts `xl/...` near the start. */
function describeZip(head: Buffer): ByteSniff {
  const text = head.toString('latin1');
  if (text.includes('xl/')) return { kind: 'xlsx' };
  if (text.includes('opendocument.spreadsheet')) return { kind: 'binary', description: 'an OpenDocument spreadsheet (.ods); save it as .xlsx or CSV' };
  if (text.includes('word/')) return { kind: 'binary', description: 'a Word document' };
  return { kind: 'binary', description: 'a ZIP archive' };
}

/**
 * Tells a file's kind from its first bytes: text (and its byte order mark), an Excel workbook,
 * or binary data that no CSV reader should be handed (NUL bytes, or a known signature).
 * `utf16` says the person declared a UTF-16 encoding, where NUL bytes are expected.
 */
export function sniffBytes(head: Buffer, utf16 = false): ByteSniff {
  if (head.length === 0) return { kind: 'empty' };
  for (const [bom, bytes] of BOMS) {
    if (startsWith(head, bytes)) return { kind: 'text', bom, bomLength: bytes.length };
  }
  if (startsWith(head, ZIP)) return describeZip(head);
  for (const [bytes, description] of SIGNATURES) {
    if (startsWith(head, bytes)) return { kind: 'binary', description };
  }
  if (!utf16 && head.includes(0)) return { kind: 'binary', ...describeNuls(head) };
  return { kind: 'text', bom: null, bomLength: 0 };
}

/** UTF-16 text without a byte order mark has a NUL in every other byte (for ASCII letters). */
function describeNuls(head: Buffer): { description: string; readAs?: BomEncoding } {
  const sample = head.subarray(0, 4096);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2 === 0) even++;
    else odd++;
  }
  const half = sample.length / 2;
  if (odd > half * 0.3 && even < half * 0.05) return { description: 'UTF-16 text without a byte order mark', readAs: 'utf-16le' };
  if (even > half * 0.3 && odd < half * 0.05) return { description: 'UTF-16 text without a byte order mark', readAs: 'utf-16be' };
  return { description: `binary data (a NUL byte at byte offset ${head.indexOf(0)})` };
}
