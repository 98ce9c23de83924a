import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DEFAULT_CONCURRENCY, DEFAULT_GIVE_UP_AFTER_MS, DEFAULT_PREFIX, DEFAULT_RETRY, DEFAULT_VISIBILITY_TIMEOUT_MS } from '../defaults.js';
import { errorMessage, ImporterError } from '../errors.js';
import { enqueueStalled, readRecord, resumable } from '../import-record.js';
import { globalKeys, importKeys, CHUNK_GROUP } from '../redis/keys.js';
import { chunkFromEntryId, packFailedRows, packSuccessPayload } from '../redis/codec.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { replicated } from '../redis/replication.js';
import { openTarget } from '../targets/open-target.js';
import type { Target } from '../targets/target.js';
import type { TargetOptions } from '../targets/target-options.js';
import { decodeChunk, unreadableChunk, type DecodedChunk } from '../chunks/chunk-codec.js';
import { failedRows, prepareTarget, processChunks, rowsOnBytesFor, savesTogether, type ChunkOutcome } from './process-chunks.js';
import type { ImportContext } from './import-context.js';
import { TargetUnavailableError, type RetryPolicy } from './retry.js';
import { sleep } from '../sleep.js';
import { idlePause } from './idle-pause.js';
import { TargetBreaker } from './target-breaker.js';
import { noteSaved, noteUnavailable, releaseChunks } from './target-wait.js';
import { ChunkFetcher, type FetchedChunk } from './chunk-fetcher.js';
import { silenceLimitMs } from './lifeline.js';
import { DEATHS_TO_BLAME, PROBE_FROM_DELIVERY, probeRows, withoutHangingRows } from './row-probe.js';
import { ProbeGate } from './probe-gate.js';
import { AttemptChunks, UnreadableChunkError, type ChunkMeta, type ReadChunk } from './attempt-chunks.js';
import { WorkerHeartbeat, type WaitingFor } from './worker-registry.js';

/**
 * New chunks a slot takes at once when the import's target saves several in one statement: with
 * chunks of 2000 rows, COPYs of up to 16,000 rows (PostgreSQL spends less CPU per row on a few
 * large COPYs than on many small ones: see postgres-target.ts).
 */
const CHUNKS_SAVED_TOGETHER = 8;
/**
 * `--until-idle` without `--import` exits no sooner than this after start: an enqueue started at
 * the same moment may not have created its import yet.
 */
const IDLE_GRACE_MS = 1500;
/**
 * `--until-idle --import`: exits once that import takes no more rows and has no chunk left (the
 * worker knows what it waits for), or, while it does not exist, no sooner than this.
 */
const NAMED_IMPORT_GRACE_MS = 10_000;
/**
 * A chunk no worker can read, whose rows cannot even be counted, fails its import on this
 * delivery: not the first, since a worker of another version may read what this one cannot.
 */
const UNREADABLE_DELIVERIES = 3;

/** A worker notes a successful save in the import's record at most this often (unless it was waiting). */
const SAVE_NOTE_MS = 1000;

export interface ChunkEvent {
  readonly importId: string;
  readonly rows: number;
  readonly succeeded: number;
  readonly failed: number;
  /**
   * 'duplicate' when another worker had recorded this chunk already; 'stale' when the import was
   * purged (or expired) and created again under its id while the chunk was worked on: nothing
   * was recorded.
   */
  readonly result: 'recorded' | 'complete' | 'duplicate' | 'skipped' | 'stale';
}

export interface WorkOptions {
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  /** Chunks worked on at once in this process. */
  readonly concurrency?: number;
  /** Return once there is nothing left to do, instead of waiting for more. */
  readonly untilIdle?: boolean;
  /** Work on this import only. */
  readonly importId?: string;
  /** A chunk whose worker has been silent this long goes to another worker. */
  readonly visibilityTimeoutMs?: number;
  /**
   * Quick attempts at saving a chunk before its target counts as unavailable; the worker then
   * keeps the chunk and waits for the target (no row fails for it).
   */
  readonly maxAttempts?: number;
  /**
   * An import whose target stays unavailable this long with no successful save becomes failed
   * with the cause; its unsaved rows stay pending, and a `work` started later resumes it.
   * Default one hour.
   */
  readonly giveUpAfterMs?: number;
  /** Passwords and settings for the imports' targets (the URL stored in Redis holds no password). */
  readonly targets?: TargetOptions;
  /** Stops taking chunks when aborted; chunks in flight are finished. */
  readonly signal?: AbortSignal;
  /** Name of this worker in the consumer group (default host:pid:random). */
  readonly consumer?: string;
  readonly onChunk?: (event: ChunkEvent) => void;
  readonly onWarning?: (message: string) => void;
}

export interface WorkSummary {
  readonly chunks: number;
  readonly rows: number;
  readonly succeeded: number;
  readonly failed: number;
}

/**
 * Runs workers in this process until the signal aborts or, with `untilIdle`, until no import in
 * scope has work left: no queued or in-flight chunk and no enqueue still feeding it.
 */
export async function work(options: WorkOptions): Promise<WorkSummary> {
  const pool = new WorkerPool(options);
  return pool.run();
}

class WorkerPool {
  private readonly prefix: string;
  private readonly consumer: string;
  private readonly visibilityMs: number;
  private readonly retry: RetryPolicy;
  private readonly fetcher: ChunkFetcher;
  private readonly targets = new Map<string, Target>();
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly summary = { chunks: 0, rows: 0, succeeded: 0, failed: 0 };
  private currentImport: string | null = null;
  private readonly heartbeat: WorkerHeartbeat;
  private readonly probeGate = new ProbeGate();
  private readonly warn: (message: string) => void;
  private idle = false;
  /** Whether any chunk has been handed to this worker yet. */
  private handedChunks = false;
  /** Why the workers stopped without finishing: the named import never appeared. */
  private missing: ImporterError | null = null;
  private readonly startedAt = Date.now();
  private readonly giveUpAfterMs: number;
  private readonly breakers = new Map<string, TargetBreaker>();
  /** Imports this worker gave up on (or found given up on): no longer worked on here. */
  private readonly gaveUp = new Set<string>();
  private readonly savedNotedAt = new Map<string, number>();

  constructor(private readonly options: WorkOptions) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.consumer = options.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.visibilityMs = options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, maxAttempts: options.maxAttempts ?? DEFAULT_RETRY.maxAttempts };
    this.warn = options.onWarning ?? (() => {});
    this.giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_AFTER_MS;
    this.fetcher = new ChunkFetcher(options.redis, this.prefix, this.consumer, this.visibilityMs, options.importId, this.warn, this.startedAt);
    this.heartbeat = new WorkerHeartbeat(options.redis, this.prefix, this.consumer, () => ({
      chunks: this.summary.chunks,
      rows: this.summary.rows,
      currentImport: this.currentImport,
      waitingFor: this.waiting(),
    }));
  }

  async run(): Promise<WorkSummary> {
    const heartbeat = setInterval(() => void this.touchInFlight(), Math.max(200, Math.floor(this.visibilityMs / 3)));
    this.heartbeat.start();
    try {
      const slots = Array.from({ length: Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY) }, () => this.slot());
      await Promise.all(slots);
      if (this.missing) throw this.missing;
    } finally {
      clearInterval(heartbeat);
      await this.heartbeat.stop();
      for (const target of this.targets.values()) await target.close().catch(() => {});
    }
    return { ...this.summary };
  }

  private stopping(): boolean {
    return this.options.signal?.aborted === true || this.idle;
  }

  private async slot(): Promise<void> {
    let emptyRounds = 0;
    while (!this.stopping()) {
      let fetched: FetchedChunk[];
      await this.probeGate.beforeFetch();
      try {
        fetched = await this.fetcher.next(
          (context) => this.chunksSavedTogether(context),
          (context) => this.skipImport(context),
          // An import not fed yet (its enqueue starting): its target is made ready meanwhile.
          (context) => prepareTarget(context, this.target(context.record.target)),
        );
      } catch (err) {
        this.warn(`cannot fetch chunks: ${errorMessage(err)}`);
        await sleep(1000, this.options.signal);
        continue;
      }
      if (fetched.length === 0) {
        if (this.options.untilIdle && (await this.checkIdle())) {
          this.idle = true;
          break;
        }
        emptyRounds++;
        // With nothing to do, the list of open imports is read again on the next round, not once
        // a second: an import created meanwhile is taken up within one pause.
        this.fetcher.invalidate();
        const pause = idlePause({ named: this.options.importId !== undefined, handedChunks: this.handedChunks, sinceStartMs: Date.now() - this.startedAt, emptyRounds });
        await sleep(pause, this.options.signal);
        continue;
      }
      emptyRounds = 0;
      this.handedChunks = true;
      this.probeGate.enter();
      try {
        await this.handle(fetched);
      } finally {
        this.probeGate.leave();
      }
    }
  }

  /**
   * How many new chunks of an import a slot takes at once: several when its target saves several
   * chunks in one statement (Target.saveMany, without a handler or an upsert), else one.
   */
  private chunksSavedTogether(context: ImportContext): number {
    return savesTogether(context, this.target(context.record.target)) ? CHUNKS_SAVED_TOGETHER : 1;
  }

  /**
   * Works on chunks of one import: each checked alone, their rows saved together, each recorded.
   * While the import's target is unavailable the chunks stay with this worker (renewed, neither
   * failed nor acknowledged) and are worked on again once it answers; they go back to the group
   * when the worker stops or gives up on the import (--give-up-after).
   */
  private async handle(fetched: readonly FetchedChunk[]): Promise<void> {
    const id = fetched[0]!.context.record.id;
    this.currentImport = id;
    const held = this.hold(id, fetched);
    const toSave = await this.probeIfSuspect(fetched, held);
    if (toSave) await this.saveWhenTargetAnswers(toSave, held);
  }

  /** Notes chunks as held by this worker: renewed (touchInFlight) until finished or let go of. */
  private hold(id: string, fetched: readonly FetchedChunk[]): Set<string> {
    let held = this.inFlight.get(id);
    if (!held) this.inFlight.set(id, (held = new Set()));
    for (const { entryId } of fetched) held.add(entryId);
    return held;
  }

  /**
   * A chunk alone that took down workers before is probed first, row by row (see probe()). Null
   * when the probe itself failed: the chunk is let go of, for another worker to take.
   */
  private async probeIfSuspect(fetched: readonly FetchedChunk[], held: Set<string>): Promise<readonly FetchedChunk[] | null> {
    const suspect = fetched.length === 1 && fetched[0]!.deliveries >= PROBE_FROM_DELIVERY ? fetched[0]! : null;
    if (!suspect) return fetched;
    try {
      return [await this.probeGate.alone(() => this.probe(suspect))];
    } catch (err) {
      this.warn(`import ${suspect.context.record.id}: ${chunkName(suspect)} not finished: ${errorMessage(err)}`);
      held.delete(suspect.entryId);
      return null;
    }
  }

  /**
   * Attempts the chunks until their target answers, then records their outcomes. While the target
   * is unavailable one slot holding chunks is enough to probe it: the others hand theirs back and
   * serve imports into other targets meanwhile; so does this one once the import is given up on
   * or the worker stops.
   */
  private async saveWhenTargetAnswers(fetched: readonly FetchedChunk[], held: Set<string>): Promise<void> {
    const context = fetched[0]!.context;
    const breaker = this.breaker(context.record.target);
    breaker.holders++;
    let counted = true;
    // Chunks that cannot be read back and whose rows cannot be counted, over every attempt: their import fails.
    const unreadable: { fetched: FetchedChunk; reason: string }[] = [];
    try {
      for (;;) {
        const probing = breaker.open;
        const mayGoOn = !(breaker.open && breaker.holders > 1) && (await breaker.turn(this.options.signal, () => this.gaveUp.has(context.record.id)));
        if (!mayGoOn) {
          // Counted out before the await: two slots failing together must not both count on the other.
          breaker.holders--;
          counted = false;
          await this.release(context, fetched, held);
          return;
        }
        const attempt = await this.attempt(fetched, held, breaker, probing);
        unreadable.push(...attempt.unreadable);
        if (attempt.ending === 'targetUnavailable') continue;
        if (attempt.ending === 'saved' && attempt.checked.length > 0) await this.noteSaved(context, probing);
        await Promise.all(attempt.toRecord().map(({ fetched, chunk, outcome }) => this.finish(fetched, chunk, outcome, held)));
        for (const { fetched, reason } of unreadable) await this.failUnreadable(fetched, reason);
        return;
      }
    } finally {
      if (counted) breaker.holders--;
    }
  }

  /**
   * One attempt at saving the chunks (AttemptChunks: how each goes through it). When the target did
   * not answer, it ends 'targetUnavailable': the breaker is then open, and the import noted as
   * waiting for it. A probe of a target found unavailable (`probing`) tries twice at most (its backoff is
   * the breaker's): the second try, a moment later, gets past a pooled connection the restart left dead.
   */
  private async attempt(
    fetched: readonly FetchedChunk[],
    held: Set<string>,
    breaker: TargetBreaker,
    probing: boolean,
  ): Promise<AttemptChunks> {
    const context = fetched[0]!.context;
    const id = context.record.id;
    const retry = probing ? { ...this.retry, maxAttempts: Math.min(2, this.retry.maxAttempts) } : this.retry;
    // A chunk left unacknowledged (and no longer renewed) goes to another worker after the visibility timeout.
    const leave = (left: FetchedChunk, err: unknown): void => this.warn(`import ${id}: ${chunkName(left)} not finished: ${errorMessage(err)}`);
    const batch = new AttemptChunks(fetched, held, (one) => this.readChunk(one), leave);
    try {
      const outcomes = await processChunks(context, this.target(context.record.target), batch.chunks(), retry, (err, attempt) =>
        this.warn(`import ${id}: target unavailable (attempt ${attempt} of ${retry.maxAttempts}), retrying: ${errorMessage(err)}`),
      );
      batch.setOutcomes(outcomes);
      breaker.succeeded();
      return batch;
    } catch (err) {
      if (err instanceof TargetUnavailableError) {
        breaker.failed(err.reason);
        await this.waitFor(context, err.reason);
        batch.ending = 'targetUnavailable';
        return batch;
      }
      // No answer about the target either way: another slot may probe it.
      breaker.abandoned();
      batch.abandonUnsaved(err);
      return batch;
    }
  }

  /**
   * Fails the import of a chunk that cannot be read back and whose rows cannot be counted: its
   * rows can never have an outcome, so the import could never complete, and the chunk would be
   * handed out for ever. The chunk is acknowledged; the import's error names it.
   */
  private async failUnreadable(fetched: FetchedChunk, reason: string): Promise<void> {
    const { keys, record } = fetched.context;
    const message = `chunk ${chunkFromEntryId(fetched.entryId)} of the import cannot be read back (${reason}), and its rows cannot be counted: the import cannot complete`;
    try {
      await runScript(this.options.redis, 'failImport', [keys.meta, keys.chunks], [message, Date.now()]);
      await this.options.redis.xack(keys.chunks, CHUNK_GROUP, fetched.entryId);
      await this.options.redis.zrem(globalKeys(this.prefix).active, record.id);
      this.fetcher.invalidate();
      this.warn(`import ${record.id} failed: ${message}`);
    } catch (err) {
      this.warn(`import ${record.id}: ${chunkName(fetched)} not finished: ${errorMessage(err)}`);
    }
  }

  /**
   * A chunk that took down the workers of two deliveries (a row whose check never returns, say):
   * its rows are probed one at a time (row-probe.ts), and those found hanging fail instead of
   * being checked again. Deliveries spent finding them do not count towards readChunk's limit.
   */
  private async probe(fetched: FetchedChunk): Promise<FetchedChunk> {
    let chunk: DecodedChunk;
    try {
      chunk = decodeChunk(fetched, fetched.context.record.keepColumns);
    } catch {
      return fetched; // readChunk fails its rows
    }
    const hanging = await probeRows(this.options.redis, fetched.context.keys.probe(chunk.chunk), fetched.context, chunk);
    if (hanging.length === 0) return fetched;
    const message = `this row could not be checked within ${silenceLimitMs(this.visibilityMs) / 1000} s (its check never returned)`;
    return { ...fetched, context: withoutHangingRows(fetched.context, chunk, hanging, message), deliveries: fetched.deliveries - DEATHS_TO_BLAME * hanging.length };
  }

  /**
   * Notes in the import's record that its target is unavailable (status, list and report show
   * it), and gives up on the import once it has waited --give-up-after with no successful save:
   * it becomes failed with the cause, and this worker hands its chunks back.
   */
  private async waitFor(context: ImportContext, reason: string): Promise<void> {
    const id = context.record.id;
    try {
      const verdict = await noteUnavailable(this.options.redis, context.keys, reason, this.giveUpAfterMs);
      if (verdict.kind === 'closed') {
        // Failed (another worker gave up), cancelled or gone: nothing to wait for.
        this.gaveUp.add(id);
        return;
      }
      this.warn(`import ${id}: waiting for its target (unavailable for ${Math.round(verdict.waitedMs / 1000)} s): ${reason}`);
      if (verdict.kind === 'gave-up') {
        this.warn(`import ${id} failed: ${verdict.cause}; its unsaved rows stay pending for a later \`work\``);
        this.gaveUp.add(id);
        this.fetcher.invalidate();
      }
    } catch (err) {
      this.warn(`import ${id}: cannot note that its target is unavailable: ${errorMessage(err)}`);
    }
  }

  /** Clears the import's waiting state after a save (at most once a second unless it was waiting). */
  private async noteSaved(context: ImportContext, wasWaiting: boolean): Promise<void> {
    const id = context.record.id;
    const now = Date.now();
    if (!wasWaiting && now - (this.savedNotedAt.get(id) ?? 0) < SAVE_NOTE_MS) return;
    this.savedNotedAt.set(id, now);
    await noteSaved(this.options.redis, context.keys, now).catch((err: unknown) => this.warn(`import ${id}: cannot note a save: ${errorMessage(err)}`));
  }

  /** Hands the chunks this slot still holds back to the group (see releaseChunks). */
  private async release(context: ImportContext, fetched: readonly FetchedChunk[], held: Set<string>): Promise<void> {
    const ids = fetched.map((f) => f.entryId).filter((entryId) => held.has(entryId));
    for (const entryId of ids) held.delete(entryId);
    await releaseChunks(this.options.redis, context.keys, this.consumer, ids).catch((err: unknown) =>
      this.warn(`import ${context.record.id}: cannot hand chunks back (they return after the visibility timeout): ${errorMessage(err)}`),
    );
  }

  private breaker(url: string): TargetBreaker {
    let breaker = this.breakers.get(url);
    if (!breaker) this.breakers.set(url, (breaker = new TargetBreaker()));
    return breaker;
  }

  /**
   * New chunks are not taken for an import given up on, nor for one whose target is unavailable
   * while some slot holds chunks to probe it with (with none, a slot takes one to probe).
   */
  private skipImport(context: ImportContext): boolean {
    if (this.gaveUp.has(context.record.id)) return true;
    const breaker = this.breakers.get(context.record.target);
    return breaker !== undefined && breaker.open && breaker.holders > 0;
  }

  /** The targets this worker is waiting for, for its heartbeat (`importer workers`). */
  private waiting(): WaitingFor[] {
    const waiting: WaitingFor[] = [];
    for (const [url, breaker] of this.breakers) {
      if (breaker.open && breaker.openedAt !== null) waiting.push({ target: url, since: new Date(breaker.openedAt).toISOString(), reason: breaker.reason ?? '' });
    }
    return waiting;
  }

  /**
   * A chunk read back, with its outcome already decided when its rows cannot be worked on: a chunk
   * that cannot be read back, or one every worker that took it stopped while holding.
   */
  private readChunk(fetched: FetchedChunk): ReadChunk {
    // Every worker that took this chunk stopped while holding it: its rows fail (below), with their fields.
    const givenUp = fetched.deliveries > Math.max(2 * this.retry.maxAttempts, 3);
    const { context } = fetched;
    let chunk: DecodedChunk;
    try {
      chunk = decodeChunk(fetched, context.record.keepColumns, givenUp ? null : rowsOnBytesFor(context, this.target(context.record.target)));
    } catch (err) {
      // Would fail the same way on every delivery: its rows fail, the chunk is not handed out again.
      const rows = unreadableChunk(fetched);
      if (!rows) {
        if (fetched.deliveries >= UNREADABLE_DELIVERIES) throw new UnreadableChunkError(errorMessage(err));
        throw err;
      }
      return { chunk: rows, outcome: failEveryRow(rows, `the rows of this chunk could not be read back from it (${errorMessage(err)})`) };
    }
    if (givenUp) {
      // Never loop.
      return { chunk, outcome: failEveryRow(chunk, `the chunk holding this row was started ${fetched.deliveries - 1} times and never finished`) };
    }
    return { chunk };
  }

  /** Records a chunk's outcome and counts it. */
  private async finish(fetched: FetchedChunk, chunk: ChunkMeta, outcome: ChunkOutcome, held: Set<string>): Promise<void> {
    const id = fetched.context.record.id;
    try {
      const result = await this.record(fetched, chunk, outcome);
      this.summary.chunks++;
      if (result === 'stale') this.fetcher.forget(id);
      if (result === 'recorded' || result === 'complete') {
        this.summary.rows += chunk.rows;
        this.summary.succeeded += outcome.importedRows;
        this.summary.failed += outcome.failed.entries.length;
      }
      if (result === 'complete' || result === 'skipped') {
        // On a cluster, a replica must have the 'complete' state before the import leaves the
        // active set: had its master died with it unreplicated, the import would be back to
        // 'processing' with no worker looking at it. When the master cannot be asked, the import
        // stays in the set; a worker that finds it complete takes it out (checkIdle, context()).
        const settled = result !== 'complete' || (await replicated(this.options.redis, fetched.context.keys.meta).then(() => true, () => false));
        if (settled) await this.options.redis.zrem(globalKeys(this.prefix).active, id).catch(() => 0);
        this.fetcher.invalidate();
      }
      this.options.onChunk?.({ importId: id, rows: chunk.rows, succeeded: outcome.importedRows, failed: outcome.failed.entries.length, result });
    } catch (err) {
      // Left unacknowledged: it goes to another worker after the visibility timeout.
      this.warn(`import ${id}: ${chunkName(fetched)} not finished: ${errorMessage(err)}`);
    } finally {
      held.delete(fetched.entryId);
    }
  }

  private async record(fetched: FetchedChunk, chunk: ChunkMeta, outcome: ChunkOutcome): Promise<ChunkEvent['result']> {
    const keys = fetched.context.keys;
    // Packed here so that Redis stores each chunk's outcome compactly: the payload travels back
    // compressed rather than being copied from the chunk by the script.
    const succeeded = outcome.importedRows === 0 ? '' : packSuccessPayload(outcome.failedIndexes, fetched.payload);
    const failed = outcome.failed.entries.length === 0 ? null : packFailedRows(outcome.failed.entries, outcome.failed.groups);
    return (await runScript(
      this.options.redis,
      'recordChunk',
      [keys.meta, keys.chunks, keys.done, keys.succeeded, keys.failed],
      [CHUNK_GROUP, chunk.chunk, Date.now(), outcome.importedRows, outcome.failed.entries.length, succeeded, fetched.context.record.incarnation, ...(failed ? [failed] : [])],
    )) as ChunkEvent['result'];
  }

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) this.targets.set(url, (target = openTarget(url, this.options.targets)));
    return target;
  }

  /** Tells the queue this worker is alive and still on its chunks. */
  private async touchInFlight(): Promise<void> {
    for (const [id, entries] of this.inFlight) {
      if (entries.size === 0) continue;
      try {
        await runScript(this.options.redis, 'touchChunks', [importKeys(this.prefix, id).chunks], [CHUNK_GROUP, this.consumer, ...entries]);
      } catch (err) {
        this.warn(`cannot renew chunks of import ${id}: ${errorMessage(err)}`);
      }
    }
  }

  private async checkIdle(): Promise<boolean> {
    for (const entries of this.inFlight.values()) if (entries.size > 0) return false;
    // A worker started at the same moment as the enqueue that feeds it must not find "nothing to
    // do" before that enqueue has created its import: idleness counts only after a short grace.
    // A worker given its import knows what it waits for (below): it stops once that is done.
    const named = this.options.importId;
    if (named === undefined && Date.now() - this.startedAt < IDLE_GRACE_MS) return false;
    this.fetcher.invalidate();
    const now = Date.now();
    const scope = await this.fetcher.scope();
    // A worker told to work on one import, started before the enqueue that creates it (`work
    // --import id` and `enqueue --id id` started together on a loaded machine), waits for it.
    if (named !== undefined && scope.length === 0) {
      const record = await readRecord(this.options.redis, this.prefix, named);
      if (record === null) {
        if (now - this.startedAt < NAMED_IMPORT_GRACE_MS) return false;
        // Most likely a mistyped id: exiting 0 would say its rows were all worked on.
        this.missing ??= new ImporterError('state', `no import with id "${named}" in this Redis (waited ${NAMED_IMPORT_GRACE_MS / 1000} s for an enqueue to create it)`);
        return true;
      }
      // Created a moment ago, and not yet in the active set its enqueue adds it to next.
      if (record.state === 'enqueuing' && !enqueueStalled(record, now)) return false;
    }
    for (const id of scope) {
      const record = await readRecord(this.options.redis, this.prefix, id);
      if (record && resumable(record)) {
        // Failed while its target stayed unavailable: a worker started since takes it up again
        // (ChunkFetcher); one that saw it fail leaves it for a later `work`.
        if ((record.finishedAt ?? 0) < this.startedAt) return false;
        continue;
      }
      if (!record || (record.state !== 'enqueuing' && record.state !== 'processing')) {
        if (record) await this.options.redis.zrem(globalKeys(this.prefix).active, id).catch(() => 0);
        continue;
      }
      if (record.state === 'enqueuing' && !enqueueStalled(record, now)) return false;
      if ((await this.options.redis.xlen(importKeys(this.prefix, id).chunks)) > 0) return false;
    }
    return true;
  }
}


/** Every row of a chunk failed with one message. */
function failEveryRow(chunk: DecodedChunk, message: string): ChunkOutcome {
  const failedIndexes = chunk.rows.map((_, i) => i);
  const messages = new Map(failedIndexes.map((i) => [i, [message]]));
  return { importedRows: 0, failedIndexes, failed: failedRows(chunk, { messages }, failedIndexes) };
}

/** A fetched chunk as warnings name it: by its number, as the import's error does. */
function chunkName(fetched: FetchedChunk): string {
  return `chunk ${chunkFromEntryId(fetched.entryId)}`;
}
