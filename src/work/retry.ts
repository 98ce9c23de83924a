import { sleep } from '../sleep.js';
import { errorMessage } from '../errors.js';
import { TransientError } from '../targets/target.js';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The last error of an operation that stayed unavailable through every attempt. */
export class RetriesExhaustedError extends Error {
  constructor(readonly attempts: number, readonly last: unknown) {
    super(`database unavailable after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}: ${errorMessage(last).replace(/^database unavailable: /, '')}`);
    this.name = 'RetriesExhaustedError';
  }
}

/**
 * A save that found the target unavailable through every attempt: its rows are neither failed
 * nor recorded; the worker keeps their chunks and waits for the target (TargetBreaker).
 */
export class TargetUnavailableError extends Error {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = 'TargetUnavailableError';
  }
}

/** Exponential backoff with full jitter: 0..min(max, base * 2^attempt). */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Runs `operation` again after transient failures (TransientError), with exponential backoff
 * and jitter, up to `maxAttempts` in all; any other error is thrown at once.
 */
export async function withRetries<T>(operation: () => Promise<T>, policy: RetryPolicy, onRetry?: (err: unknown, attempt: number) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      if (attempt >= policy.maxAttempts) throw new RetriesExhaustedError(attempt, err);
      onRetry?.(err, attempt);
      await sleep(backoffDelay(attempt - 1, policy));
    }
  }
}
