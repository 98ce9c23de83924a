import type { UniqueClaim } from './chunk-sender.js';
import { arrayIndex, UNIQUE_BUCKETS } from './unique-values.js';

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
 * The field a unique value is claimed under in the bucket hashes: a 96-bit hash of its UTF-8
 * bytes, 16 characters, whatever the value's length. Short fixed fields keep the hashes small
 * and quick to search, and the CSV reader hashes a value where it lies in the file's bytes,
 * without making a string of it. By chance, two of n different values share a field with
 * probability about n^2 / 2^97 (below 10^-15 for 10 million values). The hash is keyed by the
 * import's incarnation (random, never shown to the uploader), so values found to collide in one
 * import do not collide in the next; values made to collide could only fail the uploader's own
 * later row as a repeat, which a repeated value does anyway. `bucket` is the bucket of the last
 * field made.
 */
export class UniqueHasher {
  private readonly seeds: readonly [number, number, number];
  private readonly digest = Buffer.alloc(12);
  private scratch = Buffer.alloc(256);
  bucket = 0;

  constructor(key: string) {
    this.seeds = [fnv1a(key, 0x811c9dc5), fnv1a(key, 0x050c5d1f), fnv1a(key, 0x6b43a9b5)];
  }

  /** The field of the value bytes[start, end). */
  ofBytes(bytes: Uint8Array, start: number, end: number): string {
    let [a, b, c] = this.seeds;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      a = Math.imul(a ^ byte, 0x01000193);
      b = Math.imul(b ^ byte, 0x5bd1e995);
      c = Math.imul(c ^ byte, 0x27d4eb2d);
      c ^= c >>> 15;
    }
    return this.finish(a, b, c, end - start);
  }

  /**
   * The field of the value inside the quoted CSV field bytes[start, end) (quotes included): the
   * text between the quotes, each doubled quote taken once, as the value a parser would read.
   */
  ofQuoted(bytes: Uint8Array, start: number, end: number): string {
    let [a, b, c] = this.seeds;
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
    return this.finish(a, b, c, length);
  }

  /** The field of a value read as text (its UTF-8 bytes, as ofBytes). */
  ofText(text: string): string {
    if (this.scratch.length < text.length * 3) this.scratch = Buffer.alloc(text.length * 3);
    const length = this.scratch.write(text, 0, 'utf8');
    return this.ofBytes(this.scratch, 0, length);
  }

  private finish(a: number, b: number, c: number, length: number): string {
    const x = mix(a ^ length);
    const y = mix(b ^ x);
    const z = mix(c ^ y);
    this.digest.writeUInt32LE(x, 0);
    this.digest.writeUInt32LE(y, 4);
    this.digest.writeUInt32LE(z, 8);
    this.bucket = z & (UNIQUE_BUCKETS - 1);
    return this.digest.toString('base64');
  }
}

/** The claim of row `index` of a chunk on the value `text` of unique slot `slot`. */
export function textClaim(hasher: UniqueHasher, index: number, slot: number, text: string): UniqueClaim {
  const place = arrayIndex(text);
  if (place >= 0) return { index, slot, place, field: '', bucket: 0 };
  const field = hasher.ofText(text);
  return { index, slot, place, field, bucket: hasher.bucket };
}
