import { createHash } from 'node:crypto';

/**
 * Buckets per unique column. Few and large: a chunk's values meet in them, so the enqueue script
 * asks each once per chunk (HMGET, then HSET of the new values) instead of once per value.
 */
export const UNIQUE_BUCKETS = 16;
/** Longer values are stored as a digest: a bucket's memory stays bounded per row, whatever the text. */
const MAX_PLAIN_VALUE = 60;

/** FNV-1a, 32 bits: fast and well spread for short strings. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The field a unique value is stored under, and the bucket that holds it. */
export function uniqueSlot(value: string): { field: string; bucket: number } {
  const field = value.length > MAX_PLAIN_VALUE ? `#${createHash('sha1').update(value).digest('base64')}` : value;
  return { field, bucket: fnv1a(field) & (UNIQUE_BUCKETS - 1) };
}
