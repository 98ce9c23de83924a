import type { Command } from 'commander';
import { getStatus, type ImportStatus } from '../../status/status.js';
import { checkImportId } from '../../ids.js';
import { describeCounts, exitCodeFor, keyPrefix, withRedis } from '../context.js';
import { printJson, type GlobalFlags } from '../output.js';

function describe(status: ImportStatus): string {
  const lines = [
    `Import ${status.id}: ${status.state}${status.enqueueStalled ? ' (enqueue stopped part way: run the same enqueue with --id ' + status.id + ' to resume)' : ''}`,
    `  file:     ${status.file}`,
    `  rows:     ${describeCounts(status)}, ${status.pending.toLocaleString('en-US')} pending`,
    `  target:   ${status.target} (table ${status.table})`,
    `  started:  ${status.createdAt}`,
  ];
  if (status.finishedAt) lines.push(`  finished: ${status.finishedAt}`);
  if (status.notify) lines.push(`  notify:   ${status.notify}`);
  if (status.error) lines.push(`  error:    ${status.error}`);
  return `${lines.join('\n')}\n`;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<id>', 'import id')
    .description('show where an import stands')
    .option('--json', 'print the status as JSON on stdout')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      checkImportId(id);
      const status = await withRedis(flags, (redis) => getStatus({ redis, prefix: keyPrefix(flags), id }));
      if (flags.json) printJson(status);
      else process.stdout.write(describe(status));
      process.exitCode = exitCodeFor(status);
    });
}
