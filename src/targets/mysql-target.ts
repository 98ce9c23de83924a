import mysql from 'mysql2/promise';
import type { CellValue } from '../schema/row-validator.js';
import { targetPassword } from './target-url.js';
import { qualified, quoteMysql, splitTableName } from './sql-names.js';
import { TransientError, type ColumnType, type ConflictPolicy, type RowRejection, type SaveRequest, type TableDefinition, type Target } from './target.js';

const LEDGER_NAME = '_importer_chunks';
/** MySQL's limit of placeholders in one statement. */
const MAX_PARAMS = 65_535;
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
  'PROTOCOL_CONNECTION_LOST', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED', 'ER_CLIENT_INTERACTION_TIMEOUT',
]);

function isTransient(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean };
  return TRANSIENT_CODES.has(e?.code ?? '') || e?.fatal === true;
}

function wrap(err: unknown): unknown {
  return isTransient(err) ? new TransientError(`database unavailable: ${(err as Error).message}`, { cause: err }) : err;
}

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

  constructor(url: string) {
    const parsed = new URL(url);
    this.pool = mysql.createPool({
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 3306,
      user: decodeURIComponent(parsed.username) || undefined,
      password: targetPassword('mysql'),
      database: decodeURIComponent(parsed.pathname.slice(1)),
      connectionLimit: 4,
      connectTimeout: 10_000,
      supportBigNumbers: true,
      dateStrings: true,
      timezone: 'Z',
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
        await this.pool.query(
          `CREATE TABLE IF NOT EXISTS ${ledger} (import_id VARCHAR(64) NOT NULL, chunk INT NOT NULL, rejected LONGTEXT NOT NULL, ` +
            'saved_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (import_id, chunk)) ENGINE=InnoDB',
        );
        this.ledgers.add(ledger);
      }
      const { schema, name } = splitTableName(definition.table);
      const [found] = await this.pool.query<mysql.RowDataPacket[]>(
        'SELECT 1 FROM information_schema.tables WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
        [schema, name],
      );
      if (found.length > 0) return;
      if (!definition.create) throw new Error(`table ${definition.table} does not exist: create it, or pass --create-table`);
      const key = new Set(definition.uniqueKey);
      // A key column cannot be TEXT in MySQL: it gets a bounded VARCHAR.
      const columns = definition.columns.map((c) => `${quoteMysql(c.name)} ${key.has(c.name) && c.type === 'text' ? 'VARCHAR(255)' : MYSQL_TYPES[c.type]}`);
      if (definition.uniqueKey.length > 0) columns.push(`UNIQUE KEY (${definition.uniqueKey.map(quoteMysql).join(', ')})`);
      await this.pool.query(`CREATE TABLE IF NOT EXISTS ${qualified(definition.table, quoteMysql)} (${columns.join(', ')}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    } catch (err) {
      throw wrap(err);
    }
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    let connection: mysql.PoolConnection;
    try {
      connection = await this.pool.getConnection();
    } catch (err) {
      throw wrap(err);
    }
    let broken = false;
    try {
      await connection.beginTransaction();
      const ledger = this.ledgerFor(request.table);
      try {
        await connection.query(`INSERT INTO ${ledger} (import_id, chunk, rejected) VALUES (?, ?, '[]')`, [request.importId, request.chunk]);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_DUP_ENTRY') throw err;
        const [done] = await connection.query<mysql.RowDataPacket[]>(`SELECT rejected FROM ${ledger} WHERE import_id = ? AND chunk = ?`, [request.importId, request.chunk]);
        await connection.commit();
        return JSON.parse(String(done[0]?.['rejected'] ?? '[]')) as RowRejection[];
      }
      let rejected: RowRejection[] = [];
      if (request.rows.length > 0) {
        await connection.query('SAVEPOINT importer_bulk');
        try {
          await this.insertMany(connection, request);
          await connection.query('RELEASE SAVEPOINT importer_bulk');
        } catch (err) {
          if (isTransient(err)) throw err;
          await connection.query('ROLLBACK TO SAVEPOINT importer_bulk');
          rejected = await this.insertOneByOne(connection, request);
        }
      }
      if (rejected.length > 0) {
        await connection.query(`UPDATE ${ledger} SET rejected = ? WHERE import_id = ? AND chunk = ?`, [JSON.stringify(rejected), request.importId, request.chunk]);
      }
      await connection.commit();
      return rejected;
    } catch (err) {
      broken = isTransient(err);
      await connection.rollback().catch(() => {
        broken = true;
      });
      throw wrap(err);
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

  private async insertMany(connection: mysql.PoolConnection, request: SaveRequest): Promise<void> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, request.columns.length)));
    for (let start = 0; start < request.rows.length; start += perStatement) {
      const slice = request.rows.slice(start, start + perStatement);
      await connection.query(this.insertSql(request, slice.length), this.params(request, slice));
    }
  }

  private async insertOneByOne(connection: mysql.PoolConnection, request: SaveRequest): Promise<RowRejection[]> {
    const sql = this.insertSql(request, 1);
    const rejected: RowRejection[] = [];
    for (let index = 0; index < request.rows.length; index++) {
      const row = request.rows[index]!;
      await connection.query('SAVEPOINT importer_row');
      try {
        await connection.query(sql, this.params(request, [row]));
        await connection.query('RELEASE SAVEPOINT importer_row');
      } catch (err) {
        if (isTransient(err)) throw err;
        await connection.query('ROLLBACK TO SAVEPOINT importer_row');
        rejected.push({ index, message: describeMysqlError(err, request.columns, row) });
      }
    }
    return rejected;
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

export function describeMysqlError(err: unknown, columns: readonly string[], row: readonly CellValue[]): string {
  const e = err as { code?: string; message?: string; sqlMessage?: string };
  const message = e.sqlMessage ?? e.message ?? String(err);
  const dup = /Duplicate entry '(.*)' for key '(.+?)'/.exec(message);
  if (dup) {
    const column = columns.find((c) => dup[2] === c || dup[2]!.endsWith(`.${c}`)) ?? dup[2];
    return `${column}: the value "${dup[1]}" is already in the table (unique key ${dup[2]})`;
  }
  const notNull = /Column '(.+?)' cannot be null/.exec(message);
  if (notNull) return `${notNull[1]}: the table requires a value (not null)`;
  const column = /column '(.+?)'/i.exec(message)?.[1] ?? columns.find((c) => message.includes(`'${c}'`));
  if (column && columns.includes(column)) {
    const value = row[columns.indexOf(column)];
    return `${column}: the database refused ${value === null || value === undefined ? 'an empty value' : `"${String(value)}"`} (${message})`;
  }
  if (e.code === 'ER_NO_REFERENCED_ROW_2' || e.code === 'ER_NO_REFERENCED_ROW') return `the row refers to a missing row of another table (${message})`;
  return `the database refused the row (${message})`;
}
