import { Command, CommanderError } from 'commander';
import { ExitCode, ImporterError, errorMessage } from '../errors.js';
import { redactText } from '../redact.js';
import { environment } from './environment.js';
import { cliMessage, nameOptionsByFlags } from './option-names.js';
import { registerEnqueue } from './commands/enqueue-command.js';
import { registerReport } from './commands/report-command.js';
import { registerRun } from './commands/run-command.js';
import { registerStatus } from './commands/status-command.js';
import { registerWork } from './commands/work-command.js';
import { registerWorkers } from './commands/workers-command.js';
import { registerList } from './commands/list-command.js';
import { registerCancel } from './commands/cancel-command.js';
import { registerPurge } from './commands/purge-command.js';
import { registerDashboard } from './commands/dashboard-command.js';
import { registerCheck } from './commands/check-command.js';
import { terminalText } from './terminal-text.js';

/** The command line: parses flags and calls the library. The only place that exits the process. */
export function buildProgram(): Command {
  const program = new Command('importer')
    .description('Bulk CSV importer: validates every row, saves the good ones, explains the bad ones, reports as XLSX')
    .version('0.1.0')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'prefix of every Redis key (default: $IMPORTER_PREFIX or "importer")')
    .option('-q, --quiet', 'print nothing but results and errors')
    .exitOverride()
    .showHelpAfterError('(run importer --help for usage)');
  registerEnqueue(program);
  registerWork(program);
  registerReport(program);
  registerStatus(program);
  registerRun(program);
  registerWorkers(program);
  registerList(program);
  registerCancel(program);
  registerPurge(program);
  registerDashboard(program);
  registerCheck(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns on every run under Node 20, which is still supported here (engines): kept out
  // of cron mails. Under 22 and 24 it never fires; setting the variable to false shows it.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  nameOptionsByFlags();
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof ImporterError) {
      // Messages name URLs already redacted; this catches one a driver's own words carried.
      process.stderr.write(`importer: ${terminalText(redactText(cliMessage(err)))}\n`);
      return err.exitCode;
    }
    process.stderr.write(`importer: unexpected error: ${redactText(errorMessage(err))}\n`);
    if (environment().debug) console.error(err);
    return ExitCode.internal;
  }
}

main(process.argv).then((code) => process.exit(code));
