import type { CellValue } from '../schema/row-validator.js';
import type { RowOriginals } from './copy-text.js';
import type { ColumnsAsWritten } from '../schema/byte-row-check.js';

/** What a target needs to know to save one chunk of one import. */
export interface SaveRequest {
  readonly importId: string;
  /**
   * The import's key in the ledger (ledgerKey: its incarnation): an import created again under an
   * old id is a new key, so its chunks are not taken for the old import's, saved before.
   */
  readonly ledgerKey: string;
  readonly chunk: number;
  readonly table: string;
  readonly columns: readonly string[];
  /** The valid rows of the chunk, values in column order. */
  readonly rows: readonly (readonly CellValue[])[];
  /** Upsert on the user's own key instead of failing rows that collide with it. */
  readonly onConflict: ConflictPolicy | null;
}

/**
 * A chunk's valid rows for saveMany: encoded by the target as soon as they are checked, so that
 * a worker holding several chunks does not hold their typed values (which cost more to collect
 * than to build again); `rows()` builds them again when the target needs them (a chunk saved
 * alone after the database refused the batch).
 */
export interface EncodedRows {
  readonly request: Omit<SaveRequest, 'rows'>;
  readonly encoded: Buffer;
  rows(): CellValue[][];
}

/** `--on-conflict <columns>`: what to do with a row whose key is already in the table. */
export interface ConflictPolicy {
  readonly columns: readonly string[];
  readonly action: 'ignore' | 'update';
}

/** A row the database refused (a constraint of the table), by its index in `rows`. */
export interface RowRejection {
  readonly index: number;
  readonly message: string;
}

/** Column types the target should create a missing table with. */
export type ColumnType = 'text' | 'integer' | 'real' | 'boolean' | 'date' | 'timestamp';

export interface TableDefinition {
  readonly table: string;
  readonly columns: readonly { readonly name: string; readonly type: ColumnType }[];
  /** Create the table when it is missing (else a missing table fails the rows, saying so). */
  readonly create: boolean;
  /** Columns a created table makes unique (the `--on-conflict` key), or none. */
  readonly uniqueKey: readonly string[];
}

/**
 * Where valid rows go. `save` must be exactly-once per (ledger key, chunk): a chunk saved before
 * (a redelivered chunk) is not written again, and the rows refused the first time are returned
 * again. Errors that may pass (connection, lock, timeout) are thrown as TransientError.
 */
export interface Target {
  ensureTable(definition: TableDefinition): Promise<void>;
  save(request: SaveRequest): Promise<RowRejection[]>;
  /**
   * save() for several chunks of one import, with the same guarantees for each; what each
   * refused, in the order given. Targets that can write several chunks in one statement offer
   * it (a database spends much less per row on a few large statements than on many small ones),
   * with encodeRows.
   */
  saveMany?(chunks: readonly EncodedRows[]): Promise<RowRejection[][]>;
  /**
   * A chunk's valid rows in the form saveMany writes them (PostgreSQL: COPY text), as bytes: a
   * string built a value at a time is a tree of pieces until first read, and several chunks'
   * trees held at once cost more to collect than the encoding does.
   */
  encodeRows?(request: Pick<SaveRequest, 'table' | 'columns'>, rows: readonly (readonly CellValue[])[], originals: RowOriginals | null): Buffer;
  /**
   * For encodeRows of rows checked on their own text (RowOriginals.asWritten): what the table's
   * columns read as the checked values; null while they are not known (before ensureTable), when
   * no row is so checked. The same object each time for the same table and columns.
   */
  columnsAsWritten?(request: Pick<SaveRequest, 'table' | 'columns'>): ColumnsAsWritten | null;
  /**
   * Deletes the ledger rows of one import (by its ledger key) from the ledger beside `table`: once
   * its Redis keys are gone, no chunk of it can come back. How many were deleted.
   */
  forgetLedger?(table: string, ledgerKey: string): Promise<number>;
  close(): Promise<void>;
}

/** The ledger's table, beside each target table (in its schema or database). */
export const LEDGER_TABLE = '_importer_ledger';

/**
 * Ledger rows older than this are deleted when a worker first uses a ledger: those of imports
 * whose keys expired (`--ttl`) or were deleted without `purge`. A chunk is recorded moments after
 * it is saved, so only a chunk left unrecorded this long could be saved again.
 */
export const LEDGER_KEEP_DAYS = 30;

/** A failure worth retrying: the database is down, busy or locked. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
