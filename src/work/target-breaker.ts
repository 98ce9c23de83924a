import { sleep } from '../sleep.js';

/**
 * First wait after a target is found unavailable, and the most a wait grows to. A database
 * restart or failover takes 10-60 s: with waits grown to 60 s, an import could sit idle for
 * most of a minute after its database was back; at 10 s it goes on within 10 s, for one
 * connection attempt per worker process every 5-10 s while the database is down.
 */
export const BREAKER_BASE_MS = 1000;
export const BREAKER_MAX_MS = 10_000;
/** How often a slot waiting for another's probe looks again. */
const POLL_MS = 250;

/**
 * The state of one target as this worker process sees it: an outage is a state of the target,
 * not of a chunk, so every slot waits together instead of each chunk burning its own retries.
 * Closed: saves go ahead. Open: nobody saves until the backoff (capped exponential with jitter)
 * has passed; then one slot probes (half open) with its own chunks while the others wait. A save
 * that succeeds closes it; one that fails opens it again for longer.
 */
export class TargetBreaker {
  private failures = 0;
  private probeAt = 0;
  private probing = false;
  /** Why the target is unavailable, while open. */
  reason: string | null = null;
  /** Since when it has been open (ms), or null while closed. */
  openedAt: number | null = null;
  /** Slots holding chunks for this target (the pool's count: they are the ones that probe). */
  holders = 0;

  constructor(private readonly baseMs = BREAKER_BASE_MS, private readonly maxMs = BREAKER_MAX_MS) {}

  /** True while saves must wait: the target failed and no save has succeeded since. */
  get open(): boolean {
    return this.failures > 0;
  }

  /**
   * Resolves when the caller may save: at once while closed; while open, once the backoff has
   * passed and no other slot is probing (the caller then is the probe), or once another slot's
   * probe closed it. While open, resolves early, with false, when `signal` aborts or
   * `stopWaiting()` says so (a worker stopping finishes the chunks it holds only if it can).
   */
  async turn(signal?: AbortSignal, stopWaiting: () => boolean = () => false): Promise<boolean> {
    for (;;) {
      if (this.failures === 0) return true;
      if (signal?.aborted || stopWaiting()) return false;
      const now = Date.now();
      if (!this.probing && now >= this.probeAt) {
        this.probing = true;
        return true;
      }
      await sleep(this.probing ? POLL_MS : Math.min(POLL_MS, this.probeAt - now), signal);
    }
  }

  succeeded(): void {
    this.failures = 0;
    this.probing = false;
    this.reason = null;
    this.openedAt = null;
  }

  /** The target was unavailable: waits grow (1 s, 2 s, 4 s... up to the cap), with jitter. */
  failed(reason: string): void {
    this.failures++;
    this.probing = false;
    this.reason = reason;
    this.openedAt ??= Date.now();
    this.probeAt = Date.now() + breakerDelay(this.failures, this.baseMs, this.maxMs);
  }

  /** A slot gave up its probe turn without an answer (stopping): another slot may probe. */
  abandoned(): void {
    this.probing = false;
  }
}

/** Capped exponential backoff with jitter: between half and all of min(max, base * 2^(n-1)). */
export function breakerDelay(failures: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}
