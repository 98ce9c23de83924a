import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freePort, waitFor } from './processes.js';

const execFileP = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of the test's own (initdb + pg_ctl, run as the postgres user, on a free
 * port, in a temporary directory): a test may stop and start it, never the shared one.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** The importer's target URL (database `postgres`, trust authentication). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'importer-pg-'));
    chmodSync(dir, 0o700);
    const uid = Number((await execFileP('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await execFileP('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
    const server = new PrivatePostgres(dir, await freePort());
    await server.asPostgres(`${PG_BIN}/initdb`, ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    await server.start();
    return server;
  }

  private asPostgres(command: string, args: readonly string[]): Promise<unknown> {
    return execFileP('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: this.dir });
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40 -c shared_buffers=16MB`;
    await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', '-t', '30', 'start']);
  }

  /** A fast shutdown: connections are terminated (57P01), new ones refused. */
  async stop(): Promise<void> {
    await this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop']);
  }

  async query<T>(sql: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async remove(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A MariaDB server of the test's own (mariadb-install-db, then mariadbd without grant tables on a
 * free port), with a database `test`: a test may restart it, or start it with global settings
 * (`--sql-mode=...`) the shared server must keep as they are.
 */
export class PrivateMariadb {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly serverArgs: readonly string[],
  ) {}

  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/test`;
  }

  /** `serverArgs`: more options for mariadbd, such as `--sql-mode=NO_BACKSLASH_ESCAPES`. */
  static async create(serverArgs: readonly string[] = []): Promise<PrivateMariadb> {
    const dir = mkdtempSync(join(tmpdir(), 'importer-maria-'));
    await execFileP('mariadb-install-db', ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], {
      timeout: 120_000,
    });
    const server = new PrivateMariadb(dir, await freePort(), serverArgs);
    await server.start();
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await connection.query('CREATE DATABASE IF NOT EXISTS test');
    await connection.end();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn(
      '/usr/sbin/mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--port=${this.port}`,
        `--socket=${join(this.dir, 'mysqld.sock')}`,
        `--pid-file=${join(this.dir, 'mysqld.pid')}`,
        '--bind-address=127.0.0.1',
        '--skip-grant-tables',
        '--user=root',
        '--innodb-buffer-pool-size=32M',
        '--innodb-flush-log-at-trx-commit=2',
        '--skip-log-bin',
        `--log-error=${join(this.dir, 'error.log')}`,
        ...this.serverArgs,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(`mariadbd on port ${this.port}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mariadbd exited (${child.exitCode ?? child.signalCode})`);
      try {
        const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
        await connection.end();
        return true;
      } catch {
        return false;
      }
    }, 60_000, 200);
  }

  /** A clean shutdown (SIGTERM): connections are cut, the server exits once InnoDB is flushed. */
  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }

  async query<T>(sql: string): Promise<T[]> {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', database: 'test' });
    try {
      const [rows] = await connection.query(sql);
      return rows as T[];
    } finally {
      await connection.end();
    }
  }

  async remove(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}
