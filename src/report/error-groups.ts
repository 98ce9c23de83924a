import type { Redis } from 'ioredis';
import { groupingKey } from '../message-groups.js';
import { decodeFailedRow, packedMessageGroups, unpackListElement } from '../redis/codec.js';
import { readListElements } from './list-reader.js';

export { groupingKey } from '../message-groups.js';

export interface ErrorGroup {
  /** The column the problem is about, or null for a problem of the whole row. */
  readonly column: string | null;
  /** What is wrong, without the column's name ("must be a valid email address"). */
  readonly problem: string;
  /** The message as a person reads it ("email must be a valid email address"). */
  readonly message: string;
  readonly rows: number;
}

const MAX_GROUPS = 1000;
const OTHER = 'other problems';

/** "email must be ..." -> ["email", "must be ..."]: the longest column the message starts with. */
export function splitColumn(message: string, columns: readonly string[]): { column: string | null; problem: string } {
  let best: string | null = null;
  const lower = message.toLowerCase();
  for (const column of columns) {
    if (column === '' || (best !== null && column.length <= best.length)) continue;
    if (lower.startsWith(`${column.toLowerCase()} `)) best = column;
  }
  if (best === null) return { column: null, problem: message };
  return { column: best, problem: message.slice(best.length + 1).trim() };
}

/** "email: must be a valid email address - 412 rows". */
export function describeGroup(group: ErrorGroup): string {
  const what = group.column === null ? group.problem : `${group.column}: ${group.problem}`;
  return `${what} - ${group.rows.toLocaleString('en-US')} ${group.rows === 1 ? 'row' : 'rows'}`;
}

/** An error group with the first rows (up to the counter's `examplesPerGroup`) that have it. */
export type ErrorGroupWithExamples<Example> = ErrorGroup & { readonly examples: readonly Example[] };

/**
 * Counts failed rows' messages by column and message, most frequent first ("email: must be a
 * valid email address - 412 rows"), so the uploader sees at once what to fix. The detail a
 * message ends with in parentheses varies per row and is left out of the grouping. Memory is
 * bounded by the number of distinct messages kept, and by `examplesPerGroup` rows kept per
 * group (none unless asked: the report and `check` count only).
 */
export class ErrorGroupCounter<Example = never> {
  private readonly counts = new Map<string, { rows: number; examples: Example[] }>();

  constructor(private readonly examplesPerGroup = 0) {}

  add(messages: readonly string[], example?: Example): void {
    for (const message of messages) {
      const group = this.group(groupingKey(message));
      group.rows++;
      if (example !== undefined && group.examples.length < this.examplesPerGroup && !group.examples.includes(example)) group.examples.push(example);
    }
  }

  /** Adds `rows` rows under a grouping key (counted beforehand by countMessageGroups). */
  addCounted(key: string, rows: number): void {
    this.group(key).rows += rows;
  }

  private group(key: string): { rows: number; examples: Example[] } {
    const counts = this.counts;
    if (!counts.has(key) && counts.size >= MAX_GROUPS) key = OTHER;
    let group = counts.get(key);
    if (!group) counts.set(key, (group = { rows: 0, examples: [] }));
    return group;
  }

  groupsWithExamples(columns: readonly string[] = [], limit = 20): ErrorGroupWithExamples<Example>[] {
    return [...this.counts.entries()]
      .map(([message, group]) => ({
        ...(message === OTHER ? { column: null, problem: message } : splitColumn(message, columns)),
        message,
        rows: group.rows,
        examples: group.examples,
      }))
      .sort((a, b) => b.rows - a.rows || a.message.localeCompare(b.message))
      .slice(0, limit);
  }

  groups(columns: readonly string[] = [], limit = 20): ErrorGroup[] {
    return this.groupsWithExamples(columns, limit).map(({ column, problem, message, rows }) => ({ column, problem, message, rows }));
  }
}

/**
 * The import's errors grouped (ErrorGroupCounter), read from its failed list: from the counts
 * stored with each chunk's failed rows, or, for elements stored without them (older versions),
 * from the rows' own messages.
 */
export async function groupErrors(redis: Redis, failedListKey: string, columns: readonly string[] = [], limit = 20): Promise<ErrorGroup[]> {
  const counter = new ErrorGroupCounter();
  for await (const elements of readListElements(redis, failedListKey)) {
    for (const element of elements) {
      const counted = packedMessageGroups(element);
      if (counted) for (const [key, rows] of counted) counter.addCounted(key, rows);
      else for (const entry of await unpackListElement(element)) counter.add(decodeFailedRow(entry).messages);
    }
  }
  return counter.groups(columns, limit);
}
