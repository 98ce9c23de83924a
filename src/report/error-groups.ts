import type { Redis } from 'ioredis';
import { parseFailedRow, readList } from './list-reader.js';

export interface ErrorGroup {
  readonly message: string;
  readonly rows: number;
}

const MAX_GROUPS = 1000;

/**
 * Groups the import's errors by message, most frequent first ("email must be a valid email
 * address - 412 rows"). The detail a message ends with in parentheses varies per row and is
 * left out of the grouping. Memory is bounded by the number of distinct messages kept.
 */
export async function groupErrors(redis: Redis, failedListKey: string, limit = 20): Promise<ErrorGroup[]> {
  const counts = new Map<string, number>();
  for await (const entry of readList(redis, failedListKey)) {
    for (const message of parseFailedRow(entry).messages) {
      const key = message.replace(/\s*\([^()]*\)$/, '');
      const count = counts.get(key);
      if (count !== undefined) counts.set(key, count + 1);
      else if (counts.size < MAX_GROUPS) counts.set(key, 1);
      else counts.set('other problems', (counts.get('other problems') ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .map(([message, rows]) => ({ message, rows }))
    .sort((a, b) => b.rows - a.rows || a.message.localeCompare(b.message))
    .slice(0, limit);
}
