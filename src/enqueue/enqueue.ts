import type { Readable } from 'node:stream';
import { checkImportId, newImportId, newIncarnation } from '../ids.js';
import type { ImportSettings, ImportState, KeepColumns } from '../import-record.js';
import { globalKeys, importKeys, type ImportKeys } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { durably } from '../redis/replication.js';
import { loadSchemaFile } from '../schema/load-schema.js';
import { defaultTableName, STDIN } from '../sources/open-source.js';
import type { ReadOptions } from '../sources/read-options.js';
import { parseTarget, type TargetLocation } from '../targets/target-url.js';
import type { ConflictPolicy } from '../targets/target.js';
import { uniqueColumnIndexes } from './check-header.js';
import { checkChunkSize, checkConflictColumns, checkMaxPending, checkPriority, resolveHandlerPath } from './enqueue-checks.js';
import { keepOriginal, type KeptOriginal } from './keep-original.js';
import { openInput, type OpenedInput } from './open-input.js';
import { queueFile } from './queue-file.js';
import { purgeImport } from '../lifecycle/purge-import.js';
import { redisFullError } from './redis-full.js';
import { createOrResume, publishImport, type FinishedImport, type StartedImport } from './start-import.js';
import { uniqueValueKeys } from './unique-values.js';
import type { ImportSchema } from '../schema/compile-schema.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_PREFIX, DEFAULT_TARGET } from '../defaults.js';

const BEAT_INTERVAL_MS = 5000;

export interface EnqueueProgress {
  readonly bytesRead: number;
  /** Size of the file in bytes, when known. */
  readonly totalBytes: number | null;
  readonly rows: number;
}

export interface EnqueueOptions extends ReadOptions {
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  /** Path of the CSV or Excel (.xlsx) file, or `-` for stdin. */
  readonly source: string;
  /** Stream read when `source` is `-` (defaults to process.stdin). */
  readonly stdin?: Readable;
  readonly schemaPath?: string;
  readonly target?: string;
  readonly table?: string;
  readonly notify?: string;
  /** Import id; the same id resumes an enqueue that stopped part way. */
  readonly id?: string;
  readonly chunkSize?: number;
  /** Header -> column, for headers that match no schema property (`--map "Header=column"`). */
  readonly map?: Readonly<Record<string, string>>;
  readonly onProgress?: (progress: EnqueueProgress) => void;
  /** Create the target table when it is missing (SQLite always does). */
  readonly createTable?: boolean;
  /** Workers serve imports of a higher priority first (-100 to 100, default 0). */
  readonly priority?: number;
  /** Upsert on these columns instead of failing colliding rows. */
  readonly onConflict?: ConflictPolicy;
  /** Absolute path of a handler module with validate() and/or save(). */
  readonly handler?: string;
  /** Called once the import exists in Redis and workers may start on it. */
  readonly onStarted?: (id: string) => void;
  /** `s3://bucket/prefix/`: keep the original file at `<prefix><id>/<file name>` before reading it. */
  readonly upload?: string;
  /**
   * Stop reading the file while more than this many rows are queued and not yet recorded by
   * workers, until they catch up (ChunkSender). Unset or 0: no limit (an enqueue may run before
   * any worker does). `runImport` defaults to DEFAULT_RUN_MAX_PENDING.
   */
  readonly maxPending?: number;
  /**
   * Unique values (other than plain integers) told apart in the enqueue's memory before Redis's
   * hashes take the rest (default UNIQUE_VALUES_IN_MEMORY, see ClaimedValues).
   */
  readonly uniqueValuesInMemory?: number;
}

export interface EnqueueResult {
  readonly id: string;
  /** Data rows in the file. */
  readonly total: number;
  /** True when the import existed and this call continued it. */
  readonly resumed: boolean;
  readonly state: ImportState;
  /** True when the target URL held a password (or another secret), which was not stored: workers need it in their environment. */
  readonly passwordDropped: boolean;
}

/**
 * Streams a CSV or Excel file into chunks of `chunkSize` rows on the import's Redis stream. Resumable:
 * with the id of an import whose enqueue stopped part way, it skips the chunks already queued
 * and continues; with the id of a finished enqueue it changes nothing.
 */
export async function enqueue(options: EnqueueOptions): Promise<EnqueueResult> {
  const id = checkImportId(options.id ?? newImportId());
  try {
    return await enqueueAs(id, options);
  } catch (err) {
    throw redisFullError(err, id) ?? err;
  }
}

async function enqueueAs(id: string, options: EnqueueOptions): Promise<EnqueueResult> {
  const { redis } = options;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const maxPending = checkMaxPending(options.maxPending);
  const target = parseTarget(options.target ?? DEFAULT_TARGET);
  const loaded = options.schemaPath ? await loadSchemaFile(options.schemaPath) : null;
  const handler = options.handler ? await resolveHandlerPath(options.handler) : null;

  // Standard input is read once: with --upload its header is read back from the kept copy, so
  // it is kept first. A file is kept once its import exists (below): the upload is the slowest
  // step before the first chunk, and workers waiting for the import must see it meanwhile.
  const keptFirst = options.upload && options.source === STDIN ? await keepOriginal({ source: options.source, stdin: options.stdin, uploadTo: options.upload, id, s3: options.s3 }) : null;
  const input = await openInput(keptFirst?.readFrom ?? options.source, { ...options, schema: loaded?.schema ?? null });
  const keys = importKeys(prefix, id);
  let start: StartedImport | FinishedImport;
  let release: () => void;
  try {
    start = await createOrResume(redis, prefix, keys, newSettings(id, options, { input, loaded, target, handler, chunkSize }));
    release = start.done ? () => {} : await publishImport(redis, prefix, keys, start.settings, keptFirst?.url ?? null);
  } catch (err) {
    await input.abandon();
    throw err;
  }
  const result = (state: ImportState, total: number, resumed: boolean): EnqueueResult => ({ id, total, resumed, state, passwordDropped: target.secretDropped });
  if (start.done) {
    await input.abandon();
    return result(start.state, start.total, true);
  }
  const { settings } = start;
  options.onStarted?.(id);

  let rows = 0;
  const progress = (): void => options.onProgress?.({ bytesRead: input.source.bytesRead(), totalBytes: input.source.size, rows });
  const stopBeat = beatWhileReading(redis, keys);
  try {
    if (options.upload && !keptFirst) await keepFileOriginal(options, id, keys, input, start.created);
    const onRows = (count: number): void => {
      rows = count;
      progress();
    };
    rows = await queueFile({ redis, prefix, keys, settings, input, startChunk: start.startChunk, maxPending, valuesInMemory: options.uniqueValuesInMemory, onRows });
    progress();
  } finally {
    stopBeat();
    release();
  }
  return result(await finishEnqueue(redis, prefix, keys, settings, rows), rows, !start.created);
}

interface SettingsSources {
  readonly input: OpenedInput;
  readonly loaded: { readonly text: string; readonly schema: ImportSchema } | null;
  readonly target: TargetLocation;
  readonly handler: string | null;
  readonly chunkSize: number;
}

/** The settings of a new import of this file (a resumed one goes on with its record's own). */
function newSettings(id: string, options: EnqueueOptions, { input, loaded, target, handler, chunkSize }: SettingsSources): ImportSettings {
  const { columns, headers, keep, ignored } = input.plan;
  const keepColumns: KeepColumns | null = keep === null ? null : { keep, width: input.header.fields.length };
  return {
    id,
    incarnation: newIncarnation(),
    source: options.source,
    columns,
    headers,
    schema: loaded?.text ?? null,
    target: target.url,
    table: options.table ?? defaultTableName(options.source),
    notify: options.notify ?? null,
    chunkSize,
    uniqueColumns: uniqueColumnIndexes(columns, loaded?.schema ?? null),
    createdAt: Date.now(),
    createTable: options.createTable ?? false,
    priority: checkPriority(options.priority ?? 0),
    onConflict: checkConflictColumns(options.onConflict, columns, input.source.name),
    handler,
    keepColumns,
    ignoredColumns: ignored,
  };
}

/** Keeps the enqueue's heartbeat fresh in the import's record until the returned stop is called. */
function beatWhileReading(redis: ImporterRedis, keys: ImportKeys): () => void {
  const beat = setInterval(() => {
    redis.hset(keys.meta, 'enqueueBeat', Date.now()).catch(() => {});
  }, BEAT_INTERVAL_MS);
  beat.unref();
  return () => clearInterval(beat);
}

/** `--upload` of a file (not stdin): kept before its first row is queued. */
async function keepFileOriginal(options: EnqueueOptions, id: string, keys: ImportKeys, input: OpenedInput, created: boolean): Promise<KeptOriginal> {
  const kept = await keepOriginal({ source: options.source, uploadTo: options.upload!, id, s3: options.s3 }).catch(async (err: unknown) => {
    await input.abandon();
    // Nothing is queued: a new import goes as if never made, its id free for the retry; a
    // resumed one stays as it was, to be resumed again.
    if (created) await purgeImport({ redis: options.redis, prefix: options.prefix ?? DEFAULT_PREFIX, id }).catch(() => {});
    throw err;
  });
  await options.redis.hset(keys.meta, 'original', kept.url);
  return kept;
}

/** Notes the file read whole (`rows` data rows), drops its unique values' keys, and unlists a finished import. */
async function finishEnqueue(redis: ImporterRedis, prefix: string, keys: ImportKeys, settings: ImportSettings, rows: number): Promise<ImportState> {
  const state = (await durably(redis, keys.meta, () => runScript(redis, 'finishEnqueue', [keys.meta, ...uniqueValueKeys(keys, settings.uniqueColumns)], [rows, Date.now()]))) as ImportState;
  if (state === 'complete' || state === 'failed' || state === 'cancelled') await redis.zrem(globalKeys(prefix).active, settings.id);
  return state;
}
