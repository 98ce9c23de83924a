import { environment } from '../environment.js';
import type { Command } from 'commander';
import { purgeImport } from '../../lifecycle/purge-import.js';
import { checkImportId } from '../../ids.js';
import { keyPrefix, withRedis } from '../context.js';
import { LEDGER_KEEP_DAYS } from '../../targets/target.js';
import { info, printJson, warn, type GlobalFlags } from '../output.js';

export function registerPurge(program: Command): void {
  program
    .command('purge')
    .argument('<id>', 'import id')
    .description("delete every Redis key of an import now, and its rows of the target's ledger (the rows already saved stay in the target)")
    .option('--json', 'print {"id","purged","keys","ledgerRows","ledgerError"} on stdout')
    .action(async (id: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      checkImportId(id);
      const result = await withRedis(flags, (redis) => purgeImport({ redis, prefix: keyPrefix(flags), id, targets: environment().targets }), false, 'purge');
      if (flags.json) printJson({ id, purged: true, keys: result.keys, ledgerRows: result.ledgerRows, ledgerError: result.ledgerError });
      else info(flags, `Purged import ${id}: ${result.keys} keys deleted${result.ledgerRows === null ? '' : `, ${result.ledgerRows} ledger rows deleted from ${result.target}`}`);
      if (result.ledgerError !== null) {
        warn(flags, `the import's ledger rows were left in ${result.target ?? 'its target'} (${result.ledgerError}); they are deleted after ${LEDGER_KEEP_DAYS} days`);
      }
    });
}
