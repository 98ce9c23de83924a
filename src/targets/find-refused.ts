import type { RowRejection } from './target.js';

/** Below this many rows, a refused slice is tried row by row instead of halved again. */
const ONE_BY_ONE_UP_TO = 8;

/** What a SQL target lends the search for refused rows: its statements and its words. */
export interface RefusedRowSearch {
  /** Writes rows [start, end) of the chunk with one statement. */
  write(start: number, end: number): Promise<void>;
  /** Runs one statement of the session (SAVEPOINT, ROLLBACK TO, RELEASE). */
  exec(sql: string): Promise<unknown>;
  /** An outage: the whole transaction is abandoned and retried. */
  isTransient(err: unknown): boolean;
  /** The statement itself is wrong (unknown column, missing table): every row of it fails. */
  isStatementError(err: unknown): boolean;
  /** The database's refusal in words, for row `index` alone or (statement errors) for any row. */
  describe(err: unknown, index: number, single: boolean): Promise<string>;
}

/**
 * Writes a chunk's rows in one statement. If the database refuses it, the rows are halved and
 * each half tried again under a savepoint, down to single rows, which fail with the database's
 * words: a few bad rows in a chunk of hundreds cost a few dozen statements, not one per row.
 */
export async function writeFindingRefused(rowCount: number, search: RefusedRowSearch): Promise<RowRejection[]> {
  const rejected: RowRejection[] = [];
  const attempt = async (start: number, end: number): Promise<void> => {
    await search.exec('SAVEPOINT importer_part');
    try {
      await search.write(start, end);
      await search.exec('RELEASE SAVEPOINT importer_part');
      return;
    } catch (err) {
      if (search.isTransient(err)) throw err;
      // Released too: savepoints left on the stack slow every later statement of the transaction.
      await search.exec('ROLLBACK TO SAVEPOINT importer_part');
      await search.exec('RELEASE SAVEPOINT importer_part');
      if (search.isStatementError(err)) {
        for (let index = start; index < end; index++) rejected.push({ index, message: await search.describe(err, index, false) });
      } else if (end - start === 1) {
        rejected.push({ index: start, message: await search.describe(err, start, true) });
      } else if (end - start <= ONE_BY_ONE_UP_TO) {
        for (let index = start; index < end; index++) await attempt(index, index + 1);
      } else {
        const middle = start + Math.ceil((end - start) / 2);
        await attempt(start, middle);
        await attempt(middle, end);
      }
    }
  };
  if (rowCount > 0) await attempt(0, rowCount);
  return rejected;
}
