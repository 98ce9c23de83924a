import { sleep } from '../sleep.js';
import { optionError } from '../errors.js';
import type { ImportSettings } from '../import-record.js';
import type { ImportKeys } from '../redis/keys.js';
import { isTransientRedisError, replicated } from '../redis/replication.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { ChunkGapError } from '../redis/script-errors.js';
import { UNIQUE_VALUES_IN_MEMORY } from '../defaults.js';
import { ClaimedValues } from './claimed-values.js';
import { ChunkClaims } from './chunk-claims.js';
import { uniqueBucket, uniqueField } from './unique-hash.js';
import { ARRAY_VALUES_PER_KEY, MAX_ARRAY_ROW, UNIQUE_BUCKETS } from './unique-values.js';

/**
 * Chunks sent to Redis without waiting for their replies: keeps the socket busy. Each is held
 * (payload and claims) until confirmed: more than a few only add to the enqueue's memory.
 */
const IN_FLIGHT_CHUNKS = 6;
/** How long the sender keeps sending its unconfirmed chunks again through a failover. */
const RECOVER_MS = 60_000;
/** How often a sender held back by its pending rows' limit asks how many were recorded. */
const PENDING_POLL_MS = 100;

interface SentChunk {
  readonly chunkNo: number;
  readonly keys: readonly string[];
  readonly args: readonly (string | number | Buffer)[];
  /** Settles once Redis accepted the chunk and a replica has it (or there is no replica). */
  readonly confirmed: Promise<void>;
}

/**
 * Sends chunks in order with a bounded number in flight, so parsing and Redis overlap.
 *
 * A chunk is kept until Redis accepted it and a replica confirmed it (WAIT, on a cluster whose
 * masters have replicas). A master killed mid-enqueue may have acknowledged chunks its replica
 * never got: the promoted replica then expects an earlier chunk (CHUNK_GAP) or the connection
 * fails. The sender then sends every chunk it still holds again, in order, from the one Redis
 * expects; the script takes each exactly once (a chunk already there changes nothing), so the
 * file is queued whole and once without being read again.
 */
export class ChunkSender {
  private readonly sent: SentChunk[] = [];

  /** Per unique slot, the name of its bucket hashes without the bucket number. */
  private readonly bucketNames: string[];

  /** Rows recorded by workers (succeeded + failed), as last read from the import's record. */
  private recorded = 0;

  /** The values (not plain integers) claimed in the enqueue's memory, before Redis's hashes. */
  private readonly claimed: ClaimedValues;

  /**
   * `maxPending`: rows queued and not yet recorded that the sender lets Redis hold (null: no
   * limit). Over it, send() waits for workers to record rows before queueing more: the file is
   * read no further meanwhile, so Redis holds a window of the file rather than all of it.
   * `valuesInMemory`: see ClaimedValues.
   */
  constructor(
    private readonly redis: ImporterRedis,
    private readonly keys: ImportKeys,
    private readonly settings: ImportSettings,
    private readonly maxPending: number | null = null,
    valuesInMemory = UNIQUE_VALUES_IN_MEMORY,
  ) {
    this.bucketNames = settings.uniqueColumns.map((column) => keys.uniquePrefix(column));
    this.claimed = new ClaimedValues(settings.uniqueColumns.length, valuesInMemory);
  }

  /**
   * Queues chunk `chunkNo` (rows firstRow .. firstRow + rows - 1) with its encoded payload, and
   * claims its unique values (in file order within each unique column).
   */
  async send(chunkNo: number, firstRow: number, rows: number, payload: string | Buffer, claims: ChunkClaims): Promise<void> {
    await this.waitForRoom(firstRow - 1, rows);
    const scriptKeys = [this.keys.meta, this.keys.chunks];
    const local = this.claimLocally(claims, firstRow);
    const { groups, repeats, arrays, slices } = groupClaims(local.remaining, firstRow, 10 + this.bucketNames.length);
    const args = [
      chunkNo, firstRow, rows, payload, Date.now(), JSON.stringify(groups), JSON.stringify(local.repeats.concat(repeats)), JSON.stringify(arrays), this.settings.incarnation,
      ...this.bucketNames, ...slices,
    ];
    const confirmed = this.call(scriptKeys, args).then(async () => {
      await replicated(this.redis, this.keys.meta); // false (no replica in time): go on regardless
    });
    confirmed.catch(() => {}); // surfaced by drain() or a later send()
    this.sent.push({ chunkNo, keys: scriptKeys, args, confirmed });
    if (this.sent.length >= IN_FLIGHT_CHUNKS) await this.confirmOldest();
  }

  /**
   * Notes the unique values of a chunk already queued (by an enqueue that stopped part way), so
   * that later chunks find them: in memory, as the first enqueue did; those past what memory
   * holds are claimed in Redis's hashes unless they are there already (HSETNX: the first
   * enqueue put them there, unless it held more values in memory than this one).
   */
  async skip(firstRow: number, claims: ChunkClaims): Promise<void> {
    const unheld = this.claimLocally(claims, firstRow).remaining;
    const pipeline = this.redis.pipeline();
    for (let i = 0; i < unheld.length; i++) {
      if (unheld.place(i) >= 0) continue;
      const h2 = unheld.h2(i);
      pipeline.hsetnx(`${this.bucketNames[unheld.slot(i)]!}${uniqueBucket(h2)}`, uniqueField(unheld.h0(i), unheld.h1(i), h2), String(firstRow + unheld.index(i)));
    }
    if (pipeline.length === 0) return;
    const replies = await pipeline.exec();
    const failed = replies?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  /**
   * Claims a chunk's values in memory (ClaimedValues). Returns the rows whose value an earlier
   * row claimed there (row index, slot, that row's number, as the script takes repeats), and the
   * claims left to the script: plain integers, and values memory does not hold once it is full.
   */
  private claimLocally(claims: ChunkClaims, firstRow: number): { remaining: ChunkClaims; repeats: (number | string)[] } {
    const { claimed } = this;
    const remaining = new ChunkClaims(16);
    const repeats: (number | string)[] = [];
    for (let i = 0; i < claims.length; i++) {
      if (claims.place(i) >= 0) {
        remaining.addFrom(claims, i);
        continue;
      }
      const slot = claims.slot(i);
      const owner = claimed.claim(slot, claims.h0(i), claims.h1(i), claims.h2(i), firstRow + claims.index(i));
      if (owner > 0) repeats.push(claims.index(i), slot, String(owner));
      else if (owner < 0) remaining.addFrom(claims, i);
    }
    return { remaining, repeats };
  }

  /**
   * Waits while queueing `rows` more after the `before` rows already sent would leave more than
   * maxPending rows queued and not recorded. A chunk always goes when nothing is pending, even one
   * larger than the limit: the wait ends. With no worker running it waits until one comes (the
   * enqueue's heartbeat, a timer, stays fresh meanwhile); it stops waiting once the import no
   * longer takes rows, for the enqueue script to say why.
   */
  private async waitForRoom(before: number, rows: number): Promise<void> {
    if (this.maxPending === null) return;
    const full = (): boolean => before > this.recorded && before + rows - this.recorded > this.maxPending!;
    while (full()) {
      const [state, succeeded, failed] = await this.redis.hmget(this.keys.meta, 'state', 'succeeded', 'failed');
      this.recorded = Number(succeeded ?? 0) + Number(failed ?? 0);
      if (state !== 'enqueuing') return;
      if (full()) await sleep(PENDING_POLL_MS);
    }
  }

  async drain(): Promise<void> {
    while (this.sent.length > 0) await this.confirmOldest();
  }

  private call(keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown> {
    return runScript(this.redis, 'enqueueChunk', keys, args);
  }

  private async confirmOldest(): Promise<void> {
    try {
      await this.sent[0]!.confirmed;
      this.sent.shift();
    } catch (err) {
      if (!recoverable(err)) throw err;
      await this.recover(err);
    }
  }

  /** Sends every unconfirmed chunk again until Redis has them all, through a failover. */
  private async recover(first: unknown): Promise<void> {
    const deadline = Date.now() + RECOVER_MS;
    let last = first;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      await sleep(Math.min(200 * 2 ** attempt, 2000));
      try {
        await this.resendAll();
        this.sent.length = 0;
        return;
      } catch (err) {
        if (!recoverable(err)) throw err;
        last = err;
      }
    }
    throw last;
  }

  private async resendAll(): Promise<void> {
    let i = 0;
    let rewinds = 0;
    while (i < this.sent.length) {
      const chunk = this.sent[i]!;
      try {
        await this.call(chunk.keys, chunk.args);
        i++;
      } catch (err) {
        if (!(err instanceof ChunkGapError)) throw err;
        const expected = err.expectedChunk;
        const at = this.sent.findIndex((c) => c.chunkNo === expected);
        if (at < 0 || ++rewinds > this.sent.length * 4) {
          throw optionError(
            (o) =>
              `Redis lost queued chunks from chunk ${expected} on (a failover before its replica had them): run the same enqueue with ${o('id')} ${this.settings.id} to queue them again`,
            'state',
          );
        }
        i = at;
      }
    }
    // A replica that does not confirm within the timeout is not waited for: go on, as with a
    // single Redis.
    if (this.sent.length > 0) await replicated(this.redis, this.keys.meta);
  }
}

type ClaimGroup = [slot: number, bucket: number, values: string[], rows: string[]];
/** A slice of an array: [0, slot, array number, byte offset, ARGV index (1-based) of its bytes]. */
type ArraySlice = [kind: 0, slot: number, array: number, byteOffset: number, argIndex: number];
/** Values of an array too sparse for a slice: [1, slot, array number, offsets in it, row numbers]. */
type ArrayValues = [kind: 1, slot: number, array: number, offsets: number[], rows: number[]];

/** The script's arguments for one chunk's unique values. */
export interface GroupedClaims {
  /** Values claimed in the bucket hashes. */
  readonly groups: ClaimGroup[];
  /** Rows repeating a value of an earlier row of the same chunk: row index, slot, that row's number. */
  readonly repeats: (number | string)[];
  /** Values claimed in arrays (plain integers, see arrayIndex). */
  readonly arrays: (ArraySlice | ArrayValues)[];
  /** The bytes of each ArraySlice, passed after the other arguments. */
  readonly slices: Buffer[];
}

/** A slice is written whole when the chunk holds at least one value per this many places in it. */
const SLICE_DENSITY = 4;

/**
 * A chunk's unique values as enqueue-chunk.lua takes them. Each value once, at its first row in
 * the chunk; later rows of the chunk with the same value are `repeats`, resolved by the script.
 * Plain integers go to the arrays: per array, one slice of row numbers when the values are
 * dense enough (ids in order: one slice per chunk), else a list of offsets. Other values go to
 * the bucket hashes, grouped by bucket, with the row number as text (stored and compared as is).
 * `firstSliceArg` is the ARGV index (1-based) the first slice will have.
 */
export function groupClaims(claims: ChunkClaims, firstRow: number, firstSliceArg = 0): GroupedClaims {
  const groups = new Map<number, ClaimGroup>();
  const inArrays = new Map<number, { slot: number; array: number; offsets: number[]; indexes: number[] }>();
  const firsts = new Map<string, string>();
  const repeats: (number | string)[] = [];
  for (let i = 0; i < claims.length; i++) {
    const index = claims.place(i);
    const slot = claims.slot(i);
    if (index >= 0) {
      const array = Math.floor(index / ARRAY_VALUES_PER_KEY);
      const id = slot * 2 ** 16 + array;
      let values = inArrays.get(id);
      if (!values) inArrays.set(id, (values = { slot, array, offsets: [], indexes: [] }));
      values.offsets.push(index - array * ARRAY_VALUES_PER_KEY);
      values.indexes.push(claims.index(i));
      continue;
    }
    const field = uniqueField(claims.h0(i), claims.h1(i), claims.h2(i));
    const bucket = uniqueBucket(claims.h2(i));
    // Fields are base64: no NUL in them.
    const seen = slot === 0 ? field : `${slot}\u0000${field}`;
    const first = firsts.get(seen);
    if (first !== undefined) {
      repeats.push(claims.index(i), slot, first);
      continue;
    }
    const row = String(firstRow + claims.index(i));
    firsts.set(seen, row);
    const id = slot * UNIQUE_BUCKETS + bucket;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = [slot, bucket, [], []]));
    group[2].push(field);
    group[3].push(row);
  }
  const arrays: (ArraySlice | ArrayValues)[] = [];
  const slices: Buffer[] = [];
  for (const { slot, array, offsets, indexes } of inArrays.values()) {
    const last = firstRow + indexes[indexes.length - 1]!;
    if (last > MAX_ARRAY_ROW) throw new Error(`unique values: row ${last} is past the last row number a unique column can hold (${MAX_ARRAY_ROW})`);
    let low = offsets[0]!;
    let high = low;
    for (const offset of offsets) {
      if (offset < low) low = offset;
      else if (offset > high) high = offset;
    }
    if (high - low + 1 <= SLICE_DENSITY * offsets.length) {
      // A value met again in the chunk finds its place in the slice taken: a repeat.
      const bytes = Buffer.alloc((high - low + 1) * 4);
      offsets.forEach((offset, i) => {
        const row = firstRow + indexes[i]!;
        const at = (offset - low) * 4;
        const earlier = bytes.readUInt32BE(at);
        if (earlier !== 0) repeats.push(indexes[i]!, slot, String(earlier));
        else bytes.writeUInt32BE(row, at);
      });
      arrays.push([0, slot, array, low * 4, firstSliceArg + slices.length]);
      slices.push(bytes);
      continue;
    }
    const seen = new Map<number, number>();
    const entry: ArrayValues = [1, slot, array, [], []];
    offsets.forEach((offset, i) => {
      const row = firstRow + indexes[i]!;
      const earlier = seen.get(offset);
      if (earlier !== undefined) {
        repeats.push(indexes[i]!, slot, String(earlier));
        return;
      }
      seen.set(offset, row);
      entry[3].push(offset);
      entry[4].push(row);
    });
    arrays.push(entry);
  }
  return { groups: [...groups.values()], repeats, arrays, slices };
}

/** A chunk whose fate is unknown (lost connection, failover) or that Redis asks for again. */
function recoverable(err: unknown): boolean {
  return isTransientRedisError(err) || err instanceof ChunkGapError;
}
