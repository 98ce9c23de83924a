import { MAX_CHUNK_BYTES } from '../defaults.js';
import { projectFields, type ImportSettings } from '../import-record.js';
import type { SourceRecord } from '../sources/read-options.js';
import { encodeChunk } from '../chunks/chunk-codec.js';
import type { ChunkSender } from './chunk-sender.js';
import { ChunkClaims } from './chunk-claims.js';
import { UniqueHasher } from './unique-hash.js';

/**
 * Queues parsed records (workbooks, `--trim`, multi-byte separators) in chunks of
 * `settings.chunkSize` rows, or fewer where their text reaches MAX_CHUNK_BYTES (counted in
 * characters of the values), each as compact JSON, skipping the chunks before `startChunk`
 * (already queued by an enqueue that stopped part way: only their unique values are noted).
 * `onRows` hears the running row count.
 */
export async function sendRecordChunks(
  batches: AsyncIterable<SourceRecord[]>,
  firstRows: readonly SourceRecord[],
  settings: ImportSettings,
  sender: ChunkSender,
  startChunk: number,
  onRows: (rows: number) => void,
): Promise<number> {
  const kept = settings.keepColumns;
  let chunk: SourceRecord[] = [];
  let chunkChars = 0;
  let chunkNo = 0;
  let rows = 0;
  const hasher = new UniqueHasher(settings.incarnation);
  const sendChunk = async (): Promise<void> => {
    const firstRow = rows - chunk.length + 1;
    const fields = chunk.map((r) => r.fields);
    const claims = recordClaims(fields, settings, hasher);
    if (chunkNo >= startChunk) await sender.send(chunkNo, firstRow, chunk.length, encodeChunk(firstRow, chunk.map((r) => r.line), fields, chunk.map((r) => r.problems)), claims);
    else await sender.skip(firstRow, claims);
    chunkNo++;
    chunk = [];
    chunkChars = 0;
  };
  const take = async (batch: readonly SourceRecord[]): Promise<void> => {
    for (const record of batch) {
      const taken = kept ? { line: record.line, fields: projectFields(record.fields, kept), problems: record.problems } : record;
      chunk.push(taken);
      for (const field of taken.fields) chunkChars += field.length + 1;
      rows++;
      if (chunk.length === settings.chunkSize || chunkChars >= MAX_CHUNK_BYTES) await sendChunk();
    }
    onRows(rows);
  };
  await take(firstRows);
  for await (const batch of batches) await take(batch);
  if (chunk.length > 0) await sendChunk();
  return rows;
}

/** The unique values of a chunk's rows, in file order within each unique column; a ragged row claims nothing. */
function recordClaims(rows: readonly (readonly string[])[], settings: ImportSettings, hasher: UniqueHasher): ChunkClaims {
  const claims = new ChunkClaims(Math.max(1, rows.length * settings.uniqueColumns.length));
  const width = settings.columns.length;
  rows.forEach((row, index) => {
    if (row.length !== width) return;
    settings.uniqueColumns.forEach((column, slot) => {
      const value = row[column];
      if (value) claims.addText(index, slot, value, hasher); // empty: absent, never a duplicate
    });
  });
  return claims;
}
