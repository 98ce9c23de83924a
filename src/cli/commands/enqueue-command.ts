import type { Command } from 'commander';
import { enqueue, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from '../../enqueue/enqueue.js';
import { DEFAULT_TARGET } from '../../targets/target-url.js';
import { keyPrefix, withRedis, formatCount } from '../context.js';
import { info, progressBar, type GlobalFlags } from '../output.js';
import { positiveInt } from '../parse.js';

export interface EnqueueFlags {
  readonly schema?: string;
  readonly target?: string;
  readonly table?: string;
  readonly notify?: string;
  readonly id?: string;
  readonly chunkSize?: number;
}

/** The enqueue flags, shared with `run`. */
export function addEnqueueOptions(command: Command): Command {
  return command
    .option('--schema <schema.json>', 'JSON Schema every row is validated against (default: every row is valid)')
    .option('--target <url>', 'where valid rows are saved', DEFAULT_TARGET)
    .option('--table <name>', 'table to save into (default: the file name without extension)')
    .option('--notify <email>', 'who started the import (receives the report)')
    .option('--id <id>', 'import id; the same id resumes an enqueue that stopped part way')
    .option('--chunk-size <n>', `rows per task (default ${DEFAULT_CHUNK_SIZE})`, positiveInt('--chunk-size', MAX_CHUNK_SIZE));
}

export function registerEnqueue(program: Command): void {
  addEnqueueOptions(program.command('enqueue').argument('<file>', 'CSV file, or - for stdin'))
    .description('read a CSV file into tasks on Redis; prints the import id')
    .action(async (file: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags & EnqueueFlags>();
      await withRedis(flags, async (redis) => {
        const bar = progressBar(flags, 'Enqueue', 'bytes');
        try {
          const result = await enqueue({
            redis,
            prefix: keyPrefix(flags),
            source: file,
            schemaPath: flags.schema,
            target: flags.target,
            table: flags.table,
            notify: flags.notify,
            id: flags.id,
            chunkSize: flags.chunkSize,
            onProgress: (p) => bar.update(p.bytesRead, p.totalBytes ?? p.bytesRead),
          });
          bar.stop();
          process.stdout.write(`${result.id}\n`);
          info(flags, `${result.resumed ? 'Resumed' : 'Queued'} import ${result.id}: ${formatCount(result.total)} rows (${result.state})`);
        } finally {
          bar.stop();
        }
      });
    });
}
