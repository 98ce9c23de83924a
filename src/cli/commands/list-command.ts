import type { Command } from 'commander';
import { listImports } from '../../lifecycle/list-imports.js';
import type { ImportStatus } from '../../status/status.js';
import { formatCount, keyPrefix, withRedis } from '../context.js';
import { printJson, type GlobalFlags } from '../output.js';
import { positiveInt } from '../parse.js';

interface ListFlags extends GlobalFlags {
  readonly limit?: number;
}

function table(imports: readonly ImportStatus[]): string {
  const header = ['ID', 'STATE', 'ROWS', 'IMPORTED', 'FAILED', 'NOTIFY', 'STARTED', 'FILE'];
  const rows = imports.map((s) => [
    s.id,
    // An open import whose target is unavailable says so in its state column.
    s.waitingSince && (s.state === 'processing' || s.state === 'enqueuing') ? `${s.state} (waiting for target)` : s.state,
    s.total === null ? `${formatCount(s.enqueued)}+` : formatCount(s.total),
    formatCount(s.succeeded),
    formatCount(s.failed),
    s.notify ?? '-',
    s.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    s.file,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([2, 3, 4]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('the imports known to this Redis, newest first, with state, counts, who is notified, start time')
    .option('--limit <n>', 'show at most this many', positiveInt('--limit'))
    .option('--json', 'print a JSON array of import summaries on stdout')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ListFlags>();
      const imports = await withRedis(flags, (redis) => listImports({ redis, prefix: keyPrefix(flags), limit: flags.limit }), false, 'list');
      if (flags.json) printJson(imports);
      else if (imports.length === 0) process.stdout.write('No imports.\n');
      else process.stdout.write(table(imports));
    });
}
