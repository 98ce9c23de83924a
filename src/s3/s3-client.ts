import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';

/** Where S3 is: the SDK's usual chain, or an S3-compatible store at an endpoint. */
export interface S3Settings {
  /** Endpoint of an S3-compatible store (MinIO, Ceph, a test server); else AWS (the command line: --s3-endpoint, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL). */
  readonly endpoint?: string;
}

/** Region used when the SDK's chain (AWS_REGION, ~/.aws/config, ...) names none. */
const FALLBACK_REGION = 'us-east-1';

export function s3Endpoint(settings: S3Settings = {}): string | undefined {
  const value = settings.endpoint;
  return value && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * An S3 client with credentials and region from the SDK's usual chain. With an endpoint (an
 * S3-compatible store) addressing is path-style, and checksums are only sent where S3 requires
 * them: the SDK's newer default (a CRC trailer on every upload) is not understood by many
 * S3-compatible stores. Without any configured region, us-east-1 is used and S3 redirects are
 * followed, so a bucket in another region still works.
 */
export async function createS3Client(settings: S3Settings = {}): Promise<S3Client> {
  const endpoint = s3Endpoint(settings);
  const config: S3ClientConfig = endpoint
    ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
    : {};
  // The SDK is loaded here, on first use, not when this module is: loading it costs noticeable CPU, and
  // every enqueue, worker and report would pay it whether or not S3 is involved.
  const { S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ ...config, followRegionRedirects: true });
  try {
    await client.config.region();
    return client;
  } catch {
    client.destroy();
    return new S3Client({ ...config, followRegionRedirects: true, region: FALLBACK_REGION });
  }
}
