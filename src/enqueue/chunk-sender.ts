import { ImporterError, errorMessage } from '../errors.js';
import type { ImportSettings } from '../import-record.js';
import type { ImportKeys } from '../redis/keys.js';
import { isTransientRedisError, replicated } from '../redis/replication.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { UNIQUE_BUCKETS, uniqueSlot } from './unique-values.js';

/** Chunks sent to Redis without waiting for their replies: keeps the socket busy. */
const IN_FLIGHT_CHUNKS = 16;
/** How long the sender keeps sending its unconfirmed chunks again through a failover. */
const RECOVER_MS = 60_000;

/** A unique value of a row of a chunk, to be claimed in file order. */
export interface UniqueClaim {
  /** Index of the row in its chunk. */
  readonly index: number;
  /** Position of the column among the import's unique columns. */
  readonly slot: number;
  readonly value: string;
}

interface SentChunk {
  readonly chunkNo: number;
  readonly keys: readonly string[];
  readonly args: readonly (string | number | Buffer)[];
  /** Settles once Redis accepted the chunk and a replica has it (or there is no replica). */
  readonly confirmed: Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

  constructor(
    private readonly redis: ImporterRedis,
    private readonly keys: ImportKeys,
    private readonly settings: ImportSettings,
  ) {
    this.bucketNames = settings.uniqueColumns.map((column) => keys.uniquePrefix(column));
  }

  /**
   * Queues chunk `chunkNo` (rows firstRow .. firstRow + rows - 1) with its encoded payload, and
   * claims its unique values (in file order within each unique column).
   */
  async send(chunkNo: number, firstRow: number, rows: number, payload: string | Buffer, claims: readonly UniqueClaim[]): Promise<void> {
    const scriptKeys = [this.keys.meta, this.keys.tasks];
    const { groups, repeats } = groupClaims(claims, firstRow);
    const args = [chunkNo, firstRow, rows, payload, Date.now(), JSON.stringify(groups), JSON.stringify(repeats), ...this.bucketNames];
    const confirmed = this.call(scriptKeys, args).then(async () => {
      await replicated(this.redis, this.keys.meta); // false (no replica in time): go on regardless
    });
    confirmed.catch(() => {}); // surfaced by drain() or a later send()
    this.sent.push({ chunkNo, keys: scriptKeys, args, confirmed });
    if (this.sent.length >= IN_FLIGHT_CHUNKS) await this.confirmOldest();
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
        const gap = /CHUNK_GAP (\d+)/.exec(errorMessage(err));
        if (!gap) throw err;
        const expected = Number(gap[1]);
        const at = this.sent.findIndex((c) => c.chunkNo === expected);
        if (at < 0 || ++rewinds > this.sent.length * 4) {
          throw new ImporterError(
            'state',
            `Redis lost queued chunks from chunk ${expected} on (a failover before its replica had them): run the same enqueue with --id ${this.settings.id} to queue them again`,
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

/**
 * A chunk's unique values as enqueue-chunk.lua takes them: grouped by bucket hash, each value
 * once (at its first row in the chunk) with its row number as text (the script stores and
 * compares it as is); later rows of the chunk with the same value are `repeats` (row index,
 * slot, row number of that first row), resolved by the script.
 */
export function groupClaims(claims: readonly UniqueClaim[], firstRow: number): { groups: ClaimGroup[]; repeats: (number | string)[] } {
  const groups = new Map<number, ClaimGroup>();
  const firsts = new Map<string, string>();
  const repeats: (number | string)[] = [];
  for (const claim of claims) {
    const { field, bucket } = uniqueSlot(claim.value);
    const seen = `${claim.slot}\u0000${field}`;
    const first = firsts.get(seen);
    if (first !== undefined) {
      repeats.push(claim.index, claim.slot, first);
      continue;
    }
    const row = String(firstRow + claim.index);
    firsts.set(seen, row);
    const id = claim.slot * UNIQUE_BUCKETS + bucket;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = [claim.slot, bucket, [], []]));
    group[2].push(field);
    group[3].push(row);
  }
  return { groups: [...groups.values()], repeats };
}

/** A chunk whose fate is unknown (lost connection, failover) or that Redis asks for again. */
function recoverable(err: unknown): boolean {
  return isTransientRedisError(err) || /CHUNK_GAP \d+/.test(errorMessage(err));
}
