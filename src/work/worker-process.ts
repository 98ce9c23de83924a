import type { ChunkEvent, WorkSummary } from './work.js';

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
}

export const WORKER_OPTIONS_ENV = 'IMPORTER_WORKER_OPTIONS';

/** Messages a worker process sends its supervisor over IPC. */
export type WorkerMessage =
  | { readonly type: 'chunk'; readonly event: ChunkEvent }
  | { readonly type: 'warning'; readonly message: string }
  | { readonly type: 'done'; readonly summary: WorkSummary };
