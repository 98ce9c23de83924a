import type { Redis } from 'ioredis';
import { ErrorGroupCounter, type ErrorGroupWithExamples as ErrorGroupWithExamplesOf } from '../report/error-groups.js';
import { readList } from '../report/list-reader.js';
import { decodeFailedRow, type FailedRowEntry } from '../redis/codec.js';

/** An error group as the report's Summary counts it, with the first rows that have it. */
export type ErrorGroupWithExamples = ErrorGroupWithExamplesOf<FailedRowEntry>;

/**
 * Failed rows `offset` to `offset + limit` in the order they were recorded. Elements of the list
 * may pack a whole chunk's failed rows, so the list is read from its start up to the page.
 */
export async function failedRowsPage(redis: Redis, failedListKey: string, offset: number, limit: number): Promise<FailedRowEntry[]> {
  const page: FailedRowEntry[] = [];
  if (limit <= 0) return page;
  let index = 0;
  for await (const entry of readList(redis, failedListKey)) {
    if (index++ < offset) continue;
    page.push(decodeFailedRow(entry));
    if (page.length === limit) break;
  }
  return page;
}

/**
 * The import's errors grouped by column and message as the report groups them (groupErrors),
 * most frequent first, each with its first `examples` rows. One pass over the failed list;
 * memory bounded by the number of distinct messages kept.
 */
export async function errorGroupsWithExamples(
  redis: Redis,
  failedListKey: string,
  columns: readonly string[],
  limit = 20,
  examples = 3,
): Promise<ErrorGroupWithExamples[]> {
  const counter = new ErrorGroupCounter<FailedRowEntry>(examples);
  for await (const entry of readList(redis, failedListKey)) {
    const failed = decodeFailedRow(entry);
    counter.add(failed.messages, failed);
  }
  return counter.groupsWithExamples(columns, limit);
}
