import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { CellValue } from '../schema/row-validator.js';
import { onConflictClause, qualified, quotePg } from './sql-names.js';
import { LEDGER_KEEP_DAYS, LEDGER_TABLE, TransientError, type RowRejection, type SaveRequest, type TableDefinition, type Target, type ColumnType } from './target.js';

type Db = Database.Database;
type Statement = Database.Statement;

/** SQLite caps bound parameters per statement (32766 since 3.32). */
const MAX_PARAMS = 32766;
/** Rows of the largest multi-row INSERT: past a few hundred rows a larger one saves nothing. */
const MAX_ROWS_PER_INSERT = 512;
const LEDGER = LEDGER_TABLE;
/** How long one statement lets SQLite wait for a lock itself (its busy handler sleeps the thread). */
const LOCK_WAIT_MS = 2;

const SQL_TYPES: Record<ColumnType, string> = { text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'INTEGER', date: 'TEXT', timestamp: 'TEXT' };

function toSqlite(value: CellValue): string | number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

const TRANSIENT_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_FULL']);

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

function isTransient(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return TRANSIENT_CODES.has(code) || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code.startsWith('SQLITE_IOERR');
}

function wrap(err: unknown): unknown {
  if (isTransient(err)) return new TransientError(`database unavailable: ${(err as Error).message}`, { cause: err });
  return err;
}

/**
 * The embedded default target. Several worker processes share the file through WAL mode and a
 * busy timeout; each chunk's rows and its ledger row are written in one transaction, so a
 * redelivered chunk finds its ledger row and writes nothing twice.
 */
export class SqliteTarget implements Target {
  private connection: { db: Db; ledgerGet: Statement; ledgerPut: Statement } | null = null;
  private readonly inserts = new Map<string, Statement>();

  /**
   * `busyTimeoutMs`: how long a statement waits for another connection's lock before failing
   * with SQLITE_BUSY (the worker then retries with backoff); see DEFAULT_SQLITE_BUSY_TIMEOUT_MS.
   */
  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Opens the file on first use, so that a locked or missing file is retried like any outage. */
  private open(): { db: Db; ledgerGet: Statement; ledgerPut: Statement } {
    if (this.connection) return this.connection;
    // A short wait inside SQLite; save() waits the rest of the busy timeout without blocking.
    const db = new Database(this.path, { timeout: Math.min(this.busyTimeoutMs, LOCK_WAIT_MS) });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      // Keyed by the import's incarnation (SaveRequest.ledgerKey), not its id, which can be reused;
      // a ledger of an older version (_importer_chunks, by id) is left as it was.
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${LEDGER} (incarnation TEXT NOT NULL, chunk INTEGER NOT NULL, import_id TEXT NOT NULL, rejected TEXT NOT NULL, ` +
          'saved_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (incarnation, chunk)) WITHOUT ROWID',
      );
      db.prepare(`DELETE FROM ${LEDGER} WHERE saved_at < datetime('now', ?)`).run(`-${LEDGER_KEEP_DAYS} days`);
      this.connection = {
        db,
        ledgerGet: db.prepare(`SELECT rejected FROM ${LEDGER} WHERE incarnation = ? AND chunk = ?`),
        ledgerPut: db.prepare(`INSERT INTO ${LEDGER} (incarnation, chunk, import_id, rejected) VALUES (?, ?, ?, ?)`),
      };
      return this.connection;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private get db(): Db {
    return this.open().db;
  }

  async ensureTable(definition: TableDefinition): Promise<void> {
    const key = definition.uniqueKey.length > 0 ? `, UNIQUE (${definition.uniqueKey.map(quotePg).join(', ')})` : '';
    const columns = definition.columns.map((c) => `${quotePg(c.name)} ${SQL_TYPES[c.type]}`).join(', ') + key;
    // SQLite is the embedded default: a missing table is always created.
    await this.whenUnlocked(() => this.db.exec(`CREATE TABLE IF NOT EXISTS ${qualified(definition.table, quotePg)} (${columns})`));
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    return this.whenUnlocked(() => this.db.transaction(() => this.saveInTransaction(request)).immediate());
  }

  /**
   * Runs `work` (which opens the file on first use), waiting for another process's lock a
   * millisecond or two at a time with the event loop free (this worker's other chunks go on
   * parsing and validating), up to the busy timeout. SQLite's own busy handler sleeps the thread
   * for 1, 2, 5, 10, 15... ms, which left two worker processes mostly waiting on each other's
   * short transactions.
   */
  private async whenUnlocked<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (;;) {
      try {
        return work();
      } catch (err) {
        if (isBusy(err) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 1 + Math.random()));
          continue;
        }
        throw wrap(err);
      }
    }
  }

  private saveInTransaction(request: SaveRequest): RowRejection[] {
    const done = this.open().ledgerGet.get(request.ledgerKey, request.chunk) as { rejected: string } | undefined;
    if (done) return JSON.parse(done.rejected) as RowRejection[];
    let rejected: RowRejection[] = [];
    if (request.rows.length > 0) {
      const savepoint = 'importer_chunk';
      this.db.exec(`SAVEPOINT ${savepoint}`);
      try {
        this.insertMany(request, request.rows);
        this.db.exec(`RELEASE ${savepoint}`);
      } catch (err) {
        this.db.exec(`ROLLBACK TO ${savepoint}`);
        this.db.exec(`RELEASE ${savepoint}`);
        if (isTransient(err)) throw err;
        // Find the guilty rows: the others are still saved.
        rejected = this.insertOneByOne(request, request.rows);
      }
    }
    this.open().ledgerPut.run(request.ledgerKey, request.chunk, request.importId, JSON.stringify(rejected));
    return rejected;
  }

  /**
   * The rows in multi-row INSERTs of a few sizes only: the largest power of two of rows that fits
   * SQLite's parameter cap, then the rest as a sum of smaller powers of two. A chunk's valid rows
   * are any number: one statement sized to each count made SQLite parse a new INSERT of
   * thousands of placeholders for nearly every chunk (a quarter of a worker's CPU on a file with
   * 8% invalid rows), and kept each one prepared.
   */
  private insertMany(request: SaveRequest, rows: readonly (readonly CellValue[])[]): void {
    const fit = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, request.columns.length)));
    let size = 2 ** Math.floor(Math.log2(Math.min(fit, MAX_ROWS_PER_INSERT)));
    let start = 0;
    while (start < rows.length) {
      while (size > rows.length - start) size /= 2;
      const params: (string | number | null)[] = [];
      for (let r = start; r < start + size; r++) for (const value of rows[r]!) params.push(toSqlite(value));
      this.insertStatement(request, size).run(params);
      start += size;
    }
  }

  private insertOneByOne(request: SaveRequest, rows: readonly (readonly CellValue[])[]): RowRejection[] {
    const rejected: RowRejection[] = [];
    const statement = this.insertStatement(request, 1);
    rows.forEach((row, index) => {
      try {
        statement.run(row.map(toSqlite));
      } catch (err) {
        if (isTransient(err)) throw err;
        rejected.push({ index, message: describeSqliteError(err, request.columns, row) });
      }
    });
    return rejected;
  }

  private insertStatement(request: SaveRequest, rowCount: number): Statement {
    const { table, columns, onConflict } = request;
    const key = `${table}\u0000${columns.join('\u0000')}\u0000${rowCount}\u0000${JSON.stringify(onConflict)}`;
    let statement = this.inserts.get(key);
    if (!statement) {
      const placeholders = `(${columns.map(() => '?').join(', ')})`;
      statement = this.db.prepare(
        `INSERT INTO ${qualified(table, quotePg)} (${columns.map(quotePg).join(', ')}) VALUES ${Array(rowCount).fill(placeholders).join(', ')}` +
          onConflictClause(columns, onConflict),
      );
      this.inserts.set(key, statement);
    }
    return statement;
  }

  async forgetLedger(_table: string, ledgerKey: string): Promise<number> {
    // No file, no ledger: not created just to be found empty.
    if (!this.connection && !existsSync(this.path)) return 0;
    return this.whenUnlocked(() => this.db.prepare(`DELETE FROM ${LEDGER} WHERE incarnation = ?`).run(ledgerKey).changes);
  }

  async close(): Promise<void> {
    this.connection?.db.close();
    this.connection = null;
    this.inserts.clear();
  }
}

/** "email: the value "a@b.c" is already in the table (UNIQUE constraint failed: people.email)". */
function describeSqliteError(err: unknown, columns: readonly string[], row: readonly CellValue[]): string {
  const message = (err as Error).message ?? String(err);
  const match = /constraint failed: [^.\s]+\.(\S+)/i.exec(message);
  const column = match?.[1];
  const index = column ? columns.indexOf(column) : -1;
  if (column && index >= 0) {
    const value = row[index];
    const what = value === null || value === undefined ? 'an empty value' : `the value ${JSON.stringify(value)}`;
    return `${column}: the database refused ${what} (${message})`;
  }
  return `the database refused the row (${message})`;
}
