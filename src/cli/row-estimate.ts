import type { EnqueueProgress } from '../enqueue/enqueue.js';

/** The rows a file holds: counted once it is read through, projected from the bytes read before. */
export interface RowTotal {
  readonly rows: number;
  readonly estimated: boolean;
}

/**
 * While a file is read the rows so far are a growing fraction of its rows; the bytes read against
 * the file's size project the whole (rows read / bytes read x size), so a bar's total stands still
 * instead of running ahead of its value. Without a size (stdin, a stream) the count so far is all
 * there is.
 */
export function rowTotal(progress: EnqueueProgress): RowTotal {
  const { rows, bytesRead, totalBytes } = progress;
  if (totalBytes === null || bytesRead >= totalBytes || bytesRead <= 0 || rows === 0) return { rows, estimated: totalBytes !== null && bytesRead < totalBytes };
  return { rows: Math.max(rows, Math.round((rows / bytesRead) * totalBytes)), estimated: true };
}
