import { releaseYoungGeneration } from '../../heap-flags.js';
import { environment } from '../environment.js';
import type { Command } from 'commander';
import { openImportsProgress } from '../../status/status.js';
import { superviseWorkers } from '../../work/supervise.js';
import { DEFAULT_CONCURRENCY, DEFAULT_GIVE_UP_AFTER_MS, DEFAULT_RETRY, DEFAULT_VISIBILITY_TIMEOUT_MS } from '../../defaults.js';
import type { WorkSummary } from '../../work/work.js';

import { checkImportId } from '../../ids.js';
import { keyPrefix, redisUrl, stopOnSignals, withRedis, formatCount } from '../context.js';
import { info, progressBar, warn, type GlobalFlags } from '../output.js';
import { positiveInt, seconds } from '../parse.js';
import { duration } from '../parse-units.js';

export interface WorkerFlags {
  readonly concurrency?: number;
  readonly processes?: number;
  readonly visibilityTimeout?: number;
  readonly maxAttempts?: number;
  /** `--give-up-after`, in seconds. */
  readonly giveUpAfter?: number;
}

interface WorkFlags extends GlobalFlags, WorkerFlags {
  readonly untilIdle?: boolean;
  readonly import?: string;
}

/** Worker flags, shared with `run`. */
export function addWorkerOptions(command: Command, defaultProcesses: number): Command {
  return command
    .option('--concurrency <n>', 'chunks worked on at once in each process (into PostgreSQL, batches of up to 8 chunks)', positiveInt('--concurrency', 256), DEFAULT_CONCURRENCY)
    .option('--processes <n>', 'worker processes (1 works inside this process)', positiveInt('--processes', 64), defaultProcesses)
    .option('--visibility-timeout <seconds>', "a silent worker's chunks go to others after this long", seconds('--visibility-timeout'), DEFAULT_VISIBILITY_TIMEOUT_MS / 1000)
    .option('--max-attempts <n>', 'quick attempts at saving before the target counts as unavailable (its chunks then wait for it)', positiveInt('--max-attempts', 100), DEFAULT_RETRY.maxAttempts)
    .option('--give-up-after <duration>', 'fail an import whose target stays unavailable this long, no save succeeding: 90s, 30m, 2h (its rows stay pending for a later work)', duration('--give-up-after'), DEFAULT_GIVE_UP_AFTER_MS / 1000);
}

export function registerWork(program: Command): void {
  addWorkerOptions(program.command('work'), 1)
    .description('validate and save queued rows, from every import or one; stops on SIGINT/SIGTERM')
    .option('--until-idle', 'exit 0 once there is nothing left to do')
    .option('--import <id>', 'work on this import only')
    .action(async (_options: unknown, command: Command) => {
      releaseYoungGeneration();
      const flags = command.optsWithGlobals<WorkFlags>();
      const importId = flags.import === undefined ? undefined : checkImportId(flags.import);
      const graceful = new AbortController();
      const kill = new AbortController();
      const processes = flags.processes ?? 1;
      const release = stopOnSignals(
        () => {
          info(flags, 'Stopping: finishing the chunks in flight (signal again to exit at once)');
          graceful.abort();
        },
        () => {
          kill.abort();
          process.exit(130);
        },
      );
      const common = {
        prefix: keyPrefix(flags),
        concurrency: flags.concurrency ?? DEFAULT_CONCURRENCY,
        untilIdle: Boolean(flags.untilIdle),
        importId,
        visibilityTimeoutMs: (flags.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS / 1000) * 1000,
        maxAttempts: flags.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
        giveUpAfterMs: (flags.giveUpAfter ?? DEFAULT_GIVE_UP_AFTER_MS / 1000) * 1000,
        targets: environment().targets,
        onWarning: (message: string) => warn(flags, message),
      };
      try {
        await withRedis(
          flags,
          async (redis) => {
            const bar = flags.untilIdle ? progressBar(flags, 'Work', 'rows') : null;
            const timer = bar
              ? setInterval(() => {
                  openImportsProgress({ redis, prefix: common.prefix, importId }).then((p) => bar.update(p.done, p.total), () => {});
                }, 500)
              : null;
            let summary: WorkSummary;
            try {
              if (processes <= 1) {
                // Loaded here: a supervisor of worker processes never runs the worker code itself.
                const { work } = await import('../../work/work.js');
                summary = await work({ ...common, redis, signal: graceful.signal });
              } else {
                summary = await superviseWorkers({ ...common, processes, redisUrl: redisUrl(flags), signal: graceful.signal, killSignal: kill.signal });
              }
            } finally {
              if (timer) clearInterval(timer);
              bar?.stop();
            }
            info(flags, `Worked ${formatCount(summary.chunks)} chunks: ${formatCount(summary.succeeded)} rows imported, ${formatCount(summary.failed)} failed`);
          },
          true,
          'work',
        );
      } finally {
        release();
      }
    });
}
