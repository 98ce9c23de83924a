/**
 * Every Redis key the importer uses, built in one place. All keys of one import share the hash
 * tag `{<id>}` so that its scripts stay atomic on Redis Cluster; the prefix keeps tenants and
 * tests apart.
 */
export interface ImportKeys {
  /** Hash: the import's record (options, header, counters, state). O(1) in the file's size. */
  readonly meta: string;
  /** Stream: pending chunks of rows, one entry each; entries are deleted once recorded. */
  readonly chunks: string;
  /** Bitmap: one bit per chunk, set once its outcomes are recorded (makes recording idempotent). */
  readonly done: string;
  /** List: one packed element per recorded chunk with imported rows (src/redis/codec.ts). */
  readonly succeeded: string;
  /** List: one packed element per recorded chunk with failed rows (src/redis/codec.ts). */
  readonly failed: string;
  /**
   * Hashes per unique column, each holding a share of its values (value -> row number of its
   * first occurrence in file order). Sharded so that each stays small enough for Redis's compact
   * encoding: one big hash would cost several times the values' size. Deleted with the arrays
   * once the whole file is queued (finish-enqueue.lua): the verdicts are in the chunks by then.
   */
  unique(columnIndex: number, bucket: number): string;
  /**
   * The name of a unique column's shard hashes without the shard number (the enqueue script
   * appends it), and of its arrays of plain integers without `n<array number>` (unique-values.ts).
   */
  uniquePrefix(columnIndex: number): string;
  /** String: a unique column's array number `array` of plain integer values (unique-values.ts). */
  uniqueArray(columnIndex: number, array: number): string;
  /**
   * String: the probe of a chunk that took down workers (src/work/row-probe.ts): the rows found
   * hanging and the row being checked, as JSON. Expires an hour after its last write.
   */
  probe(chunk: number): string;
}

export interface GlobalKeys {
  /** Sorted set: every import known to this Redis, scored by creation time (ms). */
  readonly imports: string;
  /** Sorted set: imports that may still have work for workers, scored by priority then age. */
  readonly active: string;
  /** Sorted set: workers by the time of their last heartbeat. */
  readonly workers: string;
}

/** The consumer group of the chunks stream: every worker reads the chunks through it. */
export const CHUNK_GROUP = 'workers';

export function importKeys(prefix: string, id: string): ImportKeys {
  const base = `${prefix}:{${id}}`;
  const uniquePrefix = (columnIndex: number): string => `${base}:unique:${columnIndex}:`;
  return {
    meta: `${base}:meta`,
    chunks: `${base}:chunks`,
    done: `${base}:done`,
    succeeded: `${base}:succeeded`,
    failed: `${base}:failed`,
    uniquePrefix,
    unique: (columnIndex: number, bucket: number) => `${uniquePrefix(columnIndex)}${bucket}`,
    uniqueArray: (columnIndex: number, array: number) => `${uniquePrefix(columnIndex)}n${array}`,
    probe: (chunk: number) => `${base}:probe:${chunk}`,
  };
}

export function globalKeys(prefix: string): GlobalKeys {
  return {
    imports: `${prefix}:imports`,
    active: `${prefix}:active`,
    workers: `${prefix}:workers`,
  };
}

/** A worker's heartbeat: its WorkerInfo as JSON, expiring unless renewed. */
export function workerKey(prefix: string, workerId: string): string {
  return `${prefix}:worker:${workerId}`;
}

/**
 * Score of an import in the active set: higher priority first, then older first. Priorities are
 * whole numbers from -100 to 100; the creation time in ms stays exact under 2^53.
 */
export function activeScore(priority: number, createdAt: number): number {
  return -priority * 1e13 + createdAt;
}

export function priorityFromScore(score: number): number {
  return -Math.round((score - (((score % 1e13) + 1e13) % 1e13)) / 1e13);
}
