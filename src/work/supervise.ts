import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ImporterError, optionNames } from '../errors.js';
import type { ChunkEvent, WorkSummary } from './work.js';
import { silenceLimitMs } from './lifeline.js';
import { SUPERVISOR_PID_ENV, WORKER_OPTIONS_ENV, type WorkerMessage, type WorkerProcessOptions } from './worker-process.js';

export interface SuperviseOptions extends WorkerProcessOptions {
  readonly processes: number;
  /** Graceful stop: children finish their chunks in flight and exit. */
  readonly signal?: AbortSignal;
  /** Immediate stop: children are killed; their chunks are recovered after the visibility timeout. */
  readonly killSignal?: AbortSignal;
  readonly onChunk?: (event: ChunkEvent) => void;
  readonly onWarning?: (message: string) => void;
}

const RESPAWN_DELAY_MS = 500;
/** While stopping: a child that finishes its chunks keeps beating; a silent one never stops by itself. */
const STOPPING_SILENCE_MS = 2000;
/** Before its first heartbeat a child loads its modules (seconds on a busy machine) and holds no chunk. */
const STARTUP_SILENCE_MS = 30_000;
const WATCHDOG_EVERY_MS = 250;
const ENTRY = fileURLToPath(new URL('./worker-entry.js', import.meta.url));

/**
 * Keeps `processes` worker processes running: a child that dies is replaced (its chunks go to
 * the others after the visibility timeout). With `untilIdle`, a child that found nothing left
 * exits 0 and is not replaced; the supervisor returns once all have. A child whose event loop
 * stops (heartbeats over IPC) for longer than the visibility timeout is SIGKILLed and replaced;
 * each child also kills itself when this process is gone (lifeline.ts).
 */
export function superviseWorkers(options: SuperviseOptions): Promise<WorkSummary> {
  const total = { chunks: 0, rows: 0, succeeded: 0, failed: 0 };
  const children = new Set<ChildProcess>();
  const lastBeat = new Map<ChildProcess, number>();
  const beating = new WeakSet<ChildProcess>();
  const { processes, signal, killSignal, onChunk, onWarning, ...workerOptions } = options;

  return new Promise((resolve, reject) => {
    let finished = false;
    let respawning = 0;
    /** A child's operational error: every child would meet it, so none is replaced. */
    let fatal: string | null = null;
    const stopping = (): boolean => signal?.aborted === true || killSignal?.aborted === true || fatal !== null;
    const watchdog = setInterval(() => {
      const now = Date.now();
      const limit = stopping() ? STOPPING_SILENCE_MS : silenceLimitMs(workerOptions.visibilityTimeoutMs);
      for (const [child, beat] of lastBeat) {
        if (now - beat <= (beating.has(child) ? limit : Math.max(limit, STARTUP_SILENCE_MS))) continue;
        lastBeat.delete(child);
        onWarning?.(`worker process ${child.pid} has not answered for ${Math.round((now - beat) / 100) / 10} s (blocked on a row?); killing it`);
        child.kill('SIGKILL');
      }
    }, WATCHDOG_EVERY_MS);
    const maybeDone = (): void => {
      if (!finished && children.size === 0 && respawning === 0) {
        finished = true;
        clearInterval(watchdog);
        if (fatal !== null) reject(new ImporterError('state', fatal));
        else resolve(total);
      }
    };
    const spawn = (): void => {
      const child = fork(ENTRY, [], {
        env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify({ ...workerOptions, optionNames: optionNames() } satisfies WorkerProcessOptions), [SUPERVISOR_PID_ENV]: String(process.pid) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      lastBeat.set(child, Date.now());
      child.on('message', (message: WorkerMessage) => {
        if (lastBeat.has(child)) lastBeat.set(child, Date.now());
        beating.add(child);
        if (message.type === 'chunk') onChunk?.(message.event);
        else if (message.type === 'warning') onWarning?.(message.message);
        else if (message.type === 'fatal') fatal ??= message.message;
        else if (message.type === 'done') {
          total.chunks += message.summary.chunks;
          total.rows += message.summary.rows;
          total.succeeded += message.summary.succeeded;
          total.failed += message.summary.failed;
        }
      });
      child.on('exit', (code, exitSignal) => {
        children.delete(child);
        lastBeat.delete(child);
        if (!stopping() && (code !== 0 || exitSignal)) {
          onWarning?.(`worker process ${child.pid} stopped (${exitSignal ?? `exit code ${code}`}); starting another`);
          respawning++;
          setTimeout(() => {
            respawning--;
            if (signal?.aborted || killSignal?.aborted) maybeDone();
            else spawn();
          }, RESPAWN_DELAY_MS);
          return;
        }
        maybeDone();
      });
    };
    signal?.addEventListener('abort', () => children.forEach((c) => c.kill('SIGTERM')), { once: true });
    killSignal?.addEventListener('abort', () => children.forEach((c) => c.kill('SIGKILL')), { once: true });
    for (let i = 0; i < Math.max(1, processes); i++) spawn();
  });
}
