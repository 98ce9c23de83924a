import type { TargetKind } from './target-url.js';

/**
 * How workers (and purge) connect to targets, beyond what an import's record says: passwords,
 * which never go through Redis, and SQLite's lock wait. The command line fills these from its
 * environment (docs/targets.md); a library user passes them.
 */
export interface TargetOptions {
  /** Password for any target (the command line: IMPORTER_TARGET_PASSWORD). */
  readonly password?: string;
  /** A PostgreSQL target's password when `password` is not given (PGPASSWORD). */
  readonly postgresPassword?: string;
  /** A MySQL/MariaDB target's password when `password` is not given (MYSQL_PWD). */
  readonly mysqlPassword?: string;
  /**
   * How long a SQLite statement waits for another connection's lock (IMPORTER_SQLITE_BUSY_TIMEOUT_MS;
   * default DEFAULT_SQLITE_BUSY_TIMEOUT_MS).
   */
  readonly sqliteBusyTimeoutMs?: number;
}

/** The password a worker uses for a target of this kind. */
export function targetPassword(kind: TargetKind, options: TargetOptions): string | undefined {
  if (options.password !== undefined) return options.password;
  if (kind === 'postgres') return options.postgresPassword;
  if (kind === 'mysql') return options.mysqlPassword;
  return undefined;
}
