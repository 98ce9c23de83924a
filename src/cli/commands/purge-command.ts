import type { Command } from 'commander';
import { purgeImport } from '../../lifecycle/purge-import.js';
import { checkImportId } from '../../ids.js';
import { keyPrefix, withRedis } from '../context.js';
import { info, printJson, type GlobalFlags } from '../output.js';

export function registerPurge(program: Command): void {
  program
    .command('purge')
    .argument('<id>', 'import id')
    .description("delete every Redis key of an import now (the rows already saved stay in the target)")
    .option('--json', 'print {"id","purged","keys"} on stdout')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      checkImportId(id);
      const result = await withRedis(flags, (redis) => purgeImport({ redis, prefix: keyPrefix(flags), id }), false, 'purge');
      if (flags.json) printJson({ id, purged: true, keys: result.keys });
      else info(flags, `Purged import ${id}: ${result.keys} keys deleted`);
    });
}
