import type { CellValue } from '../schema/row-validator.js';

/** What a target needs to know to save one chunk of one import. */
export interface SaveRequest {
  readonly importId: string;
  readonly chunk: number;
  readonly table: string;
  readonly columns: readonly string[];
  /** The valid rows of the chunk, values in column order. */
  readonly rows: readonly (readonly CellValue[])[];
  /** Upsert on the user's own key instead of failing rows that collide with it. */
  readonly onConflict: ConflictPolicy | null;
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
 * Where valid rows go. `save` must be exactly-once per (import, chunk): a chunk saved before
 * (a redelivered task) is not written again, and the rows refused the first time are returned
 * again. Errors that may pass (connection, lock, timeout) are thrown as TransientError.
 */
export interface Target {
  ensureTable(definition: TableDefinition): Promise<void>;
  save(request: SaveRequest): Promise<RowRejection[]>;
  close(): Promise<void>;
}

/** A failure worth retrying: the database is down, busy or locked. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}
