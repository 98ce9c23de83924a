import { isAbsolute, resolve } from 'node:path';
import { usageError } from '../errors.js';

export const DEFAULT_TARGET = 'sqlite:./importer.db';

export type TargetKind = 'sqlite';

export interface TargetLocation {
  readonly kind: TargetKind;
  /** Normalised URL, as stored in the import's record: never holds a password. */
  readonly url: string;
  /** For SQLite: absolute path of the database file. */
  readonly path: string;
}

/**
 * Parses a target URL. A relative SQLite path is made absolute where the import is started, so
 * that workers started elsewhere on the same machine write to the same file.
 */
export function parseTarget(url: string, cwd = process.cwd()): TargetLocation {
  const match = /^sqlite:(?:\/\/)?(.+)$/.exec(url);
  if (match) {
    const file = match[1]!;
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    return { kind: 'sqlite', url: `sqlite:${path}`, path };
  }
  throw usageError(`unsupported target "${url}": use sqlite:<path to database file>`);
}
