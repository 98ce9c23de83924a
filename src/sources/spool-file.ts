import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { inputError } from '../errors.js';

/** A temporary copy of a stream, removed with `remove()`. */
export interface SpooledFile {
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * Copies a stream (stdin, an S3 object) into a temporary file of at most `maxBytes`, for readers
 * that need to seek: a workbook's ZIP directory is at its end. Nothing is left behind on failure.
 */
export async function spoolToFile(chunks: AsyncIterable<Buffer>, name: string, maxBytes: number): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), 'importer-'));
  const path = join(dir, 'workbook.xlsx');
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  let size = 0;
  async function* bounded(): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > maxBytes) throw inputError(`${name}: refused: a workbook larger than the limit of ${maxBytes} bytes`);
      yield chunk;
    }
  }
  try {
    await pipeline(Readable.from(bounded()), createWriteStream(path));
  } catch (err) {
    await remove();
    if (err instanceof Error && err.name === 'ImporterError') throw err;
    throw inputError(`cannot read ${name}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  return { path, remove };
}
