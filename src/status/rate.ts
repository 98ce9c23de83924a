import type { ImportStatus } from './status.js';

/** Rows per second between two looks at an import, and the time left at that pace. */
export interface ImportPace {
  readonly rowsPerSecond: number;
  /** Seconds until every known row is done, or null when nothing moves or the total is unknown. */
  readonly secondsLeft: number | null;
}

export function paceBetween(before: ImportStatus, beforeAt: number, after: ImportStatus, afterAt: number): ImportPace {
  const seconds = Math.max(0.001, (afterAt - beforeAt) / 1000);
  const done = after.succeeded + after.failed - (before.succeeded + before.failed);
  const rowsPerSecond = Math.max(0, done / seconds);
  const remaining = after.total === null ? null : after.total - after.succeeded - after.failed;
  return { rowsPerSecond, secondsLeft: remaining !== null && rowsPerSecond > 0 ? remaining / rowsPerSecond : null };
}
