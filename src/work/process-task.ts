import { errorMessage } from '../errors.js';
import { isRowError, type Handler, type ImportRow } from '../handler/handler-types.js';
import type { CellValue } from '../schema/row-validator.js';
import { TransientError, type RowRejection, type Target } from '../targets/target.js';
import { succeededHeader, type TaskChunk } from '../tasks/task-codec.js';
import type { ImportContext } from './import-context.js';
import { withRetries, type RetryPolicy } from './retry.js';

/** The outcome of one chunk, encoded as the success and error list entries. */
export interface ChunkOutcome {
  /** Rows imported. */
  readonly succeededRows: number;
  /**
   * The first line of the chunk's one success list entry (succeededHeader: the indexes of its
   * failed rows), or null when no row was imported. The payload goes behind it in Redis.
   */
  readonly succeeded: string | null;
  /** `[row, line, [original values], [messages]]` as JSON, one per failed row. */
  readonly failed: string[];
}

type OnRetry = (err: unknown, attempt: number) => void;

/** The rows of a chunk as they go through checks: valid ones carry their typed values. */
class ChunkRows {
  readonly messages = new Map<number, string[]>();
  readonly values = new Map<number, CellValue[]>();

  fail(index: number, messages: readonly string[]): void {
    this.values.delete(index);
    this.messages.set(index, [...(this.messages.get(index) ?? []), ...messages]);
  }

  valid(): number[] {
    return [...this.values.keys()].sort((a, b) => a - b);
  }
}

/**
 * Validates a chunk's rows (schema, uniqueness, the user's handler), saves the valid ones in one
 * go (retrying a target that is down), and sorts every row into exactly one of the two outcome
 * lists. Never throws for bad data: a row that makes the code throw is that row's error.
 */
export async function processChunk(context: ImportContext, target: Target, task: TaskChunk, retry: RetryPolicy, onRetry?: OnRetry): Promise<ChunkOutcome> {
  const rows = new ChunkRows();
  checkRows(context, task, rows);
  if (context.handler?.validate) await runHandlerValidate(context, context.handler, task, rows, retry, onRetry);
  await saveRows(context, target, task, rows, retry, onRetry);

  const failedIndexes = [...rows.messages.keys()].sort((a, b) => a - b);
  const failed = failedIndexes.map((index) => JSON.stringify([task.firstRow + index, task.lines[index] ?? null, task.rows[index], rows.messages.get(index)]));
  const succeededRows = task.rows.length - failedIndexes.length;
  return { succeededRows, succeeded: succeededRows > 0 ? succeededHeader(failedIndexes) : null, failed };
}

function checkRows(context: ImportContext, task: TaskChunk, rows: ChunkRows): void {
  task.rows.forEach((fields, index) => {
    try {
      const check = context.validate(fields);
      if (check.ok) rows.values.set(index, check.values);
      else rows.fail(index, check.messages);
    } catch (err) {
      rows.fail(index, [`row could not be checked: ${errorMessage(err)}`]);
    }
  });
  for (const dup of task.duplicates) {
    const column = context.uniqueColumnNames[dup.uniqueSlot] ?? 'value';
    rows.fail(dup.index, [`${column} repeats a value already used earlier in the file (first in row ${dup.firstRow})`]);
  }
}

function rowObject(columns: readonly string[], values: readonly CellValue[]): ImportRow {
  const row: ImportRow = {};
  columns.forEach((column, i) => {
    row[column] = values[i] ?? null;
  });
  return row;
}

function handlerContext(context: ImportContext, task: TaskChunk) {
  return { importId: context.record.id, chunk: task.chunk, table: context.record.table, target: context.record.target };
}

/** The user's extra rules: a RowError (or returned messages) fails the row; anything else is retried. */
async function runHandlerValidate(context: ImportContext, handler: Handler, task: TaskChunk, rows: ChunkRows, retry: RetryPolicy, onRetry?: OnRetry): Promise<void> {
  for (const index of rows.valid()) {
    const values = rows.values.get(index)!;
    const rowContext = { ...handlerContext(context, task), row: task.firstRow + index, line: task.lines[index] ?? null };
    try {
      const verdict = await withRetries(async () => {
        try {
          return await handler.validate!(rowObject(context.record.columns, values), rowContext);
        } catch (err) {
          if (isRowError(err)) return (err as Error).message;
          throw new TransientError(`handler validate() failed: ${errorMessage(err)}`, { cause: err });
        }
      }, retry, onRetry);
      const messages = verdict === undefined || verdict === null ? [] : typeof verdict === 'string' ? [verdict] : [...verdict];
      if (messages.length > 0) rows.fail(index, messages);
    } catch (err) {
      rows.fail(index, [`could not be checked: ${errorMessage(err).replace(/^database unavailable/, 'handler failing')}`]);
    }
  }
}

async function saveRows(context: ImportContext, target: Target, task: TaskChunk, rows: ChunkRows, retry: RetryPolicy, onRetry?: OnRetry): Promise<void> {
  const indexes = rows.valid();
  if (indexes.length === 0) return;
  const values = indexes.map((index) => rows.values.get(index)!);
  let rejections: readonly RowRejection[];
  try {
    rejections = await withRetries(
      () => (context.handler?.save ? saveWithHandler(context, context.handler, task, indexes, values) : saveToTarget(context, target, task, values)),
      retry,
      onRetry,
    );
  } catch (err) {
    // Retries exhausted, or the save code itself broke: these rows fail with the cause in words.
    // A handler's save() is no database: "database unavailable after N attempts" would mislead.
    const cause = context.handler?.save ? errorMessage(err).replace(/^database unavailable/, 'handler failing') : errorMessage(err);
    for (const index of indexes) rows.fail(index, [`not saved: ${cause}`]);
    return;
  }
  for (const rejection of rejections) {
    const index = indexes[rejection.index];
    if (index !== undefined) rows.fail(index, [rejection.message]);
  }
}

async function saveToTarget(context: ImportContext, target: Target, task: TaskChunk, values: CellValue[][]): Promise<RowRejection[]> {
  await ensureTableOnce(context, target);
  return target.save({
    importId: context.record.id,
    chunk: task.chunk,
    table: context.record.table,
    columns: context.record.columns,
    rows: values,
    onConflict: context.record.onConflict,
  });
}

async function saveWithHandler(context: ImportContext, handler: Handler, task: TaskChunk, indexes: readonly number[], values: CellValue[][]): Promise<RowRejection[]> {
  try {
    const refused = await handler.save!(
      values.map((v) => rowObject(context.record.columns, v)),
      { ...handlerContext(context, task), rowNumbers: indexes.map((i) => task.firstRow + i) },
    );
    return refused ? [...refused] : [];
  } catch (err) {
    if (isRowError(err)) return indexes.map((_, index) => ({ index, message: (err as Error).message }));
    throw new TransientError(`handler save() failed: ${errorMessage(err)}`, { cause: err });
  }
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
