import type { Redis } from 'ioredis';
import type { ImportRecord } from '../import-record.js';
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
  const validate = createRowValidator(record.columns, record.schema ? compileSchema(JSON.parse(record.schema)) : null);
  for await (const entry of readList(redis, key, ENTRY_BATCH)) {
    for (const { row, fields } of decodeSucceeded(entry, record.keepColumns)) {
      const check = validate(fields);
      yield { row, values: check.ok ? check.values : fields };
    }
  }
}
