import type { Command } from 'commander';
import { cancelImport } from '../../lifecycle/cancel-import.js';
import { ImporterError } from '../../errors.js';
import { checkImportId } from '../../ids.js';
import { keyPrefix, withRedis } from '../context.js';
import { info, printJson, type GlobalFlags } from '../output.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .argument('<id>', 'import id')
    .description('stop an import: its remaining chunks are dropped and workers skip them; state becomes cancelled')
    .option('--json', 'print {"id","state","previousState","cancelled"} on stdout')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      checkImportId(id);
      const result = await withRedis(flags, (redis) => cancelImport({ redis, prefix: keyPrefix(flags), id }), false, 'cancel');
      if (flags.json) printJson(result);
      if (result.state !== 'cancelled') {
        throw new ImporterError('state', `import ${id} is already ${result.state}: there is nothing to cancel`);
      }
      if (!flags.json) info(flags, result.cancelled ? `Cancelled import ${id} (it was ${result.previousState})` : `Import ${id} was already cancelled`);
    });
}
