import type { Command } from 'commander';
import { capYoungGeneration, keepHeapGrowthSmall } from '../../heap-flags.js';
import { checkImportId } from '../../ids.js';
import { describeCounts, exitCodeFor, keyPrefix, withRedis } from '../context.js';
import { info, printJson, progressBar, spinner, type Bar, type GlobalFlags } from '../output.js';
import { seconds } from '../parse.js';
import { addDeliveryOptions, addS3EndpointOption, deliveryOptions, type DeliveryFlags } from './delivery-options.js';

/**
 * The report's young generation: its rows die young, and V8's own 32 MB held ~35 MB more of
 * them for a few percent less CPU (BENCHMARKS.md).
 */
export const REPORT_YOUNG_GENERATION_MB = 2;

interface ReportFlags extends GlobalFlags, DeliveryFlags {
  readonly wait?: boolean;
  readonly timeout?: number;
  readonly out?: string;
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .argument('<id>', 'import id')
    .description('write the XLSX report of an import (Summary, Errors, Imported), mail it, then let its data expire')
    .option('--wait', 'wait until every row has an outcome')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 4)', seconds('--timeout'))
    .option('--out <file.xlsx | s3://bucket/key.xlsx>', 'write the report to this file, or stream it to S3')
    .option('--json', 'print the summary as JSON on stdout');
  addS3EndpointOption(addDeliveryOptions(command))
    .action(async (id: string, _options: unknown, command: Command) => {
      keepHeapGrowthSmall();
      capYoungGeneration(REPORT_YOUNG_GENERATION_MB);
      const flags = command.optsWithGlobals<ReportFlags>();
      checkImportId(id);
      const result = await withRedis(
        flags,
        async (redis) => {
          let spin = flags.wait ? spinner(flags, `Waiting for import ${id}`) : null;
          let bar: Bar | null = null;
          try {
            const { report } = await import('../../report/report.js');
            return await report({
              redis,
              prefix: keyPrefix(flags),
              id,
              wait: flags.wait,
              timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
              out: flags.out,
              ...deliveryOptions(flags),
              onWaiting: (status) => {
                if (spin) spin.text = `Waiting for import ${id}: ${describeCounts(status)}${status.error ? ` (${status.error})` : ''}`;
              },
              onProgress: (p) => {
                if (!bar) {
                  spin?.stop();
                  spin = null;
                  bar = progressBar(flags, 'Report', 'rows');
                }
                bar.update(p.rows, p.total);
              },
            });
          } finally {
            spin?.stop();
            (bar as Bar | null)?.stop();
          }
        },
        Boolean(flags.wait),
        'report',
      );
      if (flags.json) printJson({ ...result.status, report: result.out, mail: result.mail });
      else {
        info(flags, `Import ${id} ${result.status.state}: ${describeCounts(result.status)}`);
        if (result.out) info(flags, `Report written to ${result.out}`);
        if (result.mail) info(flags, `Report mailed to ${result.mail.to.join(', ')}${result.mail.attached ? '' : ` (linked: ${result.mail.stored ?? 'too large to attach'})`}`);
        if (result.status.expiresAt) info(flags, `The import's data expires at ${result.status.expiresAt}`);
      }
      if (result.status.state === 'failed') process.stderr.write(`importer: import ${id} failed: ${result.status.error ?? 'unknown reason'}\n`);
      process.exitCode = exitCodeFor(result.status);
    });
}
