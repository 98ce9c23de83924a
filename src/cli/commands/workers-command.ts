import type { Command } from 'commander';
import { listWorkers, type WorkerInfo } from '../../work/worker-registry.js';
import { formatCount, keyPrefix, withRedis } from '../context.js';
import { printJson, type GlobalFlags } from '../output.js';

/** The targets a worker waits for: "<target> since <time> (<reason>)", or "-". */
function waiting(worker: WorkerInfo): string {
  const targets = worker.waitingFor ?? [];
  return targets.length === 0 ? '-' : targets.map((t) => `${t.target} since ${t.since} (${t.reason})`).join('; ');
}

function describe(workers: readonly WorkerInfo[]): string {
  if (workers.length === 0) return 'No live workers.\n';
  const rows = workers.map((w) => [w.host, String(w.pid), w.startedAt, formatCount(w.chunks), formatCount(w.rows), w.currentImport ?? '-', waiting(w)]);
  const header = ['HOST', 'PID', 'STARTED', 'CHUNKS', 'ROWS', 'IMPORT', 'WAITING FOR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerWorkers(program: Command): void {
  program
    .command('workers')
    .description('list live workers (host, pid, started, chunks and rows done, current import, targets waited for) from their heartbeats')
    .option('--json', 'print the list as JSON on stdout')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const workers = await withRedis(flags, (redis) => listWorkers({ redis, prefix: keyPrefix(flags) }), false, 'workers');
      if (flags.json) printJson(workers);
      else process.stdout.write(describe(workers));
    });
}
