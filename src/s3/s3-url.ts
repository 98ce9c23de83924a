import { optionError, usageError } from '../errors.js';

/** An object (or, with a key ending in `/`, a prefix) in an S3 bucket. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

export function isS3Url(value: string): boolean {
  return value.startsWith('s3://');
}

/** `s3://bucket/path/to/key` -> { bucket, key }. A missing bucket is a usage error. */
export function parseS3Url(url: string, option?: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match || !match[1]) {
    if (option === undefined) throw usageError(`S3 location "${url}" is not of the form s3://bucket/key`);
    throw optionError((o) => `${o(option)} "${url}" is not of the form s3://bucket/key`);
  }
  return { bucket: match[1], key: match[2] ?? '' };
}

export function formatS3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** `s3://bucket/prefix/` + `name` -> the object under that prefix (a prefix without `/` gets one). */
export function s3Child(prefixUrl: string, ...names: string[]): S3Location {
  const { bucket, key } = parseS3Url(prefixUrl);
  const base = key === '' || key.endsWith('/') ? key : `${key}/`;
  return { bucket, key: base + names.join('/') };
}

/** The prefix an object sits under: `s3://b/a/x.csv` -> `s3://b/a/`. */
export function s3Parent(url: string): string {
  const { bucket, key } = parseS3Url(url);
  const slash = key.lastIndexOf('/');
  return formatS3Url({ bucket, key: slash < 0 ? '' : key.slice(0, slash + 1) });
}
