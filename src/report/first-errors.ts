import type { Redis } from 'ioredis';
import { decodeFailedRow, type FailedRowEntry } from '../redis/codec.js';
import { readList } from './list-reader.js';

/** The first `count` failed rows (in the order they were recorded), for a mail or a console. */
export async function firstFailedRows(redis: Redis, failedListKey: string, count: number): Promise<FailedRowEntry[]> {
  if (count <= 0) return [];
  const first: FailedRowEntry[] = [];
  for await (const entry of readList(redis, failedListKey, count)) {
    first.push(decodeFailedRow(entry));
    if (first.length === count) break;
  }
  return first.sort((a, b) => a.row - b.row);
}

/** "row 3 (line 6): email must be a valid email address". */
export function describeFailedRow(failed: FailedRowEntry): string {
  const where = failed.line === null || failed.line === failed.row + 1 ? `row ${failed.row}` : `row ${failed.row} (line ${failed.line})`;
  return `${where}: ${failed.messages.join('; ')}`;
}
