import type { Command } from 'commander';
import { getStatus, type ImportStatus } from '../../status/status.js';
import { checkImportId } from '../../ids.js';
import { describeCounts, exitCodeFor, keyPrefix, withRedis } from '../context.js';
import { printJson, type GlobalFlags } from '../output.js';
import { paceBetween, type ImportPace } from '../../status/rate.js';
import { durationInWords } from '../../duration-words.js';

function describe(status: ImportStatus): string {
  const lines = [
    `Import ${status.id}: ${status.state}${status.enqueueStalled ? ' (enqueue stopped part way: run the same enqueue with --id ' + status.id + ' to resume)' : ''}`,
    `  file:     ${status.file}`,
    `  rows:     ${describeCounts(status)}, ${status.pending.toLocaleString('en-US')} pending`,
    `  target:   ${status.target} (table ${status.table})`,
    `  started:  ${status.createdAt}`,
  ];
  if (status.finishedAt) lines.push(`  finished: ${status.finishedAt}`);
  if (status.ignoredColumns.length > 0) lines.push(`  ignored:  ${status.ignoredColumns.map((c) => `"${c}"`).join(', ')} (not in the schema, not written)`);
  if (status.notify) lines.push(`  notify:   ${status.notify}`);
  if (status.waitingSince && !status.resumable) lines.push(`  waiting:  for its target since ${status.waitingSince} (rows stay pending): ${status.waitingReason ?? 'unavailable'}`);
  if (status.error) lines.push(`  error:    ${status.error}`);
  if (status.resumable) lines.push(`  resume:   its unsaved rows are pending; a \`work\` started once the target is back finishes it`);
  return `${lines.join('\n')}\n`;
}

/** The pace and time left for a person, or nothing while no rows have moved between two looks. */
function paceWords(pace: ImportPace | null): string {
  if (!pace || pace.rowsPerSecond <= 0) return '';
  const left = pace.secondsLeft === null || !Number.isFinite(pace.secondsLeft) ? '' : `, ${durationInWords(pace.secondsLeft * 1000)} left`;
  return `, ${Math.round(pace.rowsPerSecond).toLocaleString('en-US')} rows/s${left}`;
}

/** Refreshes one line on a terminal (a line per refresh otherwise, JSON lines with --json). */
async function watchStatus(flags: GlobalFlags, read: (options: { id: string }) => Promise<ImportStatus>, id: string): Promise<ImportStatus> {
  const samples: { at: number; status: ImportStatus }[] = [];
  const terminal = Boolean(process.stdout.isTTY) && !flags.json;
  for (;;) {
    const status = await read({ id });
    const at = Date.now();
    samples.push({ at, status });
    if (samples.length > 10) samples.shift();
    const first = samples[0]!;
    const pace = samples.length > 1 ? paceBetween(first.status, first.at, status, at) : null;
    const done = status.state !== 'enqueuing' && status.state !== 'processing';
    if (flags.json) {
      printJson({ ...status, rowsPerSecond: pace ? Math.round(pace.rowsPerSecond) : null, secondsLeft: pace?.secondsLeft ?? null });
    } else {
      const line =
        `${status.id} ${status.state}${status.waitingSince && !done ? ` (waiting for its target since ${status.waitingSince})` : ''}: ${describeCounts(status)}` +
        (done ? '' : paceWords(pace));
      process.stdout.write(terminal ? `\r\x1b[K${line}` : `${line}\n`);
    }
    if (done) {
      if (terminal) process.stdout.write('\n');
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<id>', 'import id')
    .description('show where an import stands')
    .option('--json', 'print the status as JSON on stdout')
    .option('--watch', 'refresh every second with rows per second and the time left, until the import is done')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags & { watch?: boolean }>();
      checkImportId(id);
      if (flags.watch) {
        const last = await withRedis(flags, (redis) => watchStatus(flags, (options) => getStatus({ ...options, redis, prefix: keyPrefix(flags) }), id), true, 'status');
        process.exitCode = exitCodeFor(last);
        return;
      }
      const status = await withRedis(flags, (redis) => getStatus({ redis, prefix: keyPrefix(flags), id }), false, 'status');
      if (flags.json) printJson(status);
      else process.stdout.write(describe(status));
      process.exitCode = exitCodeFor(status);
    });
}
