import { isAbsolute, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { redactUrl, splitUrlSecrets } from '../redact.js';

export type TargetKind = 'sqlite' | 'postgres' | 'mysql';

export interface TargetLocation {
  readonly kind: TargetKind;
  /** Normalised URL, as stored in the import's record: never holds a password. */
  readonly url: string;
  /** For SQLite: absolute path of the database file. */
  readonly path: string;
  /** The password the URL held, if any: for this process only, never stored or printed. */
  readonly password: string | null;
  /** True when the URL held a secret (a password, `sslpassword=`...) that `url` no longer has. */
  readonly secretDropped: boolean;
}

/**
 * Parses a target URL. A relative SQLite path is made absolute where the import is started, so
 * that workers started elsewhere on the same machine write to the same file. A database URL
 * loses its password, in the user-info or in the query (and any other secret parameter):
 * workers take credentials from their own environment (PGPASSWORD, MYSQL_PWD or
 * IMPORTER_TARGET_PASSWORD). Secrets are taken out before the URL is parsed, so a raw password
 * that would make it unparseable is still only ever held here.
 */
export function parseTarget(url: string, cwd = process.cwd()): TargetLocation {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (sqlite) {
    const file = sqlite[1]!;
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    return { kind: 'sqlite', url: `sqlite:${path}`, path, password: null, secretDropped: false };
  }
  const split = splitUrlSecrets(url);
  let parsed: URL;
  try {
    parsed = new URL(split.url);
  } catch {
    throw unsupported(url);
  }
  const kind: TargetKind | null = /^postgres(ql)?:$/.test(parsed.protocol) ? 'postgres' : /^(mysql|mariadb):$/.test(parsed.protocol) ? 'mysql' : null;
  if (!kind) throw unsupported(url);
  if (!parsed.hostname || parsed.pathname.length <= 1) {
    throw usageError(`target "${redactUrl(url)}" needs a host and a database: ${kind}://user@host:port/database`);
  }
  return { kind, url: redactUrl(parsed.toString()), path: '', password: split.password, secretDropped: split.dropped };
}

function unsupported(url: string): Error {
  return usageError(`unsupported target "${redactUrl(url)}": use sqlite:<file>, postgres://user@host:port/db or mysql://user@host:port/db`);
}
