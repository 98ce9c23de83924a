import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inputError, optionError } from '../errors.js';
import type { ConflictPolicy } from '../targets/target.js';
import { MAX_CHUNK_SIZE } from '../defaults.js';

/** The enqueue's options a user can get wrong, checked before anything is read or written. */

export function checkChunkSize(chunkSize: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw optionError((o) => `${o('chunkSize')} must be a whole number from 1 to ${MAX_CHUNK_SIZE}`);
  }
  return chunkSize;
}

/** `--max-pending` as the ChunkSender takes it: null for no limit (unset or 0). */
export function checkMaxPending(maxPending: number | undefined): number | null {
  if (maxPending === undefined || maxPending === 0) return null;
  if (!Number.isSafeInteger(maxPending) || maxPending < 0) throw optionError((o) => `${o('maxPending')} must be a whole number of rows (0: no limit)`);
  return maxPending;
}

export function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < -100 || priority > 100) throw optionError((o) => `${o('priority')} must be a whole number from -100 to 100`);
  return priority;
}

/** `--on-conflict` columns must be among the file's columns. */
export function checkConflictColumns(policy: ConflictPolicy | undefined, columns: readonly string[], fileName: string): ConflictPolicy | null {
  if (!policy) return null;
  if (policy.columns.length === 0) throw optionError((o) => `${o('onConflict')} needs one or more column names`);
  const unknown = policy.columns.filter((c) => !columns.includes(c));
  if (unknown.length > 0) {
    throw optionError((o) => `${o('onConflict')} names ${unknown.map((c) => `"${c}"`).join(', ')}, not among the columns of ${fileName}: ${columns.map((c) => `"${c}"`).join(', ')}`);
  }
  return policy;
}

/** The handler module's absolute path, which workers load; it must exist now. */
export async function resolveHandlerPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch {
    throw inputError(`cannot read handler ${path}: no such file`);
  }
  return absolute;
}
