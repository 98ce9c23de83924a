import { isUtf8 } from 'node:buffer';
import { MAX_CHUNK_SIZE } from '../defaults.js';
import { projectFields, type KeepColumns } from '../import-record.js';
import { chunkFromEntryId, decodeChunkFields, decodeSuccessEntry, type ChunkEntryRead, type Duplicate } from '../redis/codec.js';
import type { ByteRowCheck } from '../schema/byte-row-check.js';
import { splitRecordBytes, splitRecords } from '../sources/csv-fields.js';
import { FIELD_PLAIN, FIELD_QUOTED, newScannedRecord, SCAN_RECORD, scanRecord, type LineEnd, type ScanDialect } from '../sources/csv-scan.js';

/**
 * A chunk's payload (the `d` field of its stream entry, src/redis/codec.ts) and the chunk as a
 * worker reads it back.
 */

/** One chunk: consecutive data rows of the file, the unit of work in Redis. */
export interface DecodedChunk {
  readonly chunk: number;
  /** Row number of the first row (1 is the first data row after the header). */
  readonly firstRow: number;
  /** Line of the file where each row starts (null where unknown: see unreadableChunk). */
  readonly lines: readonly (number | null)[];
  readonly rows: readonly (readonly string[])[];
  /** Rows (by index) the reader found could not be imported as read, with why: they fail with these. */
  readonly problems?: ReadonlyMap<number, readonly string[]>;
  readonly duplicates: readonly Duplicate[];
  /**
   * For a chunk of the file's own text separated by commas, rows keeping every field of the file:
   * where each row's own bytes are in the payload, when COPY reads them as the row's fields (a
   * target may send them as they are: see copy-text.ts).
   */
  readonly plain?: PlainRows;
  /**
   * Rows (1 by index) found valid on their bytes (decodeChunk's `onBytes`), to be sent as the file
   * wrote them (`plain` says where): such a row is not split, its `rows` entry is empty
   * (NOT_SPLIT). Only a caller that saves rows as written asks for this.
   */
  readonly asWritten?: Uint8Array;
  /** The chunk's payload as queued, in bytes: kept whole in its success entry (src/redis/codec.ts). */
  readonly payload: Buffer;
}

/** Rows' own bytes: row i is bytes[starts[i], ends[i]), or has none (-1) when COPY would not read it as its fields (splitRecords). */
export interface PlainRows {
  readonly bytes: Buffer;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * A chunk travels as one compact JSON string, `[firstRow, lines, rows]`, where `lines` is the
 * first row's line when the rows sit on consecutive lines (the common case) and the full list
 * otherwise: arrays are cheaper than objects to build, store and parse. Rows with problems found
 * by the reader (`problems[i]`, see SourceRecord) add `[[index, messages], ...]` as a fourth item.
 */
export function encodeChunk(firstRow: number, lines: readonly number[], rows: readonly (readonly string[])[], problems?: readonly (readonly string[] | undefined)[]): string {
  const first = lines[0] ?? 0;
  const consecutive = lines.every((line, i) => line === first + i);
  const found: [number, readonly string[]][] = [];
  problems?.forEach((messages, index) => {
    if (messages && messages.length > 0) found.push([index, messages]);
  });
  return JSON.stringify(found.length > 0 ? [firstRow, consecutive ? first : lines, rows, found] : [firstRow, consecutive ? first : lines, rows]);
}

/** What a worker needs to read a chunk of the file's own text. */
export interface RawChunkHeader {
  readonly firstRow: number;
  /** Line of the file where the chunk's first row starts. */
  readonly firstLine: number;
  /** Rows in the chunk (blank lines between them are not rows). */
  readonly rows: number;
  readonly delimiter: string;
  /** The file's line end: 1 LF, 2 CR, 3 CRLF (see csv-scan.ts). */
  readonly lineEnd: 1 | 2 | 3;
}

const RAW_MARK = 'R';
const RAW_MARK_BYTE = RAW_MARK.charCodeAt(0);

/**
 * A chunk of CSV rows as the file's own bytes, behind one header line,
 * `R,<firstRow>,<firstLine>,<delimiter code>,<line end>,<rows>`: no copy into JSON at enqueue,
 * and the workers, many, parse what the enqueue, one, only cut (csv-scan.ts).
 */
export function encodeRawChunk(header: RawChunkHeader, text: Buffer | readonly Buffer[]): Buffer {
  const head = `${RAW_MARK},${header.firstRow},${header.firstLine},${header.delimiter.charCodeAt(0)},${header.lineEnd},${header.rows}\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), ...(Buffer.isBuffer(text) ? [text] : text)]);
}

/**
 * Decodes a chunk from its stream entry. `keepColumns` is the import's (see ImportSettings): a raw
 * chunk holds whole records of the file, which keep only the import's columns once parsed.
 */
export function decodeChunk(entry: ChunkEntryRead, keepColumns: KeepColumns | null = null, onBytes: ByteRowCheck | null = null): DecodedChunk {
  const { duplicates } = decodeChunkFields(entry.fields);
  const { payload } = entry;
  const rows =
    onBytes && keepColumns === null && payload[0] === RAW_MARK_BYTE
      ? decodeRawRowsOnBytes(payload, onBytes, duplicates.length > 0 ? new Set(duplicates.map((d) => d.index)) : null)
      : decodePayload(payload, keepColumns);
  return { chunk: chunkFromEntryId(entry.entryId), ...rows, duplicates, payload };
}

/**
 * A chunk whose rows cannot be read back (its text reads as another number of rows than the
 * enqueue counted: a disagreement between the enqueue's scan and the worker's split), as a chunk
 * of that many rows with no fields, so that they can be failed instead of the chunk being handed
 * out again and again. Null when not even the raw chunk's header line can be read.
 */
export function unreadableChunk(entry: ChunkEntryRead): DecodedChunk | null {
  const { payload } = entry;
  if (payload[0] !== RAW_MARK_BYTE) return null;
  const [, firstRow, firstLine, , , count] = rawHeader(rawHeaderLine(payload));
  if (![firstRow, firstLine, count].every((n) => Number.isSafeInteger(n) && n! >= 0) || count! > 1_000_000) return null;
  return {
    chunk: chunkFromEntryId(entry.entryId),
    firstRow: firstRow!,
    lines: Array.from({ length: count! }, (_, i) => (i === 0 ? firstLine! : null)),
    rows: Array.from({ length: count! }, () => []),
    duplicates: [],
    payload,
  };
}

/** Where a raw chunk's rows are in its bytes, and how to read them. */
export interface RawChunkLayout {
  readonly firstRow: number;
  /** The separator's character code. */
  readonly delimiter: number;
  readonly lineEnd: number;
  readonly rows: number;
  /** Offset of the rows' text. */
  readonly textStart: number;
}

/** The header of a raw chunk whose payload starts at `payloadStart` in `bytes`; null for another payload. */
export function rawChunkLayout(bytes: Buffer, payloadStart: number): RawChunkLayout | null {
  if (bytes[payloadStart] !== RAW_MARK_BYTE) return null;
  const newline = bytes.indexOf(10, payloadStart);
  if (newline < 0) return null;
  const [, firstRow, , delimiter, lineEnd, rows] = rawHeader(bytes.toString('latin1', payloadStart, newline));
  if (![firstRow, delimiter, lineEnd, rows].every((n) => Number.isSafeInteger(n) && n! >= 0)) return null;
  return { firstRow: firstRow!, delimiter: delimiter!, lineEnd: lineEnd!, rows: rows!, textStart: newline + 1 };
}

/** A raw chunk's header line, read from its payload's bytes. */
function rawHeaderLine(payload: Buffer): string {
  const newline = payload.indexOf(10);
  return payload.toString('latin1', 0, newline < 0 ? payload.length : newline);
}

/** The numbers of a raw chunk's header line: mark (NaN), first row, first line, separator, line end, rows. */
function rawHeader(payload: string): number[] {
  const newline = payload.indexOf('\n');
  return payload.slice(0, newline < 0 ? payload.length : newline).split(',').map(Number);
}

/** The rows of a chunk's payload, raw CSV text or JSON, with their row numbers' start and lines. */
export function decodePayload(payload: Buffer, keepColumns: KeepColumns | null): Pick<DecodedChunk, 'firstRow' | 'lines' | 'rows' | 'plain' | 'problems'> {
  if (payload[0] === RAW_MARK_BYTE) return decodeRawRows(payload, keepColumns);
  return decodeJsonRows(payload.toString('utf8'));
}

/** The rows of a JSON payload (encodeChunk). */
function decodeJsonRows(payload: string): Pick<DecodedChunk, 'firstRow' | 'lines' | 'rows' | 'problems'> {
  const [firstRow, lineInfo, rows, problems] = JSON.parse(payload) as [number, number | number[], string[][], [number, string[]][] | undefined];
  const lines = typeof lineInfo === 'number' ? rows.map((_, i) => lineInfo + i) : lineInfo;
  return problems ? { firstRow, lines, rows, problems: new Map(problems) } : { firstRow, lines, rows };
}

/**
 * The imported rows of a success entry (src/redis/codec.ts): row number and original fields, in
 * file order. The report coerces them again by the import's schema, as the worker did.
 */
export function decodeSuccessRows(entry: string, keepColumns: KeepColumns | null): { row: number; fields: string[] }[] {
  const out: { row: number; fields: string[] }[] = [];
  forEachSuccessRow(entry, keepColumns, (row, fields) => out.push({ row, fields }));
  return out;
}

/**
 * How many imported rows a success entry holds, read from its header lines only (the start of
 * the entry is enough: null when `entryStart` does not reach past them and more of it exists).
 */
export function countSuccessRows(entryStart: string, whole: boolean): number | null {
  const first = entryStart.indexOf('\n');
  const second = first < 0 ? -1 : entryStart.indexOf('\n', first + 1);
  if (!whole && second < 0) return null;
  const { failedIndexes, payload } = decodeSuccessEntry(whole ? entryStart : entryStart.slice(0, second + 1));
  if (payload.startsWith(RAW_MARK)) return rawHeader(payload)[5]! - failedIndexes.size;
  if (!whole) return null;
  return decodeJsonRows(payload).rows.length - failedIndexes.size;
}

/**
 * The imported rows of a success entry, as decodeSuccessRows gives them, handed to `onRow` one
 * at a time as they are split: nothing of the chunk is held as rows, so a reader of millions of
 * rows makes only garbage that dies young.
 */
export function forEachSuccessRow(entry: string, keepColumns: KeepColumns | null, onRow: (row: number, fields: string[]) => void): void {
  const { failedIndexes, payload } = decodeSuccessEntry(entry);
  if (!payload.startsWith(RAW_MARK)) {
    const { firstRow, rows } = decodeJsonRows(payload);
    rows.forEach((fields, index) => {
      if (!failedIndexes.has(index)) onRow(firstRow + index, fields as string[]);
    });
    return;
  }
  const newline = payload.indexOf('\n');
  const [, firstRow, , delimiter, lineEnd, count] = rawHeader(payload) as [number, number, number, number, number, number];
  let index = 0;
  splitRecords(payload.slice(newline + 1), { delimiter: String.fromCharCode(delimiter), lineEnd: lineEnd as 1 | 2 | 3 }, (fields, blank) => {
    if (blank) return;
    if (!failedIndexes.has(index)) onRow(firstRow + index, keepColumns ? projectFields(fields, keepColumns) : fields);
    index++;
  });
  if (index !== count) throw new Error(`chunk of rows ${firstRow}..${firstRow + count - 1} reads as ${index} rows instead of ${count}`);
}

/** The rows of a raw chunk, split from its bytes: a record at a time is decoded (splitRecordBytes). */
function decodeRawRows(payload: Buffer, keepColumns: KeepColumns | null): Pick<DecodedChunk, 'firstRow' | 'lines' | 'rows' | 'plain'> {
  const header = rawHeaderLine(payload);
  const [, firstRow, firstLine, delimiter, lineEnd, count] = rawHeader(header) as [number, number, number, number, number, number];
  const rows: string[][] = [];
  const lines: number[] = [];
  const withPlain = keepColumns === null && delimiter === COMMA;
  const starts: number[] = [];
  const ends: number[] = [];
  let line = firstLine;
  splitRecordBytes(payload, Math.min(header.length + 1, payload.length), { delimiter: String.fromCharCode(delimiter), lineEnd: lineEnd as 1 | 2 | 3 }, (fields, blank, breaks, plainStart, plainEnd) => {
    // Blank lines between rows are skipped and counted, as the reader does.
    if (!blank) {
      rows.push(keepColumns ? projectFields(fields, keepColumns) : fields);
      lines.push(line);
      starts.push(plainStart);
      ends.push(plainEnd);
    }
    line += 1 + breaks;
  });
  if (rows.length !== count) throw new Error(`chunk of rows ${firstRow}..${firstRow + count - 1} reads as ${rows.length} rows instead of ${count}`);
  return withPlain ? { firstRow, lines, rows, plain: { bytes: payload, starts, ends } } : { firstRow, lines, rows };
}

const COMMA = 44;
const BACKSLASH = 92;
const DOT = 46;
const QUOTE = 34;

/** The `rows` entry of a row found valid on its bytes and not split (DecodedChunk.asWritten). */
export const NOT_SPLIT: readonly string[] = Object.freeze([]);

/** What decodeRawRowsOnBytes reuses from row to row, per width. */
interface FieldScan {
  readonly wanted: Int32Array;
  readonly out: ReturnType<typeof newScannedRecord>;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly quoted: Uint8Array;
  readonly escaped: Uint8Array;
}
const fieldScans = new Map<number, FieldScan>();

function fieldScan(width: number): FieldScan {
  let scan = fieldScans.get(width);
  if (!scan) {
    scan = {
      wanted: Int32Array.from({ length: width }, (_, i) => i),
      out: newScannedRecord(width),
      starts: new Int32Array(width),
      ends: new Int32Array(width),
      quoted: new Uint8Array(width),
      escaped: new Uint8Array(width),
    };
    fieldScans.set(width, scan);
  }
  return scan;
}

/**
 * decodeRawRows for a caller that sends rows as the file wrote them: each record is scanned where
 * it lies (csv-scan.ts), and one that `check` finds valid as written is not split (NOT_SPLIT, noted
 * in `asWritten`); the others (and rows in `skip`: repeats of a unique value) are split into their
 * fields as decodeRawRows splits them, for the usual checks. A payload that is not the file's own
 * text separated by commas, in valid UTF-8, is decoded by decodeRawRows.
 */
function decodeRawRowsOnBytes(payload: Buffer, check: ByteRowCheck, skip: ReadonlySet<number> | null): Pick<DecodedChunk, 'firstRow' | 'lines' | 'rows' | 'plain' | 'asWritten'> {
  const header = rawHeaderLine(payload);
  const [, firstRow, firstLine, delimiter, lineEnd, count] = rawHeader(header) as [number, number, number, number, number, number];
  if (delimiter !== COMMA || lineEnd < 1 || lineEnd > 3 || !isUtf8(payload)) return decodeRawRows(payload, null);
  const dialect: ScanDialect = { delimiter, lineEnd: lineEnd as LineEnd };
  const splitDialect = { delimiter: ',', lineEnd: lineEnd as 1 | 2 | 3 };
  const width = check.width;
  const { wanted, out, starts: fieldStarts, ends: fieldEnds, quoted, escaped } = fieldScan(width);
  // Sized for the rows the header announces (bounded: it is checked only at the end), then cut to
  // the rows read: grown a row at a time, these arrays were copied over and over.
  const sized = Math.min(Math.max(count, 0), MAX_CHUNK_SIZE);
  const rows = new Array<readonly string[]>(sized);
  const lines = new Array<number>(sized);
  const starts = new Array<number>(sized);
  const ends = new Array<number>(sized);
  let n = 0;
  const asWritten = new Uint8Array(Math.max(count, 0));
  const end = payload.length;
  let backslashAt = -1;
  let line = firstLine;
  let pos = Math.min(header.length + 1, end);
  while (pos < end) {
    if (scanRecord(payload, pos, end, true, dialect, Number.MAX_SAFE_INTEGER, wanted, out) !== SCAN_RECORD) {
      throw new Error(`the text of a chunk ends inside a quoted field (at offset ${pos})`);
    }
    const recordEnd = out.end;
    if (out.blank) {
      line += 1 + out.breaks;
      pos = recordEnd;
      continue;
    }
    const index = n;
    const found = index < asWritten.length && !skip?.has(index) ? fieldsOnBytes(payload, width, out, fieldStarts, fieldEnds, quoted, escaped) : NOT_READ;
    if (found !== NOT_READ) {
      // A record with quoted fields goes as written only without a backslash (see OnRecord).
      let plain = true;
      if (found === READ_QUOTED) {
        if (backslashAt < pos) backslashAt = nextOrEnd(payload, BACKSLASH, pos);
        plain = backslashAt >= out.contentEnd;
      }
      const endOfData = out.contentEnd - pos === 2 && payload[pos] === BACKSLASH && payload[pos + 1] === DOT;
      if (plain && !endOfData && check.passes(payload, fieldStarts, fieldEnds, quoted, escaped)) {
        rows[n] = NOT_SPLIT;
        lines[n] = line;
        starts[n] = pos;
        ends[n++] = out.contentEnd;
        asWritten[index] = 1;
        line += 1 + out.breaks;
        pos = recordEnd;
        continue;
      }
    }
    // Split as decodeRawRows does: the text of this one record.
    const breaks = out.breaks;
    const before = n;
    splitRecordBytes(payload.subarray(0, recordEnd), pos, splitDialect, (fields, _blank, _breaks, plainStart, plainEnd) => {
      rows[n] = fields;
      starts[n] = plainStart;
      ends[n++] = plainEnd;
    });
    // One line for what the record split into (one row, as the scan found one record).
    for (let k = before; k < n; k++) lines[k] = line;
    line += 1 + breaks;
    pos = recordEnd;
  }
  if (n !== count) throw new Error(`chunk of rows ${firstRow}..${firstRow + count - 1} reads as ${n} rows instead of ${count}`);
  rows.length = n;
  lines.length = n;
  starts.length = n;
  ends.length = n;
  return { firstRow, lines, rows, plain: { bytes: payload, starts, ends }, asWritten };
}

/** fieldsOnBytes: not read (another width, stray quotes), read, read with a quoted field. */
const NOT_READ = 0;
const READ_PLAIN = 1;
const READ_QUOTED = 2;

/** Offset of the next `byte` at or after `from`, or the end. */
function nextOrEnd(bytes: Buffer, byte: number, from: number): number {
  const at = bytes.indexOf(byte, from);
  return at < 0 ? bytes.length : at;
}

/**
 * The scanned record's fields (`out`'s wanted ones) as a ByteRowCheck reads them: NOT_READ when it has
 * another number of fields or one with stray quotes.
 */
function fieldsOnBytes(
  data: Buffer,
  width: number,
  out: ReturnType<typeof newScannedRecord>,
  starts: Int32Array,
  ends: Int32Array,
  quoted: Uint8Array,
  escaped: Uint8Array,
): number {
  if (out.fields !== width) return NOT_READ;
  let found = READ_PLAIN;
  for (let f = 0; f < width; f++) {
    const kind = out.wantedKind[f];
    const start = out.wantedStart[f]!;
    const end = out.wantedEnd[f]!;
    if (kind === FIELD_PLAIN) {
      starts[f] = start;
      ends[f] = end;
      quoted[f] = 0;
      escaped[f] = 0;
    } else if (kind === FIELD_QUOTED) {
      starts[f] = start + 1;
      ends[f] = end - 1;
      quoted[f] = 1;
      const inner = data.indexOf(QUOTE, start + 1);
      escaped[f] = inner >= 0 && inner < end - 1 ? 1 : 0;
      found = READ_QUOTED;
    } else return NOT_READ;
  }
  return found;
}
