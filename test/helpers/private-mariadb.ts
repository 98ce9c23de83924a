import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { waitFor } from './processes.js';

/**
 * A private MariaDB server of the test's own, on its own port and data directory, started with
 * the global settings a test needs (`--sql-mode=...`), which the shared server must keep as
 * they are. No grant tables: root connects without a password.
 */
export class PrivateMariadb {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly serverArgs: readonly string[] = [],
  ) {}

  /** The URL of database `test` on this server. */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/test`;
  }

  async start(): Promise<void> {
    const data = join(this.dir, 'data');
    mkdirSync(data, { recursive: true });
    const install = spawnSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--skip-test-db', '--user=root', '--auth-root-authentication-method=normal'], { encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults', `--datadir=${data}`, `--port=${this.port}`, '--bind-address=127.0.0.1', `--socket=${join(this.dir, 'mariadb.sock')}`,
        '--user=root', '--skip-grant-tables', '--innodb-buffer-pool-size=16M', `--log-error=${join(this.dir, 'error.log')}`, ...this.serverArgs,
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(`mariadbd on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with code ${child.exitCode}`);
      try {
        const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root' });
        await connection.query('CREATE DATABASE IF NOT EXISTS test');
        await connection.end();
        return true;
      } catch {
        return false;
      }
    }, 30_000, 200).catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    });
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }
}
