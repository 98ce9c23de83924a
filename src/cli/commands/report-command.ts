import type { Command } from 'commander';
import { report } from '../../report/report.js';
import { checkImportId } from '../../ids.js';
import { describeCounts, exitCodeFor, keyPrefix, withRedis } from '../context.js';
import { info, printJson, spinner, type GlobalFlags } from '../output.js';
import { seconds } from '../parse.js';

interface ReportFlags extends GlobalFlags {
  readonly wait?: boolean;
  readonly timeout?: number;
  readonly out?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<id>', 'import id')
    .description('write the XLSX report of an import (Summary, Errors, Imported)')
    .option('--wait', 'wait until every row has an outcome')
    .option('--timeout <seconds>', 'give up waiting after this long (exit 4)', seconds('--timeout'))
    .option('--out <file.xlsx>', 'write the report to this file')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ReportFlags>();
      checkImportId(id);
      const result = await withRedis(
        flags,
        async (redis) => {
          const spin = flags.wait ? spinner(flags, `Waiting for import ${id}`) : null;
          try {
            return await report({
              redis,
              prefix: keyPrefix(flags),
              id,
              wait: flags.wait,
              timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000,
              out: flags.out,
              onWaiting: (status) => {
                if (spin) spin.text = `Waiting for import ${id}: ${describeCounts(status)}${status.error ? ` (${status.error})` : ''}`;
              },
            });
          } finally {
            spin?.stop();
          }
        },
        Boolean(flags.wait),
      );
      if (flags.json) printJson({ ...result.status, report: result.out });
      else {
        info(flags, `Import ${id} ${result.status.state}: ${describeCounts(result.status)}`);
        if (result.out) info(flags, `Report written to ${result.out}`);
      }
      if (result.status.state === 'failed') process.stderr.write(`importer: import ${id} failed: ${result.status.error ?? 'unknown reason'}\n`);
      process.exitCode = exitCodeFor(result.status);
    });
}
