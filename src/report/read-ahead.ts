/**
 * Pulls up to `depth` items of `source` ahead of the consumer, so that the source's waits (a
 * Redis round trip) overlap the consumer's work (writing the rows) instead of following it.
 * Memory is bounded by `depth` items; an error of the source reaches the consumer in order.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let done = false;
  const fill = (): void => {
    while (!done && queue.length < depth) {
      const next = iterator.next();
      // Handled when the consumer reaches it; never an unhandled rejection meanwhile.
      next.catch(() => {});
      queue.push(next);
    }
  };
  try {
    for (;;) {
      fill();
      const result = await queue.shift()!;
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
