/**
 * How long a worker slot waits after a round that found nothing to do, before it looks again.
 */

/**
 * Longest pause between two rounds that found nothing to do: the pauses double from 50 ms up to
 * it. A worker given one import (`--import`, and `run`'s workers) waits for that import's enqueue
 * to create it and feed it, and is a short-lived job: it looks again sooner.
 */
export const IDLE_PAUSE_MAX_MS = 400;
export const NAMED_IDLE_PAUSE_MAX_MS = 100;
/**
 * A worker given one import looks this often until it is handed that import's first chunk, for at
 * most NAMED_FIRST_CHUNK_WINDOW_MS after its start: it was most likely started with the enqueue,
 * which creates the import and queues its first chunk a tenth of a second or two later, and every
 * pause then is time the whole import takes longer. Each look is a command or two. Past the
 * window (an enqueue keeping a large upload before its first row, a worker started long before
 * its enqueue) it looks as after any other empty round: a fleet of such workers does not poll
 * Redis a hundred times a second each for minutes.
 */
export const NAMED_FIRST_CHUNK_PAUSE_MS = 10;
export const NAMED_FIRST_CHUNK_WINDOW_MS = 5000;

export interface IdleState {
  /** Whether the worker serves one import (`--import`). */
  readonly named: boolean;
  /** Whether any chunk has been handed to the worker yet. */
  readonly handedChunks: boolean;
  /** Milliseconds since the worker started. */
  readonly sinceStartMs: number;
  /** Rounds in a row that found nothing to do, this one included (1 for the first). */
  readonly emptyRounds: number;
}

/** The pause, in milliseconds, after a round that found nothing to do. */
export function idlePause({ named, handedChunks, sinceStartMs, emptyRounds }: IdleState): number {
  const growing = 25 * 2 ** Math.min(emptyRounds, 4);
  if (!named) return Math.min(growing, IDLE_PAUSE_MAX_MS);
  if (!handedChunks && sinceStartMs < NAMED_FIRST_CHUNK_WINDOW_MS) return NAMED_FIRST_CHUNK_PAUSE_MS;
  return Math.min(growing, NAMED_IDLE_PAUSE_MAX_MS);
}
