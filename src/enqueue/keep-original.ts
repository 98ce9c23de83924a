import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { inputError } from '../errors.js';
import { createS3Client, type S3Settings } from '../s3/s3-client.js';
import { formatS3Url, isS3Url, parseS3Url, s3Child } from '../s3/s3-url.js';
import { uploadStream } from '../s3/upload.js';
import { STDIN } from '../sources/open-source.js';

export interface KeepOriginalOptions {
  /** The file as given: a path, `-`, or `s3://...`. */
  readonly source: string;
  readonly stdin?: Readable;
  /** `s3://bucket/prefix/`: the original goes to `<prefix><id>/<file name>`. */
  readonly uploadTo: string;
  readonly id: string;
  readonly s3?: S3Settings;
}

export interface KeptOriginal {
  /** Where the original now is. */
  readonly url: string;
  /** What to read the rows from: the file itself, or for stdin (read once) the kept copy. */
  readonly readFrom: string;
}

/**
 * Keeps the file to import in S3 beside the import (`enqueue --upload`), before any row is
 * queued: a failed upload stops the enqueue with nothing queued. The file is streamed up in
 * parts, never held whole. Standard input can be read only once, so its rows are then read back
 * from the kept copy. A file already in S3 is not copied: it is its own original.
 */
export async function keepOriginal(options: KeepOriginalOptions): Promise<KeptOriginal> {
  parseS3Url(options.uploadTo, 'upload');
  if (isS3Url(options.source)) return { url: options.source, readFrom: options.source };
  const name = options.source === STDIN ? 'stdin.csv' : basename(options.source);
  const location = s3Child(options.uploadTo, options.id, name);
  let body: Readable;
  try {
    body = options.source === STDIN ? (options.stdin ?? process.stdin) : await openFile(options.source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw inputError(`cannot read ${options.source}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((err as Error).message)}`, err);
  }
  const client = await createS3Client(options.s3);
  try {
    await uploadStream(client, location, body);
  } finally {
    client.destroy();
  }
  const url = formatS3Url(location);
  return { url, readFrom: options.source === STDIN ? url : options.source };
}

function openFile(path: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    const stream = createReadStream(path);
    stream.once('error', reject);
    stream.once('open', () => {
      stream.off('error', reject);
      resolve(stream);
    });
  });
}
