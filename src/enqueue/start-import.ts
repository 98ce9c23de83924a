import { ImporterError, optionError } from '../errors.js';
import { readRecord, settingsToFields, type ImportSettings, type ImportState } from '../import-record.js';
import { activeScore, globalKeys, type ImportKeys, CHUNK_GROUP } from '../redis/keys.js';
import { durably } from '../redis/replication.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { claimImport, holdImport, ownerFields } from './enqueue-owner.js';

/** What the enqueue goes on with: a new import, or one whose enqueue stopped part way. */
export interface StartedImport {
  readonly done: false;
  /** True when this call created the import. */
  readonly created: boolean;
  /** The first chunk to queue (those before it are queued already). */
  readonly startChunk: number;
  /** The import's settings: the new ones, or the resumed record's own. */
  readonly settings: ImportSettings;
}

/** An import that exists and takes no more rows: nothing to read. */
export interface FinishedImport {
  readonly done: true;
  readonly state: ImportState;
  readonly total: number;
}

/**
 * Creates the import's record and chunks stream with `settings`, or, when the import exists,
 * resumes it: the same columns, still enqueuing, and read by no other enqueue.
 */
export async function createOrResume(redis: ImporterRedis, prefix: string, keys: ImportKeys, settings: ImportSettings): Promise<StartedImport | FinishedImport> {
  // durably(): confirmed by a replica on a cluster, sent again through a failover (see replication.ts).
  const created =
    (await durably(redis, keys.meta, () => runScript(redis, 'createImport', [keys.meta, keys.chunks], [CHUNK_GROUP, ...settingsToFields(settings, settings.createdAt), ...ownerFields()]))) === 1;
  if (created) return { done: false, created, startChunk: 0, settings };
  const { id } = settings;
  const existing = await readRecord(redis, prefix, id);
  if (!existing) throw new ImporterError('state', `import ${id} vanished while it was being resumed`);
  if (JSON.stringify(existing.columns) !== JSON.stringify(settings.columns)) {
    throw optionError((o) => `import ${id} was started from a file with other columns; use a new ${o('id')} for this file`);
  }
  const finished = (state: ImportState): FinishedImport => ({ done: true, state, total: existing.total ?? existing.enqueuedRows });
  if (existing.state !== 'enqueuing') return finished(existing.state);
  // Refused at once, naming it, while another enqueue is reading this import.
  if (!(await claimImport(redis, keys, id))) return finished((await readRecord(redis, prefix, id))?.state ?? existing.state);
  return { done: false, created, startChunk: existing.enqueuedChunks, settings: existing };
}

/**
 * This process reads the import from now on (another enqueue() of it in this process is
 * refused) and the import is listed, where workers find it. Returns the release of the hold.
 */
export async function publishImport(redis: ImporterRedis, prefix: string, keys: ImportKeys, settings: ImportSettings, original: string | null): Promise<() => void> {
  const release = holdImport(keys);
  const global = globalKeys(prefix);
  try {
    if (original) await redis.hset(keys.meta, 'original', original);
    // Two commands, not one MULTI: on a cluster the two indexes live in different slots.
    await durably(redis, global.imports, () => redis.zadd(global.imports, settings.createdAt, settings.id));
    await durably(redis, global.active, () => redis.zadd(global.active, activeScore(settings.priority, settings.createdAt), settings.id));
  } catch (err) {
    release();
    throw err;
  }
  return release;
}
