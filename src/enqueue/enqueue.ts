import type { Readable } from 'node:stream';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ImporterError, inputError, optionError } from '../errors.js';
import { checkImportId, newImportId, newIncarnation } from '../ids.js';
import { readRecord, settingsToFields, type ImportSettings, type ImportState, type KeepColumns } from '../import-record.js';
import { activeScore, globalKeys, importKeys, TASK_GROUP } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { ImportClosedError } from '../redis/script-errors.js';
import { durably } from '../redis/replication.js';
import { loadSchemaFile } from '../schema/load-schema.js';
import { defaultTableName, STDIN } from '../sources/open-source.js';
import { openRecords } from '../sources/open-records.js';
import type { ReadOptions, SourceRecord } from '../sources/read-options.js';
import { parseTarget } from '../targets/target-url.js';
import type { ConflictPolicy } from '../targets/target.js';
import { planHeader, REPORT_COLUMN, uniqueColumnIndexes, type HeaderPlan } from './check-header.js';
import { ChunkSender } from './chunk-sender.js';
import { sendRawChunks } from './raw-chunker.js';
import { sendRecordChunks } from './record-chunks.js';
import { keepOriginal } from './keep-original.js';
import { claimImport, holdImport, ownerFields } from './enqueue-owner.js';
import { purgeImport } from '../lifecycle/purge-import.js';
import { redisFullError } from './redis-full.js';
import { uniqueValueKeys } from './unique-values.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_PREFIX, DEFAULT_TARGET, MAX_CHUNK_SIZE } from '../defaults.js';

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
 * Streams a CSV or Excel file into tasks of `chunkSize` rows on the import's Redis stream. Resumable:
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
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw optionError((o) => `${o('chunkSize')} must be a whole number from 1 to ${MAX_CHUNK_SIZE}`);
  }
  const target = parseTarget(options.target ?? DEFAULT_TARGET);
  const loaded = options.schemaPath ? await loadSchemaFile(options.schemaPath) : null;
  const handler = options.handler ? await resolveHandlerPath(options.handler) : null;
  const schema = loaded?.schema ?? null;

  // Standard input is read once: with --upload its header is read back from the kept copy, so
  // it is kept first. A file is kept once its import exists (below): the upload is the slowest
  // step before the first chunk, and workers waiting for the import must see it meanwhile.
  const keptFirst = options.upload && options.source === STDIN ? await keepOriginal({ source: options.source, stdin: options.stdin, uploadTo: options.upload, id, s3: options.s3 }) : null;
  const opened = await openRecords(keptFirst?.readFrom ?? options.source, options, options.stdin, true);
  const batches = opened.batches;
  let header: SourceRecord | null = null;
  let firstRows: SourceRecord[] = [];
  try {
    if (opened.raw) header = await opened.raw.header();
    else {
      const first = await batches.next();
      if (!first.done) [header = null, ...firstRows] = first.value;
    }
    if (!header) throw inputError(`${opened.name} is empty: there is no header row`);
  } catch (err) {
    await opened.close();
    throw err;
  }
  let plan: HeaderPlan;
  try {
    plan = planHeader(header.fields, {
      schema,
      fileName: opened.name,
      line: header.line,
      map: options.map,
      // A report's Errors sheet read back: its own columns are not the data's.
      ignore: opened.format === 'xlsx' ? REPORT_COLUMN : undefined,
    });
  } catch (err) {
    await batches.return(undefined).catch(() => {});
    await opened.close();
    throw err;
  }
  const { columns, headers, keep, ignored } = plan;
  const keepColumns: KeepColumns | null = keep === null ? null : { keep, width: header.fields.length };
  const onConflict = checkConflictColumns(options.onConflict, columns, opened.name);
  const keys = importKeys(prefix, id);
  const now = Date.now();
  const settings: ImportSettings = {
    id,
    // Stored only if this call creates the record; a resumed enqueue goes on with the record's own.
    incarnation: newIncarnation(),
    source: options.source,
    columns,
    headers,
    schema: loaded?.text ?? null,
    target: target.url,
    table: options.table ?? defaultTableName(options.source),
    notify: options.notify ?? null,
    chunkSize,
    uniqueColumns: uniqueColumnIndexes(columns, schema),
    createdAt: now,
    createTable: options.createTable ?? false,
    priority: checkPriority(options.priority ?? 0),
    onConflict,
    handler,
    keepColumns,
    ignoredColumns: ignored,
  };

  // durably(): confirmed by a replica on a cluster, sent again through a failover (see replication.ts).
  const created = (await durably(options.redis, keys.meta, () => runScript(options.redis, 'createImport', [keys.meta, keys.tasks], [TASK_GROUP, ...settingsToFields(settings, now), ...ownerFields()]))) === 1;
  let startChunk = 0;
  let effective = settings;
  if (!created) {
    const existing = await readRecord(options.redis, prefix, id);
    if (!existing) throw new ImporterError('state', `import ${id} vanished while it was being resumed`);
    if (JSON.stringify(existing.columns) !== JSON.stringify(columns)) {
      throw optionError((o) => `import ${id} was started from a file with other columns; use a new ${o('id')} for this file`);
    }
    const finished = async (state: ImportState): Promise<EnqueueResult> => {
      batches.return(undefined).catch(() => {});
      await opened.close();
      return { id, total: existing.total ?? existing.enqueuedRows, resumed: true, state, passwordDropped: target.secretDropped };
    };
    if (existing.state !== 'enqueuing') return finished(existing.state);
    // Refused at once, naming it, while another enqueue is reading this import.
    const claimed = await claimImport(options.redis, keys, id).catch(async (err: unknown) => {
      await finished(existing.state);
      throw err;
    });
    if (!claimed) return finished((await readRecord(options.redis, prefix, id))?.state ?? existing.state);
    startChunk = existing.enqueuedChunks;
    effective = existing;
  }
  // From here this process reads the import: another enqueue() of it in this process is refused.
  const release = holdImport(keys);
  const global = globalKeys(prefix);
  try {
    if (keptFirst) await options.redis.hset(keys.meta, 'original', keptFirst.url);
    // Two commands, not one MULTI: on a cluster the two indexes live in different slots.
    await durably(options.redis, global.imports, () => options.redis.zadd(global.imports, effective.createdAt, id));
    await durably(options.redis, global.active, () => options.redis.zadd(global.active, activeScore(effective.priority, effective.createdAt), id));
  } catch (err) {
    release();
    throw err;
  }
  options.onStarted?.(id);

  const sender = new ChunkSender(options.redis, keys, effective, checkMaxPending(options.maxPending));
  const beat = setInterval(() => {
    options.redis.hset(keys.meta, 'enqueueBeat', Date.now()).catch(() => {});
  }, BEAT_INTERVAL_MS);
  beat.unref();
  let rows = 0;
  const progress = (): void => options.onProgress?.({ bytesRead: opened.bytesRead(), totalBytes: opened.size, rows });
  try {
    if (options.upload && !keptFirst) {
      const kept = await keepOriginal({ source: options.source, uploadTo: options.upload, id, s3: options.s3 }).catch(async (err: unknown) => {
        batches.return(undefined).catch(() => {});
        await opened.close();
        // Nothing is queued: a new import goes as if never made, its id free for the retry; a
        // resumed one stays as it was, to be resumed again.
        if (created) await purgeImport({ redis: options.redis, prefix, id }).catch(() => {});
        throw err;
      });
      await options.redis.hset(keys.meta, 'original', kept.url);
    }
    const onRows = (count: number): void => {
      rows = count;
      progress();
    };
    // CSV text: chunks of the file's own bytes, cut without parsing fields; workbooks and --trim: parsed records.
    rows = opened.raw ? await sendRawChunks(opened.raw, effective, sender, startChunk, onRows) : await sendRecordChunks(batches, firstRows, effective, sender, startChunk, onRows);
    await sender.drain();
    progress();
  } catch (err) {
    await sender.drain().catch(() => {});
    if (err instanceof ImportClosedError) throw new ImporterError('state', `import ${id} was ${err.state} while its file was being read: the enqueue stopped`, { cause: err });
    // Redis full: not the file's fault, and what is queued stays for the same --id to continue.
    if (redisFullError(err, id)) throw err;
    if (err instanceof ImporterError && err.kind === 'input') {
      // The file cannot be read on: the import is failed as a whole, not left half-queued.
      await runScript(options.redis, 'failImport', [keys.meta, keys.tasks], [err.message, Date.now()]);
      await options.redis.zrem(global.active, id);
    }
    throw err;
  } finally {
    clearInterval(beat);
    release();
  }
  const state = (await durably(options.redis, keys.meta, () => runScript(options.redis, 'finishEnqueue', [keys.meta, ...uniqueValueKeys(keys, effective.uniqueColumns)], [rows, Date.now()]))) as ImportState;
  if (state === 'complete' || state === 'failed' || state === 'cancelled') await options.redis.zrem(global.active, id);
  return { id, total: rows, resumed: !created, state, passwordDropped: target.secretDropped };
}

function checkMaxPending(maxPending: number | undefined): number | null {
  if (maxPending === undefined || maxPending === 0) return null;
  if (!Number.isSafeInteger(maxPending) || maxPending < 0) throw optionError((o) => `${o('maxPending')} must be a whole number of rows (0: no limit)`);
  return maxPending;
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < -100 || priority > 100) throw optionError((o) => `${o('priority')} must be a whole number from -100 to 100`);
  return priority;
}

function checkConflictColumns(policy: ConflictPolicy | undefined, columns: readonly string[], fileName: string): ConflictPolicy | null {
  if (!policy) return null;
  if (policy.columns.length === 0) throw optionError((o) => `${o('onConflict')} needs one or more column names`);
  const unknown = policy.columns.filter((c) => !columns.includes(c));
  if (unknown.length > 0) {
    throw optionError((o) => `${o('onConflict')} names ${unknown.map((c) => `"${c}"`).join(', ')}, not among the columns of ${fileName}: ${columns.map((c) => `"${c}"`).join(', ')}`);
  }
  return policy;
}

async function resolveHandlerPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch {
    throw inputError(`cannot read handler ${path}: no such file`);
  }
  return absolute;
}
