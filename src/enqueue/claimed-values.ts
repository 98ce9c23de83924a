/**
 * The enqueue's own record of the unique values it has claimed (those that are not plain
 * integers, see unique-values.ts): each value's 96-bit UniqueHasher hash and the row number of
 * its first occurrence, per unique slot, in open-addressed tables of typed arrays outside the
 * JavaScript heap (16 bytes a value; for the default 1,500,000 values, at most 32 MiB for one
 * unique column, 64 MiB over several).
 *
 * The enqueue is the only reader of an import's file, and reads it in order: it can tell a
 * repeated value itself, without asking Redis twice per value (HMGET, then HSET in
 * enqueue-chunk.lua, ~2 µs of Redis's CPU a value, most of it on big hashes). An enqueue that
 * resumes a stopped one reads the file from its start and feeds the chunks already queued
 * through the same record (`ChunkSender.skip`), so the record is the same when it goes on.
 *
 * The record is bounded: once it holds `limit` values it is full, and stays full (so too when
 * a value would be placed past MAX_PROBES entries: values made to collide); values it
 * does not hold are then claimed in Redis's bucket hashes as before, after being looked up here.
 * A value first met before the record filled is here; one first met after is in Redis: a repeat
 * of either is found. Whether it is full depends only on the values met, in file order, so a
 * resumed enqueue fills it at the same row.
 */
export class ClaimedValues {
  /** Per slot, SHARDS tables: each grows alone, so a doubling never copies more than a 64th. */
  private readonly tables: HashTable[][];
  private values = 0;
  private filled = false;

  /** `slots`: the import's unique columns; `limit`: the values held at most (over all slots). */
  constructor(
    slots: number,
    private readonly limit: number,
  ) {
    this.tables = Array.from({ length: slots }, () => Array.from({ length: SHARDS }, () => new HashTable()));
  }

  /** True once the record held `limit` values and was asked for another: it takes no more. */
  get full(): boolean {
    return this.filled;
  }

  /**
   * Claims the value of hash (h0, h1, h2) in `slot` for `row`: returns the row that claimed it
   * before (it stays that value's owner), 0 when `row` now owns it, or -1 when the record is full
   * and does not hold the value (it must be claimed in Redis).
   */
  claim(slot: number, h0: number, h1: number, h2: number, row: number): number {
    const table = this.tables[slot]![h1 >>> SHARD_SHIFT]!;
    const owner = table.find(h0, h1, h2);
    if (owner !== 0) return owner;
    // Row numbers are held in 32 bits. A long probe means values made to collide (the hash is
    // keyed, so hardly by chance): the record stops growing, which bounds every later probe.
    if (this.filled || this.values >= this.limit || row > 0xffffffff || table.probes > MAX_PROBES) {
      this.filled = true;
      return -1;
    }
    table.addAfterFind(h0, h1, h2, row);
    this.values++;
    return 0;
  }
}

const SHARDS = 64;
/**
 * Entries a lookup may pass before the value is refused: far beyond what linear probing at 3/4
 * load meets in tables of this size, reached only by values that share their hash's low bits.
 */
export const MAX_PROBES = 1024;
/** A hash's shard: the top bits of its second word (its first places it in the shard). */
const SHARD_SHIFT = 32 - Math.log2(SHARDS);
/** Words per entry: the hash's three words and the row number (0: an empty entry). */
const WORDS = 4;
const FIRST_CAPACITY = 1 << 8;

/** Open addressing with linear probing, at most 3/4 full; grows by doubling. */
class HashTable {
  private entries = new Uint32Array(FIRST_CAPACITY * WORDS);
  private mask = FIRST_CAPACITY - 1;
  private size = 0;

  /** Where find() stopped: the empty entry the hash it did not find would take. */
  private empty = 0;
  /** Entries the last find() passed. */
  probes = 0;

  /** The row of the entry of hash (h0, h1, h2), or 0. */
  find(h0: number, h1: number, h2: number): number {
    const entries = this.entries;
    h0 >>>= 0;
    h1 >>>= 0;
    h2 >>>= 0;
    for (let i = h0 & this.mask, probes = 0; ; i = (i + 1) & this.mask, probes++) {
      const at = i * WORDS;
      const row = entries[at + 3]!;
      if (row === 0) {
        this.empty = i;
        this.probes = probes;
        return 0;
      }
      if (entries[at] === h0 && entries[at + 1] === h1 && entries[at + 2] === h2) return row;
    }
  }

  /** Adds the entry the last find() did not find, where it stopped (no second probe). */
  addAfterFind(h0: number, h1: number, h2: number, row: number): void {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) {
      this.grow();
      this.place(this.entries, this.mask, h0 >>> 0, h1 >>> 0, h2 >>> 0, row);
    } else {
      const at = this.empty * WORDS;
      this.entries[at] = h0;
      this.entries[at + 1] = h1;
      this.entries[at + 2] = h2;
      this.entries[at + 3] = row;
    }
    this.size++;
  }

  private place(entries: Uint32Array, mask: number, h0: number, h1: number, h2: number, row: number): void {
    let i = h0 & mask;
    while (entries[i * WORDS + 3] !== 0) i = (i + 1) & mask;
    const at = i * WORDS;
    entries[at] = h0;
    entries[at + 1] = h1;
    entries[at + 2] = h2;
    entries[at + 3] = row;
  }

  private grow(): void {
    const old = this.entries;
    const capacity = (this.mask + 1) * 2;
    const entries = new Uint32Array(capacity * WORDS);
    const mask = capacity - 1;
    for (let at = 0; at < old.length; at += WORDS) {
      const row = old[at + 3]!;
      if (row !== 0) this.place(entries, mask, old[at]!, old[at + 1]!, old[at + 2]!, row);
    }
    this.entries = entries;
    this.mask = mask;
  }
}
