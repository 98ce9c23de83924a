import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Readable } from 'node:stream';
import { inputError } from '../errors.js';
import type { S3Settings } from '../s3/s3-client.js';
import { isS3Url } from '../s3/s3-url.js';
import { openS3Source } from './s3-source.js';

export interface OpenedSource {
  readonly stream: Readable;
  /** How the file is named in messages: the path as given, or "stdin". */
  readonly name: string;
  /** Size in bytes when known (for progress). */
  readonly size: number | null;
}

export const STDIN = '-';

/**
 * Opens the file to import as a byte stream: a path, `-` for stdin, or `s3://bucket/key` (streamed
 * from S3). A missing or unreadable file is an input error.
 */
export async function openSource(source: string, stdin: Readable = process.stdin, s3?: S3Settings): Promise<OpenedSource> {
  if (source === STDIN) return { stream: stdin, name: 'stdin', size: null };
  if (isS3Url(source)) return openS3Source(source, s3);
  let size: number;
  try {
    const info = await stat(source);
    if (info.isDirectory()) throw inputError(`cannot read ${source}: it is a directory`);
    size = info.size;
  } catch (err) {
    if (err instanceof Error && err.name === 'ImporterError') throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw inputError(`cannot read ${source}: ${why}`, err);
  }
  // Reads of 64 KiB: larger ones do not read faster, and each is a buffer the reader copies and
  // drops, memory the enqueue holds until V8 collects it.
  const stream = createReadStream(source, { highWaterMark: 64 * 1024 });
  return { stream, name: source, size };
}

/** The table a file goes to when none is given: its base name, made a plain identifier. */
export function defaultTableName(source: string): string {
  if (source === STDIN) return 'stdin';
  const base = basename(source, extname(source)).replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!base) return 'import';
  return /^[0-9]/.test(base) ? `t_${base}` : base;
}
