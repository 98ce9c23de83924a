import { promisify } from 'node:util';
import { brotliCompressSync, brotliDecompress, brotliDecompressSync, constants, deflateRawSync, inflateRaw, inflateRawSync } from 'node:zlib';

/**
 * Every format that crosses Redis, built and read here only: a chunk's stream entry (its id and
 * fields), the repeated unique values it carries, and the elements of the two outcome lists.
 * The Lua scripts that touch these formats (enqueue-chunk.lua, record-chunk.lua) point here.
 * A chunk's payload (the `d` field: its rows as JSON or as the file's own text) is the one format
 * left to its own module, src/chunks/chunk-codec.ts, as it is about rows, not Redis.
 */

// --- The chunk's stream entry ------------------------------------------------------------------

/**
 * Stream entry id of a chunk, `<chunk>-1`: the chunk number makes a resumed enqueue unable to
 * add it twice (enqueue-chunk.lua builds the same id, record-chunk.lua too).
 */
export function chunkEntryId(chunk: number): string {
  return `${chunk}-1`;
}

export function chunkFromEntryId(entryId: string): number {
  return Number(entryId.split('-')[0]);
}

/** Names of a chunk's stream entry fields (written by enqueue-chunk.lua, read here). */
export const CHUNK_FIELD = {
  /** The chunk's payload (src/chunks/chunk-codec.ts). */
  payload: 'd',
  /** The incarnation of the import it was queued for (ImportSettings.incarnation). */
  incarnation: 'i',
  /** Its rows that repeat an earlier row's unique value (encodeDuplicates). */
  duplicates: 'u',
} as const;

/** A chunk's stream entry fields, read; a field missing reads as ''. */
export interface ChunkFields {
  readonly payload: string;
  /** '' for a chunk queued by a version without incarnations. */
  readonly incarnation: string;
  readonly duplicates: readonly Duplicate[];
}

/** A row that repeats an earlier row's value in a unique column. */
export interface Duplicate {
  /** Index of the row within its chunk. */
  readonly index: number;
  /** Position of the column among the import's unique columns. */
  readonly uniqueSlot: number;
  /** Row number of the first row that holds the value. */
  readonly firstRow: number;
}

/** The fields of a chunk's stream entry as XADD takes them (enqueue-chunk.lua writes the same). */
export function encodeChunkFields(fields: { payload: string; incarnation: string; duplicates?: readonly Duplicate[] }): string[] {
  const out: string[] = [CHUNK_FIELD.payload, fields.payload, CHUNK_FIELD.incarnation, fields.incarnation];
  if (fields.duplicates && fields.duplicates.length > 0) out.push(CHUNK_FIELD.duplicates, encodeDuplicates(fields.duplicates));
  return out;
}

/**
 * A chunk's stream entry as a worker reads it: its payload in bytes, as stored (decoded a record at
 * a time, sent to a database and packed into a success entry without being encoded again), and
 * its other fields as text.
 */
export interface ChunkEntryRead {
  readonly entryId: string;
  /** The fields as text (decodeChunkFields reads them), but for the payload's value, left ''. */
  readonly fields: string[];
  /** The payload's bytes (empty when the entry has none). */
  readonly payload: Buffer;
}

/** A stream entry read in bytes, as XREADGROUP and XAUTOCLAIM return them (name, value, ...). */
export function readChunkEntry(id: Buffer, fields: readonly Buffer[]): ChunkEntryRead {
  let payload: Buffer = EMPTY;
  const text = fields.map((field, i) => {
    if (i % 2 === 1 && fields[i - 1]!.toString('latin1') === CHUNK_FIELD.payload) {
      payload = field;
      return '';
    }
    return field.toString('utf8');
  });
  return { entryId: id.toString('latin1'), fields: text, payload };
}

/** A chunk's stream entry from its fields as text (XRANGE's reply; tests), as readChunkEntry gives it. */
export function chunkEntryFromText(entryId: string, fields: readonly string[]): ChunkEntryRead {
  return readChunkEntry(Buffer.from(entryId, 'latin1'), fields.map((field) => Buffer.from(field, 'utf8')));
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Reads a chunk's stream entry fields, as XREADGROUP returns them (name, value, ...). */
export function decodeChunkFields(fields: readonly string[]): ChunkFields {
  let payload = '';
  let incarnation = '';
  let duplicates = '';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === CHUNK_FIELD.payload) payload = value;
    else if (fields[i] === CHUNK_FIELD.incarnation) incarnation = value;
    else if (fields[i] === CHUNK_FIELD.duplicates) duplicates = value;
  }
  return { payload, incarnation, duplicates: decodeDuplicates(duplicates) };
}

/** `<index>:<unique slot>:<first row>,...` (enqueue-chunk.lua builds it the same way). */
export function encodeDuplicates(duplicates: readonly Duplicate[]): string {
  return duplicates.map((d) => `${d.index}:${d.uniqueSlot}:${d.firstRow}`).join(',');
}

export function decodeDuplicates(text: string): Duplicate[] {
  if (text === '') return [];
  return text.split(',').map((part) => {
    const [index, uniqueSlot, firstRow] = part.split(':').map(Number);
    return { index: index!, uniqueSlot: uniqueSlot!, firstRow: firstRow! };
  });
}

// --- The outcome lists -------------------------------------------------------------------------
//
// Each list holds, per recorded chunk, one packed element: a mark byte and the compressed bytes
// of what the chunk adds to the list. An import at rest is kept for --ttl after its report: stored
// as text, its lists held about 1.3x the file in Redis; packed, about a third. Elements
// written as text by earlier versions (one per chunk in the success list, one per row in the
// error list) are read as before: an import in flight through an upgrade has both.

/** Success list, as versions before PACKED_SUCCESS_HEADED wrote it: the chunk's success entry (encodeSuccessEntry), deflated. */
const PACKED_SUCCESS = 0x01;
/**
 * Success list: the chunk's success entry (encodeSuccessEntry) in two parts, its head as it is
 * and the rest compressed by brotli at quality 0: the head's byte length (u32 LE), the head (the
 * entry's first two lines: the failed indexes and the payload's own first line, which holds
 * its row count; the first line alone when the second is long), then the rest. A report counts
 * the entry's rows from the head without decompressing anything. Brotli's quality 0 packs the
 * file's text to about the size deflate's level 1 does (a tenth larger) in half its time: the
 * workers compress every byte of the file once.
 */
const PACKED_SUCCESS_HEADED = 0x04;
/** Head of a PACKED_SUCCESS_HEADED element: mark and length. */
const HEADED_HEAD = 5;
/** The payload's first line goes into the head when it is no longer than this. */
const HEAD_LINE_LIMIT = 1024;
/** Error list: the chunk's failed rows' entries (encodeFailedRow), joined by line breaks, deflated. */
const PACKED_FAILED = 0x02;
/**
 * Error list: the chunk's failed rows with their count and their messages' groups ahead of them,
 * so that the report's Summary and the mail count problems without reading every row:
 * the row count (u32 LE), the groups' byte length (u32 LE), the groups (`[[key, rows], ...]` as
 * JSON, deflated; countMessageGroups), then the entries as in PACKED_FAILED.
 */
const PACKED_FAILED_COUNTED = 0x03;
const COUNTED_HEAD = 9;
/** Level 1: on the lists' text, close to level 6's size and several times faster. */
const DEFLATE_OPTIONS = { level: 1, strategy: constants.Z_DEFAULT_STRATEGY };
/** A window as large as a chunk's text (MAX_CHUNK_BYTES) at most. */
const BROTLI_WINDOW_BITS = 20;

// The report unpacks in libuv's thread pool: its event loop goes on writing the workbook meanwhile,
// on another core. A worker packs at once (about a millisecond for a chunk): chunks are then
// recorded in the order their saves end.
const inflate = promisify(inflateRaw);
const brotliUnpack = promisify(brotliDecompress);

/** First character of a success entry (record-chunk.lua recognises an old header line by it). */
const SUCCESS_MARK = 'S';

/**
 * A chunk's entry in the success list, before packing: the chunk's payload as it was queued,
 * behind the indexes of its rows that failed, `S,<index>,<index>...\n<payload>`. One entry per
 * chunk and no re-encoding in the worker; the report reads the rows back and coerces them as
 * the worker did.
 */
export function encodeSuccessEntry(failedIndexes: readonly number[], payload: string): string {
  return `${successHeader(failedIndexes)}\n${payload}`;
}

/**
 * The first line of a success entry, `S,<index>,<index>...`. A version that stored entries as
 * text sent this line alone and record-chunk.lua put the chunk's payload behind it.
 */
function successHeader(failedIndexes: readonly number[]): string {
  return `${SUCCESS_MARK}${failedIndexes.map((i) => `,${i}`).join('')}`;
}

/** A success entry, read: the indexes of the chunk's failed rows and the chunk's payload. */
export function decodeSuccessEntry(entry: string): { failedIndexes: Set<number>; payload: string } {
  const newline = entry.indexOf('\n');
  if (!entry.startsWith(SUCCESS_MARK) || newline < 0) throw new Error('not an entry of the success list');
  return { failedIndexes: failedIndexesOf(entry.slice(1, newline)), payload: entry.slice(newline + 1) };
}

/**
 * A success entry's bytes (packedSuccessBytes): the indexes of the chunk's failed rows and where
 * its payload starts; null when the bytes are not a success entry.
 */
export function successEntryLayout(entry: Buffer): { failedIndexes: Set<number>; payloadStart: number } | null {
  const newline = entry.indexOf(10);
  if (entry[0] !== SUCCESS_MARK.charCodeAt(0) || newline < 0) return null;
  return { failedIndexes: failedIndexesOf(entry.toString('latin1', 1, newline)), payloadStart: newline + 1 };
}

/** `,<index>,<index>...` of a success entry's first line, read. */
function failedIndexesOf(list: string): Set<number> {
  return new Set(list.split(',').filter(Boolean).map(Number));
}

/** A success-list element's entry as bytes, unpacked in the calling thread; null for one stored as text. */
export function packedSuccessBytes(element: Uint8Array): Buffer | null {
  if (element[0] === PACKED_SUCCESS) return inflateRawSync(element.subarray(1));
  const headed = headedParts(element);
  return headed ? Buffer.concat([headed.head, brotliDecompressSync(headed.rest, { chunkSize: UNPACK_CHUNK_BYTES })]) : null;
}

/**
 * Output buffer of a success entry's unpacking: a chunk of 2000 rows' text (~150-200 KB) in one
 * piece, where zlib's default (16 KB) took a dozen rounds and a copy to join them. Unpacking the
 * 481 elements of 962,576 ASCII rows: 199-204 ms against 213-231 ms.
 */
const UNPACK_CHUNK_BYTES = 256 * 1024;

function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** A PACKED_SUCCESS_HEADED element's head (as it is) and rest (compressed); null for any other element. */
function headedParts(element: Uint8Array): { head: Uint8Array; rest: Uint8Array } | null {
  if (element[0] !== PACKED_SUCCESS_HEADED || element.length < HEADED_HEAD) return null;
  const headEnd = HEADED_HEAD + new DataView(element.buffer, element.byteOffset, element.byteLength).getUint32(1, true);
  return { head: element.subarray(HEADED_HEAD, headEnd), rest: element.subarray(headEnd) };
}

/** A failed row as stored in the error list. */
export interface FailedRowEntry {
  readonly row: number;
  readonly line: number | null;
  readonly values: readonly string[];
  readonly messages: readonly string[];
}

/**
 * A failed row's entry, `[row, line, [values], [messages]]` as JSON: never a raw line break in
 * it (JSON escapes them), so a chunk's entries pack joined by line breaks.
 */
export function encodeFailedRow(entry: FailedRowEntry): string {
  return JSON.stringify([entry.row, entry.line, entry.values, entry.messages]);
}

export function decodeFailedRow(text: string): FailedRowEntry {
  const [row, line, values, messages] = JSON.parse(text) as [number, number | null, string[], string[]];
  return { row, line, values, messages };
}

/** A chunk's success entry (encodeSuccessEntry) as stored: packed (PACKED_SUCCESS_HEADED). */
export function packSuccessEntry(entry: string): Buffer {
  const newline = entry.indexOf('\n');
  // Not an entry encodeSuccessEntry makes: kept whole in the head.
  if (newline < 0) return packHeaded(Buffer.from(entry, 'utf8'), Buffer.alloc(0));
  return packSuccess(entry.slice(0, newline), Buffer.from(entry.slice(newline + 1), 'utf8'));
}

/**
 * packSuccessEntry(encodeSuccessEntry(failedIndexes, payload)) for the payload's bytes as stored
 * (ChunkEntryRead.payload): the same element, without encoding the payload's text again.
 */
export function packSuccessPayload(failedIndexes: readonly number[], payload: Buffer): Buffer {
  return packSuccess(successHeader(failedIndexes), payload);
}

/** A success entry of first line `header` and payload `payload`, packed. */
function packSuccess(header: string, payload: Buffer): Buffer {
  const line = payload.indexOf(10);
  const headEnd = line >= 0 && line < HEAD_LINE_LIMIT ? line + 1 : 0;
  const head = Buffer.concat([Buffer.from(`${header}\n`, 'utf8'), payload.subarray(0, headEnd)]);
  return packHeaded(head, payload.subarray(headEnd));
}

function packHeaded(head: Buffer, rest: Buffer): Buffer {
  const mark = Buffer.alloc(HEADED_HEAD);
  mark[0] = PACKED_SUCCESS_HEADED;
  mark.writeUInt32LE(head.length, 1);
  const packed = brotliCompressSync(rest, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 0,
      [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: rest.length,
    },
  });
  return Buffer.concat([mark, head, packed]);
}

/**
 * A chunk's failed rows' entries as stored: one packed element, holding the rows' message groups
 * (countMessageGroups) when given, as a worker gives them; without, in the format of versions
 * before them.
 */
export function packFailedRows(entries: readonly string[], groups?: ReadonlyMap<string, number>): Buffer {
  if (!groups) return pack(PACKED_FAILED, entries.join('\n'));
  const counted = deflateRawSync(Buffer.from(JSON.stringify([...groups]), 'utf8'), DEFLATE_OPTIONS);
  const head = Buffer.alloc(COUNTED_HEAD);
  head[0] = PACKED_FAILED_COUNTED;
  head.writeUInt32LE(entries.length, 1);
  head.writeUInt32LE(counted.length, 5);
  return Buffer.concat([head, counted, deflateRawSync(Buffer.from(entries.join('\n'), 'utf8'), DEFLATE_OPTIONS)]);
}

/**
 * The message groups stored with a chunk's failed rows (grouping key and rows, in the order
 * they first appear), or null for an element stored without them: then its rows' messages say.
 */
export function packedMessageGroups(element: Uint8Array): [string, number][] | null {
  const head = countedHead(element);
  if (!head) return null;
  return JSON.parse(inflateRawSync(element.subarray(COUNTED_HEAD, head.entriesAt)).toString('utf8')) as [string, number][];
}

/**
 * An error-list element's entries as bytes (encodeFailedRow's JSON joined by line feeds),
 * inflated in the calling thread; null for one stored as text (one row per element).
 */
export function packedFailedBytes(element: Uint8Array): Buffer | null {
  return element[0] === PACKED_FAILED || element[0] === PACKED_FAILED_COUNTED ? inflateRawSync(packedEntries(element)) : null;
}

/** A mark-3 element's row count and where its entries start; null for any other element. */
function countedHead(element: Uint8Array): { rows: number; entriesAt: number } | null {
  if (element[0] !== PACKED_FAILED_COUNTED || element.length < COUNTED_HEAD) return null;
  const view = new DataView(element.buffer, element.byteOffset, element.byteLength);
  return { rows: view.getUint32(1, true), entriesAt: COUNTED_HEAD + view.getUint32(5, true) };
}

/** The deflated bytes of a packed element's entries (behind its mark, and its counts if it has them). */
function packedEntries(element: Uint8Array): Uint8Array {
  return element.subarray(countedHead(element)?.entriesAt ?? 1);
}

function pack(mark: number, text: string): Buffer {
  return Buffer.concat([Buffer.of(mark), deflateRawSync(Buffer.from(text, 'utf8'), DEFLATE_OPTIONS)]);
}

/** True when a list element is packed (its entries need unpackListElement). */
export function isPacked(element: Uint8Array): boolean {
  return element[0] === PACKED_SUCCESS || element[0] === PACKED_FAILED || element[0] === PACKED_FAILED_COUNTED || element[0] === PACKED_SUCCESS_HEADED;
}

/**
 * The entries of one list element, as text: a packed element's, or the element itself when it
 * was stored as text (a success entry or one failed row's entry).
 */
export async function unpackListElement(element: Buffer): Promise<string[]> {
  if (!isPacked(element)) return [element.toString('utf8')];
  const headed = headedParts(element);
  if (headed) return [Buffer.concat([headed.head, await brotliUnpack(headed.rest)]).toString('utf8')];
  const text = (await inflate(packedEntries(element))).toString('utf8');
  if (element[0] === PACKED_SUCCESS) return [text];
  return text === '' ? [] : text.split('\n');
}

/** Compressed bytes inflated to read a packed success entry's header lines (listElementRows). */
const HEAD_BYTES = 4096;

/**
 * The rows a list element holds, read without rendering them: a report hands batches to two
 * renderers at once and numbers each batch's rows from where the one before it ends.
 * `successRows` counts a success entry's imported rows from as much of its start as it is given,
 * or returns null when that is not enough.
 */
export function listElementRows(element: Uint8Array, successRows: (entryStart: string, whole: boolean) => number | null): number {
  if (!isPacked(element)) {
    const text = utf8Text(element);
    return text.startsWith(SUCCESS_MARK) ? successRows(text, true)! : 1;
  }
  const counted = countedHead(element);
  if (counted) return counted.rows;
  const headed = headedParts(element);
  if (headed) return successRows(utf8Text(headed.head), false) ?? successRows(packedSuccessBytes(element)!.toString('utf8'), true)!;
  if (element[0] === PACKED_FAILED) {
    const text = inflateRawSync(element.subarray(1));
    if (text.length === 0) return 0;
    let rows = 1;
    for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) rows++;
    return rows;
  }
  if (element.length > HEAD_BYTES) {
    const head = inflateRawSync(element.subarray(1, HEAD_BYTES), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
    const rows = successRows(head, false);
    if (rows !== null) return rows;
  }
  return successRows(inflateRawSync(element.subarray(1)).toString('utf8'), true)!;
}

/** unpackListElement in the calling thread: for a worker thread, whose own thread is the spare one. */
export function unpackListElementSync(element: Uint8Array): string[] {
  if (!isPacked(element)) return [utf8Text(element)];
  if (element[0] === PACKED_SUCCESS_HEADED) return [packedSuccessBytes(element)!.toString('utf8')];
  const text = inflateRawSync(packedEntries(element)).toString('utf8');
  if (element[0] === PACKED_SUCCESS) return [text];
  return text === '' ? [] : text.split('\n');
}
