import { errorMessage } from '../errors.js';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** An S3 failure in words: what S3 (or the network) said, without the SDK's stack of wrappers. */
export function describeS3Error(err: unknown): string {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  switch (e.name) {
    case 'NoSuchKey':
    case 'NotFound':
      return 'no such object';
    case 'NoSuchBucket':
      return 'no such bucket';
    case 'AccessDenied':
    case 'Forbidden':
      return 'access denied';
    case 'CredentialsProviderError':
      return `no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile): ${errorMessage(err)}`;
    default:
      break;
  }
  const code = e.code ? ` (${e.code})` : '';
  const http = status && !errorMessage(err).includes(String(status)) ? ` [HTTP ${status}]` : '';
  return `${errorMessage(err) || e.name || 'unknown error'}${code}${http}`;
}
