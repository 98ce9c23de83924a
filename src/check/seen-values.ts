import { ARRAY_VALUES_PER_KEY, arrayIndex } from '../enqueue/unique-values.js';

/** Shards of the hash table: each grows alone, so a doubling never copies more than a 64th of it. */
const SHARD_BITS = 6;
const SHARDS = 1 << SHARD_BITS;
const INITIAL_CAPACITY = 1024;
/** A shard grows past this load (linear probing stays short below it)... */
const MAX_LOAD = 0.8;
/**
 * ...by half. A table left behind is garbage until a full collection frees it; reserve() sizes
 * the shards once, early, so that a file of known size rarely grows them at all.
 */
const GROWTH = 1.5;
/** A hash's home slot among `capacity`: its place in [0, 2^32) scaled, so any capacity works. */
const home = (h1: number, capacity: number): number => ((h1 / 4294967296) * capacity) | 0;

/**
 * The values of one unique column met so far, with the row of each one's first occurrence: what
 * an import keeps in Redis while its file is read (enqueue-chunk.lua), kept in this process's
 * memory instead, in little of it. Plain integers below 2^24 (most ids) take 4 bytes at their
 * own index, in pages of 2^18 values allocated as values reach them, like the import's arrays;
 * any other value is kept as a 64-bit hash of its text beside its row, 12 bytes in an open
 * addressing table (about 80 MB for 5 million values). Two different values
 * share a hash with a chance of about n^2 / 2^65 (1 in a million for 5 million values), when one
 * of them would be reported as a repeat of the other.
 */
export class SeenValues {
  private readonly pages = new Map<number, Uint32Array>();
  private readonly shards = Array.from({ length: SHARDS }, () => new HashShard(INITIAL_CAPACITY));

  /**
   * Notes `value` as seen in `row` (1 or more) unless it was seen before: returns the row of its
   * first occurrence, or 0 when this is it.
   */
  claim(value: string, row: number): number {
    const index = arrayIndex(value);
    if (index >= 0) {
      const pageNo = Math.floor(index / ARRAY_VALUES_PER_KEY);
      let page = this.pages.get(pageNo);
      if (!page) {
        page = new Uint32Array(ARRAY_VALUES_PER_KEY);
        this.pages.set(pageNo, page);
      }
      const at = index % ARRAY_VALUES_PER_KEY;
      const first = page[at]!;
      if (first === 0) page[at] = row;
      return first;
    }
    // Two 32-bit halves of one 64-bit hash, mixed as cyrb53 does, over the UTF-16 code units.
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return this.shards[h2 >>> (32 - SHARD_BITS)]!.claim(h1 >>> 0, h2 >>> 0, row);
  }

  /**
   * Makes room for about `values` values without growing: called once the number of values to
   * come can be estimated (from the share of a file read so far), the shards are sized once for
   * a load of 0.75 at that count, instead of growing step by step and leaving their old tables
   * to the garbage collector.
   */
  reserve(values: number): void {
    const perShard = Math.ceil(values / SHARDS / 0.75);
    for (const shard of this.shards) shard.reserve(perShard);
  }

  /** Bytes held (for tests and measurements). */
  get bytes(): number {
    let total = this.pages.size * ARRAY_VALUES_PER_KEY * 4;
    for (const shard of this.shards) total += shard.bytes;
    return total;
  }
}

/** Open addressing with linear probing: hash halves in `keys`, the row in `rows` (0: empty slot). */
class HashShard {
  private keys: Uint32Array;
  private rows: Uint32Array;
  private size = 0;

  constructor(capacity: number) {
    this.keys = new Uint32Array(capacity * 2);
    this.rows = new Uint32Array(capacity);
  }

  get bytes(): number {
    return this.keys.byteLength + this.rows.byteLength;
  }

  claim(h1: number, h2: number, row: number): number {
    const keys = this.keys;
    const rows = this.rows;
    const capacity = rows.length;
    for (let slot = home(h1, capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const first = rows[slot]!;
      if (first === 0) {
        keys[slot * 2] = h1;
        keys[slot * 2 + 1] = h2;
        rows[slot] = row;
        if (++this.size > capacity * MAX_LOAD) this.grow();
        return 0;
      }
      if (keys[slot * 2] === h1 && keys[slot * 2 + 1] === h2) return first;
    }
  }

  reserve(capacity: number): void {
    if (capacity > this.rows.length && this.size <= capacity * MAX_LOAD) this.grow(capacity);
  }

  private grow(capacity = Math.ceil(this.rows.length * GROWTH)): void {
    const oldKeys = this.keys;
    const oldRows = this.rows;
    this.keys = new Uint32Array(capacity * 2);
    this.rows = new Uint32Array(capacity);
    for (let i = 0; i < oldRows.length; i++) {
      const row = oldRows[i]!;
      if (row === 0) continue;
      const h1 = oldKeys[i * 2]!;
      let slot = home(h1, capacity);
      while (this.rows[slot] !== 0) slot = slot + 1 === capacity ? 0 : slot + 1;
      this.keys[slot * 2] = h1;
      this.keys[slot * 2 + 1] = oldKeys[i * 2 + 1]!;
      this.rows[slot] = row;
    }
  }
}
