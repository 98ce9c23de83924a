import type { Command } from 'commander';
import type { CheckResult, InvalidRow } from '../../check/check-file.js';
import { ExitCode } from '../../errors.js';
import { describeGroup } from '../../report/error-groups.js';
import { formatCount } from '../context.js';
import { keepHeapGrowthSmall, releaseYoungGeneration } from '../../heap-flags.js';
import { printJson, progressBar, type GlobalFlags } from '../output.js';
import { addReadOptions, readOptionsFromFlags, type ReadFlags } from '../read-flags.js';
import { terminalText } from '../terminal-text.js';

interface CheckFlags extends ReadFlags, GlobalFlags {
  readonly schema: string;
  readonly out?: string;
  readonly s3Endpoint?: string;
}

/** Invalid rows listed by the human output. */
const SHOWN_ROWS = 10;

function describeRow(row: InvalidRow): string {
  const where = row.line === row.row + 1 ? `row ${row.row}` : `row ${row.row} (line ${row.line})`;
  return `${where}: ${row.messages.join('; ')}`;
}

/** The summary a person reads; every piece of the upload's text escaped for the terminal. */
function describe(result: CheckResult): string {
  const lines = [
    `${result.file}: ${formatCount(result.total)} rows, ${formatCount(result.valid)} valid, ${formatCount(result.invalid)} invalid`,
  ];
  if (result.ignoredColumns.length > 0) lines.push(`  ignored: ${result.ignoredColumns.map((c) => `"${c}"`).join(', ')} (not in the schema, would not be written)`);
  if (result.errorGroups.length > 0) {
    lines.push('  problems:');
    for (const group of result.errorGroups) lines.push(`    ${describeGroup(group)}`);
    lines.push(result.invalid > result.firstErrors.length ? `  first ${result.firstErrors.length} invalid rows:` : '  invalid rows:');
    for (const row of result.firstErrors) lines.push(`    ${describeRow(row)}`);
  }
  if (result.out) lines.push(`  errors written to ${result.out}`);
  return `${lines.map(terminalText).join('\n')}\n`;
}

export function registerCheck(program: Command): void {
  addReadOptions(program.command('check').argument('<file>', 'CSV or Excel (.xlsx) file, s3://bucket/key, or - for stdin'))
    .description('validate a file as an import would, without Redis or a target; exit 3 if some rows are invalid')
    .requiredOption('--schema <schema.json>', 'JSON Schema every row is validated against')
    .option('--out <errors.xlsx>', "write the invalid rows as the report's Errors sheet (and a Summary sheet)")
    .option('--s3-endpoint <url>', 'endpoint of an S3-compatible store, path-style (default: $AWS_ENDPOINT_URL, else AWS)')
    .option('--json', 'print {"file","total","valid","invalid","ignoredColumns","errorGroups","firstErrors",...} on stdout')
    .action(async (file: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<CheckFlags>();
      // The rows die young: a heap left to grow on its own holds ~50 MB of them uncollected.
      keepHeapGrowthSmall();
      releaseYoungGeneration();
      const bar = progressBar(flags, 'Check', 'bytes');
      let result: CheckResult;
      try {
        const { checkFile } = await import('../../check/check-file.js');
        result = await checkFile({
          ...readOptionsFromFlags(flags),
          source: file,
          schemaPath: flags.schema,
          out: flags.out,
          firstErrors: SHOWN_ROWS,
          s3: flags.s3Endpoint ? { endpoint: flags.s3Endpoint } : undefined,
          onProgress: (p) => bar.update(p.bytesRead, p.totalBytes ?? p.bytesRead),
        });
      } finally {
        bar.stop();
      }
      if (flags.json) printJson(result);
      else process.stdout.write(describe(result));
      process.exitCode = result.invalid > 0 ? ExitCode.rowsFailed : ExitCode.ok;
    });
}
