import type { ImporterRedis } from '../../src/redis/scripts.js';
import { parseRecord } from '../../src/import-record.js';
import { readImportedRows, readList as readListEntries, type ImportedRow } from '../../src/report/list-reader.js';

export interface FailedRow {
  readonly line: number | null;
  readonly fields: string[];
  readonly messages: string[];
}

/** Every row's outcome as recorded in Redis, keyed by row number. */
export interface Outcomes {
  readonly meta: Record<string, string>;
  /** Row -> its saved values (`[row, ...values]` in the success list). */
  readonly succeeded: Map<number, unknown[]>;
  /** Row -> its line, original fields and messages (`[row, line, [values], [messages]]`). */
  readonly failed: Map<number, FailedRow>;
  /** Rows found in the lists more than once (must stay empty). */
  readonly repeated: number[];
}

/** A list's entries as text, unpacked (outcome-entries.ts). */
async function readList(redis: ImporterRedis, key: string): Promise<string[]> {
  const all: string[] = [];
  for await (const entry of readListEntries(redis, key)) all.push(entry);
  return all;
}

export async function readOutcomes(redis: ImporterRedis, prefix: string, id: string): Promise<Outcomes> {
  const base = `${prefix}:{${id}}`;
  const succeeded = new Map<number, unknown[]>();
  const failed = new Map<number, FailedRow>();
  const repeated: number[] = [];
  const record = parseRecord(await redis.hgetall(`${base}:meta`));
  const imported: ImportedRow[] = [];
  if (record) for await (const row of readImportedRows(redis, record, `${base}:succeeded`)) imported.push(row);
  for (const { row, values } of imported) {
    if (succeeded.has(row) || failed.has(row)) repeated.push(row);
    succeeded.set(row, [...values]);
  }
  for (const entry of await readList(redis, `${base}:failed`)) {
    const [row, line, fields, messages] = JSON.parse(entry) as [number, number | null, string[], string[]];
    if (succeeded.has(row) || failed.has(row)) repeated.push(row);
    failed.set(row, { line, fields, messages });
  }
  return { meta: await redis.hgetall(`${base}:meta`), succeeded, failed, repeated };
}

/** Row -> its messages joined, for compact assertions. */
export function failureMessages(outcomes: Outcomes): Record<number, string> {
  return Object.fromEntries([...outcomes.failed].map(([row, f]) => [row, f.messages.join(' | ')]));
}
