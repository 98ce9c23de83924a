import { isUtf8 } from 'node:buffer';
import { projectFields, type ImportRecord, type KeepColumns } from '../import-record.js';
import { rawChunkLayout } from '../chunks/chunk-codec.js';
import { successEntryLayout } from '../redis/codec.js';
import type { ImportSchema } from '../schema/compile-schema.js';
import { trustedColumns, type CompiledColumn } from '../schema/fast-row-check.js';
import { plainNumber, plainNumberBytes } from '../schema/plain-number.js';
import { parseRecords } from '../sources/csv-fields.js';
import { FIELD_PLAIN, FIELD_QUOTED, newScannedRecord, SCAN_RECORD, scanRecord, type FieldSink, type LineEnd, type ScanDialect } from '../sources/csv-scan.js';
import { isFormulaLead, MAX_CELL_CHARS } from './cells.js';
import { isXmlSpace } from './xlsx/row-xml.js';
import { ascii, charReference, copyBytes, Digits, escapedByte, markup, put, RowMarkup, SPACED_TEXT_CELL, TEXT_OPEN, TEXT_OPEN_SPACED, TEXT_STYLE, utf8Length, VALUE_CELL, VALUE_OPEN, type CellEnd } from './xml-bytes.js';

/** Where the rows' XML goes: room is asked for before each row, then the row's end is told. */
export interface XmlBytesOut {
  /** A buffer with at least `bytes` free from `at` on. */
  room(bytes: number): { readonly buffer: Buffer; readonly at: number };
  /** The row just written ends at `end` in that buffer. */
  wrote(end: number): void;
}

/** Number of the next row in its sheet (starting a new sheet when the last one is full). */
export type NextRow = () => number;

/**
 * A row the bytes cannot be rendered from as they are: its fields, to be rendered as text, with
 * its number in the sheet when one was already taken for it (`sheetRow`).
 */
export type RowAsText = (row: number, fields: string[], sheetRow?: number) => void;

const QUOTE = 0x22;
const TRUE_VALUE = markup('" t="b"><v>1');
const FALSE_VALUE = markup('" t="b"><v>0');

const NO_WANTED = new Int32Array(0);
/** Boolean fields up to this long are checked once per word (booleanValue). */
const BOOLEAN_KEY_BYTES = 6;
/** Words remembered per boolean column. */
const BOOLEAN_WORDS_KEPT = 64;

/**
 * The Imported sheet's rows straight from a success-list element's bytes: the chunk's own CSV
 * text, scanned where it lies (csv-scan.ts, the enqueue's own scanner) and copied into the
 * sheet's XML with the few characters XML needs escaped and the characters beyond ASCII as
 * references (xml-bytes.ts), numbers and booleans typed by the import's schema. The same XML as rowXml on the rows' values (SheetRowsRenderer's text path,
 * which a test compares it with), at a fraction of the CPU: no string per chunk, field or row.
 *
 * Only for what it is sure of: an import whose schema the trusted fast check reads column by
 * column (or no schema), chunks of the file's own text in valid UTF-8; the file's ignored
 * columns are left out as projectFields leaves them. A row it cannot write as it is (a
 * character XML cannot hold, stray quotes, a very long field, an empty required one, a number
 * or boolean the check refuses, another width) goes to `asText` with its fields.
 */
export class ImportedXmlFromBytes {
  private readonly columns: readonly CompiledColumn[];
  private readonly width: number;
  /** The import's columns kept from the file's (ignored columns left out), or null when all are. */
  private readonly kept: KeepColumns | null;
  /** Per column of the import: the index of its field in the file's record. */
  private readonly source: readonly number[];
  /** Fields of a record of the file. */
  private readonly recordWidth: number;
  /** The row being written: each boolean field's value, each number's. */
  private readonly booleans: Uint8Array;
  private readonly numbers: Float64Array;
  /** The row being written: each number is written as rowXml writes it (1), not as it is (0). */
  private readonly escape: Uint8Array;
  private readonly out = newScannedRecord(0);
  private readonly sink: FieldSink = { starts: [], ends: [], kinds: [] };
  /** The row's opening markup and its cells' references. */
  private readonly markup = new RowMarkup();
  /** The row's number in the file. */
  private readonly fileRow = new Digits();
  /** Per boolean column: what its check made of each short word met (booleanValue); null, not a boolean. */
  private readonly booleanWords: Map<number, boolean | null>[] = [];

  private constructor(columns: readonly CompiledColumn[], kept: KeepColumns | null) {
    this.columns = columns;
    this.width = columns.length;
    this.kept = kept;
    this.source = kept ? kept.keep : columns.map((_, i) => i);
    this.recordWidth = kept ? kept.width : columns.length;
    this.booleans = new Uint8Array(columns.length);
    this.numbers = new Float64Array(columns.length);
    this.escape = new Uint8Array(columns.length);
  }

  /** Null when the import is beyond it (see the class). `schema` is the record's, compiled. */
  static forImport(record: ImportRecord, schema: ImportSchema | null): ImportedXmlFromBytes | null {
    const kept = record.keepColumns;
    if (kept && (kept.keep.length !== record.columns.length || kept.keep.some((i) => !(i >= 0 && i < kept.width)))) return null;
    if (!schema) return new ImportedXmlFromBytes(record.columns.map(() => ({ kind: 'text', required: false, check: null, numberOk: null })), kept);
    const columns = trustedColumns(record.columns, schema.root, schema.format);
    return columns ? new ImportedXmlFromBytes(columns, kept) : null;
  }

  /**
   * Renders the imported rows of a success entry given as its bytes. False, having rendered
   * nothing, when the entry is not one it reads (not the file's own text, not valid UTF-8): the
   * caller renders it as text then.
   */
  render(entry: Buffer, next: NextRow, out: XmlBytesOut, asText: RowAsText): boolean {
    const layout = successEntryLayout(entry);
    if (!layout) return false;
    const chunk = rawChunkLayout(entry, layout.payloadStart);
    if (!chunk || chunk.delimiter > 0x7f || chunk.lineEnd < 1 || chunk.lineEnd > 3 || !isUtf8(entry)) return false;
    const dialect: ScanDialect = { delimiter: chunk.delimiter, lineEnd: chunk.lineEnd as LineEnd };
    const { sink, out: scanned, recordWidth, kept } = this;
    const end = entry.length;
    let pos = chunk.textStart;
    let index = 0;
    while (pos < end) {
      if (scanRecord(entry, pos, end, true, dialect, Number.MAX_SAFE_INTEGER, NO_WANTED, scanned, sink) !== SCAN_RECORD) {
        throw new Error(`the imported rows from row ${chunk.firstRow} end inside a quoted field`);
      }
      const start = pos;
      pos = scanned.end;
      if (scanned.blank) continue;
      if (layout.failedIndexes.has(index++)) continue;
      const row = chunk.firstRow + index - 1;
      const written = scanned.fields === recordWidth ? this.writeRow(entry, row, scanned.contentEnd - start, next, out) : NOT_NUMBERED;
      if (written !== WRITTEN) {
        const fields = this.fieldsAsText(entry, start, scanned.contentEnd, dialect);
        asText(row, kept ? projectFields(fields, kept) : fields, written === NOT_NUMBERED ? undefined : written);
      }
    }
    if (index !== chunk.rows) throw new Error(`chunk of rows ${chunk.firstRow}..${chunk.firstRow + chunk.rows - 1} reads as ${index} rows instead of ${chunk.rows}`);
    return true;
  }

  /**
   * Writes the scanned row, `bytes` long in the file: WRITTEN, or, when it must go as text,
   * NOT_NUMBERED or the number in its sheet already taken for it, having written nothing
   * (`out.wrote` not called). Each field is checked as it is written, in one pass: the rows
   * of a success list are valid, so a row given up halfway is rare.
   */
  private writeRow(data: Buffer, row: number, bytes: number, next: NextRow, out: XmlBytesOut): number {
    const { starts, ends, kinds: fieldKinds } = this.sink;
    const { width, source, columns } = this;
    // Stray quotes anywhere: csv-parse itself reads the record (fieldsAsText).
    for (let k = 0; k < this.recordWidth; k++) if (fieldKinds[k] !== FIELD_PLAIN && fieldKinds[k] !== FIELD_QUOTED) return NOT_NUMBERED;
    // The row's number first: a new sheet may start with it, before room is asked for. A cell's
    // markup is under 96 bytes; a byte of text takes 5 at most once escaped.
    const r = next();
    const { buffer, at: from } = out.room(64 + 96 * width + 5 * bytes);
    let at = this.markup.startRow(buffer, from, r);
    this.fileRow.of(row);
    at = this.fileRow.write(buffer, at);
    // How the cell written last ends: written with the next cell's start, or the row's end.
    let end: CellEnd = VALUE_CELL;
    for (let f = 0; f < width; f++) {
      const s = source[f]!;
      let start = starts[s]!;
      let stop = ends[s]!;
      const quoted = fieldKinds[s] === FIELD_QUOTED;
      if (quoted) {
        start++;
        stop--;
      }
      const column = columns[f]!;
      const length = stop - start;
      if (length === 0) {
        if (column.required) return r;
        continue; // empty: no value, no cell
      }
      // A field's characters are at most its bytes: one this long may be too long for a cell.
      if (length > MAX_CELL_CHARS) return r;
      const kind = column.kind;
      if (kind !== 'text' && !this.typedValue(data, start, stop, f)) return r;
      at = this.markup.nextCell(buffer, at, end, f + 1);
      if (kind === 'number') {
        at = put(buffer, at, VALUE_OPEN);
        // Written as it is when JavaScript writes the number so; else as rowXml writes it.
        at = this.escape[f] === 0 ? copyBytes(data, start, stop, buffer, at) : ascii(buffer, at, String(this.numbers[f]));
        end = VALUE_CELL;
      } else if (kind === 'boolean') {
        at = put(buffer, at, this.booleans[f] === 1 ? TRUE_VALUE : FALSE_VALUE);
        end = VALUE_CELL;
      } else {
        const first = data[start]!;
        // Formula-shaped: Text format, as rowXml does.
        if (isFormulaLead(first)) at = put(buffer, at, TEXT_STYLE);
        const spaced = isXmlSpace(first) || isXmlSpace(data[stop - 1]!);
        at = put(buffer, at, spaced ? TEXT_OPEN_SPACED : TEXT_OPEN);
        // Checked as it is copied: a character XML cannot hold sends the row as text.
        at = copyText(data, start, stop, quoted, buffer, at);
        if (at < 0) return r;
        end = spaced ? SPACED_TEXT_CELL : VALUE_CELL;
      }
    }
    at = this.markup.endRow(buffer, at, end);
    out.wrote(at);
    return WRITTEN;
  }

  /**
   * Whether a number or boolean field's value is what the trusted check makes of it, and for a
   * number, written as rowXml writes it (the field's own text); notes a boolean's value.
   */
  private typedValue(data: Buffer, start: number, stop: number, f: number): boolean {
    const column = this.columns[f]!;
    if (column.numberOk) {
      // Most numbers: read from the bytes, written back as they are.
      const plain = plainNumberBytes(data, start, stop);
      if (plain !== undefined) {
        if (!column.numberOk(plain)) return false;
        this.numbers[f] = plain;
        this.escape[f] = 0;
        return true;
      }
    }
    for (let i = start; i < stop; i++) if (data[i]! >= 0x80 || data[i] === QUOTE) return false;
    if (column.kind === 'boolean' && stop - start <= BOOLEAN_KEY_BYTES) return this.booleanValue(data, start, stop, f);
    const text = data.toString('latin1', start, stop);
    const value = column.check ? column.check(text) : text;
    if (column.kind === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) return false;
      this.numbers[f] = value;
      this.escape[f] = plainNumber(text) === value ? 0 : 1;
      return true;
    }
    if (typeof value !== 'boolean') return false;
    this.booleans[f] = value ? 1 : 0;
    return true;
  }

  /**
   * typedValue for a short boolean field of ASCII without quotes: the column's check of each word
   * is remembered by the word's bytes (a boolean column holds a few words, written again and
   * again), so that most fields are read without a string made of them.
   */
  private booleanValue(data: Buffer, start: number, stop: number, f: number): boolean {
    // The bytes and their count as one number: below 2^53 for up to 6 bytes.
    let key = stop - start;
    for (let i = start; i < stop; i++) key = key * 256 + data[i]!;
    const words = (this.booleanWords[f] ??= new Map());
    let value = words.get(key);
    if (value === undefined) {
      const checked = this.columns[f]!.check?.(data.toString('latin1', start, stop));
      value = typeof checked === 'boolean' ? checked : null;
      // Bounded: a column of many different short words checks the others each time.
      if (words.size < BOOLEAN_WORDS_KEPT) words.set(key, value);
    }
    if (value === null) return false;
    this.booleans[f] = value ? 1 : 0;
    return true;
  }

  /** A record's fields as text, as SheetRowsRenderer's text path reads them. */
  private fieldsAsText(data: Buffer, start: number, contentEnd: number, dialect: ScanDialect): string[] {
    const { starts, ends, kinds } = this.sink;
    const fields: string[] = [];
    for (let f = 0; f < this.out.fields; f++) {
      if (kinds[f] === FIELD_PLAIN) fields.push(data.toString('utf8', starts[f]!, ends[f]!));
      else if (kinds[f] === FIELD_QUOTED) fields.push(data.toString('utf8', starts[f]! + 1, ends[f]! - 1).replaceAll('""', '"'));
      else return parseRecords(data.subarray(start, contentEnd), { delimiter: String.fromCharCode(dialect.delimiter), lineEnd: dialect.lineEnd as 1 | 2 | 3 })[0] ?? [''];
    }
    return fields;
  }
}

/** writeRow's answers beside the row's number in its sheet (always 2 or more: row 1 is the header). */
const WRITTEN = -1;
const NOT_NUMBERED = 0;

/** Bytes copyText copies as they are: printable ASCII but & < > and the quote. */
const PLAIN_TEXT_BYTE = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN_TEXT_BYTE[b] = b === 0x26 || b === 0x3c || b === 0x3e || b === QUOTE ? 0 : 1;

/**
 * Copies a text field's valid UTF-8 bytes (the inside of a quoted one when `quoted`, its "" one
 * quote) as xmlText writes the text: & < > and CR escaped, characters beyond ASCII as references
 * (charReference). Returns where the text ends, or -1 when it holds a character XML cannot (C0
 * controls but tab, LF and CR; U+FFFE and U+FFFF, EF BF BE and EF BF BF in UTF-8): what was
 * copied is then to be written over.
 */
function copyText(data: Buffer, start: number, stop: number, quoted: boolean, buffer: Buffer, at: number): number {
  for (let i = start; i < stop; i++) {
    const b = data[i]!;
    if (PLAIN_TEXT_BYTE[b] === 1) {
      buffer[at++] = b;
    } else if (b >= 0x80) {
      if (b === 0xef && data[i + 1] === 0xbf && (data[i + 2] === 0xbe || data[i + 2] === 0xbf)) return -1;
      at = charReference(data, i, buffer, at);
      i += utf8Length(b) - 1;
    } else if (b === QUOTE) {
      buffer[at++] = b;
      if (quoted) i++; // the second of ""
    } else if (b < 0x20 && b !== 9 && b !== 10 && b !== 13) {
      return -1;
    } else at = escapedByte(b, buffer, at);
  }
  return at;
}
