import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { inputError } from '../errors.js';
import { describeS3Error } from './s3-errors.js';
import { formatS3Url, type S3Location } from './s3-url.js';

export interface S3Object {
  /** The object's bytes as they arrive: the object is never held whole in memory. */
  readonly stream: Readable;
  readonly size: number | null;
}

/** Opens an S3 object for reading; a missing or forbidden object is an input error. */
export async function readS3Object(client: S3Client, location: S3Location): Promise<S3Object> {
  try {
    // The SDK loads on first use (see s3-client.ts).
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const reply = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    const body = reply.Body;
    if (!(body instanceof Readable)) throw new Error('the object has no readable body');
    return { stream: body, size: reply.ContentLength ?? null };
  } catch (err) {
    throw inputError(`cannot read ${formatS3Url(location)}: ${describeS3Error(err)}`, err);
  }
}
