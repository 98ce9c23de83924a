import { enqueue, type EnqueueOptions, type EnqueueProgress } from './enqueue/enqueue.js';
import { DEFAULT_CONCURRENCY, DEFAULT_PREFIX, DEFAULT_RETRY, DEFAULT_RUN_MAX_PENDING, DEFAULT_RUN_PROCESSES, DEFAULT_VISIBILITY_TIMEOUT_MS } from './defaults.js';
import { report, type ReportResult } from './report/report.js';
import type { ReportProgress } from './report/write-xlsx.js';
import type { ImportStatus } from './status/status.js';
import { superviseWorkers } from './work/supervise.js';
import { work, type ChunkEvent, type WorkSummary } from './work/work.js';

import { parseTarget } from './targets/target-url.js';
import type { EmailOptions } from './mail/deliver-report.js';
import { resolveMailSettings } from './mail/mail-settings.js';
import type { S3Settings } from './s3/s3-client.js';
import type { TargetOptions } from './targets/target-options.js';

export interface RunOptions extends Omit<EnqueueOptions, 'onStarted' | 'onProgress'> {
  /** URL of the same Redis, for worker processes to connect to. */
  readonly redisUrl: string;
  /** Worker processes; 1 works inside this process. */
  readonly processes?: number;
  readonly concurrency?: number;
  readonly visibilityTimeoutMs?: number;
  readonly maxAttempts?: number;
  /** Give up on the import after its target was unavailable this long (WorkOptions.giveUpAfterMs). */
  readonly giveUpAfterMs?: number;
  /** Passwords and settings of the target (WorkOptions.targets); a password in `target` is used when `targets.password` is absent. */
  readonly targets?: TargetOptions;
  readonly out?: string;
  /** Where S3 is, for an `s3://` file, `--upload` and an `s3://` report. */
  readonly s3?: S3Settings;
  /** Mail the report (see ReportOptions.email). */
  readonly email?: EmailOptions;
  /** Once the report is delivered, the import's keys expire after this long; 0 keeps them. */
  readonly ttlSeconds?: number;
  readonly onEnqueueProgress?: (progress: EnqueueProgress) => void;
  readonly onChunk?: (event: ChunkEvent) => void;
  readonly onWarning?: (message: string) => void;
  readonly onWaiting?: (status: ImportStatus) => void;
  /** Called as the report's rows are written, once every row has an outcome. */
  readonly onReportProgress?: (progress: ReportProgress) => void;
}


/**
 * The single-machine path: enqueues the file while local workers already work on it, waits
 * until every row is accounted for, and writes the report.
 */
export async function runImport(options: RunOptions): Promise<ReportResult & { readonly work: WorkSummary }> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  // A missing SMTP server is said now, not after the whole file was imported.
  if (options.email) resolveMailSettings(options.email);
  // On one machine, the workers are this process and its children: a password given in the
  // target URL reaches them as an option (a child's through its environment), never through Redis.
  const password = options.target ? parseTarget(options.target).password : null;
  const targets: TargetOptions = { ...options.targets, password: options.targets?.password ?? password ?? undefined };
  const stop = new AbortController();
  let workers: Promise<WorkSummary> | null = null;
  const startWorkers = (id: string): void => {
    const common = {
      prefix,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      untilIdle: true,
      importId: id,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? DEFAULT_VISIBILITY_TIMEOUT_MS,
      maxAttempts: options.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
      giveUpAfterMs: options.giveUpAfterMs,
      targets,
    };
    const processes = options.processes ?? DEFAULT_RUN_PROCESSES;
    workers =
      processes <= 1
        ? work({ ...common, redis: options.redis, signal: stop.signal, onChunk: options.onChunk, onWarning: options.onWarning })
        : superviseWorkers({ ...common, processes, redisUrl: options.redisUrl, signal: stop.signal, onChunk: options.onChunk, onWarning: options.onWarning });
  };
  let enqueued;
  try {
    enqueued = await enqueue({ ...options, maxPending: options.maxPending ?? DEFAULT_RUN_MAX_PENDING, onStarted: startWorkers, onProgress: options.onEnqueueProgress });
  } catch (err) {
    stop.abort();
    await (workers as Promise<WorkSummary> | null)?.catch(() => undefined);
    throw err;
  }
  const summary = (await (workers as Promise<WorkSummary> | null)) ?? { chunks: 0, rows: 0, succeeded: 0, failed: 0 };
  const result = await report({
    redis: options.redis,
    prefix,
    id: enqueued.id,
    wait: true,
    out: options.out,
    onWaiting: options.onWaiting,
    s3: options.s3,
    email: options.email,
    ttlSeconds: options.ttlSeconds,
    onProgress: options.onReportProgress,
  });
  return { ...result, work: summary };
}
