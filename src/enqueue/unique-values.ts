import { createHash } from 'node:crypto';

/** Buckets per unique column: up to ~8M rows keep every bucket under Redis's listpack limit (128). */
export const UNIQUE_BUCKETS = 65_536;
/** Longer values are stored as a digest, so buckets stay under the listpack value limit (64 bytes). */
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
