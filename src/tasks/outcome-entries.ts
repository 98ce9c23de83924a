import { promisify } from 'node:util';
import { constants, deflateRawSync, inflateRaw, inflateRawSync } from 'node:zlib';
import type { KeepColumns } from '../import-record.js';
import { decodePayload, type TaskChunk } from './task-codec.js';

/**
 * The elements of an import's two outcome lists, written by the worker (work.ts, through
 * record-chunk.lua, which stores them as they are) and read by the report (list-reader.ts).
 *
 * Each list holds, per recorded chunk, one packed element: a mark byte and the raw deflate of
 * what the chunk adds to the list. An import at rest is kept for --ttl after its report: stored
 * as text, its lists held about 1.3x the file in Redis; deflated, about a fifth.
 * Elements written as text by earlier versions (one per chunk in the success list, one per row
 * in the error list) are read as before: an import in flight through an upgrade has both.
 */

/** Success list: the chunk's success entry (encodeSucceeded), deflated. */
const PACKED_SUCCESS = 0x01;
/** Error list: the chunk's failed rows' entries (encodeFailedRow), joined by line breaks, deflated. */
const PACKED_FAILED = 0x02;
/** Level 1: on the lists' text, within about 15% of level 6's size and about five times faster. */
const DEFLATE_OPTIONS = { level: 1, strategy: constants.Z_DEFAULT_STRATEGY };

// The report inflates in libuv's thread pool: its event loop goes on writing the workbook meanwhile,
// on another core. A worker deflates at once (about 0.5 ms for a chunk of 2,000 rows at level 1):
// chunks are then recorded in the order their saves end, as when entries were stored as text.
const inflate = promisify(inflateRaw);

const SUCCESS_MARK = 'S';

/**
 * A chunk's entry in the success list, before packing: the task's payload as it was queued,
 * behind the indexes of its rows that failed, `S,<index>,<index>...`. One entry per chunk and no
 * re-encoding in the worker; the report reads the rows back and coerces them as the worker did.
 */
export function encodeSucceeded(payload: string, failedIndexes: readonly number[]): string {
  return `${succeededHeader(failedIndexes)}\n${payload}`;
}

/**
 * The first line of a success entry, `S,<index>,<index>...`. A version that stored entries as
 * text sent this line alone and record-chunk.lua put the task's payload behind it.
 */
export function succeededHeader(failedIndexes: readonly number[]): string {
  return `${SUCCESS_MARK}${failedIndexes.map((i) => `,${i}`).join('')}`;
}

/** The imported rows of a success entry: row number and original fields, in file order. */
export function decodeSucceeded(entry: string, keepColumns: KeepColumns | null): { row: number; fields: string[] }[] {
  const newline = entry.indexOf('\n');
  if (!entry.startsWith(SUCCESS_MARK) || newline < 0) throw new Error('not an entry of the success list');
  const failed = new Set(entry.slice(1, newline).split(',').filter(Boolean).map(Number));
  const { firstRow, rows } = decodePayload(entry.slice(newline + 1), keepColumns);
  const out: { row: number; fields: string[] }[] = [];
  rows.forEach((fields, index) => {
    if (!failed.has(index)) out.push({ row: firstRow + index, fields: fields as string[] });
  });
  return out;
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
export function encodeFailedRow(task: Pick<TaskChunk, 'firstRow' | 'lines' | 'rows'>, index: number, messages: readonly string[]): string {
  return JSON.stringify([task.firstRow + index, task.lines[index] ?? null, task.rows[index], messages]);
}

export function parseFailedRow(entry: string): FailedRowEntry {
  const [row, line, values, messages] = JSON.parse(entry) as [number, number | null, string[], string[]];
  return { row, line, values, messages };
}

/** A chunk's success entry as stored: packed. */
export function packSucceeded(entry: string): Buffer {
  return pack(PACKED_SUCCESS, entry);
}

/** A chunk's failed rows' entries as stored: one packed element. */
export function packFailedRows(entries: readonly string[]): Buffer {
  return pack(PACKED_FAILED, entries.join('\n'));
}

function pack(mark: number, text: string): Buffer {
  return Buffer.concat([Buffer.of(mark), deflateRawSync(Buffer.from(text, 'utf8'), DEFLATE_OPTIONS)]);
}

/** True when a list element is packed (its entries need unpackListElement). */
export function isPacked(element: Uint8Array): boolean {
  return element[0] === PACKED_SUCCESS || element[0] === PACKED_FAILED;
}

/**
 * The entries of one list element, as text: a packed element's, or the element itself when it
 * was stored as text (a success entry or one failed row's entry).
 */
export async function unpackListElement(element: Buffer): Promise<string[]> {
  if (!isPacked(element)) return [element.toString('utf8')];
  const text = (await inflate(element.subarray(1))).toString('utf8');
  if (element[0] === PACKED_SUCCESS) return [text];
  return text === '' ? [] : text.split('\n');
}

/** unpackListElement in the calling thread: for a worker thread, whose own thread is the spare one. */
export function unpackListElementSync(element: Uint8Array): string[] {
  if (!isPacked(element)) return [Buffer.from(element.buffer, element.byteOffset, element.byteLength).toString('utf8')];
  const text = inflateRawSync(element.subarray(1)).toString('utf8');
  if (element[0] === PACKED_SUCCESS) return [text];
  return text === '' ? [] : text.split('\n');
}
