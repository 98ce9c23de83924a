import type { Redis } from 'ioredis';
import { importKeys } from './redis/keys.js';
import type { ConflictPolicy } from './targets/target.js';

export type ImportState = 'enqueuing' | 'processing' | 'complete' | 'failed' | 'cancelled';

/** What an import was started with. Fixed once the import exists. */
export interface ImportSettings {
  readonly id: string;
  /**
   * Made when the record is created and kept by a resumed enqueue: the import's own key in the
   * target's ledger and in each of its chunks (see ledgerKey). '' in a record made by a version
   * without incarnations.
   */
  readonly incarnation: string;
  /** The file as the person named it (a path, `-` for stdin). */
  readonly source: string;
  /** Column names for validation and the target table, in file order: with a schema only its properties the headers name, else the headers. */
  readonly columns: readonly string[];
  /** The file's own header of each column, for the report's Errors sheet. */
  readonly headers: readonly string[];
  /** The JSON Schema's text, or null when every row is valid. */
  readonly schema: string | null;
  /** Where valid rows go, e.g. `sqlite:/abs/path/importer.db`. Never holds a password. */
  readonly target: string;
  readonly table: string;
  readonly notify: string | null;
  readonly chunkSize: number;
  /** Indexes into `columns` of the columns marked `"unique": true`, in the order of their hashes. */
  readonly uniqueColumns: readonly number[];
  readonly createdAt: number;
  /** Create the target table when it is missing (SQLite always does). */
  readonly createTable: boolean;
  /** Workers serve imports of a higher priority first. */
  readonly priority: number;
  /** `--on-conflict`: upsert on these columns instead of failing colliding rows. */
  readonly onConflict: ConflictPolicy | null;
  /** Absolute path of the user's handler module (`--handler`), or null. */
  readonly handler: string | null;
  /**
   * The file's columns the import keeps, when its header has columns the schema has not, and the
   * header's width: chunks that carry the file's own text (raw CSV) hold whole records.
   */
  readonly keepColumns: KeepColumns | null;
  /** Headers of the file that name no schema property: never written, named in status and the report. */
  readonly ignoredColumns: readonly string[];
}

/** Which fields of a file's record an import keeps (see projectFields). */
export interface KeepColumns {
  readonly keep: readonly number[];
  /** Fields in the header: values past it stay, so that a ragged row is still reported as one. */
  readonly width: number;
}

/**
 * The kept fields of a record, in the import's column order, then any values past the header.
 * A record shorter than the header comes out shorter than the kept columns, so that it fails as
 * ragged rather than have its values land in the wrong columns (a workbook's rows are padded
 * to the header's width before they get here).
 */
export function projectFields(fields: readonly string[], kept: KeepColumns): string[] {
  if (fields.length < kept.width) return kept.keep.slice(0, -1).map((i) => fields[i] ?? '');
  const out = kept.keep.map((i) => fields[i]!);
  for (let i = kept.width; i < fields.length; i++) out.push(fields[i]!);
  return out;
}

/** The import's record as stored in Redis: settings plus counters. O(1) in the file's size. */
export interface ImportRecord extends ImportSettings {
  readonly state: ImportState;
  /** Data rows in the file, known once enqueue has read it all. */
  readonly total: number | null;
  readonly enqueuedRows: number;
  readonly enqueuedChunks: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly enqueueBeat: number | null;
  readonly enqueueFinishedAt: number | null;
  readonly finishedAt: number | null;
  readonly error: string | null;
  /** Where `enqueue --upload` kept the original file (`s3://...`), or null. */
  readonly original: string | null;
  /** When the import's keys expire (ms), set once its report was delivered; null while kept. */
  readonly expiresAt: number | null;
  /** Since when (ms) its target has been unavailable, with no save since; null while it answers. */
  readonly waitingSince: number | null;
  /** Why the target is unavailable, in the database's words (latest seen). */
  readonly waitingReason: string | null;
  /** When a save into its target last succeeded (ms). */
  readonly lastSaveAt: number | null;
  /**
   * 'target' when the import failed because its target stayed unavailable past --give-up-after:
   * its unsaved rows are still pending, and a later `work` resumes it.
   */
  readonly failedFor: 'target' | null;
}

export function settingsToFields(settings: ImportSettings, now: number): string[] {
  return [
    'id', settings.id,
    'incarnation', settings.incarnation,
    'source', settings.source,
    'columns', JSON.stringify(settings.columns),
    'headers', JSON.stringify(settings.headers),
    'schema', settings.schema ?? '',
    'target', settings.target,
    'table', settings.table,
    'notify', settings.notify ?? '',
    'chunkSize', String(settings.chunkSize),
    'uniqueColumns', JSON.stringify(settings.uniqueColumns),
    'createdAt', String(settings.createdAt),
    'createTable', settings.createTable ? '1' : '0',
    'priority', String(settings.priority),
    'onConflict', settings.onConflict ? JSON.stringify(settings.onConflict) : '',
    'handler', settings.handler ?? '',
    'keepColumns', settings.keepColumns ? JSON.stringify(settings.keepColumns) : '',
    'ignoredColumns', JSON.stringify(settings.ignoredColumns),
    'state', 'enqueuing',
    'enqueuedRows', '0',
    'enqueuedChunks', '0',
    'succeeded', '0',
    'failed', '0',
    'enqueueBeat', String(now),
  ];
}

function num(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function parseRecord(hash: Record<string, string>): ImportRecord | null {
  if (!hash['id']) return null;
  return {
    id: hash['id'],
    incarnation: hash['incarnation'] ?? '',
    source: hash['source'] ?? '',
    columns: JSON.parse(hash['columns'] ?? '[]') as string[],
    headers: JSON.parse(hash['headers'] ?? hash['columns'] ?? '[]') as string[],
    schema: hash['schema'] ? hash['schema'] : null,
    target: hash['target'] ?? '',
    table: hash['table'] ?? '',
    notify: hash['notify'] ? hash['notify'] : null,
    chunkSize: num(hash['chunkSize']) ?? 0,
    uniqueColumns: JSON.parse(hash['uniqueColumns'] ?? '[]') as number[],
    createdAt: num(hash['createdAt']) ?? 0,
    createTable: hash['createTable'] === '1',
    priority: num(hash['priority']) ?? 0,
    onConflict: hash['onConflict'] ? (JSON.parse(hash['onConflict']) as ConflictPolicy) : null,
    handler: hash['handler'] ? hash['handler'] : null,
    keepColumns: hash['keepColumns'] ? (JSON.parse(hash['keepColumns']) as KeepColumns) : null,
    ignoredColumns: JSON.parse(hash['ignoredColumns'] || '[]') as string[],
    state: (hash['state'] ?? 'enqueuing') as ImportState,
    total: num(hash['total']),
    enqueuedRows: num(hash['enqueuedRows']) ?? 0,
    enqueuedChunks: num(hash['enqueuedChunks']) ?? 0,
    succeeded: num(hash['succeeded']) ?? 0,
    failed: num(hash['failed']) ?? 0,
    enqueueBeat: num(hash['enqueueBeat']),
    enqueueFinishedAt: num(hash['enqueueFinishedAt']),
    finishedAt: num(hash['finishedAt']),
    error: hash['error'] ? hash['error'] : null,
    original: hash['original'] ? hash['original'] : null,
    expiresAt: num(hash['expiresAt']),
    waitingSince: num(hash['waitingSince']),
    waitingReason: hash['waitingReason'] ? hash['waitingReason'] : null,
    lastSaveAt: num(hash['lastSaveAt']),
    failedFor: hash['failedFor'] === 'target' ? 'target' : null,
  };
}

/**
 * The import's key in the target's ledger: its incarnation, or, for a record made by a version
 * without incarnations, `legacy:<id>` (no incarnation contains a colon).
 */
export function ledgerKey(record: Pick<ImportSettings, 'id' | 'incarnation'>): string {
  return record.incarnation || `legacy:${record.id}`;
}

export async function readRecord(redis: Redis, prefix: string, id: string): Promise<ImportRecord | null> {
  return parseRecord(await redis.hgetall(importKeys(prefix, id).meta));
}

/** An enqueue that has not written for this long is taken to have stopped part way. */
export const ENQUEUE_STALE_MS = 15_000;

export function enqueueStalled(record: ImportRecord, now: number): boolean {
  return record.state === 'enqueuing' && now - (record.enqueueBeat ?? 0) > ENQUEUE_STALE_MS;
}

/** An import failed because its target stayed unavailable: a later `work` takes it up again. */
export function resumable(record: ImportRecord): boolean {
  return record.state === 'failed' && record.failedFor === 'target';
}
