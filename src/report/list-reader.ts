import type { Redis } from 'ioredis';

const BATCH = 2000;

/** Reads a Redis list in batches: the whole list is never held in memory. */
export async function* readList(redis: Redis, key: string): AsyncGenerator<string> {
  for (let start = 0; ; start += BATCH) {
    const items = await redis.lrange(key, start, start + BATCH - 1);
    for (const item of items) yield item;
    if (items.length < BATCH) return;
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

/** An imported row as stored in the success list: its number, then its values. */
export function parseImportedRow(entry: string): { row: number; values: unknown[] } {
  const [row, ...values] = JSON.parse(entry) as [number, ...unknown[]];
  return { row, values };
}
