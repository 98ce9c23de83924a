import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { ImporterError } from '../errors.js';
import { enqueueStalled, readRecord, resumable, type ImportRecord, type ImportState } from '../import-record.js';
import { globalKeys } from '../redis/keys.js';
import { redactText, redactUrl } from '../redact.js';

/** Where an import stands: the object `status --json` and `report --json` print. */
export interface ImportStatus {
  readonly id: string;
  readonly state: ImportState;
  readonly file: string;
  /** Data rows in the file, once enqueue has read it all; null before. */
  readonly total: number | null;
  readonly enqueued: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Rows queued (or, once known, in the file) without an outcome yet. */
  readonly pending: number;
  /** True when the enqueue stopped part way: run it again with the same --id to resume. */
  readonly enqueueStalled: boolean;
  readonly target: string;
  readonly table: string;
  readonly notify: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** Why the import failed. */
  readonly error: string | null;
  /** Where `enqueue --upload` kept the original file, or null. */
  readonly original: string | null;
  /** When the import's keys expire, once its report was delivered; null while they are kept. */
  readonly expiresAt: string | null;
  /** Headers of the file the schema has no property for: ignored, never written. */
  readonly ignoredColumns: readonly string[];
  /**
   * Since when its target has been unavailable (workers keep its chunks pending and wait for it),
   * or null while it answers.
   */
  readonly waitingSince: string | null;
  /** Why, in the database's words. */
  readonly waitingReason: string | null;
  /** When a save into its target last succeeded. */
  readonly lastSaveAt: string | null;
  /** True when it failed because its target stayed unavailable: a later `work` resumes it. */
  readonly resumable: boolean;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function statusOf(record: ImportRecord, now = Date.now()): ImportStatus {
  const known = record.total ?? record.enqueuedRows;
  return {
    id: record.id,
    state: record.state,
    file: record.source,
    total: record.total,
    enqueued: record.enqueuedRows,
    succeeded: record.succeeded,
    failed: record.failed,
    pending: Math.max(0, known - record.succeeded - record.failed),
    enqueueStalled: enqueueStalled(record, now),
    // Stored without secrets since enqueue drops them; redacted again for records written before.
    target: redactUrl(record.target),
    table: record.table,
    notify: record.notify,
    createdAt: iso(record.createdAt)!,
    finishedAt: iso(record.finishedAt),
    error: record.error === null ? null : redactText(record.error),
    original: record.original,
    expiresAt: iso(record.expiresAt),
    ignoredColumns: record.ignoredColumns,
    waitingSince: iso(record.waitingSince),
    waitingReason: record.waitingReason,
    lastSaveAt: iso(record.lastSaveAt),
    resumable: resumable(record),
  };
}

export interface StatusOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
}

export async function getStatus(options: StatusOptions): Promise<ImportStatus> {
  const record = await readRecord(options.redis, options.prefix ?? DEFAULT_PREFIX, options.id);
  if (!record) throw new ImporterError('state', `no import with id "${options.id}" in this Redis`);
  return statusOf(record);
}

/** Rows done and rows known across the open imports in scope, for a progress bar. */
export async function openImportsProgress(options: { redis: Redis; prefix?: string; importId?: string }): Promise<{ done: number; total: number }> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const ids = options.importId ? [options.importId] : await options.redis.zrange(globalKeys(prefix).active, '0', '-1');
  let done = 0;
  let total = 0;
  for (const id of ids) {
    const record = await readRecord(options.redis, prefix, id);
    if (!record) continue;
    done += record.succeeded + record.failed;
    total += record.total ?? record.enqueuedRows;
  }
  return { done, total };
}
