import { randomBytes } from 'node:crypto';
import pg from 'pg';
import mysql from 'mysql2/promise';

/** The machine's own databases (trust auth for PostgreSQL, empty root password for MariaDB). */
export const PG_URL = process.env['IMPORTER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env['IMPORTER_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

export type Dialect = 'postgres' | 'mysql';
export const DIALECTS: readonly Dialect[] = ['postgres', 'mysql'];

type Param = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

/**
 * A PostgreSQL schema or a MariaDB database of the test's own, with a random name, dropped at
 * the end: tests share the databases with everyone else and never touch other objects.
 */
export interface Scratch {
  readonly dialect: Dialect;
  /** The target URL for the importer (the `test` database; tables are qualified with `space`). */
  readonly url: string;
  /** The schema (PostgreSQL) or database (MariaDB) name. */
  readonly space: string;
  /** `space.name`, as passed to `--table`. */
  table(name: string): string;
  /** An identifier quoted for this dialect. */
  quote(name: string): string;
  /** `space.name` quoted for SQL. */
  qualified(name: string): string;
  /** Runs SQL; `?` placeholders in both dialects. */
  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** Whether the table `space.name` exists. */
  exists(name: string): Promise<boolean>;
  drop(): Promise<void>;
}

function randomName(): string {
  return `imp_test_${randomBytes(5).toString('hex')}`;
}

/** `?` -> `$1, $2, ...` (the tests' own SQL holds no literal question marks). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Values read back in a form easy to compare: bigint as number (the tests stay below 2^53),
 * date as its text, timestamptz as an ISO string in UTC.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (oid === 20) return (v: string) => Number(v);
    if (oid === 1082) return (v: string) => v;
    if (oid === 1184) return (v: string) => new Date(v).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

async function pgScratch(): Promise<Scratch> {
  const client = new pg.Client({ connectionString: PG_URL, types: pgTypes });
  await client.connect();
  const space = randomName();
  const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
  await client.query(`CREATE SCHEMA ${quote(space)}`);
  return {
    dialect: 'postgres',
    url: PG_URL,
    space,
    table: (name) => `${space}.${name}`,
    quote,
    qualified: (name) => `${quote(space)}.${quote(name)}`,
    async query<T extends SqlRow>(sql: string, params: readonly Param[] = []) {
      return (await client.query(numbered(sql), [...params])).rows as T[];
    },
    async exists(name) {
      const found = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [space, name]);
      return found.rows.length > 0;
    },
    async drop() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quote(space)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function mysqlScratch(): Promise<Scratch> {
  const parsed = new URL(MYSQL_URL);
  const connection = await mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    database: parsed.pathname.slice(1),
    dateStrings: true,
    supportBigNumbers: true,
    timezone: 'Z',
  });
  const space = randomName();
  const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
  await connection.query(`CREATE DATABASE ${quote(space)} CHARACTER SET utf8mb4`);
  return {
    dialect: 'mysql',
    url: MYSQL_URL,
    space,
    table: (name) => `${space}.${name}`,
    quote,
    qualified: (name) => `${quote(space)}.${quote(name)}`,
    async query<T extends SqlRow>(sql: string, params: readonly Param[] = []) {
      const [rows] = await connection.query(sql, [...params]);
      return (Array.isArray(rows) ? rows : []) as T[];
    },
    async exists(name) {
      const [rows] = await connection.query('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [space, name]);
      return (rows as unknown[]).length > 0;
    },
    async drop() {
      try {
        await connection.query(`DROP DATABASE IF EXISTS ${quote(space)}`);
      } finally {
        await connection.end();
      }
    },
  };
}

export function openScratch(dialect: Dialect): Promise<Scratch> {
  return dialect === 'postgres' ? pgScratch() : mysqlScratch();
}

/** The target URL with another port (a database that refuses connections), or a password. */
export function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}
