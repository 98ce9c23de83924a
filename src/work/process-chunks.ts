import { errorMessage } from '../errors.js';
import { duplicateMessage } from '../schema/duplicate-message.js';
import { isRowError, type Handler, type ImportRow } from '../handler/handler-types.js';
import type { CellValue } from '../schema/row-validator.js';
import { TransientError, type EncodedRows, type RowRejection, type SaveRequest, type Target } from '../targets/target.js';
import type { RowOriginals } from '../targets/copy-text.js';
import { decodePayload, type DecodedChunk } from '../chunks/chunk-codec.js';
import { encodeFailedRow } from '../redis/codec.js';
import { countMessageGroups } from '../message-groups.js';
import type { ImportContext } from './import-context.js';
import { compileByteRowCheck, type ByteRowCheck, type ColumnsAsWritten } from '../schema/byte-row-check.js';
import { ledgerKey } from '../import-record.js';
import { RetriesExhaustedError, TargetUnavailableError, withRetries, type RetryPolicy } from './retry.js';

/** The outcome of one chunk: what its success and error list entries are made of (src/redis/codec.ts). */
export interface ChunkOutcome {
  /** Rows imported. */
  readonly importedRows: number;
  /** Indexes of the chunk's failed rows, ascending: its success entry names them beside its payload. */
  readonly failedIndexes: readonly number[];
  /** The failed rows, in the same order. */
  readonly failed: FailedRows;
}

/** A chunk's failed rows as the error list stores them (packFailedRows). */
export interface FailedRows {
  /** Their error list entries (encodeFailedRow), one per failed row. */
  readonly entries: readonly string[];
  /** Their messages counted by group (countMessageGroups), for the report's Summary. */
  readonly groups: ReadonlyMap<string, number>;
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

  failedIndexes(): number[] {
    return [...this.messages.keys()].sort((a, b) => a - b);
  }
}

/**
 * Validates a chunk's rows (schema, uniqueness, the user's handler), saves the valid ones in one
 * go (retrying a target that is down), and sorts every row into exactly one of the two outcome
 * lists. Never throws for bad data: a row that makes the code throw is that row's error. A
 * target still unavailable after the retries throws TargetUnavailableError: no row is failed for
 * it, and the caller works on the chunk again once the target answers (the target's ledger
 * makes a chunk saved before, its reply lost, return what was refused then).
 */
export async function processChunk(context: ImportContext, target: Target, chunk: DecodedChunk, retry: RetryPolicy, onRetry?: OnRetry): Promise<ChunkOutcome> {
  return (await processChunks(context, target, [chunk], retry, onRetry))[0]!;
}

/** Chunks saved together: with a target that can (saveMany), no handler and no upsert. */
export function savesTogether(context: ImportContext, target: Target): boolean {
  return target.saveMany !== undefined && target.encodeRows !== undefined && !context.handler && !context.record.onConflict;
}

/**
 * How chunks of the import are to be read for saving (decodeChunk's `onBytes`): with the check of
 * rows on their bytes when they are saved together by a target that takes rows as written and
 * knows its columns; else null (every row split and checked as strings).
 */
export function rowsOnBytesFor(context: ImportContext, target: Target): ByteRowCheck | null {
  if (!savesTogether(context, target)) return null;
  const read = target.columnsAsWritten?.({ table: context.record.table, columns: context.record.columns });
  if (!read) return null;
  let checks = byteChecks.get(context);
  if (!checks) byteChecks.set(context, (checks = new WeakMap()));
  let check = checks.get(read);
  if (check === undefined) {
    // The byte check reads the schema's keywords alone: ajv never compiles it for this.
    const { schema } = context;
    check = compileByteRowCheck(context.record.columns, schema ? schema.root : null, schema ? schema.format : () => undefined, read);
    checks.set(read, check);
  }
  return check;
}

/** rowsOnBytesFor's checks: built once per import and answer of its target (the same object each time). */
const byteChecks = new WeakMap<ImportContext, WeakMap<ColumnsAsWritten, ByteRowCheck | null>>();

const prepared = new WeakSet<ImportContext>();

/**
 * Makes the import's target ready before its first chunk comes, without waiting: its table
 * ensured (loading the driver and connecting, a worker's first tenth of a second), and the check
 * of rows on their bytes built. A failure is left for the save to meet, retry and report.
 */
export function prepareTarget(context: ImportContext, target: Target): void {
  // Once per import (a worker asks again each time it finds nothing to do), only while its
  // enqueue feeds it (chunks are coming), and for a target that saves chunks together (a
  // database server: loading its driver and connecting are what take time). A target is
  // otherwise never opened before a chunk is to be saved in it.
  if (context.record.state !== 'enqueuing' || !savesTogether(context, target) || prepared.has(context)) return;
  prepared.add(context);
  ensureTableOnce(context, target).then(
    () => rowsOnBytesFor(context, target),
    () => {},
  );
}

/**
 * processChunk() for several chunks of one import: each is checked alone, then their valid rows
 * are saved together when the target can (Target.saveMany: one statement for all of them, which
 * costs the database much less than one per chunk), else one chunk after the other. The chunks
 * are taken from `chunks` one at a time, so that a caller decoding them lazily holds one chunk's
 * rows at a time.
 */
export async function processChunks(context: ImportContext, target: Target, chunks: Iterable<DecodedChunk>, retry: RetryPolicy, onRetry?: OnRetry): Promise<ChunkOutcome[]> {
  if (savesTogether(context, target)) return saveTogether(context, target, chunks, retry, onRetry);
  const outcomes: ChunkOutcome[] = [];
  for (const chunk of chunks) {
    const rows = new ChunkRows();
    checkRows(context, chunk, rows);
    if (context.handler?.validate) await runHandlerValidate(context, context.handler, chunk, rows, retry, onRetry);
    await saveRows(context, target, chunk, rows, retry, onRetry);
    outcomes.push(outcome(chunk, rows));
  }
  return outcomes;
}

function outcome(chunk: DecodedChunk, rows: ChunkRows): ChunkOutcome {
  const failedIndexes = rows.failedIndexes();
  return { importedRows: chunk.rows.length - failedIndexes.length, failedIndexes, failed: failedRows(chunk, rows, failedIndexes) };
}

/** A chunk's failed rows as the error list stores them. */
export function failedRows(chunk: Pick<DecodedChunk, 'firstRow' | 'lines' | 'rows'>, rows: { readonly messages: ReadonlyMap<number, readonly string[]> }, failedIndexes: readonly number[]): FailedRows {
  const messages = failedIndexes.map((index) => rows.messages.get(index)!);
  return {
    entries: failedIndexes.map((index, i) => encodeFailedRow({ row: chunk.firstRow + index, line: chunk.lines[index] ?? null, values: chunk.rows[index] ?? [], messages: messages[i]! })),
    groups: countMessageGroups(messages),
  };
}

function checkRows(context: ImportContext, chunk: DecodedChunk, rows: ChunkRows): void {
  // Rows checked on their bytes have no values to hand on: only saveTogether takes such chunks.
  if (chunk.asWritten) throw new Error(`chunk ${chunk.chunk} was read for saving as written, which this import does not do`);
  const { indexes, values } = checkRowsInOrder(context, chunk, rows);
  indexes.forEach((index, i) => rows.values.set(index, values[i]!));
}

function failDuplicates(context: ImportContext, chunk: DecodedChunk, rows: ChunkRows): void {
  // A row's repeats in the order of its unique columns (as `importer check` words them), however
  // the enqueue found each one (in its memory, Redis's hashes or arrays).
  const inColumnOrder = chunk.duplicates.length > 1 ? [...chunk.duplicates].sort((a, b) => a.uniqueSlot - b.uniqueSlot) : chunk.duplicates;
  for (const dup of inColumnOrder) {
    const column = context.uniqueColumnNames[dup.uniqueSlot] ?? 'value';
    rows.fail(dup.index, [duplicateMessage(column, dup.firstRow)]);
  }
}

/** The values of a row checked on its bytes (DecodedChunk.asWritten): none are given. */
const NO_VALUES: CellValue[] = [];

/**
 * Checks a chunk's rows (schema, then uniqueness): the valid rows in row order, their indexes and
 * values in two arrays; the failed rows' messages in `rows`. (saveTogether keeps the arrays: no
 * map entry per valid row; checkRows puts them in `rows` for the handler and the one-by-one save.)
 */
function checkRowsInOrder(context: ImportContext, chunk: DecodedChunk, rows: ChunkRows): { indexes: number[]; values: CellValue[][]; written: boolean[] } {
  const duplicates = chunk.duplicates.length > 0 ? new Set(chunk.duplicates.map((d) => d.index)) : null;
  const all = chunk.rows;
  // Sized for every row, then cut to the valid ones: grown a row at a time, these arrays were
  // copied over and over, a sizeable share of what a worker allocates.
  const indexes = new Array<number>(all.length);
  const values = new Array<CellValue[]>(all.length);
  const written = new Array<boolean>(all.length);
  let valid = 0;
  const asWritten = chunk.asWritten;
  for (let index = 0; index < all.length; index++) {
    if (asWritten?.[index] === 1) {
      // Valid on its bytes, sent as written: no values (see DecodedChunk.asWritten).
      if (!duplicates?.has(index)) {
        indexes[valid] = index;
        values[valid] = NO_VALUES;
        written[valid++] = true;
      }
      continue;
    }
    const problems = chunk.problems?.get(index);
    if (problems) {
      rows.fail(index, problems);
      continue;
    }
    try {
      const check = context.validate(all[index]!);
      if (!check.ok) rows.fail(index, check.messages);
      else if (!duplicates?.has(index)) {
        indexes[valid] = index;
        values[valid] = check.values;
        written[valid++] = check.written;
      }
    } catch (err) {
      rows.fail(index, [`row could not be checked: ${errorMessage(err)}`]);
    }
  }
  indexes.length = valid;
  values.length = valid;
  written.length = valid;
  failDuplicates(context, chunk, rows);
  return { indexes, values, written };
}

function rowObject(columns: readonly string[], values: readonly CellValue[]): ImportRow {
  const row: ImportRow = {};
  columns.forEach((column, i) => {
    row[column] = values[i] ?? null;
  });
  return row;
}

/** What a handler is told of the chunk a row belongs to. */
export function handlerContext(context: ImportContext, chunk: DecodedChunk) {
  return { importId: context.record.id, incarnation: ledgerKey(context.record), chunk: chunk.chunk, table: context.record.table, target: context.record.target };
}

/** The user's extra rules: a RowError (or returned messages) fails the row; anything else is retried. */
async function runHandlerValidate(context: ImportContext, handler: Handler, chunk: DecodedChunk, rows: ChunkRows, retry: RetryPolicy, onRetry?: OnRetry): Promise<void> {
  for (const index of rows.valid()) {
    const values = rows.values.get(index)!;
    const rowContext = { ...handlerContext(context, chunk), row: chunk.firstRow + index, line: chunk.lines[index] ?? null };
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

async function saveRows(context: ImportContext, target: Target, chunk: DecodedChunk, rows: ChunkRows, retry: RetryPolicy, onRetry?: OnRetry): Promise<void> {
  const indexes = rows.valid();
  if (indexes.length === 0) return;
  const values = indexes.map((index) => rows.values.get(index)!);
  let rejections: readonly RowRejection[];
  try {
    rejections = await withRetries(
      () => (context.handler?.save ? saveWithHandler(context, context.handler, chunk, indexes, values) : saveToTarget(context, target, chunk, values)),
      retry,
      onRetry,
    );
  } catch (err) {
    // The target unavailable is no fault of these rows: they wait with their chunk.
    if (!context.handler?.save) throwIfUnavailable(err);
    // The save code itself broke, or a handler's save() kept failing: these rows fail with the
    // cause in words. A handler's save() is no database: "database unavailable" would mislead.
    const cause = context.handler?.save ? errorMessage(err).replace(/^database unavailable/, 'handler failing') : errorMessage(err);
    for (const index of indexes) rows.fail(index, [`not saved: ${cause}`]);
    return;
  }
  for (const rejection of rejections) {
    const index = indexes[rejection.index];
    if (index !== undefined) rows.fail(index, [rejection.message]);
  }
}

function saveRequest(context: ImportContext, chunk: number, values: CellValue[][]): SaveRequest {
  return {
    importId: context.record.id,
    ledgerKey: ledgerKey(context.record),
    chunk,
    table: context.record.table,
    columns: context.record.columns,
    rows: values,
    onConflict: context.record.onConflict,
  };
}

async function saveToTarget(context: ImportContext, target: Target, chunk: DecodedChunk, values: CellValue[][]): Promise<RowRejection[]> {
  await ensureTableOnce(context, target);
  return target.save(saveRequest(context, chunk.chunk, values));
}

/**
 * Checks the chunks one by one, encoding each one's valid rows for the target at once (their
 * typed values are dropped: a worker holding several chunks' values spent three times as long
 * collecting garbage), then saves them with one saveMany, retrying a target that is down.
 */
async function saveTogether(context: ImportContext, target: Target, chunks: Iterable<DecodedChunk>, retry: RetryPolicy, onRetry?: OnRetry): Promise<ChunkOutcome[]> {
  const checked: { meta: CheckedMeta; rows: ChunkRows; indexes: number[]; encoded: Buffer; failedIndexes: number[]; failed: FailedRows }[] = [];
  // The table's columns first (an encoding may depend on their types); if the database is down,
  // rows are encoded without them, and the save's retries try again.
  await ensureTableOnce(context, target).catch(() => {});
  const table = { table: context.record.table, columns: context.record.columns };
  for (const chunk of chunks) {
    const rows = new ChunkRows();
    const { indexes, values, written } = checkRowsInOrder(context, chunk, rows);
    const plain = chunk.plain;
    if (chunk.asWritten && !plain) throw new Error(`chunk ${chunk.chunk} has rows checked on their text, which it does not have`);
    const originals = plain ? originalsOf(chunk, plain, indexes, written) : null;
    const encoded = indexes.length > 0 ? target.encodeRows!(table, values, originals) : Buffer.alloc(0);
    // The rows failed so far, in words now; rows the database refuses later are read again.
    const failedIndexes = rows.failedIndexes();
    const failed = failedRows(chunk, rows, failedIndexes);
    const meta = { chunk: chunk.chunk, firstRow: chunk.firstRow, rowCount: chunk.rows.length, payload: chunk.payload, duplicates: chunk.duplicates };
    checked.push({ meta, rows, indexes, encoded, failedIndexes, failed });
  }
  const toSave = checked.filter((c) => c.indexes.length > 0);
  let rejections: readonly (readonly RowRejection[])[] = [];
  if (toSave.length > 0) {
    const encodedChunks: EncodedRows[] = toSave.map(({ meta, indexes, encoded }) => ({
      request: saveRequest(context, meta.chunk, []),
      encoded,
      rows: () => {
        const again = readAgain(context, meta);
        return indexes.map((index) => checkAgain(context, again, index));
      },
    }));
    try {
      rejections = await withRetries(async () => {
        await ensureTableOnce(context, target);
        return target.saveMany!(encodedChunks);
      }, retry, onRetry);
    } catch (err) {
      throwIfUnavailable(err);
      rejections = toSave.map(({ indexes }) => indexes.map((_, index) => ({ index, message: `not saved: ${errorMessage(err)}` })));
    }
  }
  return checked.map((c) => {
    const refused = rejections[toSave.indexOf(c)] ?? [];
    if (refused.length === 0) {
      return { importedRows: c.meta.rowCount - c.failedIndexes.length, failedIndexes: c.failedIndexes, failed: c.failed };
    }
    // Rare: the database refused rows. The chunk is read again for their original values.
    const again = readAgain(context, c.meta);
    for (const rejection of refused) {
      const index = c.indexes[rejection.index];
      if (index !== undefined) c.rows.fail(index, [rejection.message]);
    }
    return outcome(again, c.rows);
  });
}

/** The rows `indexes` of a chunk as the file wrote them (RowOriginals), in one pass. */
function originalsOf(chunk: DecodedChunk, plain: NonNullable<DecodedChunk['plain']>, indexes: readonly number[], written: readonly boolean[]): RowOriginals {
  const n = indexes.length;
  const fields = new Array<readonly string[]>(n);
  const starts = new Array<number>(n);
  const ends = new Array<number>(n);
  const marks = chunk.asWritten;
  const asWritten = marks ? new Array<boolean>(n) : undefined;
  for (let i = 0; i < n; i++) {
    const index = indexes[i]!;
    fields[i] = chunk.rows[index]!;
    starts[i] = plain.starts[index]!;
    ends[i] = plain.ends[index]!;
    if (asWritten) asWritten[i] = marks![index] === 1;
  }
  return { fields, bytes: plain.bytes, starts, ends, written, asWritten };
}

/** A target still unavailable after the quick retries: thrown on as TargetUnavailableError. */
function throwIfUnavailable(err: unknown): void {
  if (err instanceof RetriesExhaustedError) throw new TargetUnavailableError(errorMessage(err.last), { cause: err.last });
}

/** What saveTogether keeps of a chunk once checked. */
interface CheckedMeta {
  readonly chunk: number;
  readonly firstRow: number;
  readonly rowCount: number;
  readonly payload: Buffer;
  readonly duplicates: DecodedChunk['duplicates'];
}

/** A checked chunk's rows, read again from its payload. */
function readAgain(context: ImportContext, meta: CheckedMeta): DecodedChunk {
  return { chunk: meta.chunk, ...decodePayload(meta.payload, context.record.keepColumns), duplicates: meta.duplicates, payload: meta.payload };
}

/** The typed values of a row that passed its check before (the check is a pure function). */
function checkAgain(context: ImportContext, chunk: DecodedChunk, index: number): CellValue[] {
  const check = context.validate(chunk.rows[index]!);
  if (!check.ok) throw new Error(`row ${chunk.firstRow + index} passed its check once and not again: ${check.messages.join('; ')}`);
  return check.values;
}

async function saveWithHandler(context: ImportContext, handler: Handler, chunk: DecodedChunk, indexes: readonly number[], values: CellValue[][]): Promise<RowRejection[]> {
  try {
    const refused = await handler.save!(
      values.map((v) => rowObject(context.record.columns, v)),
      { ...handlerContext(context, chunk), rowNumbers: indexes.map((i) => chunk.firstRow + i) },
    );
    return refused ? [...refused] : [];
  } catch (err) {
    if (isRowError(err)) return indexes.map((_, index) => ({ index, message: (err as Error).message }));
    throw new TransientError(`handler save() failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** Per target, per table: ensured (true), or being ensured (by a slot the others wait for). */
const ensured = new WeakMap<Target, Map<string, true | Promise<void>>>();

/**
 * Ensures the import's table once per target: slots starting together wait for the one that
 * ensures it instead of each asking the database the same (a worker's first seconds). A failure
 * is not remembered: the next call tries again.
 */
async function ensureTableOnce(context: ImportContext, target: Target): Promise<void> {
  let tables = ensured.get(target);
  if (!tables) {
    tables = new Map();
    ensured.set(target, tables);
  }
  const table = context.table.table;
  const state = tables.get(table);
  if (state === true) return;
  if (state) return state;
  const ensuring = target.ensureTable(context.table).then(
    () => void tables.set(table, true),
    (err: unknown) => {
      tables.delete(table);
      throw err;
    },
  );
  tables.set(table, ensuring);
  return ensuring;
}
