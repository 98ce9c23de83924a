import { MAX_CHUNK_BYTES } from '../defaults.js';
import type { ImportSettings, KeepColumns } from '../import-record.js';
import { parseRecords, type RecordDialect } from '../sources/csv-fields.js';
import { FIELD_PLAIN, FIELD_QUOTED, LINE_END_LF, LINE_END_UNKNOWN } from '../sources/csv-scan.js';
import type { RawCsvBatch, RawCsvReader } from '../sources/raw-csv-batches.js';
import { encodeRawChunk } from '../chunks/chunk-codec.js';
import type { ChunkSender } from './chunk-sender.js';
import { ChunkClaims } from './chunk-claims.js';
import { UniqueHasher } from './unique-hash.js';
import { arrayIndexOfBytes } from './unique-values.js';

/** A chunk of rows cut from the file's text, ready to queue. */
export interface RawChunk {
  readonly chunkNo: number;
  readonly firstRow: number;
  readonly rows: number;
  readonly payload: Buffer;
  readonly claims: ChunkClaims;
}

export interface RawChunkerOptions {
  readonly chunkSize: number;
  /** A chunk also ends at the row that brings its text to this many bytes (default MAX_CHUNK_BYTES). */
  readonly chunkBytes?: number;
  /** Width of the import's rows (its columns). */
  readonly width: number;
  /** Indexes into the import's columns of the unique ones, by slot. */
  readonly uniqueColumns: readonly number[];
  readonly keepColumns: KeepColumns | null;
  /** The key of the unique values' hash (the import's incarnation, see UniqueHasher). */
  readonly hashKey: string;
}

/** The file fields of the unique columns, ascending: what the scan must locate in each record. */
export function wantedFields(options: RawChunkerOptions): number[] {
  const fields = options.uniqueColumns.map((c) => options.keepColumns?.keep[c] ?? c);
  return [...new Set(fields)].sort((a, b) => a - b);
}

/**
 * Cuts the records found by the raw reader into chunks of `chunkSize` rows, or fewer where their
 * text reaches `chunkBytes` (the row that reaches it is the chunk's last): each chunk's text is
 * the file's own bytes from its first row to its last (blank lines between rows included: the
 * worker skips them as the reader does), plus the values of its unique columns, read from the
 * positions the scan found (csv-parse decides for a field with stray quotes).
 */
export class RawChunker {
  private readonly wanted: number[];
  /** For each unique slot: the file field and its position among the wanted ones. */
  private readonly slots: { field: number; wantedAt: number }[];
  private pieces: Buffer[] = [];
  /** Bytes in `pieces`. */
  private piecesBytes = 0;
  private pieceStart = -1;
  private rows = 0;
  private firstLine = 0;
  private rowsSeen = 0;
  private chunkNo = 0;
  private claims: ChunkClaims;
  private lineEnd: RecordDialect['lineEnd'] = LINE_END_LF;
  private delimiter = ',';
  private readonly hasher: UniqueHasher;

  constructor(private readonly options: RawChunkerOptions) {
    this.wanted = wantedFields(options);
    this.slots = options.uniqueColumns.map((c) => {
      const field = options.keepColumns?.keep[c] ?? c;
      return { field, wantedAt: this.wanted.indexOf(field) };
    });
    this.claims = this.newClaims();
    this.hasher = new UniqueHasher(options.hashKey);
  }

  /** Positions the scan must report: pass to RawCsvReader.batches(). */
  get wantedFields(): readonly number[] {
    return this.wanted;
  }

  /** Rows taken so far. */
  get rowCount(): number {
    return this.rowsSeen;
  }

  /** Takes a batch of records; returns the chunks it completed. */
  take(batch: RawCsvBatch): RawChunk[] {
    const done: RawChunk[] = [];
    if (batch.dialect.lineEnd !== LINE_END_UNKNOWN) this.lineEnd = batch.dialect.lineEnd;
    this.delimiter = String.fromCharCode(batch.dialect.delimiter);
    const size = this.options.chunkSize;
    const bytes = this.options.chunkBytes ?? MAX_CHUNK_BYTES;
    for (let r = 0; r < batch.count; r++) {
      if (batch.blank[r]) continue;
      if (this.rows === 0) {
        this.pieceStart = batch.starts[r]!;
        this.firstLine = batch.lines[r]!;
      }
      this.claim(batch, r);
      this.rows++;
      this.rowsSeen++;
      if (this.rows === size || this.piecesBytes + batch.contentEnds[r]! - this.pieceStart >= bytes) {
        this.pieces.push(batch.data.subarray(this.pieceStart, batch.contentEnds[r]));
        done.push(this.cut());
      }
    }
    if (this.rows > 0) {
      // The chunk goes on in the next batch, whose data starts where this one's records end.
      this.pieces.push(batch.data.subarray(this.pieceStart, batch.end));
      this.piecesBytes += batch.end - this.pieceStart;
      this.pieceStart = 0;
    }
    return done;
  }

  /** The last, partial chunk, if any. */
  finish(): RawChunk | null {
    return this.rows > 0 ? this.cut() : null;
  }

  private cut(): RawChunk {
    const firstRow = this.rowsSeen - this.rows + 1;
    // The pieces are copied once, behind the header.
    const payload = encodeRawChunk({ firstRow, firstLine: this.firstLine, rows: this.rows, delimiter: this.delimiter, lineEnd: this.lineEnd }, this.pieces);
    const chunk: RawChunk = { chunkNo: this.chunkNo++, firstRow, rows: this.rows, payload, claims: this.claims };
    this.pieces = [];
    this.piecesBytes = 0;
    this.rows = 0;
    this.claims = this.newClaims();
    return chunk;
  }

  /** An empty list for a chunk's claims, sized for one a row and unique column. */
  private newClaims(): ChunkClaims {
    return new ChunkClaims(Math.max(1, this.options.chunkSize * this.slots.length));
  }

  /** Notes the unique values of record r (a row whose width is right: a ragged row claims nothing). */
  private claim(batch: RawCsvBatch, r: number): void {
    if (this.slots.length === 0) return;
    const fields = batch.fieldCounts[r]!;
    const kept = this.options.keepColumns;
    // As projectFields: with kept columns, a short row and a long one are ragged.
    if (fields !== (kept ? kept.width : this.options.width)) return;
    let parsed: string[] | null = null;
    const wantedCount = this.wanted.length;
    // A loop, not forEach: a closure per record was a tenth of what an enqueue allocated.
    for (let s = 0; s < this.slots.length; s++) {
      const slot = this.slots[s]!;
      const at = r * wantedCount + slot.wantedAt;
      const start = batch.wantedStarts[at]!;
      if (start < 0) continue; // the record is shorter: an empty value, never a duplicate
      const end = batch.wantedEnds[at]!;
      const kind = batch.wantedKinds[at]!;
      const { claims } = this;
      if (kind === FIELD_PLAIN) {
        if (start === end) continue;
        // Ids are mostly plain integers: their array place is read from the bytes, no string made.
        const place = arrayIndexOfBytes(batch.data, start, end);
        if (place < 0) this.hasher.hashBytes(batch.data, start, end);
        claims.addHashed(this.rows, s, place, this.hasher);
      } else if (kind === FIELD_QUOTED) {
        if (end - start === 2) continue;
        // "17" is the value 17, as unquoted: the same place.
        const place = arrayIndexOfBytes(batch.data, start + 1, end - 1);
        if (place < 0) this.hasher.hashQuoted(batch.data, start, end);
        claims.addHashed(this.rows, s, place, this.hasher);
      } else {
        // Stray quotes: csv-parse says what the value is.
        parsed ??= parseRecords(batch.data.subarray(batch.starts[r], batch.contentEnds[r]), { delimiter: this.delimiter, lineEnd: this.lineEnd })[0] ?? [];
        const value = parsed[slot.field] ?? '';
        if (value !== '') claims.addText(this.rows, s, value, this.hasher);
      }
    }
  }
}

/**
 * Queues CSV text in chunks of `settings.chunkSize` rows cut from the file's own bytes, skipping
 * the chunks before `startChunk` (already queued by an enqueue that stopped part way: only their
 * unique values are noted). `onRows` hears the running row count.
 */
export async function sendRawChunks(
  reader: RawCsvReader,
  settings: ImportSettings,
  sender: ChunkSender,
  startChunk: number,
  onRows: (rows: number) => void,
): Promise<number> {
  const chunker = new RawChunker({ chunkSize: settings.chunkSize, width: settings.columns.length, uniqueColumns: settings.uniqueColumns, keepColumns: settings.keepColumns, hashKey: settings.incarnation });
  const send = (chunk: RawChunk): Promise<void> =>
    chunk.chunkNo >= startChunk ? sender.send(chunk.chunkNo, chunk.firstRow, chunk.rows, chunk.payload, chunk.claims) : sender.skip(chunk.firstRow, chunk.claims);
  for await (const batch of reader.batches(chunker.wantedFields)) {
    for (const chunk of chunker.take(batch)) await send(chunk);
    onRows(chunker.rowCount);
  }
  const last = chunker.finish();
  if (last) await send(last);
  return chunker.rowCount;
}
