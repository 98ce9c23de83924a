import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { CellValue } from '../schema/row-validator.js';
import { targetPassword } from './target-url.js';
import { qualified, quotePg, splitTableName } from './sql-names.js';
import { TransientError, type ColumnType, type ConflictPolicy, type RowRejection, type SaveRequest, type TableDefinition, type Target } from './target.js';

const LEDGER_NAME = '_importer_chunks';
const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
};

/** Error classes worth retrying: connection, transaction rollback, resources, operator, lock. */
function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (/^(08|40|53|57P)/.test(code) || code === '55P03' || code === '57014') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(e?.message ?? '');
}

function wrap(err: unknown): unknown {
  return isTransient(err) ? new TransientError(`database unavailable: ${(err as Error).message}`, { cause: err }) : err;
}

/** One value as a CSV field for COPY: NULL is an empty unquoted field, text is always quoted. */
function copyField(value: CellValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return `"${value.replace(/"/g, '""')}"`;
}

function toParam(value: CellValue): string | number | boolean | null {
  return value;
}

/**
 * PostgreSQL through `pg`. A chunk is written in one transaction: first its ledger row (a
 * redelivered chunk, or a concurrent second delivery, finds it and writes nothing), then all its
 * rows with one COPY (through a staging table and INSERT ... ON CONFLICT for upserts). If the
 * database refuses the COPY, the rows are tried one by one under savepoints, to save the good
 * ones and name the guilty ones.
 */
export class PostgresTarget implements Target {
  private readonly pool: pg.Pool;
  private readonly ledgers = new Set<string>();

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, password: targetPassword('postgres'), max: 4, connectionTimeoutMillis: 10_000 });
    this.pool.on('error', () => {}); // an idle client's error surfaces on the next query
  }

  private ledgerFor(table: string): string {
    const { schema } = splitTableName(table);
    return schema ? `${quotePg(schema)}.${quotePg(LEDGER_NAME)}` : quotePg(LEDGER_NAME);
  }

  async ensureTable(definition: TableDefinition): Promise<void> {
    const ledger = this.ledgerFor(definition.table);
    try {
      if (!this.ledgers.has(ledger)) {
        await this.createIgnoringRace(
          `CREATE TABLE IF NOT EXISTS ${ledger} (import_id text NOT NULL, chunk integer NOT NULL, rejected jsonb NOT NULL DEFAULT '[]', ` +
            'saved_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (import_id, chunk))',
        );
        this.ledgers.add(ledger);
      }
      const table = qualified(definition.table, quotePg);
      const found = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
      if (found.rows[0]?.t) return;
      if (!definition.create) throw new Error(`table ${definition.table} does not exist: create it, or pass --create-table`);
      const columns = definition.columns.map((c) => `${quotePg(c.name)} ${PG_TYPES[c.type]}`);
      if (definition.uniqueKey.length > 0) columns.push(`UNIQUE (${definition.uniqueKey.map(quotePg).join(', ')})`);
      await this.createIgnoringRace(`CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')})`);
    } catch (err) {
      throw wrap(err);
    }
  }

  /** Two workers creating the same table at once: the loser's unique violation means it exists. */
  private async createIgnoringRace(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07') throw err;
    }
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrap(err);
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const ledger = this.ledgerFor(request.table);
      const claimed = await client.query(`INSERT INTO ${ledger} (import_id, chunk) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [request.importId, request.chunk]);
      if (claimed.rowCount === 0) {
        const done = await client.query<{ rejected: RowRejection[] }>(`SELECT rejected FROM ${ledger} WHERE import_id = $1 AND chunk = $2`, [request.importId, request.chunk]);
        await client.query('COMMIT');
        return done.rows[0]?.rejected ?? [];
      }
      let rejected: RowRejection[] = [];
      if (request.rows.length > 0) {
        await client.query('SAVEPOINT importer_bulk');
        try {
          await this.copyRows(client, request);
          await client.query('RELEASE SAVEPOINT importer_bulk');
        } catch (err) {
          if (isTransient(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT importer_bulk');
          rejected = await this.insertOneByOne(client, request);
        }
      }
      if (rejected.length > 0) {
        await client.query(`UPDATE ${ledger} SET rejected = $3 WHERE import_id = $1 AND chunk = $2`, [request.importId, request.chunk, JSON.stringify(rejected)]);
      }
      await client.query('COMMIT');
      return rejected;
    } catch (err) {
      broken = isTransient(err);
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw wrap(err);
    } finally {
      client.release(broken);
    }
  }

  private async copyRows(client: pg.PoolClient, request: SaveRequest): Promise<void> {
    const table = qualified(request.table, quotePg);
    const columns = request.columns.map(quotePg).join(', ');
    const into = request.onConflict ? 'pg_temp._importer_stage' : table;
    if (request.onConflict) {
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS _importer_stage (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
    }
    const lines = request.rows.map((row) => row.map(copyField).join(',') + '\n');
    const copy = client.query(copyFrom(`COPY ${into} (${columns}) FROM STDIN WITH (FORMAT csv)`));
    await pipeline(Readable.from(lines), copy);
    if (request.onConflict) {
      await client.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM pg_temp._importer_stage${conflictClause(request.columns, request.onConflict)}`);
      await client.query('TRUNCATE pg_temp._importer_stage');
    }
  }

  private async insertOneByOne(client: pg.PoolClient, request: SaveRequest): Promise<RowRejection[]> {
    const table = qualified(request.table, quotePg);
    const sql =
      `INSERT INTO ${table} (${request.columns.map(quotePg).join(', ')}) VALUES (${request.columns.map((_, i) => `$${i + 1}`).join(', ')})` +
      conflictClause(request.columns, request.onConflict);
    const rejected: RowRejection[] = [];
    for (let index = 0; index < request.rows.length; index++) {
      const row = request.rows[index]!;
      await client.query('SAVEPOINT importer_row');
      try {
        await client.query(sql, row.map(toParam));
        await client.query('RELEASE SAVEPOINT importer_row');
      } catch (err) {
        if (isTransient(err)) throw err;
        await client.query('ROLLBACK TO SAVEPOINT importer_row');
        rejected.push({ index, message: describePgError(err, request.columns, row) });
      }
    }
    return rejected;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function conflictClause(columns: readonly string[], policy: ConflictPolicy | null): string {
  if (!policy) return '';
  const target = `(${policy.columns.map(quotePg).join(', ')})`;
  const updates = columns.filter((c) => !policy.columns.includes(c));
  if (policy.action === 'ignore' || updates.length === 0) return ` ON CONFLICT ${target} DO NOTHING`;
  return ` ON CONFLICT ${target} DO UPDATE SET ${updates.map((c) => `${quotePg(c)} = EXCLUDED.${quotePg(c)}`).join(', ')}`;
}

/** The database's refusal in words that name the column and the value. */
export function describePgError(err: unknown, columns: readonly string[], row: readonly CellValue[]): string {
  const e = err as { code?: string; message?: string; detail?: string; column?: string; constraint?: string };
  const message = e.message ?? String(err);
  const key = /^Key \((.+?)\)=\((.*)\)/.exec(e.detail ?? '');
  switch (e.code) {
    case '23505':
      if (key) return `${key[1]}: the value "${key[2]}" is already in the table (unique constraint ${e.constraint})`;
      break;
    case '23503':
      if (key) return `${key[1]}: the value "${key[2]}" is not in the referenced table (foreign key ${e.constraint})`;
      break;
    case '23502':
      if (e.column) return `${e.column}: the table requires a value (not null)`;
      break;
    case '23514':
      return `the row breaks the table's check ${e.constraint ?? ''}: ${message}`.replace(/\s+:/, ':');
    default:
      break;
  }
  const named = e.column ?? columns.find((c) => message.includes(`"${c}"`));
  if (named) {
    const value = row[columns.indexOf(named)];
    return `${named}: the database refused ${value === null || value === undefined ? 'an empty value' : `"${String(value)}"`} (${message})`;
  }
  return `the database refused the row (${message})`;
}
