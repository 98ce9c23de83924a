import type { ImportKeys } from '../redis/keys.js';

/**
 * Buckets per unique column. Few and large: a chunk's values meet in them, so the enqueue script
 * asks each once per chunk (HMGET, then HSET of the new values) instead of once per value. Values
 * are claimed under their UniqueHasher field (unique-hash.ts).
 */
export const UNIQUE_BUCKETS = 16;
/**
 * Values written as plain non-negative integers below this (no sign, no leading zero) are
 * claimed in arrays instead of the bucket hashes: the row number of each value's first
 * occurrence, 4 bytes at offset 4 x value of a string. Ids of a file are mostly such numbers,
 * and mostly dense, so a chunk's ids become one slice read and written whole (GETRANGE and
 * SETRANGE): a small fraction of the Redis CPU the hashes cost, at 4 bytes a value instead of
 * about 60. A value's place depends on its text only, so a value
 * meets its repeats wherever they are in the file. Worst case (sparse values spread over the
 * whole range): 64 MiB per unique column, what the hashes take for about a million values.
 */
export const ARRAY_VALUE_LIMIT = 2 ** 24;
/** Values per array string (1 MiB each): strings are created as values reach them. */
export const ARRAY_VALUES_PER_KEY = 2 ** 18;
/** Row numbers are stored in 4 bytes. */
export const MAX_ARRAY_ROW = 2 ** 32 - 1;
const PLAIN_INTEGER = /^(?:0|[1-9][0-9]{0,7})$/;

/** The array index of a unique value, or -1 when it belongs in the bucket hashes. */
export function arrayIndex(value: string): number {
  if (!PLAIN_INTEGER.test(value)) return -1;
  const n = Number(value);
  return n < ARRAY_VALUE_LIMIT ? n : -1;
}

/** arrayIndex() of the UTF-8 text bytes[start, end), read without making a string of it. */
export function arrayIndexOfBytes(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 1 || length > 8 || (bytes[start] === 0x30 && length > 1)) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n < ARRAY_VALUE_LIMIT ? n : -1;
}

/**
 * Every key that can hold the unique values of an import's unique columns (bucket hashes and
 * arrays, most of them usually absent): what finish-enqueue.lua deletes once the file is queued.
 */
export function uniqueValueKeys(keys: ImportKeys, uniqueColumns: readonly number[]): string[] {
  const arrays = Math.ceil(ARRAY_VALUE_LIMIT / ARRAY_VALUES_PER_KEY);
  return uniqueColumns.flatMap((column) => [
    ...Array.from({ length: UNIQUE_BUCKETS }, (_, bucket) => keys.unique(column, bucket)),
    ...Array.from({ length: arrays }, (_, array) => keys.uniqueArray(column, array)),
  ]);
}
