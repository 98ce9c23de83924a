import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError } from '../errors.js';
import { readRecord, type ImportRecord } from '../import-record.js';
import { importKeys } from '../redis/keys.js';
import { compileSchema } from '../schema/compile-schema.js';
import { createRowValidator, type CellValue } from '../schema/row-validator.js';
import { decodeFailedRow, isPacked, unpackListElement, type FailedRowEntry } from '../redis/codec.js';
import { decodeSuccessRows } from '../chunks/chunk-codec.js';

/** Elements stored as text, one per failed row, are small: fetched many at a time. */
const BATCH = 2000;
/**
 * Packed elements and success entries are whole chunks (up to thousands of rows each): fetched a
 * few at a time, and inflated together in the thread pool.
 */
const ENTRY_BATCH = 8;

/**
 * Reads an outcome list in batches, yielding its entries as text (a success entry, or one
 * failed row's entry), unpacked (src/redis/codec.ts): the whole list is never held in memory.
 * `batch` elements are fetched at a time while they are small text; packed ones, ENTRY_BATCH.
 */
export async function* readList(redis: Redis, key: string, batch = BATCH): AsyncGenerator<string> {
  for await (const elements of readListElements(redis, key, batch)) {
    for (const entries of await Promise.all(elements.map(unpackListElement))) yield* entries;
  }
}

/**
 * The elements of an outcome list as stored, a batch at a time (see readList for the sizes).
 * The next batch is asked for while the caller works on this one: Redis and the reader overlap.
 */
export async function* readListElements(redis: Redis, key: string, batch = BATCH): AsyncGenerator<Buffer[]> {
  const fetch = (start: number, size: number): Promise<Fetched> =>
    redis.lrangeBuffer(key, start, start + size - 1).then((elements) => ({ elements, start, size }));
  let next: Promise<Fetched> | null = fetch(0, Math.min(batch, ENTRY_BATCH));
  while (next) {
    const { elements, start, size }: Fetched = await next;
    const following = elements.some(isPacked) ? Math.min(batch, ENTRY_BATCH) : batch;
    next = elements.length < size ? null : fetch(start + elements.length, following);
    next?.catch(() => {}); // surfaced when awaited
    if (elements.length > 0) yield elements;
  }
}

interface Fetched {
  readonly elements: Buffer[];
  readonly start: number;
  readonly size: number;
}

/** An imported row: its number and its values as saved (typed by the schema). */
export interface ImportedRow {
  readonly row: number;
  readonly values: readonly CellValue[];
}

/**
 * The imported rows of an import, in the order their chunks were recorded. The success list
 * holds one entry per chunk, the chunk's own text (decodeSuccessRows): its rows are coerced again
 * by the import's schema, as the worker did before saving them.
 */
export async function* readImportedRows(redis: Redis, record: ImportRecord, key: string): AsyncGenerator<ImportedRow> {
  const validate = createRowValidator(record.columns, record.schema ? compileSchema(JSON.parse(record.schema), { lazy: true }) : null, { headerWidth: record.keepColumns?.width, trusted: true });
  for await (const entry of readList(redis, key, ENTRY_BATCH)) {
    for (const { row, fields } of decodeSuccessRows(entry, record.keepColumns)) {
      const check = validate(fields);
      yield { row, values: check.ok ? check.values : fields };
    }
  }
}

export interface OutcomeListOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
}

/** Every imported row of an import (its number and saved values), streamed from Redis. */
export async function* importedRows(options: OutcomeListOptions): AsyncGenerator<ImportedRow> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const record = await readRecord(options.redis, prefix, options.id);
  if (!record) throw new ImporterError('state', `no import ${options.id}`);
  yield* readImportedRows(options.redis, record, importKeys(prefix, options.id).succeeded);
}

/** Every failed row of an import (number, line, original values, messages), streamed from Redis. */
export async function* failedRows(options: OutcomeListOptions): AsyncGenerator<FailedRowEntry> {
  const keys = importKeys(options.prefix ?? DEFAULT_PREFIX, options.id);
  for await (const entry of readList(options.redis, keys.failed)) yield decodeFailedRow(entry);
}
