import mysql from 'mysql2/promise';
import type { CellValue } from '../schema/row-validator.js';
import { redactUrl } from '../redact.js';
import { writeFindingRefused } from './find-refused.js';
import { qualified, quoteMysql, splitTableName } from './sql-names.js';
import { optionError } from '../errors.js';
import { LEDGER_KEEP_DAYS, LEDGER_TABLE, TransientError, type ColumnType, type ConflictPolicy, type RowRejection, type SaveRequest, type TableDefinition, type Target } from './target.js';

const LEDGER_NAME = LEDGER_TABLE;
/** MySQL's limit of placeholders in one statement. */
const MAX_PARAMS = 65_535;
/** A refused slice of at most this many rows is tried row by row rather than halved again. */
const MYSQL_TYPES: Record<ColumnType, string> = {
  text: 'TEXT',
  integer: 'BIGINT',
  real: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'DATETIME(3)',
};

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ENETUNREACH', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED', 'ER_CLIENT_INTERACTION_TIMEOUT', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_OPTION_PREVENTS_STATEMENT',
  'ER_READ_ONLY_MODE', 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', 'ER_QUERY_TIMEOUT', 'ER_LOCK_NOWAIT', 'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED', 'ER_NET_ERROR_ON_WRITE', 'ER_NET_WRITE_INTERRUPTED',
  // A worker without the right credentials in its environment: retried like an outage (its
  // rows then fail "database unavailable after N attempts: Access denied ..."), not failed at
  // once, since workers with the right environment may be working on the same import.
  'ER_ACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR',
]);

/**
 * The same by number, for MariaDB's own codes mysql2 has no name for, and MySQL's: too many
 * connections (1040, 1203), shutdown (1053), connection killed (1927, MariaDB), lock wait and
 * deadlock (1205, 1213), statement timeouts (1969 MariaDB max_statement_time, 3024 MySQL), a
 * read-only server (1290 --read-only, 1792, 1836: a replica, or a failover not yet promoted),
 * network errors (1158-1161).
 */
const TRANSIENT_ERRNOS = new Set([1040, 1203, 1053, 1927, 1205, 1213, 1969, 3024, 1290, 1792, 1836, 1158, 1159, 1160, 1161]);

/** Workers wait for a target that fails this way; no row fails for it. */
function isTransient(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; fatal?: boolean; message?: string };
  if (TRANSIENT_CODES.has(e?.code ?? '') || TRANSIENT_ERRNOS.has(e?.errno ?? 0) || e?.fatal === true) return true;
  // A pooled connection the server closed (a restart) fails its next command with a plain Error.
  return /in closed state|connection is closed|Connection lost/i.test(e?.message ?? '');
}

/** Names the target (its URL holds no password) in the words of a transient error. */
function wrap(err: unknown, target: string): unknown {
  return isTransient(err) ? new TransientError(`database unavailable: ${target}: ${(err as Error).message}`, { cause: err }) : err;
}

/** Errors of the statement, not of a row: every row would fail alike, so none is tried alone. */
const STATEMENT_CODES = new Set([
  'ER_BAD_FIELD_ERROR', 'ER_NO_SUCH_TABLE', 'ER_BAD_DB_ERROR', 'ER_PARSE_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR',
]);

function isStatementError(err: unknown): boolean {
  return STATEMENT_CODES.has((err as { code?: string })?.code ?? '');
}

/**
 * The session's sql_mode without NO_BACKSLASH_ESCAPES, every other mode of the server kept.
 * mysql2 binds `?` values on the client, escaping quotes with a backslash (`\'`): on a server
 * running with NO_BACKSLASH_ESCAPES the backslash is an ordinary character there, so a cell
 * such as `') ON DUPLICATE KEY UPDATE x=1#` would end its string and become part of the
 * statement. The commas around the list make the mode match whole, wherever it stands.
 */
const SAFE_SQL_MODE =
  "SET SESSION sql_mode = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', @@SESSION.sql_mode, ','), ',NO_BACKSLASH_ESCAPES,', ','))";

/** DATETIME takes "YYYY-MM-DD HH:MM:SS.mmm" in UTC, not ISO 8601 with a zone. */
function toParam(value: CellValue, type: ColumnType | undefined): string | number | boolean | null {
  if (type === 'timestamp' && typeof value === 'string') {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date.toISOString().replace('T', ' ').replace('Z', '');
  }
  return value;
}

/**
 * MySQL and MariaDB through `mysql2`. As with PostgreSQL, a chunk is one transaction that first
 * claims its ledger row (a concurrent second delivery waits on that row's lock, then finds it),
 * then inserts all rows with one multi-row INSERT; rows the database refuses are found one by
 * one under savepoints. Upserts use the table's unique keys (ON DUPLICATE KEY UPDATE).
 */
export class MysqlTarget implements Target {
  private readonly pool: mysql.Pool;
  private readonly ledgers = new Set<string>();
  private readonly types = new Map<string, Map<string, ColumnType>>();
  /** Columns of unique keys and check constraints, by `table\0kind\0name`, for naming them in row errors. */
  private readonly constraintColumns = new Map<string, string[]>();
  private readonly label: string;

  /** `password`: the target's own (the URL stored in Redis has none). */
  constructor(url: string, password: string | undefined) {
    this.label = redactUrl(url);
    const parsed = new URL(url);
    this.pool = mysql.createPool({
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username) || undefined,
      password,
      database: decodeURIComponent(parsed.pathname.slice(1)),
      connectionLimit: 4,
      connectTimeout: 10_000,
      supportBigNumbers: true,
      dateStrings: true,
      timezone: 'Z',
    });
    // Queued on each new connection before the pool hands it out, so it runs before any
    // statement of ours. Should it fail, the connection is closed: the statements queued behind
    // it fail as a lost connection (and are retried), and none runs in the unsafe mode.
    this.pool.pool.on('connection', (connection) => {
      connection.query(SAFE_SQL_MODE, (err) => {
        if (err) connection.destroy();
      });
    });
  }

  private ledgerFor(table: string): string {
    const { schema } = splitTableName(table);
    return schema ? `${quoteMysql(schema)}.${quoteMysql(LEDGER_NAME)}` : quoteMysql(LEDGER_NAME);
  }

  async ensureTable(definition: TableDefinition): Promise<void> {
    this.types.set(definition.table, new Map(definition.columns.map((c) => [c.name, c.type])));
    const ledger = this.ledgerFor(definition.table);
    try {
      if (!this.ledgers.has(ledger)) {
        // Keyed by the import's incarnation (SaveRequest.ledgerKey), not its id, which can be
        // reused; a ledger of an older version (_importer_chunks, by id) is left as it was.
        await this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${ledger} (incarnation VARCHAR(80) NOT NULL, chunk INT NOT NULL, import_id VARCHAR(64) NOT NULL, rejected LONGTEXT NOT NULL, ` +
            'saved_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (incarnation, chunk)) ENGINE=InnoDB',
        );
        await this.pool.query(`DELETE FROM ${ledger} WHERE saved_at < NOW() - INTERVAL ? DAY`, [LEDGER_KEEP_DAYS]);
        this.ledgers.add(ledger);
      }
      const { schema, name } = splitTableName(definition.table);
      const [found] = await this.pool.query<mysql.RowDataPacket[]>(
        'SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
        [schema, name],
      );
      if (found.length > 0) return;
      if (!definition.create) throw optionError((o) => `table ${definition.table} does not exist: create it, or use ${o('createTable')}`, 'state');
      const key = new Set(definition.uniqueKey);
      // A key column cannot be TEXT in MySQL: it gets a bounded VARCHAR.
      const columns = definition.columns.map((c) => `${quoteMysql(c.name)} ${key.has(c.name) && c.type === 'text' ? 'VARCHAR(255)' : MYSQL_TYPES[c.type]}`);
      if (definition.uniqueKey.length > 0) columns.push(`UNIQUE KEY (${definition.uniqueKey.map(quoteMysql).join(', ')})`);
      await this.pool.query(`CREATE TABLE IF NOT EXISTS ${qualified(definition.table, quoteMysql)} (${columns.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    } catch (err) {
      throw wrap(err, this.label);
    }
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    let connection: mysql.PoolConnection;
    try {
      connection = await this.pool.getConnection();
    } catch (err) {
      throw wrap(err, this.label);
    }
    let broken = false;
    try {
      await connection.beginTransaction();
      const ledger = this.ledgerFor(request.table);
      try {
        await connection.query(`INSERT INTO ${ledger} (incarnation, chunk, import_id, rejected) VALUES (?, ?, ?, '[]')`, [request.ledgerKey, request.chunk, request.importId]);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
        const [done] = await connection.query<mysql.RowDataPacket[]>(`SELECT rejected FROM ${ledger} WHERE incarnation = ? AND chunk = ?`, [request.ledgerKey, request.chunk]);
        await connection.commit();
        return JSON.parse(String(done[0]?.['rejected'] ?? '[]')) as RowRejection[];
      }
      const rejected = request.rows.length > 0 ? await this.writeFindingRefused(connection, request) : [];
      if (rejected.length > 0) {
        await connection.query(`UPDATE ${ledger} SET rejected = ? WHERE incarnation = ? AND chunk = ?`, [JSON.stringify(rejected), request.ledgerKey, request.chunk]);
      }
      await connection.commit();
      return rejected;
    } catch (err) {
      broken = isTransient(err);
      await connection.rollback().catch(() => {
        broken = true;
      });
      throw wrap(err, this.label);
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  private insertSql(request: SaveRequest, rowCount: number): string {
    const placeholders = `(${request.columns.map(() => '?').join(', ')})`;
    return (
      `INSERT INTO ${qualified(request.table, quoteMysql)} (${request.columns.map(quoteMysql).join(', ')}) VALUES ` +
      Array(rowCount).fill(placeholders).join(', ') +
      conflictClause(request.columns, request.onConflict)
    );
  }

  private params(request: SaveRequest, rows: readonly (readonly CellValue[])[]): (string | number | boolean | null)[] {
    const types = this.types.get(request.table);
    const params: (string | number | boolean | null)[] = [];
    for (const row of rows) row.forEach((value, i) => params.push(toParam(value, types?.get(request.columns[i]!))));
    return params;
  }

  private async insertMany(connection: mysql.PoolConnection, request: SaveRequest, start: number, end: number): Promise<void> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, request.columns.length)));
    for (let from = start; from < end; from += perStatement) {
      const slice = request.rows.slice(from, Math.min(end, from + perStatement));
      await connection.query(this.insertSql(request, slice.length), this.params(request, slice));
    }
  }

  private writeFindingRefused(connection: mysql.PoolConnection, request: SaveRequest): Promise<RowRejection[]> {
    return writeFindingRefused(request.rows.length, {
      write: (start, end) => this.insertMany(connection, request, start, end),
      exec: (sql) => connection.query(sql),
      isTransient,
      isStatementError,
      describe: async (err, index, single) =>
        single
          ? describeMysqlError(err, request, request.rows[index]!, await this.constraintOf(connection, request.table, err))
          : describeMysqlError(err, request),
    });
  }

  /**
   * The columns of the unique key or check constraint a row broke: MySQL's words name only the
   * key ("for key 'PRIMARY'") or the constraint ("CONSTRAINT `adult` failed").
   */
  private async constraintOf(connection: mysql.PoolConnection, table: string, err: unknown): Promise<string[]> {
    const e = err as { code?: string; sqlMessage?: string; message?: string };
    const message = e.sqlMessage ?? e.message ?? '';
    const key = /Duplicate entry '.*' for key '(?:.*\.)?(.+?)'/s.exec(message)?.[1];
    const check = /CONSTRAINT `(.+?)` failed/.exec(message)?.[1] ?? /Check constraint '(.+?)' is violated/.exec(message)?.[1];
    const kind = key !== undefined ? 'key' : check !== undefined ? 'check' : null;
    const name = key ?? check;
    if (!kind || name === undefined) return [];
    const cacheKey = `${table}\u0000${kind}\u0000${name}`;
    const cached = this.constraintColumns.get(cacheKey);
    if (cached) return cached;
    const { schema, name: tableName } = splitTableName(table);
    let columns: string[] = [];
    try {
      if (kind === 'key') {
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND INDEX_NAME = ? ORDER BY SEQ_IN_INDEX',
          [schema, tableName, name],
        );
        columns = rows.map((r) => String(r['c']));
      } else {
        // MariaDB names a column's own check `table.column`; MySQL names checks per schema.
        const bare = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT CHECK_CLAUSE AS c FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = COALESCE(?, DATABASE()) AND CONSTRAINT_NAME IN (?, ?)',
          [schema, name, bare],
        );
        const clauses = rows.map((r) => String(r['c']));
        columns = clauses.length === 0 ? [bare] : [...new Set(clauses.flatMap((c) => [...c.matchAll(/`((?:[^`]|``)+)`/g)].map((m) => m[1]!.replace(/``/g, '`'))))];
      }
    } catch {
      columns = []; // a lookup refused (privileges): the row's error says less, nothing worse
    }
    this.constraintColumns.set(cacheKey, columns);
    return columns;
  }

  async forgetLedger(table: string, ledgerKey: string): Promise<number> {
    try {
      const [result] = await this.pool.query<mysql.ResultSetHeader>(`DELETE FROM ${this.ledgerFor(table)} WHERE incarnation = ?`, [ledgerKey]);
      return result.affectedRows;
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_NO_SUCH_TABLE') return 0; // no ledger there: nothing saved
      throw wrap(err, this.label);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** ON DUPLICATE KEY applies to every unique key of the table: the policy's columns say which to keep. */
function conflictClause(columns: readonly string[], policy: ConflictPolicy | null): string {
  if (!policy) return '';
  const updates = columns.filter((c) => !policy.columns.includes(c));
  const keep = quoteMysql(policy.columns[0]!);
  if (policy.action === 'ignore' || updates.length === 0) return ` ON DUPLICATE KEY UPDATE ${keep} = ${keep}`;
  return ` ON DUPLICATE KEY UPDATE ${updates.map((c) => `${quoteMysql(c)} = VALUES(${quoteMysql(c)})`).join(', ')}`;
}

/** A cell as the words of an error quote it. */
function shown(value: CellValue | undefined): string {
  return value === null || value === undefined ? 'an empty value' : `"${String(value)}"`;
}

/**
 * The database's refusal in words that name the column and the value. Without `row`, an error
 * of the whole statement (see isStatementError). `constraint`: the columns of the unique key or
 * check constraint the row broke, when known.
 */
export function describeMysqlError(err: unknown, request: Pick<SaveRequest, 'table' | 'columns'>, row?: readonly CellValue[], constraint: readonly string[] = []): string {
  const e = err as { code?: string; message?: string; sqlMessage?: string };
  const message = e.sqlMessage ?? e.message ?? String(err);
  const { columns } = request;
  const named = constraint.filter((c) => columns.includes(c));
  const values = (names: readonly string[]): string => names.map((c) => shown(row?.[columns.indexOf(c)])).join(', ');
  const these = (names: readonly string[]): string => (names.length === 1 ? 'the value' : 'the values');
  const dup = /Duplicate entry '(.*)' for key '(?:.*\.)?(.+?)'/s.exec(message);
  if (dup) {
    if (named.length > 0 && row) return `${named.join(', ')}: ${these(named)} ${values(named)} ${named.length === 1 ? 'is' : 'are'} already in the table (unique key ${dup[2]})`;
    const column = columns.find((c) => dup[2] === c) ?? dup[2];
    return `${column}: the value "${dup[1]}" is already in the table (unique key ${dup[2]})`;
  }
  const notNull = /Column '(.+?)' cannot be null/.exec(message);
  if (notNull) return `${notNull[1]}: the table requires a value (not null), and the cell is empty`;
  if (e.code === 'ER_NO_DEFAULT_FOR_FIELD') {
    const field = /Field '(.+?)'/.exec(message)?.[1];
    if (field) return `${field}: the table requires a value (not null, no default), and the file has no such column`;
  }
  const check = /CONSTRAINT `(.+?)` failed/.exec(message)?.[1] ?? /Check constraint '(.+?)' is violated/.exec(message)?.[1];
  if (check !== undefined) {
    const name = check.includes('.') ? check.slice(check.lastIndexOf('.') + 1) : check;
    if (named.length > 0 && row) return `${named.join(', ')}: ${these(named)} ${values(named)} ${named.length === 1 ? 'breaks' : 'break'} the table's check ${name}`;
    return `the row breaks the table's check ${name} (${message})`;
  }
  if (e.code === 'ER_NO_REFERENCED_ROW_2' || e.code === 'ER_NO_REFERENCED_ROW') {
    const fk = /CONSTRAINT `(.+?)` FOREIGN KEY \((.+?)\) REFERENCES/.exec(message);
    const fkColumns = fk ? [...fk[2]!.matchAll(/`((?:[^`]|``)+)`/g)].map((m) => m[1]!.replace(/``/g, '`')).filter((c) => columns.includes(c)) : [];
    if (fk && fkColumns.length > 0 && row) {
      return `${fkColumns.join(', ')}: ${these(fkColumns)} ${values(fkColumns)} ${fkColumns.length === 1 ? 'is' : 'are'} not in the referenced table (foreign key ${fk[1]})`;
    }
    return `the row refers to a missing row of another table (${message})`;
  }
  if (e.code === 'ER_BAD_FIELD_ERROR') {
    const unknown = columns.find((c) => message.includes(`'${c}'`));
    if (unknown !== undefined) return `${unknown}: the table ${request.table} has no column of that name`;
  }
  if (e.code === 'ER_NO_SUCH_TABLE') return `table ${request.table} does not exist (${message})`;
  // "Incorrect integer value: 'x' for column `db`.`t`.`age` at row 1", "Data too long for column 'name'".
  const column = columns.find((c) => message.includes(`\`${c}\` at row`) || message.includes(`'${c}'`) || message.includes(`\`${c}\``));
  if (column !== undefined) return row ? `${column}: the database refused ${shown(row[columns.indexOf(column)])} (${message})` : `${column}: ${message}`;
  return row ? `the database refused the row (${message})` : `the database refused the rows (${message})`;
}
