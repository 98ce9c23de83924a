import { UNIQUE_BUCKETS } from './unique-values.js';

/** Characters of a field: 96 bits in base64. */
export const UNIQUE_FIELD_LENGTH = 16;

const QUOTE = 0x22;

/** murmur3's finaliser: every input bit reaches every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a of a text's UTF-16 units, for deriving the seeds. */
function fnv1a(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A 96-bit hash of a unique value's UTF-8 bytes (h0, h1, h2), made where the value lies in the
 * file's bytes, without making a string of it. The enqueue tells repeated values by it
 * (ClaimedValues) and, past what it holds itself, claims them in Redis under uniqueField(). By
 * chance, two of n different values share a hash with probability about n^2 / 2^97 (below
 * 10^-15 for 10 million values). The hash is keyed by the import's incarnation (random, never
 * shown to the uploader), so values found to collide in one import do not collide in the next;
 * values made to collide could only fail the uploader's own later row as a repeat, which a
 * repeated value does anyway. Each method leaves the hash of its value in h0, h1, h2.
 */
export class UniqueHasher {
  private readonly seeds: readonly [number, number, number];
  private scratch = Buffer.alloc(256);
  h0 = 0;
  h1 = 0;
  h2 = 0;

  constructor(key: string) {
    this.seeds = [fnv1a(key, 0x811c9dc5), fnv1a(key, 0x050c5d1f), fnv1a(key, 0x6b43a9b5)];
  }

  /** Hashes the value bytes[start, end). */
  hashBytes(bytes: Uint8Array, start: number, end: number): void {
    // Read by index: destructuring made an iterator for each value hashed.
    const seeds = this.seeds;
    let a = seeds[0];
    let b = seeds[1];
    let c = seeds[2];
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      a = Math.imul(a ^ byte, 0x01000193);
      b = Math.imul(b ^ byte, 0x5bd1e995);
      c = Math.imul(c ^ byte, 0x27d4eb2d);
      c ^= c >>> 15;
    }
    this.finish(a, b, c, end - start);
  }

  /**
   * Hashes the value inside the quoted CSV field bytes[start, end) (quotes included): the text
   * between the quotes, each doubled quote taken once, as the value a parser would read.
   */
  hashQuoted(bytes: Uint8Array, start: number, end: number): void {
    // Read by index: destructuring made an iterator for each value hashed.
    const seeds = this.seeds;
    let a = seeds[0];
    let b = seeds[1];
    let c = seeds[2];
    let length = 0;
    for (let i = start + 1; i < end - 1; i++) {
      const byte = bytes[i]!;
      if (byte === QUOTE) i++; // the first of a doubled quote: the second is the value's
      a = Math.imul(a ^ byte, 0x01000193);
      b = Math.imul(b ^ byte, 0x5bd1e995);
      c = Math.imul(c ^ byte, 0x27d4eb2d);
      c ^= c >>> 15;
      length++;
    }
    this.finish(a, b, c, length);
  }

  /** Hashes a value read as text (its UTF-8 bytes, as hashBytes). */
  hashText(text: string): void {
    if (this.scratch.length < text.length * 3) this.scratch = Buffer.alloc(text.length * 3);
    const length = this.scratch.write(text, 0, 'utf8');
    this.hashBytes(this.scratch, 0, length);
  }

  private finish(a: number, b: number, c: number, length: number): void {
    this.h0 = mix(a ^ length);
    this.h1 = mix(b ^ this.h0);
    this.h2 = mix(c ^ this.h1);
  }
}

const digest = Buffer.alloc(12);

/**
 * The field a value of hash (h0, h1, h2) is claimed under in Redis's bucket hashes: 16
 * characters. Short fixed fields keep the hashes small and quick to search.
 */
export function uniqueField(h0: number, h1: number, h2: number): string {
  digest.writeUInt32LE(h0 >>> 0, 0);
  digest.writeUInt32LE(h1 >>> 0, 4);
  digest.writeUInt32LE(h2 >>> 0, 8);
  return digest.toString('base64');
}

/** The bucket hash a value of hash (h0, h1, h2) is claimed in. */
export function uniqueBucket(h2: number): number {
  return h2 & (UNIQUE_BUCKETS - 1);
}
