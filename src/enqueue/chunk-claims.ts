import type { UniqueHasher } from './unique-hash.js';
import { arrayIndex } from './unique-values.js';

/**
 * The unique values of a chunk's rows, as the enqueue claims them: for each, the row's index in
 * its chunk, the unique slot (the column's position among the import's unique columns), its
 * place in the arrays (arrayIndex) or -1, and when -1 its UniqueHasher hash. Held in typed
 * arrays, not an object per value: a file's every row has one per unique column.
 */
export class ChunkClaims {
  length = 0;
  private indexes: Int32Array;
  private slots: Uint16Array;
  private places: Int32Array;
  private hashes: Uint32Array;

  constructor(capacity = 64) {
    this.indexes = new Int32Array(capacity);
    this.slots = new Uint16Array(capacity);
    this.places = new Int32Array(capacity);
    this.hashes = new Uint32Array(capacity * 3);
  }

  /** Adds a value at array place `place` (>= 0), or (-1) of hash (h0, h1, h2). */
  add(index: number, slot: number, place: number, h0: number, h1: number, h2: number): void {
    if (this.length === this.indexes.length) this.grow();
    const i = this.length++;
    this.indexes[i] = index;
    this.slots[i] = slot;
    this.places[i] = place;
    this.hashes[i * 3] = h0;
    this.hashes[i * 3 + 1] = h1;
    this.hashes[i * 3 + 2] = h2;
  }

  /** Adds the value the hasher hashed last (place -1), or the array place `place`. */
  addHashed(index: number, slot: number, place: number, hasher: UniqueHasher): void {
    if (place >= 0) this.add(index, slot, place, 0, 0, 0);
    else this.add(index, slot, -1, hasher.h0, hasher.h1, hasher.h2);
  }

  /** Adds the value `text` (not empty). */
  addText(index: number, slot: number, text: string, hasher: UniqueHasher): void {
    const place = arrayIndex(text);
    if (place < 0) hasher.hashText(text);
    this.addHashed(index, slot, place, hasher);
  }

  /** Adds claim `i` of `other`. */
  addFrom(other: ChunkClaims, i: number): void {
    this.add(other.index(i), other.slot(i), other.place(i), other.h0(i), other.h1(i), other.h2(i));
  }

  index(i: number): number {
    return this.indexes[i]!;
  }

  slot(i: number): number {
    return this.slots[i]!;
  }

  place(i: number): number {
    return this.places[i]!;
  }

  h0(i: number): number {
    return this.hashes[i * 3]!;
  }

  h1(i: number): number {
    return this.hashes[i * 3 + 1]!;
  }

  h2(i: number): number {
    return this.hashes[i * 3 + 2]!;
  }

  private grow(): void {
    const capacity = this.indexes.length * 2;
    const indexes = new Int32Array(capacity);
    const slots = new Uint16Array(capacity);
    const places = new Int32Array(capacity);
    const hashes = new Uint32Array(capacity * 3);
    indexes.set(this.indexes);
    slots.set(this.slots);
    places.set(this.places);
    hashes.set(this.hashes);
    this.indexes = indexes;
    this.slots = slots;
    this.places = places;
    this.hashes = hashes;
  }
}
