import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Location } from './s3-url.js';

/** SigV4 links live at most 7 days. */
export const MAX_LINK_SECONDS = 7 * 24 * 3600;

/** An https link that downloads the object without credentials, for `seconds` (at most 7 days). */
export async function presignedLink(client: S3Client, location: S3Location, seconds: number): Promise<string> {
  const expiresIn = Math.max(60, Math.min(MAX_LINK_SECONDS, Math.floor(seconds)));
  // The SDK loads on first use (see s3-client.ts).
  const [{ GetObjectCommand }, { getSignedUrl }] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]);
  return getSignedUrl(client, new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), { expiresIn });
}
