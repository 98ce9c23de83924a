import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Lets the heap grow by at most a fifth past what survived the last full collection. Streaming
 * millions of rows (a report, an enqueue) keeps ~15 MB alive but allocates hundreds of MB that
 * die soon after; V8's own heuristic, seeing collections cheap, let the heap reach ~100 MB of
 * such garbage before collecting it, so peak RSS was ~170 MB instead of ~125 MB, for ~7% more CPU.
 * The flag is read at every collection, so setting it at run time takes effect.
 */
export function keepHeapGrowthSmall(): void {
  setFlagsFromString('--heap-growing-percent=20');
}

/** How often capYoungGeneration looks at the young generation's size. */
const YOUNG_POLL_MS = 20;

/**
 * Lets V8's young generation (where new objects are made) grow to `megabytes` and no further.
 * V8 doubles it, up to 32 MB, each time the bytes surviving its collections add up to its size:
 * a long stream of short-lived objects gets there whatever little survives, and the enqueue's
 * dropped buffers wait for those collections to be freed. Its maximum is a start-up flag only;
 * the growth factor is read at each growth, so once the young generation is large enough it is
 * set to 1. Smaller than a few MB, collections come so often that they cost CPU.
 */
export function capYoungGeneration(megabytes: number): void {
  const cap = megabytes * 2 ** 20;
  const poll = setInterval(() => {
    const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
    if (young && young.space_size < cap) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    clearInterval(poll);
  }, YOUNG_POLL_MS);
  poll.unref();
}
