import type { CellValue } from '../schema/row-validator.js';

/** One row as a handler sees it: typed values keyed by column name (empty cells are null). */
export type ImportRow = Record<string, CellValue>;

/** What a handler knows about the row or chunk it is called for. */
export interface HandlerContext {
  readonly importId: string;
  /**
   * The import's incarnation (made when its record was created): unlike the id, which a new
   * import can take again once the old one is purged or expired, it names this import alone.
   */
  readonly incarnation: string;
  /** The chunk's number: with incarnation, a key for making `save` idempotent. */
  readonly chunk: number;
  readonly table: string;
  readonly target: string;
}

export interface RowContext extends HandlerContext {
  /** The row's number (1 is the first data row after the header). */
  readonly row: number;
  /** Line of the file where the row starts. */
  readonly line: number | null;
}

export interface SaveContext extends HandlerContext {
  /** Row numbers of `rows`, in the same order. */
  readonly rowNumbers: readonly number[];
}

/** A row a handler's `save` refused, by its index in `rows`. */
export interface HandlerRejection {
  readonly index: number;
  readonly message: string;
}

/**
 * A user's own rules and persistence. `validate` runs after the schema on each valid row:
 * throw a RowError (or return messages) to mark the row invalid. `save` replaces the target:
 * it receives a chunk's valid rows at once, may return the rows it refused, and may be called
 * again for the same (incarnation, chunk) after a crash, so it should be idempotent on that key.
 * Any other error thrown by either is taken as transient and retried with backoff.
 */
export interface Handler {
  validate?(row: ImportRow, context: RowContext): void | string | readonly string[] | Promise<void | string | readonly string[]>;
  save?(rows: readonly ImportRow[], context: SaveContext): void | readonly HandlerRejection[] | Promise<void | readonly HandlerRejection[]>;
}

/** Marks a row (or, from `save`, every row of the call) invalid: recorded, never retried. */
export class RowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowError';
  }
}

/** Types a handler module: `export default defineHandler({ validate(row) { ... } })`. */
export function defineHandler<T extends Handler>(handler: T): T {
  return handler;
}

/** A RowError from another copy of this package (the user's module may import its own). */
export function isRowError(err: unknown): err is Error {
  return err instanceof RowError || (err instanceof Error && err.name === 'RowError');
}
