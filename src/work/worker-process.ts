import type { ChunkEvent, WorkSummary } from './work.js';
import type { TargetOptions } from '../targets/target-options.js';

/** Options a supervisor hands to each worker process (through the environment, as JSON). */
export interface WorkerProcessOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly concurrency: number;
  readonly untilIdle: boolean;
  readonly importId?: string;
  readonly visibilityTimeoutMs: number;
  readonly maxAttempts: number;
  readonly giveUpAfterMs?: number;
  /** WorkOptions.targets: passwords reach the process in its environment, as this JSON, never through Redis. */
  readonly targets?: TargetOptions;
  /** How the supervisor's messages name options (nameOptionsAs in src/errors.ts). */
  readonly optionNames?: Readonly<Record<string, string>>;
}

export const WORKER_OPTIONS_ENV = 'IMPORTER_WORKER_OPTIONS';
/** The supervisor's pid: a worker process whose parent is another one has been orphaned. */
export const SUPERVISOR_PID_ENV = 'IMPORTER_SUPERVISOR_PID';

/** Messages a worker process sends its supervisor over IPC. */
export type WorkerMessage =
  /** The process's event loop runs (lifeline.ts startHeartbeat). */
  | { readonly type: 'alive' }
  | { readonly type: 'chunk'; readonly event: ChunkEvent }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'done'; readonly summary: WorkSummary }
  /** The worker stopped on an error another process would meet too (not replaced). */
  | { readonly type: 'fatal'; readonly message: string };
