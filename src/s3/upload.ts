import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ImporterError } from '../errors.js';
import { describeS3Error } from './s3-errors.js';
import { formatS3Url, type S3Location } from './s3-url.js';

/** Parts of 8 MiB, 4 in flight: memory stays near 32 MiB whatever the size of the object. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export interface UploadOptions {
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

/**
 * Streams `body` into an S3 object, in parts when it is large (multipart upload). The object
 * appears only once the whole body is stored; on failure the parts are discarded.
 */
export async function uploadStream(client: S3Client, location: S3Location, body: Readable, options: UploadOptions = {}): Promise<void> {
  // The SDK loads on first use (see s3-client.ts). An error of the body meanwhile is not lost:
  // the stream keeps it, and reading it below throws it; the listener only keeps it from
  // counting as unhandled until then.
  const held = (): void => {};
  body.on('error', held);
  const { Upload } = await import('@aws-sdk/lib-storage').finally(() => body.off('error', held));
  const upload = new Upload({
    client,
    params: { Bucket: location.bucket, Key: location.key, Body: body, ContentType: options.contentType },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  const abort = (): void => {
    void upload.abort().catch(() => {});
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } catch (err) {
    body.destroy();
    throw new ImporterError('connection', `cannot write ${formatS3Url(location)}: ${describeS3Error(err)}`, { cause: err });
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
