import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError } from '../errors.js';
import { readRecord, type ImportRecord } from '../import-record.js';
import { importKeys } from '../redis/keys.js';
import { compileSchema } from '../schema/compile-schema.js';
import { createRowValidator, type CellValue } from '../schema/row-validator.js';
import { decodeSucceeded } from '../tasks/task-codec.js';

const BATCH = 2000;
/** Success entries are whole chunks (up to thousands of rows each): fetched a few at a time. */
const ENTRY_BATCH = 8;

/** Reads a Redis list in batches: the whole list is never held in memory. */
export async function* readList(redis: Redis, key: string, batch = BATCH): AsyncGenerator<string> {
  for (let start = 0; ; start += batch) {
    const items = await redis.lrange(key, start, start + batch - 1);
    for (const item of items) yield item;
    if (items.length < batch) return;
  }
}

/** A failed row as stored in the error list. */
export interface FailedRowEntry {
  readonly row: number;
  readonly line: number | null;
  readonly values: readonly string[];
  readonly messages: readonly string[];
}

export function parseFailedRow(entry: string): FailedRowEntry {
  const [row, line, values, messages] = JSON.parse(entry) as [number, number | null, string[], string[]];
  return { row, line, values, messages };
}

/** An imported row: its number and its values as saved (typed by the schema). */
export interface ImportedRow {
  readonly row: number;
  readonly values: readonly CellValue[];
}

/**
 * The imported rows of an import, in the order their chunks were recorded. The success list
 * holds one entry per chunk, the task's own text (decodeSucceeded): its rows are coerced again
 * by the import's schema, as the worker did before saving them.
 */
export async function* readImportedRows(redis: Redis, record: ImportRecord, key: string): AsyncGenerator<ImportedRow> {
  const validate = createRowValidator(record.columns, record.schema ? compileSchema(JSON.parse(record.schema)) : null, { headerWidth: record.keepColumns?.width });
  for await (const entry of readList(redis, key, ENTRY_BATCH)) {
    for (const { row, fields } of decodeSucceeded(entry, record.keepColumns)) {
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
  for await (const entry of readList(options.redis, keys.failed)) yield parseFailedRow(entry);
}
