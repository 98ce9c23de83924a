import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { redactUrl } from '../redact.js';
import type { CellValue } from '../schema/row-validator.js';
import { copyRowsBytes, copyText, POSTGRES_BOOLEAN_WORDS, utf8Bytes, type RowOriginals } from './copy-text.js';
import type { ColumnsAsWritten } from '../schema/byte-row-check.js';
import { writeFindingRefused } from './find-refused.js';
import { onConflictClause, qualified, quotePg, splitTableName } from './sql-names.js';
import { optionError } from '../errors.js';
import { LEDGER_KEEP_DAYS, LEDGER_TABLE, TransientError, type ColumnType, type EncodedRows, type RowRejection, type SaveRequest, type TableDefinition, type Target } from './target.js';

const LEDGER_NAME = LEDGER_TABLE;
const PG_TYPES: Record<ColumnType, string> = {
  text: 'text',
  integer: 'bigint',
  real: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamptz',
};

/**
 * Error classes worth retrying: connection, transaction rollback, resources (53300 too many
 * connections), operator (57P01-57P03 shutting down, crashed, starting up), lock not available,
 * statement timeout, a read-only server (25006: a standby, or a failover not yet promoted), and
 * authentication (28: a worker whose environment lacks the password is retried like an outage,
 * since workers with the right environment may share the import). Workers wait for such a
 * target; no row fails for it.
 */
function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (/^(08|28|40|53|57P)/.test(code) || code === '55P03' || code === '57014' || code === '25006') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed/i.test(e?.message ?? '');
}

/**
 * Names the target in the words of a transient error (the URL holds no password), so that a
 * worker's warning and a row's "database unavailable after N attempts" say which database.
 */
function wrap(err: unknown, target: string): unknown {
  return isTransient(err) ? new TransientError(`database unavailable: ${target}: ${(err as Error).message}`, { cause: err }) : err;
}

/**
 * Errors of the statement rather than of a row (class 42: an unknown column, a missing table, no
 * privilege, ON CONFLICT without a matching key; 0A: not supported): every row would fail alike,
 * so they are not tried one by one.
 */
function isStatementError(err: unknown): boolean {
  return /^(42|0A)/.test((err as { code?: string })?.code ?? '');
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((column, i) => column === b[i]);
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
  /** Columns of each check constraint, by `table\0constraint`, for naming them in row errors. */
  private readonly checkColumns = new Map<string, string[]>();
  /** The boolean columns of each table ensured, which read yes/no, on/off... as true/false (encodeRows). */
  private readonly booleanColumns = new Map<string, Set<string>>();
  /** The double precision columns of each table ensured, which read decimals as JavaScript does (columnsAsWritten). */
  private readonly doubleColumns = new Map<string, Set<string>>();
  /** columnsAsWritten's answers, by table and columns. */
  private readonly asWritten = new Map<string, ColumnsAsWritten>();
  private readonly label: string;

  /** `password`: the target's own (the URL stored in Redis has none). */
  constructor(url: string, password: string | undefined) {
    this.label = redactUrl(url);
    this.pool = new pg.Pool({ connectionString: url, password, max: 4, connectionTimeoutMillis: 10_000 });
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
        // Keyed by the import's incarnation (SaveRequest.ledgerKey), not its id, which can be
        // reused; a ledger of an older version (_importer_chunks, by id) is left as it was.
        await this.createIgnoringRace(
          `CREATE TABLE IF NOT EXISTS ${ledger} (incarnation text NOT NULL, chunk integer NOT NULL, import_id text NOT NULL, rejected jsonb NOT NULL DEFAULT '[]', ` +
            'saved_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (incarnation, chunk))',
          ledger,
        );
        await this.pool.query(`DELETE FROM ${ledger} WHERE saved_at < now() - make_interval(days => $1)`, [LEDGER_KEEP_DAYS]);
        this.ledgers.add(ledger);
      }
      const table = qualified(definition.table, quotePg);
      if (!(await this.tableExists(table))) {
        if (!definition.create) throw optionError((o) => `table ${definition.table} does not exist: create it, or use ${o('createTable')}`, 'state');
        const columns = definition.columns.map((c) => `${quotePg(c.name)} ${PG_TYPES[c.type]}`);
        if (definition.uniqueKey.length > 0) columns.push(`UNIQUE (${definition.uniqueKey.map(quotePg).join(', ')})`);
        await this.createIgnoringRace(`CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')})`, table);
      }
      const typed = await this.pool.query<{ name: string; boolean: boolean }>(
        "SELECT attname AS name, atttypid = 'boolean'::regtype AS boolean FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND atttypid IN ('boolean'::regtype, 'double precision'::regtype)",
        [table],
      );
      this.booleanColumns.set(definition.table, new Set(typed.rows.filter((r) => r.boolean).map((r) => r.name)));
      this.doubleColumns.set(definition.table, new Set(typed.rows.filter((r) => !r.boolean).map((r) => r.name)));
      this.asWritten.clear();
    } catch (err) {
      throw wrap(err, this.label);
    }
  }

  /**
   * Two workers creating the same table at once: CREATE TABLE IF NOT EXISTS is not safe against
   * that, and the loser sees a unique violation (23505), "relation already exists" (42P07) or
   * "type already exists" (42710, the table's row type). Each of those is taken as the other
   * worker's success once the table `name` is there; else (a type of that name that is no
   * table) the error stands.
   */
  private async createIgnoringRace(sql: string, name: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P07' && code !== '42710') throw err;
      if (!(await this.tableExists(name))) throw err;
    }
  }

  /** Whether the table `name` (quoted, maybe qualified) exists. */
  private async tableExists(name: string): Promise<boolean> {
    const found = await this.pool.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
    return Boolean(found.rows[0]?.t);
  }

  async save(request: SaveRequest): Promise<RowRejection[]> {
    return this.withClient(async (client) => {
      if (!request.onConflict && request.rows.length > 0 && (await this.copyInOneTrip(client, [request.chunk], request, copyText(request.rows)))) return [];
      await client.query('BEGIN');
      const ledger = this.ledgerFor(request.table);
      const claimed = await client.query(`INSERT INTO ${ledger} (incarnation, chunk, import_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [request.ledgerKey, request.chunk, request.importId]);
      if (claimed.rowCount === 0) {
        const done = await client.query<{ rejected: RowRejection[] }>(`SELECT rejected FROM ${ledger} WHERE incarnation = $1 AND chunk = $2`, [request.ledgerKey, request.chunk]);
        await client.query('COMMIT');
        return done.rows[0]?.rejected ?? [];
      }
      const rejected = request.rows.length > 0 ? await this.writeFindingRefused(client, request) : [];
      if (rejected.length > 0) {
        await client.query(`UPDATE ${ledger} SET rejected = $3 WHERE incarnation = $1 AND chunk = $2`, [request.ledgerKey, request.chunk, JSON.stringify(rejected)]);
      }
      await client.query('COMMIT');
      return rejected;
    });
  }

  /**
   * Runs `work` with a connection of the pool. When it throws, whatever transaction it left open
   * is rolled back, and a connection that failed (or could not roll back) is not reused.
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw wrap(err, this.label);
    }
    let broken = false;
    // A connection cut while checked out (a server restart, a reset) makes the client emit
    // 'error' besides failing its query; the pool listens only to idle clients, and an 'error'
    // nobody listens to would end the worker process. The failed query says it all.
    const lost = (): void => {
      broken = true;
    };
    client.on('error', lost);
    try {
      return await work(client);
    } catch (err) {
      broken ||= isTransient(err);
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw wrap(err, this.label);
    } finally {
      client.removeListener('error', lost);
      client.release(broken);
    }
  }

  /**
   * Several chunks of one import in one round trip: their ledger rows in one INSERT and all their
   * rows in one COPY, in one transaction (copyInOneTrip). PostgreSQL spends much
   * less CPU per row on a few large COPY statements than on many small ones.
   * When the database refuses anything, nothing of it stays, and each chunk is saved alone
   * (save(): its ledger row says whether it was saved before; the careful path names refused rows).
   */
  async saveMany(chunks: readonly EncodedRows[]): Promise<RowRejection[][]> {
    const first = chunks[0]?.request;
    const together =
      first !== undefined &&
      chunks.every(({ request: r, encoded }) => !r.onConflict && encoded.length > 0 && r.ledgerKey === first.ledgerKey && r.table === first.table && sameColumns(r.columns, first.columns));
    if (together && (await this.saveAllInOneTrip(chunks))) return chunks.map(() => []);
    const rejected: RowRejection[][] = [];
    for (const chunk of chunks) rejected.push(await this.save({ ...chunk.request, rows: chunk.rows() }));
    return rejected;
  }

  encodeRows(request: Pick<SaveRequest, 'table' | 'columns'>, rows: readonly (readonly CellValue[])[], originals: RowOriginals | null): Buffer {
    if (!originals) return utf8Bytes(copyText(rows));
    const booleans = this.booleanColumns.get(request.table);
    return copyRowsBytes(rows, originals, request.columns.map((c) => booleans?.has(c) === true));
  }

  columnsAsWritten(request: Pick<SaveRequest, 'table' | 'columns'>): ColumnsAsWritten | null {
    const booleans = this.booleanColumns.get(request.table);
    const doubles = this.doubleColumns.get(request.table);
    if (!booleans || !doubles) return null;
    // The same answer each time (a worker compiles its row check once per answer).
    const key = JSON.stringify([request.table, request.columns]);
    let read = this.asWritten.get(key);
    if (!read) {
      read = {
        booleanWords: request.columns.map((c) => (booleans.has(c) ? POSTGRES_BOOLEAN_WORDS : null)),
        decimals: request.columns.map((c) => doubles.has(c)),
      };
      this.asWritten.set(key, read);
    }
    return read;
  }

  private saveAllInOneTrip(chunks: readonly EncodedRows[]): Promise<boolean> {
    const first = chunks[0]!.request;
    return this.withClient((client) =>
      this.copyInOneTrip(
        client,
        chunks.map(({ request }) => request.chunk),
        first,
        chunks.map((chunk) => chunk.encoded),
      ),
    );
  }

  /**
   * The common case in one round trip: one simple query that opens the transaction, claims the
   * chunks in the ledger (a plain INSERT: a chunk saved before fails it), copies every row (`text`,
   * COPY's CSV) and commits. PostgreSQL runs the statements of one query string in order and
   * skips the rest at the first error, so nothing is half-done. False when the database refused
   * anything (a redelivered chunk, a row breaking a constraint, an unknown column): after a
   * ROLLBACK the careful path finds out what (it claims a chunk, and names the refused rows).
   * Transient errors are thrown, for the retry.
   */
  private async copyInOneTrip(client: pg.PoolClient, chunks: readonly number[], request: Pick<SaveRequest, 'importId' | 'ledgerKey' | 'table' | 'columns'>, text: string | readonly Buffer[]): Promise<boolean> {
    const id = client.escapeLiteral(request.importId);
    const key = client.escapeLiteral(request.ledgerKey);
    const sql =
      `BEGIN; INSERT INTO ${this.ledgerFor(request.table)} (incarnation, chunk, import_id) VALUES ${chunks.map((chunk) => `(${key}, ${Number(chunk)}, ${id})`).join(', ')}; ` +
      `${this.copyStatement(request, qualified(request.table, quotePg))}; COMMIT`;
    try {
      await this.copy(client, sql, text);
      return true;
    } catch (err) {
      if (isTransient(err)) throw err;
      await client.query('ROLLBACK');
      return false;
    }
  }

  private copyStatement(request: Pick<SaveRequest, 'columns'>, into: string): string {
    return `COPY ${into} (${request.columns.map(quotePg).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  }

  /** Runs a COPY FROM STDIN query with `text` (or the pieces of it, in order) as its data. */
  private copy(client: pg.PoolClient, sql: string, text: string | readonly Buffer[]): Promise<void> {
    const copy = client.query(copyFrom(sql));
    // 'finish' comes once PostgreSQL answered the whole query (pg-copy-streams 4+). The text
    // goes in a write per chunk, not per row: a write per row makes as many CopyData messages
    // and socket writes, which cost more than the COPY itself. The chunks' pieces are not
    // joined first (a copy of every byte sent).
    return new Promise<void>((resolve, reject) => {
      copy.once('finish', resolve);
      copy.once('error', reject);
      if (typeof text === 'string') copy.end(text);
      else {
        for (const piece of text) copy.write(piece);
        copy.end();
      }
    });
  }

  private writeFindingRefused(client: pg.PoolClient, request: SaveRequest): Promise<RowRejection[]> {
    return writeFindingRefused(request.rows.length, {
      write: (start, end) => this.copyRows(client, request, start, end),
      exec: (sql) => client.query(sql),
      isTransient,
      isStatementError,
      describe: async (err, index, single) => {
        if (!single) return describePgError(err, request);
        const checked = (err as { code?: string }).code === '23514' ? await this.columnsOfCheck(client, request.table, err) : [];
        return describePgError(err, request, request.rows[index], checked);
      },
    });
  }

  private async copyRows(client: pg.PoolClient, request: SaveRequest, start: number, end: number): Promise<void> {
    const table = qualified(request.table, quotePg);
    const into = request.onConflict ? 'pg_temp._importer_stage' : table;
    if (request.onConflict) {
      // Dropped at the end of the transaction: a session serves imports into tables of other
      // shapes, so a stage kept from an earlier chunk could have other columns. Within one
      // transaction it is emptied after each use.
      await client.query(`CREATE TEMP TABLE IF NOT EXISTS _importer_stage (LIKE ${table} INCLUDING DEFAULTS) ON COMMIT DROP`);
    }
    await this.copy(client, this.copyStatement(request, into), copyText(request.rows, start, end));
    if (request.onConflict) {
      const columns = request.columns.map(quotePg).join(', ');
      await client.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM pg_temp._importer_stage${onConflictClause(request.columns, request.onConflict)}`);
      await client.query('TRUNCATE pg_temp._importer_stage');
    }
  }

  /** The columns a violated check constraint reads (PostgreSQL's error names only the constraint). */
  private async columnsOfCheck(client: pg.PoolClient, table: string, err: unknown): Promise<string[]> {
    const constraint = (err as { constraint?: string }).constraint;
    if (!constraint) return [];
    const key = `${table}\u0000${constraint}`;
    let columns = this.checkColumns.get(key);
    if (!columns) {
      // Under a savepoint: a failed lookup must not abort the chunk's transaction.
      await client.query('SAVEPOINT importer_lookup');
      try {
        const found = await client.query<{ name: string }>(
          'SELECT a.attname AS name FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) ' +
            'WHERE c.conrelid = to_regclass($1) AND c.conname = $2 ORDER BY a.attnum',
          [qualified(table, quotePg), constraint],
        );
        columns = found.rows.map((r) => r.name);
        await client.query('RELEASE SAVEPOINT importer_lookup');
      } catch {
        await client.query('ROLLBACK TO SAVEPOINT importer_lookup');
        columns = [];
      }
      this.checkColumns.set(key, columns);
    }
    return columns;
  }

  async forgetLedger(table: string, ledgerKey: string): Promise<number> {
    try {
      return (await this.pool.query(`DELETE FROM ${this.ledgerFor(table)} WHERE incarnation = $1`, [ledgerKey])).rowCount ?? 0;
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return 0; // no ledger there: nothing saved
      throw wrap(err, this.label);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A cell as the words of an error quote it. */
function shown(value: CellValue | undefined): string {
  return value === null || value === undefined ? 'an empty value' : `"${String(value)}"`;
}

/**
 * The database's refusal in words that name the column and the value. Without `row`, an error
 * of the whole statement (see isStatementError). `checked`: the columns of a violated check.
 */
export function describePgError(err: unknown, request: Pick<SaveRequest, 'table' | 'columns'>, row?: readonly CellValue[], checked: readonly string[] = []): string {
  const e = err as { code?: string; message?: string; detail?: string; column?: string; constraint?: string };
  const message = e.message ?? String(err);
  const { columns } = request;
  const key = /^Key \((.+?)\)=\((.*)\)/.exec(e.detail ?? '');
  switch (e.code) {
    case '23505':
      if (key) return `${key[1]}: the value "${key[2]}" is already in the table (unique constraint ${e.constraint})`;
      break;
    case '23503':
      if (key) return `${key[1]}: the value "${key[2]}" is not in the referenced table (foreign key ${e.constraint})`;
      break;
    case '23502':
      if (e.column) return `${e.column}: the table requires a value (not null), and ${columns.includes(e.column) ? 'the cell is empty' : 'the file has no such column'}`;
      break;
    case '23514': {
      const named = checked.filter((c) => columns.includes(c));
      if (named.length > 0 && row) {
        const values = named.map((c) => shown(row[columns.indexOf(c)]));
        return `${named.join(', ')}: ${named.length === 1 ? 'the value' : 'the values'} ${values.join(', ')} ${named.length === 1 ? 'breaks' : 'break'} the table's check ${e.constraint ?? ''}`.trimEnd();
      }
      return `the row breaks the table's check ${e.constraint ?? ''}: ${message}`.replace(/\s+:/, ':');
    }
    case '42703': {
      // 'column "x" of relation "t" does not exist': the header names a column the table lacks.
      const unknown = columns.find((c) => message.includes(`column "${c}" of relation`));
      if (unknown !== undefined) return `${unknown}: the table ${request.table} has no column of that name`;
      break;
    }
    case '42P01':
      return `table ${request.table} does not exist (${message})`;
    case '42P10':
      return `the upsert's conflict columns need a unique key of the table on exactly those columns (${message})`;
    default:
      break;
  }
  const named = e.column ?? columns.find((c) => message.includes(`"${c}"`));
  if (named) {
    const value = row?.[columns.indexOf(named)];
    return row ? `${named}: the database refused ${shown(value)} (${message})` : `${named}: ${message}`;
  }
  return row ? `the database refused the row (${message})` : `the database refused the rows (${message})`;
}
