import { environment } from '../environment.js';
import { basename, extname } from 'node:path';
import type { Command } from 'commander';
import { capYoungGeneration, keepHeapGrowthSmall } from '../../heap-flags.js';
import { REPORT_YOUNG_GENERATION_MB } from './report-command.js';
import { DEFAULT_RETRY, DEFAULT_RUN_PROCESSES } from '../../defaults.js';
import { DEFAULT_VISIBILITY_TIMEOUT_MS } from '../../defaults.js';

import { describeCounts, exitCodeFor, keyPrefix, redisUrl, withRedis } from '../context.js';
import { info, printJson, progressBar, warn, type Bar, type GlobalFlags } from '../output.js';
import { rowTotal, type RowTotal } from '../row-estimate.js';
import { addEnqueueOptions, enqueueSettingsFromFlags, type EnqueueFlags } from './enqueue-command.js';
import { addWorkerOptions, type WorkerFlags } from './work-command.js';
import { addDeliveryOptions, deliveryOptions, type DeliveryFlags } from './delivery-options.js';

interface RunFlags extends GlobalFlags, EnqueueFlags, WorkerFlags, Omit<DeliveryFlags, 's3Endpoint'> {
  readonly out?: string;
}

/** `people.csv` -> `people-report.xlsx` in the current directory. */
function defaultReportPath(file: string): string {
  const base = file === '-' ? 'stdin' : basename(file, extname(file));
  return `${base}-report.xlsx`;
}

export function registerRun(program: Command): void {
  addDeliveryOptions(addWorkerOptions(addEnqueueOptions(program.command('run').argument('<file>', 'CSV file, or - for stdin')), DEFAULT_RUN_PROCESSES))
    .description('enqueue, work with local workers until done, and write the report: all on this machine')
    .option('--out <file.xlsx>', 'where to write the report (default: <file name>-report.xlsx)')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (file: string, _options: unknown, command: Command) => {
      keepHeapGrowthSmall();
      // The enqueue and the report share this process: twice the report's own suits both.
      capYoungGeneration(2 * REPORT_YOUNG_GENERATION_MB);
      const flags = command.optsWithGlobals<RunFlags>();
      const out = flags.out ?? defaultReportPath(file);
      const result = await withRedis(
        flags,
        async (redis) => {
          const bar = progressBar(flags, 'Import', 'rows');
          // The report's own bar follows the import's once the report starts writing rows.
          let reportBar: Bar | null = null;
          let rowsRead: RowTotal = { rows: 0, estimated: true };
          let rowsDone = 0;
          try {
            const { runImport } = await import('../../run.js');
            return await runImport({
              redis,
              redisUrl: redisUrl(flags),
              prefix: keyPrefix(flags),
              source: file,
              ...enqueueSettingsFromFlags(flags),
              ...deliveryOptions(flags),
              processes: flags.processes,
              targets: environment().targets,
              concurrency: flags.concurrency,
              visibilityTimeoutMs: flags.visibilityTimeout === undefined ? DEFAULT_VISIBILITY_TIMEOUT_MS : flags.visibilityTimeout * 1000,
              maxAttempts: flags.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
              giveUpAfterMs: flags.giveUpAfter === undefined ? undefined : flags.giveUpAfter * 1000,
              out,
              onEnqueueProgress: (p) => {
                rowsRead = rowTotal(p);
                bar.update(rowsDone, rowsRead.rows, rowsRead.estimated);
              },
              onChunk: (event) => {
                if (event.result === 'recorded' || event.result === 'complete') rowsDone += event.rows;
                bar.update(rowsDone, rowsRead.rows, rowsRead.estimated);
              },
              onWarning: (message) => warn(flags, message),
              onReportProgress: (p) => {
                if (!reportBar) {
                  bar.stop();
                  reportBar = progressBar(flags, 'Report', 'rows');
                }
                reportBar.update(p.rows, p.total);
              },
            });
          } finally {
            if (reportBar) (reportBar as Bar).stop();
            else bar.stop();
          }
        },
        true,
        'run',
      );
      if (flags.json) printJson({ ...result.status, report: result.out, mail: result.mail });
      else {
        process.stdout.write(`${result.status.id}\n`);
        info(flags, `Import ${result.status.id} ${result.status.state}: ${describeCounts(result.status)}`);
        info(flags, `Report written to ${result.out}`);
      }
      if (result.status.state === 'failed') process.stderr.write(`importer: import failed: ${result.status.error ?? 'unknown reason'}\n`);
      process.exitCode = exitCodeFor(result.status);
    });
}
