import type { CellValue } from '../schema/row-validator.js';
import { plainNumber } from '../schema/plain-number.js';

/** Text that must be quoted in COPY's CSV: separators, quotes, line breaks, and `\\.` (the end-of-data line). */
const NEEDS_QUOTES = /[",\r\n\\]/;

/**
 * One value as a CSV field for COPY: NULL is an empty unquoted field, so empty text is quoted;
 * other text only when it holds a separator, quote, line break or backslash (PostgreSQL keeps
 * unquoted CSV values as they are, spaces included).
 */
export function copyField(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  if (value !== '' && !NEEDS_QUOTES.test(value)) return value;
  return `"${value.includes('"') ? value.replaceAll('"', '""') : value}"`;
}

/** One row as a line of COPY's CSV text, without its line end. */
function copyLine(row: readonly CellValue[]): string {
  let line = copyField(row[0] ?? null);
  for (let c = 1; c < row.length; c++) line += ',' + copyField(row[c]!);
  return line;
}

/** Rows `start` to `end` (default: all) as COPY's CSV text, a line each. */
export function copyText(rows: readonly (readonly CellValue[])[], start = 0, end = rows.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += copyLine(rows[i]!) + '\n';
  return text;
}

/** The file's own text of checked rows, for sending as is where it says the same (copyRowsBytes). */
export interface RowOriginals {
  /** Each row's fields as the file holds them (in column order). */
  readonly fields: readonly (readonly string[])[];
  /**
   * Row i's own text is bytes[starts[i], ends[i]) (UTF-8, without its line end), fields
   * separated by commas, which COPY's CSV reads as the row's fields (see splitRecords' OnRecord:
   * quoted fields only closed cleanly and not empty, no backslash); -1 when the row has no such text.
   */
  readonly bytes: Buffer;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /**
   * Rows whose check found every value but the booleans written as the field's own text
   * (RowCheck's `written`): only their booleans need comparing with the text.
   */
  readonly written?: readonly boolean[];
  /**
   * Rows checked on their own text, found valid and written as the target reads their values
   * (DecodedChunk.asWritten): sent as they are; their values and fields are not given.
   */
  readonly asWritten?: readonly boolean[];
}

/** The words PostgreSQL's boolean input reads, with their value (it also ignores case). */
export const POSTGRES_BOOLEAN_WORDS = new Map<string, boolean>();
for (const [words, value] of [
  [['true', 't', 'yes', 'y', 'on', '1'], true],
  [['false', 'f', 'no', 'n', 'off', '0'], false],
] as const) {
  for (const word of words) {
    for (const written of [word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1)]) POSTGRES_BOOLEAN_WORDS.set(written, value);
  }
}

/** Whether a field, written as it is in COPY's CSV, gives the database the checked value. */
function saysTheSame(value: CellValue, field: string, booleanColumn: boolean): boolean {
  if (value === null) return field === '';
  if (typeof value === 'string') return value === field && field !== '';
  // A number: the field's text must be JavaScript's own text of it (plainNumber).
  if (typeof value === 'number') return plainNumber(field) === value;
  // Another word than copyField's t/f reads the same only into a boolean column.
  return booleanColumn && POSTGRES_BOOLEAN_WORDS.get(field) === value;
}

/**
 * copyText() as UTF-8 bytes, except that a row whose own text already is what copyText would
 * send, as far as the database can tell, goes as it is: text COPY reads as the row's fields (see
 * RowOriginals; quoted fields, commas and line breaks in them included: a real-world file has many
 * such rows), not the end-of-data line `\.`, and every field either
 * copyField's own text of the checked value or (into a boolean column, `booleanColumns[c]`) a
 * word PostgreSQL reads as that value. Most rows of most files are such rows; building their
 * text again would be a sizeable share of the workers' CPU. Consecutive such rows of a file with LF line
 * ends go as one piece of it. Those pieces are copied from the file's bytes; the rows built
 * again are encoded straight into the output, not joined into one string first (which V8 then
 * copies whole to encode it). When every row goes as it is, in one piece of the file's text that
 * ends in a LF (a chunk of valid rows, the common case), that piece is returned as it lies in
 * `originals.bytes`, not copied: the caller holds those bytes until the rows are saved anyway.
 */
export function copyRowsBytes(rows: readonly (readonly CellValue[])[], originals: RowOriginals, booleanColumns: readonly boolean[]): Buffer {
  const { bytes: source, starts, ends, written, asWritten } = originals;
  // Made once something is written that is not the first run of the file's text (see above).
  let out: LineWriter | null = null;
  const capacity = source.length + 256;
  // The piece of the file's text made of the rows sent as they are since the last built one.
  let runStart = -1;
  let runEnd = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const start = starts[i]!;
    const end = ends[i]!;
    const fields = originals.fields[i]!;
    const checkedOnText = asWritten?.[i] === true;
    if (checkedOnText && start < 0) throw new Error(`row ${i} of a chunk was checked on its text, which it does not have`);
    let same = checkedOnText || (start >= 0 && fields.length === row.length && !(end - start === 2 && source[start] === BACKSLASH && source[start + 1] === DOT));
    // A row the check found written as its text: only its booleans are compared.
    const onlyBooleans = written?.[i] === true;
    for (let c = 0; same && !checkedOnText && c < row.length; c++) {
      if (!onlyBooleans || typeof row[c] === 'boolean') same = saysTheSame(row[c]!, fields[c]!, booleanColumns[c] === true);
    }
    if (same) {
      // Right after the run, behind one LF: the run goes on.
      if (runStart >= 0 && start === runEnd + 1 && source[runEnd] === LF) {
        runEnd = end;
        continue;
      }
      if (runStart >= 0) (out ??= new LineWriter(capacity)).piece(source, runStart, runEnd);
      runStart = start;
      runEnd = end;
      continue;
    }
    out ??= new LineWriter(capacity);
    if (runStart >= 0) out.piece(source, runStart, runEnd);
    runStart = -1;
    out.line(copyLine(row));
  }
  if (runStart < 0) return out?.bytes() ?? Buffer.alloc(0);
  if (out === null && source[runEnd] === LF) return source.subarray(runStart, runEnd + 1);
  out ??= new LineWriter(capacity);
  out.piece(source, runStart, runEnd);
  return out.bytes();
}

const LF = 10;
const BACKSLASH = 92;
const DOT = 46;

/** Lines of text written as UTF-8 into a buffer that grows as needed. */
class LineWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(size, 256));
  }

  /** Writes the text and a LF. */
  line(text: string): void {
    this.reserve(text.length * 3 + 1);
    this.length += this.buffer.write(text, this.length);
    this.buffer[this.length++] = LF;
  }

  /** Writes bytes[start, end) and a LF. */
  piece(bytes: Buffer, start: number, end: number): void {
    this.reserve(end - start + 1);
    this.length += bytes.copy(this.buffer, this.length, start, end);
    this.buffer[this.length++] = LF;
  }

  private reserve(room: number): void {
    if (this.buffer.length - this.length >= room) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + room));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  /**
   * The bytes written. A worker holds a batch's bytes until its COPY is sent: unless they fill
   * most of the buffer, they are copied into one of their size.
   */
  bytes(): Buffer {
    const written = this.buffer.subarray(0, this.length);
    return this.length >= this.buffer.length * 0.75 ? written : Buffer.from(written);
  }
}

/**
 * Text as UTF-8 bytes, encoded in one pass: Buffer.from(text) measures the text first and then
 * writes it (twice the work on a chunk's text). The bytes are
 * written into a buffer sized for the worst case (3 bytes per UTF-16 unit), then copied into one
 * of their size: a worker holds a batch's bytes until its COPY is sent.
 */
export function utf8Bytes(text: string): Buffer {
  const room = Buffer.allocUnsafe(text.length * 3);
  return Buffer.from(room.subarray(0, room.write(text)));
}
