import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * V8 flags set at run time, by name. V8's flags are the process's, and a worker thread starting
 * up sets them back to the command line's: `startThread` sets these again.
 */
const applied = new Map<string, string>();

function apply(name: string, value: string | number): void {
  const flag = `--${name}=${value}`;
  if (applied.get(name) === flag) return;
  setFlagsFromString(flag);
  applied.set(name, flag);
}

/**
 * Lets the heap grow by at most a fifth past what survived the last full collection. Streaming
 * millions of rows (a report, an enqueue) keeps little alive but allocates hundreds of MB that
 * die soon after; V8's own heuristic, seeing collections cheap, lets the heap fill with such
 * garbage before collecting it, which raises the peak RSS for a few percent less CPU.
 * The flag is read at every collection, so setting it at run time takes effect.
 */
export function keepHeapGrowthSmall(): void {
  apply('heap-growing-percent', 20);
}

/** How often capYoungGeneration looks at the young generation's size. */
const YOUNG_POLL_MS = 20;

/** V8's own factor: the young generation doubles each time it grows. */
const DEFAULT_YOUNG_GROWTH = 2;

/**
 * Lets V8's young generation (where new objects are made) grow to `megabytes` and no further.
 * V8 doubles it, up to 32 MB, each time the bytes surviving its collections add up to its size:
 * a long stream of short-lived objects gets there whatever little survives, and the buffers a
 * stream drops wait for those collections to be freed. Its maximum is a start-up flag only, but
 * the growth factor is read at each growth: bin/importer.js holds it at 1 while the command line
 * loads (loading alone grew it several times over), this lets it double while below `megabytes`.
 * Smaller than a few MB, collections come so often that they cost CPU.
 */
export function capYoungGeneration(megabytes: number): void {
  const cap = megabytes * 2 ** 20;
  const below = (): boolean => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    const grows = young !== undefined && young.space_size * DEFAULT_YOUNG_GROWTH <= cap;
    apply('semi-space-growth-factor', grows ? DEFAULT_YOUNG_GROWTH : 1);
    return grows;
  };
  if (!below()) return;
  const poll = setInterval(() => below() || clearInterval(poll), YOUNG_POLL_MS);
  poll.unref();
}

/**
 * Holds the young generation at its size (bin/importer.js, while the command line loads, through
 * cli/start-ahead.ts), until a command lets it grow (capYoungGeneration, releaseYoungGeneration).
 */
export function holdYoungGeneration(): void {
  apply('semi-space-growth-factor', 1);
}

/** Lets the young generation grow as V8 would (long-running work, where it costs less CPU). */
export function releaseYoungGeneration(): void {
  apply('semi-space-growth-factor', DEFAULT_YOUNG_GROWTH);
}

/**
 * Starts a worker thread. Starting one sets V8's flags back to the command line's for the whole
 * process (a report's heap then grew as if this module's had never been set): they are set
 * again once it is online. Every worker thread of the project starts here.
 */
export function startThread(filename: string | URL, options?: WorkerOptions): Worker {
  const worker = new Worker(filename, options);
  worker.once('online', () => {
    for (const flag of applied.values()) setFlagsFromString(flag);
  });
  return worker;
}
