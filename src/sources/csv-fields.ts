import { createCsvParseCore } from './csv-parse-api.js';
import {
  FIELD_PLAIN,
  FIELD_QUOTED,
  LINE_END_CR,
  LINE_END_CRLF,
  LINE_END_TEXT,
  newScannedRecord,
  SCAN_RECORD,
  scanRecord,
  type FieldSink,
  type LineEnd,
  type ScanDialect,
} from './csv-scan.js';

/** The dialect whole records were found with (see csv-scan.ts): enough to parse them again anywhere. */
export interface RecordDialect {
  readonly delimiter: string;
  readonly lineEnd: Exclude<LineEnd, 0>;
}

/**
 * Parses text holding whole records, as csv-scan.ts cut them, into their fields: the same fields
 * csv-parse gives for these records when it reads the whole file. Blank records are returned too.
 */
export function parseRecords(text: Buffer, dialect: RecordDialect): string[][] {
  const core = createCsvParseCore({
    bom: false,
    delimiter: dialect.delimiter,
    record_delimiter: LINE_END_TEXT[dialect.lineEnd],
    relax_column_count: true,
    relax_quotes: true,
  });
  const records: string[][] = [];
  const push = (fields: string[]): void => {
    records.push(fields);
  };
  const noop = (): void => {};
  const err = core.parse(text, false, push, noop) ?? core.parse(undefined, true, push, noop);
  if (err) throw err;
  return records;
}

/**
 * A record's fields, whether all are empty, the line breaks inside them, and where the record's
 * own text is in the text (without its line end) when that text reads as exactly these fields in
 * COPY's CSV with this separator (else -1, -1): a record split by its separator (no quote, no
 * line break character), or one whose quoted fields are all closed cleanly and not empty (COPY
 * reads `""` as empty text where the importer has no value), with no backslash anywhere in it (so
 * that no line of a multi-line field can be COPY's end-of-data line `\.`).
 */
export type OnRecord = (fields: string[], blank: boolean, breaks: number, plainStart: number, plainEnd: number) => void;

const NO_FIELDS = new Int32Array(0);

const QUOTE = 34;
const BACKSLASH = 92;
const LF = 10;
const CR = 13;

/**
 * Text holding whole records, as splitRecords reads it: a string (offsets in UTF-16 code units)
 * or UTF-8 bytes (offsets in bytes). Only ASCII characters are looked for, which both hold as
 * themselves.
 */
interface RecordText {
  /** Where the records end. */
  readonly end: number;
  /** Offset of the next `code` (an ASCII character) at or after `from`; `end` when none. */
  next(code: number, from: number): number;
  codeAt(at: number): number;
  /** The characters between two offsets. */
  text(start: number, end: number): string;
  /** The units csv-scan.ts scans (bytes, or UTF-16 code units). */
  units(): Uint8Array | Uint16Array;
  /** The UTF-8 bytes between two offsets, for csv-parse. */
  utf8(start: number, end: number): Buffer;
}

class StringRecords implements RecordText {
  readonly end: number;

  constructor(private readonly source: string) {
    this.end = source.length;
  }

  next(code: number, from: number): number {
    const at = this.source.indexOf(String.fromCharCode(code), from);
    return at < 0 ? this.end : at;
  }

  codeAt(at: number): number {
    return this.source.charCodeAt(at);
  }

  text(start: number, end: number): string {
    return this.source.slice(start, end);
  }

  units(): Uint16Array {
    const bytes = Buffer.from(this.source, 'utf16le');
    return bytes.byteOffset % 2 === 0 ? new Uint16Array(bytes.buffer, bytes.byteOffset, this.end) : new Uint16Array(Buffer.from(bytes).buffer, 0, this.end);
  }

  utf8(start: number, end: number): Buffer {
    return Buffer.from(this.source.slice(start, end), 'utf8');
  }
}

class ByteRecords implements RecordText {
  readonly end: number;

  constructor(private readonly bytes: Buffer) {
    this.end = bytes.length;
  }

  next(code: number, from: number): number {
    const at = this.bytes.indexOf(code, from);
    return at < 0 ? this.end : at;
  }

  codeAt(at: number): number {
    return this.bytes[at]!;
  }

  text(start: number, end: number): string {
    return this.bytes.toString('utf8', start, end);
  }

  units(): Uint8Array {
    return this.bytes;
  }

  utf8(start: number, end: number): Buffer {
    return this.bytes.subarray(start, end);
  }
}

/**
 * Reads text holding whole records (as csv-scan.ts cut them) into their fields: the same fields as
 * parseRecords, several times faster. A record with no quote and no other line break character
 * than its own line end is split by the separator (String.split: most records of most files);
 * the others are scanned over the string's UTF-16 code units, so that fields are slices of the
 * string; a record with stray quotes (which csv-parse keeps as text in its own way) is left to
 * csv-parse. Offsets given to `onRecord` are the string's.
 */
export function splitRecords(text: string, dialect: RecordDialect, onRecord: OnRecord): void {
  splitRecordText(new StringRecords(text), 0, dialect, onRecord);
}

/**
 * splitRecords over UTF-8 bytes, from `from` to their end: each record (or field) is decoded on
 * its own, never the whole text at once (a text of many scripts would become one two-byte string,
 * decoded at several times the cost and then copied from by every field). Offsets given to
 * `onRecord` are byte offsets into `bytes`, so that a record's own bytes can be sent as they are.
 * The separator must be ASCII (rawDelimiterSupported).
 */
export function splitRecordBytes(bytes: Buffer, from: number, dialect: RecordDialect, onRecord: OnRecord): void {
  splitRecordText(new ByteRecords(bytes), from, dialect, onRecord);
}

function splitRecordText(text: RecordText, from: number, dialect: RecordDialect, onRecord: OnRecord): void {
  const delimiter = dialect.delimiter;
  // The line end's last character, and what must not be in a record split plainly.
  const lastChar = dialect.lineEnd === LINE_END_CR ? CR : LF;
  const otherChar = dialect.lineEnd === LINE_END_CR ? LF : CR;
  const crlf = dialect.lineEnd === LINE_END_CRLF;
  const plain = delimiter.length === 1;
  const end = text.end;
  let scanner: RecordScanner | null = null;
  // Where the next quote and the next other line break character are: looked up again only once passed.
  let quoteAt = -1;
  let otherAt = -1;
  let pos = from;
  while (pos < end) {
    if (plain) {
      const last = text.next(lastChar, pos);
      const contentEnd = crlf && last < end ? last - 1 : last;
      if (quoteAt < pos) quoteAt = text.next(QUOTE, pos);
      if (otherAt < pos) otherAt = text.next(otherChar, pos);
      // A CRLF line end is CR LF (a lone LF is text); then no quote and no other line break character before it.
      const lineEndOk = !crlf || last === end || (last > pos && text.codeAt(last - 1) === CR);
      if (lineEndOk && quoteAt >= contentEnd && otherAt >= contentEnd) {
        const line = text.text(pos, contentEnd);
        const fields = line.split(delimiter);
        onRecord(fields, line.length === fields.length - 1, 0, pos, contentEnd);
        pos = last + 1;
        continue;
      }
    }
    scanner ??= new RecordScanner(text, dialect);
    pos = scanner.record(pos, onRecord);
  }
}

/** The general path of splitRecords: csv-scan.ts's scanner over the text's bytes or UTF-16 code units. */
class RecordScanner {
  private readonly units: Uint8Array | Uint16Array;
  private readonly scan: ScanDialect;
  private readonly out = newScannedRecord(0);
  private readonly sink: FieldSink = { starts: [], ends: [], kinds: [] };
  /** The next backslash at or after the last record looked at (the text's end when none). */
  private backslashAt = -1;

  constructor(
    private readonly text: RecordText,
    private readonly dialect: RecordDialect,
  ) {
    this.units = text.units();
    this.scan = { delimiter: dialect.delimiter.charCodeAt(0), lineEnd: dialect.lineEnd };
  }

  /** Reads the record at `pos`, hands it to `onRecord`; returns where the next one starts. */
  record(pos: number, onRecord: OnRecord): number {
    const { text, out, sink } = this;
    const result = scanRecord(this.units, pos, text.end, true, this.scan, Number.MAX_SAFE_INTEGER, NO_FIELDS, out, sink);
    if (result !== SCAN_RECORD) throw new Error(`the text of a chunk ends inside a quoted field (at offset ${pos})`);
    const count = out.fields;
    let fields: string[] = new Array<string>(count);
    // Whether COPY's CSV reads the record's own text as these fields (see OnRecord).
    let asWritten = true;
    for (let f = 0; f < count; f++) {
      const kind = sink.kinds[f];
      const start = sink.starts[f]!;
      const end = sink.ends[f]!;
      if (kind === FIELD_PLAIN) fields[f] = text.text(start, end);
      else if (kind === FIELD_QUOTED) {
        const value = text.text(start + 1, end - 1);
        fields[f] = value.includes('"') ? value.replaceAll('""', '"') : value;
        if (value === '') asWritten = false;
      } else {
        fields = parseRecords(text.utf8(pos, out.contentEnd), this.dialect)[0] ?? [''];
        asWritten = false;
        break;
      }
    }
    if (asWritten) {
      // Looked up again only once passed: one search over the text for all its records.
      if (this.backslashAt < pos) this.backslashAt = text.next(BACKSLASH, pos);
      asWritten = this.backslashAt >= out.contentEnd;
    }
    onRecord(fields, out.blank, out.breaks, asWritten ? pos : -1, asWritten ? out.contentEnd : -1);
    return out.end;
  }
}

/** Line breaks inside the fields of a record: LF, CRLF and a lone CR count one each. */
export function lineBreaksIn(fields: readonly string[]): number {
  let breaks = 0;
  for (const field of fields) {
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    breaks += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return breaks;
}

/** A blank line, or one of nothing but separators (as spreadsheets write for empty rows). */
export function isBlank(fields: readonly string[]): boolean {
  for (const field of fields) if (field !== '') return false;
  return true;
}
