import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ImporterError } from '../errors.js';
import type { ChunkEvent, WorkSummary } from './work.js';
import { WORKER_OPTIONS_ENV, type WorkerMessage, type WorkerProcessOptions } from './worker-process.js';

export interface SuperviseOptions extends WorkerProcessOptions {
  readonly processes: number;
  /** Graceful stop: children finish their tasks in flight and exit. */
  readonly signal?: AbortSignal;
  /** Immediate stop: children are killed; their tasks are recovered after the visibility timeout. */
  readonly killSignal?: AbortSignal;
  readonly onChunk?: (event: ChunkEvent) => void;
  readonly onWarning?: (message: string) => void;
}

const RESPAWN_DELAY_MS = 500;
const ENTRY = fileURLToPath(new URL('./worker-entry.js', import.meta.url));

/**
 * Keeps `processes` worker processes running: a child that dies is replaced (its tasks go to
 * the others after the visibility timeout). With `untilIdle`, a child that found nothing left
 * exits 0 and is not replaced; the supervisor returns once all have.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<WorkSummary> {
  const total = { tasks: 0, rows: 0, succeeded: 0, failed: 0 };
  const children = new Set<ChildProcess>();
  const { processes, signal, killSignal, onChunk, onWarning, ...workerOptions } = options;

  return new Promise((resolve, reject) => {
    let finished = false;
    let respawning = 0;
    /** A child's operational error: every child would meet it, so none is replaced. */
    let fatal: string | null = null;
    const maybeDone = (): void => {
      if (!finished && children.size === 0 && respawning === 0) {
        finished = true;
        if (fatal !== null) reject(new ImporterError('state', fatal));
        else resolve(total);
      }
    };
    const spawn = (): void => {
      const child = fork(ENTRY, [], {
        env: { ...process.env, [WORKER_OPTIONS_ENV]: JSON.stringify(workerOptions) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'chunk') onChunk?.(message.event);
        else if (message.type === 'warning') onWarning?.(message.message);
        else if (message.type === 'fatal') fatal ??= message.message;
        else if (message.type === 'done') {
          total.tasks += message.summary.tasks;
          total.rows += message.summary.rows;
          total.succeeded += message.summary.succeeded;
          total.failed += message.summary.failed;
        }
      });
      child.on('exit', (code, exitSignal) => {
        children.delete(child);
        const stopping = signal?.aborted || killSignal?.aborted || fatal !== null;
        if (!stopping && (code !== 0 || exitSignal)) {
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
