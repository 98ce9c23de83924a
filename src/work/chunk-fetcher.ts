import { readRecord, resumable } from '../import-record.js';
import { globalKeys, importKeys, priorityFromScore, CHUNK_GROUP } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { errorMessage } from '../errors.js';
import { buildImportContext, type ImportContext } from './import-context.js';
import { loadHandler } from '../handler/load-handler.js';
import { decodeChunkFields, readChunkEntry, type ChunkEntryRead } from '../redis/codec.js';

/** A chunk handed to this worker: the stream entry (readChunkEntry) and the import it belongs to. */
export interface FetchedChunk extends ChunkEntryRead {
  readonly context: ImportContext;
  /** How many times the queue has handed this entry out, this time included. */
  readonly deliveries: number;
}

type StreamEntry = [id: Buffer, fields: Buffer[] | null];

const REFRESH_IMPORTS_MS = 1000;
const RETRY_BROKEN_MS = 10_000;

/**
 * Hands out chunks from every open import in turn (round robin, so a small import is not stuck
 * behind a large one): new entries first, and now and then entries whose worker has been silent
 * longer than the visibility timeout.
 */
export class ChunkFetcher {
  private imports: string[] = [];
  private importsReadAt = 0;
  private tiers: { priority: number; ids: string[] }[] = [];
  private readonly turns = new Map<number, number>();
  private readonly contexts = new Map<string, ImportContext | null>();
  private readonly claimedAt = new Map<string, number>();
  private readonly claimCursor = new Map<string, string>();
  private readonly brokenAt = new Map<string, number>();

  constructor(
    private readonly redis: ImporterRedis,
    private readonly prefix: string,
    private readonly consumer: string,
    private readonly visibilityTimeoutMs: number,
    private readonly onlyImport: string | undefined,
    private readonly warn: (message: string) => void,
    /** When the worker started (ms): it takes up imports that failed for their target before. */
    private readonly startedAt: number = Date.now(),
  ) {}

  /** Ids of the imports this worker serves right now, highest priority first. */
  async scope(): Promise<string[]> {
    const now = Date.now();
    if (now - this.importsReadAt > REFRESH_IMPORTS_MS) {
      const flat = await this.redis.zrange(globalKeys(this.prefix).active, '0', '-1', 'WITHSCORES');
      const imports: { id: string; priority: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i]!;
        if (!this.onlyImport || id === this.onlyImport) imports.push({ id, priority: priorityFromScore(Number(flat[i + 1])) });
      }
      this.imports = imports.map((i) => i.id);
      this.tiers = groupByPriority(imports);
      this.importsReadAt = now;
      for (const id of this.contexts.keys()) if (!this.imports.includes(id)) this.contexts.delete(id);
    }
    return this.imports;
  }

  /** Forget the cached list of imports (after one completed). */
  invalidate(): void {
    this.importsReadAt = 0;
  }

  /**
   * The next chunks, of one import: imports of a higher priority first; within one priority,
   * round robin, so that a small import is not stuck behind a large one. Up to `count` new
   * chunks (`count(context)`: how many the import's target saves together), or one chunk taken
   * over from a silent worker. Empty when there is nothing to do. Imports `skip` names are
   * passed over (their target is unavailable); `waiting` is told of each import found with no
   * chunk to take yet.
   */
  async next(
    count: (context: ImportContext) => number = () => 1,
    skip: (context: ImportContext) => boolean = () => false,
    waiting: (context: ImportContext) => void = () => {},
  ): Promise<FetchedChunk[]> {
    await this.scope();
    for (const tier of this.tiers) {
      const turn = this.turns.get(tier.priority) ?? 0;
      for (let k = 0; k < tier.ids.length; k++) {
        const id = tier.ids[(turn + k) % tier.ids.length]!;
        const context = await this.context(id);
        if (!context || skip(context)) continue;
        // Stale chunks first when their check is due (every quarter of the visibility timeout),
        // so a dead worker's chunks are taken over while new ones keep coming, not at the end.
        const stale = await this.claimStale(context);
        const fetched = await this.ofCurrentIncarnation(context, stale ? [stale] : await this.readNew(context, count(context)));
        if (fetched.length > 0) {
          this.turns.set(tier.priority, (turn + k + 1) % tier.ids.length);
          return fetched;
        }
        waiting(context);
      }
    }
    return [];
  }

  private async context(id: string): Promise<ImportContext | null> {
    if (this.contexts.has(id)) return this.contexts.get(id) ?? null;
    // An import whose handler or schema failed to load is tried again now and then: the fix may
    // be deployed while its chunks wait.
    if (Date.now() - (this.brokenAt.get(id) ?? 0) < RETRY_BROKEN_MS) return null;
    let record = await readRecord(this.redis, this.prefix, id);
    if (record && resumable(record)) {
      // Given up on while its target was unavailable. A worker started since takes it up again
      // (one that saw it fail leaves it, and it stays in the active set for a later one).
      if ((record.finishedAt ?? 0) >= this.startedAt) {
        this.contexts.set(id, null);
        return null;
      }
      const state = await runScript(this.redis, 'resumeImport', [importKeys(this.prefix, id).meta], [Date.now()]);
      this.warn(`import ${id}: taken up again after its target was unavailable (${String(state)})`);
      record = await readRecord(this.redis, this.prefix, id);
    }
    let context: ImportContext | null = null;
    if (record && (record.state === 'enqueuing' || record.state === 'processing')) {
      try {
        context = buildImportContext(record, this.prefix, record.handler ? await loadHandler(record.handler) : null);
      } catch (err) {
        this.warn(`import ${id} cannot be worked on (retrying in ${RETRY_BROKEN_MS / 1000} s): ${errorMessage(err)}`);
        this.brokenAt.set(id, Date.now());
        return null;
      }
    } else if (record && (record.state === 'complete' || record.state === 'failed' || record.state === 'cancelled')) {
      await this.redis.zrem(globalKeys(this.prefix).active, id);
    }
    this.contexts.set(id, context);
    return context;
  }

  /** Forget what this worker knows of an import: its record is read again before its next chunk. */
  forget(id: string): void {
    this.contexts.delete(id);
    this.invalidate();
  }

  /**
   * The chunks, each with the context of the incarnation it was queued for. A context kept here
   * may be of an import since purged (or expired) and created again under the same id, whose
   * settings and ledger key are not the new one's: the record is then read again. A chunk of an
   * incarnation that is not the record's (a leftover of an older one) is acknowledged and
   * dropped, never saved under the record's incarnation.
   */
  private async ofCurrentIncarnation(context: ImportContext, fetched: FetchedChunk[]): Promise<FetchedChunk[]> {
    const cached = context.record.incarnation;
    if (fetched.every((one) => decodeChunkFields(one.fields).incarnation === cached)) return fetched;
    const id = context.record.id;
    this.contexts.delete(id);
    this.brokenAt.delete(id);
    const fresh = await this.context(id);
    const record = fresh?.record ?? (await readRecord(this.redis, this.prefix, id));
    const current: FetchedChunk[] = [];
    const stale: string[] = [];
    for (const one of fetched) {
      const incarnation = decodeChunkFields(one.fields).incarnation;
      if (record && incarnation !== record.incarnation) stale.push(one.entryId);
      else if (fresh) current.push({ ...one, context: fresh });
      // Else the import cannot be worked on now: left pending, as any chunk of a broken import.
    }
    if (stale.length > 0) {
      this.warn(`import ${id}: ${stale.length} chunk(s) of an earlier import under the same id dropped`);
      await this.redis.xack(context.keys.chunks, CHUNK_GROUP, ...stale);
      await this.redis.xdel(context.keys.chunks, ...stale);
    }
    return current;
  }

  private async readNew(context: ImportContext, count: number): Promise<FetchedChunk[]> {
    let reply: [Buffer, StreamEntry[]][] | null;
    try {
      // In bytes: a payload stays bytes, decoded a record at a time (decodeChunk) and packed as it came (packSuccessPayload).
      reply = (await this.redis.xreadgroupBuffer('GROUP', CHUNK_GROUP, this.consumer, 'COUNT', Math.max(1, count), 'STREAMS', context.keys.chunks, '>')) as
        | [Buffer, StreamEntry[]][]
        | null;
    } catch (err) {
      if (errorMessage(err).includes('NOGROUP')) {
        this.contexts.set(context.record.id, null);
        return [];
      }
      throw err;
    }
    return (reply?.[0]?.[1] ?? []).map((entry) => ({ context, ...readChunkEntry(entry[0], entry[1] ?? []), deliveries: 1 }));
  }

  private async claimStale(context: ImportContext): Promise<FetchedChunk | null> {
    const id = context.record.id;
    const now = Date.now();
    if (now - (this.claimedAt.get(id) ?? 0) < this.visibilityTimeoutMs / 4) return null;
    const cursor = this.claimCursor.get(id) ?? '0-0';
    const reply = (await this.redis.callBuffer('XAUTOCLAIM', context.keys.chunks, CHUNK_GROUP, this.consumer, this.visibilityTimeoutMs, cursor, 'COUNT', 1)) as [
      Buffer,
      StreamEntry[],
      Buffer[]?,
    ];
    const nextCursor = reply[0].toString('latin1');
    this.claimCursor.set(id, nextCursor);
    if (nextCursor === '0-0') this.claimedAt.set(id, now);
    const entry = reply[1].find((e) => e && e[1]);
    if (!entry) return null;
    const read = readChunkEntry(entry[0], entry[1]!);
    const pending = (await this.redis.xpending(context.keys.chunks, CHUNK_GROUP, read.entryId, read.entryId, 1)) as [string, string, number, number][];
    return { context, ...read, deliveries: pending[0]?.[3] ?? 2 };
  }
}

function groupByPriority(imports: readonly { id: string; priority: number }[]): { priority: number; ids: string[] }[] {
  const tiers: { priority: number; ids: string[] }[] = [];
  for (const { id, priority } of imports) {
    const last = tiers[tiers.length - 1];
    if (last && last.priority === priority) last.ids.push(id);
    else tiers.push({ priority, ids: [id] });
  }
  return tiers;
}
