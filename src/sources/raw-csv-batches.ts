import { DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE } from '../defaults.js';
import { describeCsvError, quoteNeverClosed, recordTooLarge, tooManyColumns } from './csv-records.js';
import {
  LINE_END_LF,
  LINE_END_UNKNOWN,
  newPlainScan,
  newScannedRecord,
  SCAN_MORE,
  SCAN_RECORD,
  SCAN_TOO_MANY_FIELDS,
  SCAN_UNCLOSED_QUOTE,
  scanPlainRecord,
  scanRecord,
  type LineEnd,
  type ScanDialect,
} from './csv-scan.js';
import { parseRecords } from './csv-fields.js';

/**
 * Whole records of CSV text, as found in one block of it: where each starts and ends, not their
 * fields. Offsets index `data`; the records follow each other with nothing between them.
 */
export interface RawCsvBatch {
  readonly data: Buffer;
  readonly count: number;
  /** Offset where each record starts. */
  readonly starts: readonly number[];
  /** Offset of the line end after each record (its text is data[start, contentEnd)). */
  readonly contentEnds: readonly number[];
  /** Offset just past the last record's line end. */
  readonly end: number;
  /** Line where each record starts. */
  readonly lines: readonly number[];
  readonly blank: readonly boolean[];
  readonly fieldCounts: readonly number[];
  /** For record r and wanted field k (see RawCsvOptions.wanted): at r * wanted.length + k. */
  readonly wantedStarts: readonly number[];
  readonly wantedEnds: readonly number[];
  readonly wantedKinds: readonly number[];
  /** The separator (a byte) and the line end, known once the first line ended. */
  readonly dialect: Readonly<ScanDialect>;
}

export interface RawCsvOptions {
  readonly name: string;
  /** A single-byte separator (not a quote nor a line break). */
  readonly delimiter: string;
  readonly maxRecordSize?: number;
  readonly maxColumns?: number;
  /** Field indexes (ascending) whose positions each record reports: the unique columns. */
  readonly wanted?: readonly number[];
}

/** True when the fast reader can take this separator: one byte, neither quote nor line break. */
export function rawDelimiterSupported(delimiter: string): boolean {
  return delimiter.length === 1 && delimiter.charCodeAt(0) < 128 && !'"\r\n'.includes(delimiter);
}

/** The header record of the text: its fields and line. */
export interface RawCsvHeader {
  readonly fields: string[];
  readonly line: number;
}

/**
 * Reads the records of CSV text (UTF-8 chunks) as batches of whole records, without parsing
 * their fields (csv-scan.ts): the same records, lines and limits as readCsvBatches, at a
 * fraction of the cost. First `header()`, then `batches()` with the fields whose positions the
 * caller wants (they depend on the header). Errors that stop the file come after every complete
 * record before them.
 */
export class RawCsvReader {
  private readonly maxRecordSize: number;
  private readonly maxColumns: number;
  private readonly dialect: ScanDialect;
  private readonly input: AsyncIterator<Buffer>;
  private wanted = new Int32Array(0);
  private scanned = newScannedRecord(0);
  private carry: Buffer | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private line = 1;
  private headerRead = false;
  /** The input's own error (a read error, bytes not valid in their encoding), thrown after the records before it. */
  private failure: Error | null = null;

  constructor(
    input: AsyncIterable<Buffer>,
    private readonly options: RawCsvOptions,
  ) {
    this.maxRecordSize = options.maxRecordSize ?? DEFAULT_MAX_RECORD_SIZE;
    this.maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
    if (!rawDelimiterSupported(options.delimiter)) throw new Error(`the fast CSV reader cannot take the separator ${JSON.stringify(options.delimiter)}`);
    this.dialect = { delimiter: options.delimiter.charCodeAt(0), lineEnd: LINE_END_UNKNOWN as LineEnd };
    this.input = input[Symbol.asyncIterator]();
  }

  /** The first record that is not blank, or null for a text of blank lines only. */
  async header(): Promise<RawCsvHeader | null> {
    if (this.headerRead) throw new Error('header() was called twice');
    this.headerRead = true;
    for (;;) {
      await this.fill();
      const { batch, error } = this.scan(true);
      const index = batch ? batch.blank.indexOf(false) : -1;
      if (batch && index >= 0) {
        const lineEnd = this.dialect.lineEnd === LINE_END_UNKNOWN ? LINE_END_LF : this.dialect.lineEnd;
        const text = batch.data.subarray(batch.starts[index], batch.contentEnds[index]);
        const fields = parseRecords(text, { delimiter: this.options.delimiter, lineEnd })[0] ?? [''];
        return { fields, line: batch.lines[index]! };
      }
      if (error) throw error;
      if (this.failure) throw this.failure;
      if (this.ended && !this.carry && this.pendingBytes === 0) return null;
    }
  }

  /** The records after the header, reporting the positions of the `wanted` fields (ascending indexes). */
  async *batches(wanted: readonly number[] = []): AsyncGenerator<RawCsvBatch> {
    this.wanted = Int32Array.from(wanted);
    this.scanned = newScannedRecord(wanted.length);
    for (;;) {
      await this.fill();
      if (this.pendingBytes === 0 && !this.carry) {
        if (this.failure) throw this.failure;
        return;
      }
      const { batch, error } = this.scan(false);
      if (batch) yield batch;
      if (error) throw error;
      if (this.failure) throw this.failure;
      if (this.ended && this.pendingBytes === 0 && !this.carry) return;
    }
  }

  /**
   * Reads what comes next (or notes the end, or the failure: see `failure`). Text is scanned as
   * it arrives, so that a slow stream (a pipe fed bit by bit) is queued as it comes; but a record
   * longer than what arrives at once is scanned again only once as much again has come, so the
   * work on a huge record stays linear in its size.
   */
  private async fill(): Promise<void> {
    const want = Math.max(1, this.carry?.length ?? 0);
    while (!this.ended && this.pendingBytes < want) {
      try {
        const next = await this.input.next();
        if (next.done) {
          this.ended = true;
          break;
        }
        this.pending.push(next.value);
        this.pendingBytes += next.value.length;
      } catch (err) {
        // Bytes not valid in their encoding, or a read error: the whole records before it still count.
        this.ended = true;
        this.failure = describeCsvError(err, this.options.name, this.line, this.maxRecordSize);
      }
    }
  }

  /** Scans what has gathered: the whole records (all of them, or up to the header's) and the error that stops the file. */
  private scan(headerOnly: boolean): { batch: RawCsvBatch | null; error: Error | null } {
    // After a failed read the record in progress is cut: never taken as the last record.
    const final = this.ended && !this.failure;
    const parts = this.carry ? [this.carry, ...this.pending] : this.pending;
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.pending = [];
    this.pendingBytes = 0;
    const wanted = this.wanted;
    const scanned = this.scanned;
    const starts: number[] = [];
    const contentEnds: number[] = [];
    const lines: number[] = [];
    const blank: boolean[] = [];
    const fieldCounts: number[] = [];
    const wantedStarts: number[] = [];
    const wantedEnds: number[] = [];
    const wantedKinds: number[] = [];
    let pos = 0;
    let error: Error | null = null;
    let more = false;
    let stopped = false;
    const plain = newPlainScan(data);
    while (pos < data.length) {
      const result = scanPlainRecord(plain, pos, this.dialect, this.maxColumns, wanted, scanned)
        ? SCAN_RECORD
        : scanRecord(data, pos, data.length, final, this.dialect, this.maxColumns, wanted, scanned);
      if (result === SCAN_MORE) {
        more = true;
        break;
      }
      if (result === SCAN_UNCLOSED_QUOTE) {
        error = quoteNeverClosed(this.options.name, this.line);
        break;
      }
      if (result === SCAN_TOO_MANY_FIELDS) {
        error = tooManyColumns(this.options.name, this.line, this.maxColumns);
        break;
      }
      if (scanned.contentEnd - pos > this.maxRecordSize) {
        error = recordTooLarge(this.options.name, this.line, this.maxRecordSize);
        break;
      }
      starts.push(pos);
      contentEnds.push(scanned.contentEnd);
      lines.push(this.line);
      blank.push(scanned.blank);
      fieldCounts.push(scanned.fields);
      for (let k = 0; k < wanted.length; k++) {
        wantedStarts.push(scanned.wantedStart[k]!);
        wantedEnds.push(scanned.wantedEnd[k]!);
        wantedKinds.push(scanned.wantedKind[k]!);
      }
      this.line += 1 + scanned.breaks;
      pos = scanned.end;
      if (headerOnly && !scanned.blank) {
        stopped = true; // the rest is read by batches()
        break;
      }
    }
    this.carry = pos < data.length ? data.subarray(pos) : null;
    if (!error && more && this.carry && this.carry.length > this.maxRecordSize) error = recordTooLarge(this.options.name, this.line, this.maxRecordSize);
    if (error || (this.failure && !stopped)) this.carry = null;
    const batch =
      starts.length === 0
        ? null
        : { data, count: starts.length, starts, contentEnds, end: pos, lines, blank, fieldCounts, wantedStarts, wantedEnds, wantedKinds, dialect: { ...this.dialect } };
    return { batch, error };
  }
}
