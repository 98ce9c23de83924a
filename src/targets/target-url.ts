import { isAbsolute, resolve } from 'node:path';
import { usageError } from '../errors.js';

export const DEFAULT_TARGET = 'sqlite:./importer.db';

export type TargetKind = 'sqlite' | 'postgres' | 'mysql';

export interface TargetLocation {
  readonly kind: TargetKind;
  /** Normalised URL, as stored in the import's record: never holds a password. */
  readonly url: string;
  /** For SQLite: absolute path of the database file. */
  readonly path: string;
  /** The password the URL held, if any: for this process only, never stored or printed. */
  readonly password: string | null;
}

/**
 * Parses a target URL. A relative SQLite path is made absolute where the import is started, so
 * that workers started elsewhere on the same machine write to the same file. A database URL
 * loses its password: workers take credentials from their own environment (PGPASSWORD,
 * MYSQL_PWD or IMPORTER_TARGET_PASSWORD).
 */
export function parseTarget(url: string, cwd = process.cwd()): TargetLocation {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (sqlite) {
    const file = sqlite[1]!;
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    return { kind: 'sqlite', url: `sqlite:${path}`, path, password: null };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unsupported(url);
  }
  const kind: TargetKind | null = /^postgres(ql)?:$/.test(parsed.protocol) ? 'postgres' : /^(mysql|mariadb):$/.test(parsed.protocol) ? 'mysql' : null;
  if (!kind) throw unsupported(url);
  if (!parsed.hostname || parsed.pathname.length <= 1) {
    throw usageError(`target "${redactedTarget(url)}" needs a host and a database: ${kind}://user@host:port/database`);
  }
  const password = parsed.password ? decodeURIComponent(parsed.password) : null;
  parsed.password = '';
  return { kind, url: parsed.toString(), path: '', password };
}

function unsupported(url: string): Error {
  return usageError(`unsupported target "${redactedTarget(url)}": use sqlite:<file>, postgres://user@host:port/db or mysql://user@host:port/db`);
}

function redactedTarget(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
}

/** The password a worker uses for a target: from its own environment, never from Redis. */
export function targetPassword(kind: TargetKind): string | undefined {
  const generic = process.env['IMPORTER_TARGET_PASSWORD'];
  if (generic !== undefined) return generic;
  if (kind === 'postgres') return process.env['PGPASSWORD'];
  if (kind === 'mysql') return process.env['MYSQL_PWD'];
  return undefined;
}
