import { errorMessage } from '../errors.js';
import type { CellValue } from '../schema/row-validator.js';
import type { Target } from '../targets/target.js';
import type { TaskChunk } from '../tasks/task-codec.js';
import type { ImportContext } from './import-context.js';
import { withRetries, type RetryPolicy } from './retry.js';

/** The outcome of one chunk, encoded as the success and error list entries. */
export interface ChunkOutcome {
  /** `[row, ...values]` as JSON, one per imported row. */
  readonly succeeded: string[];
  /** `[row, line, [original values], [messages]]` as JSON, one per failed row. */
  readonly failed: string[];
}

interface FailedRow {
  readonly index: number;
  readonly messages: string[];
}

/**
 * Validates a chunk's rows, saves the valid ones in one go (retrying a target that is down),
 * and sorts every row into exactly one of the two outcome lists. Never throws for bad data:
 * a row that makes the code throw is that row's error.
 */
export async function processChunk(
  context: ImportContext,
  target: Target,
  task: TaskChunk,
  retry: RetryPolicy,
  onRetry?: (err: unknown, attempt: number) => void,
): Promise<ChunkOutcome> {
  const failedRows: FailedRow[] = [];
  const validIndexes: number[] = [];
  const validValues: CellValue[][] = [];
  const duplicatesByIndex = new Map<number, string[]>();
  for (const dup of task.duplicates) {
    const column = context.uniqueColumnNames[dup.uniqueSlot] ?? 'value';
    const list = duplicatesByIndex.get(dup.index) ?? [];
    list.push(`${column} repeats a value already used earlier in the file (first in row ${dup.firstRow})`);
    duplicatesByIndex.set(dup.index, list);
  }

  task.rows.forEach((fields, index) => {
    let messages: string[] = [];
    let values: CellValue[] | null = null;
    try {
      const check = context.validate(fields);
      if (check.ok) values = check.values;
      else messages = check.messages;
    } catch (err) {
      messages = [`row could not be checked: ${errorMessage(err)}`];
    }
    const dups = duplicatesByIndex.get(index);
    if (dups) messages = [...messages, ...dups];
    if (values && messages.length === 0) {
      validIndexes.push(index);
      validValues.push(values);
    } else {
      failedRows.push({ index, messages });
    }
  });

  const saved = new Set(validIndexes);
  if (validValues.length > 0) {
    try {
      const rejections = await withRetries(
        async () => {
          await ensureTableOnce(context, target);
          return target.save({
            importId: context.record.id,
            chunk: task.chunk,
            table: context.record.table,
            columns: context.record.columns,
            rows: validValues,
            onConflict: context.record.onConflict,
          });
        },
        retry,
        onRetry,
      );
      for (const rejection of rejections) {
        const index = validIndexes[rejection.index];
        if (index === undefined) continue;
        saved.delete(index);
        failedRows.push({ index, messages: [rejection.message] });
      }
    } catch (err) {
      // Retries exhausted, or the save code itself broke: these rows fail with the cause in words.
      for (const index of validIndexes) {
        saved.delete(index);
        failedRows.push({ index, messages: [`not saved: ${errorMessage(err)}`] });
      }
    }
  }

  const succeeded: string[] = [];
  validIndexes.forEach((index, i) => {
    if (saved.has(index)) succeeded.push(JSON.stringify([task.firstRow + index, ...validValues[i]!]));
  });
  failedRows.sort((a, b) => a.index - b.index);
  const failed = failedRows.map((row) =>
    JSON.stringify([task.firstRow + row.index, task.lines[row.index] ?? null, task.rows[row.index], row.messages]),
  );
  return { succeeded, failed };
}

const ensured = new WeakMap<Target, Set<string>>();

async function ensureTableOnce(context: ImportContext, target: Target): Promise<void> {
  let tables = ensured.get(target);
  if (!tables) {
    tables = new Set();
    ensured.set(target, tables);
  }
  if (tables.has(context.table.table)) return;
  await target.ensureTable(context.table);
  tables.add(context.table.table);
}
