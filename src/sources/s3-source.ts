import { createS3Client, type S3Settings } from '../s3/s3-client.js';
import { readS3Object } from '../s3/read-object.js';
import { parseS3Url } from '../s3/s3-url.js';
import type { OpenedSource } from './open-source.js';

/**
 * Opens `s3://bucket/key` as the file to import: the object is streamed as it arrives, never
 * downloaded whole. Credentials and region come from the SDK's usual chain.
 */
export async function openS3Source(url: string, settings: S3Settings = {}): Promise<OpenedSource> {
  const location = parseS3Url(url, 'file');
  const client = await createS3Client(settings);
  try {
    const object = await readS3Object(client, location);
    object.stream.once('close', () => client.destroy());
    return { stream: object.stream, name: url, size: object.size };
  } catch (err) {
    client.destroy();
    throw err;
  }
}
