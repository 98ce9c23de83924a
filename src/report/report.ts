import { DEFAULT_PREFIX } from '../defaults.js';
import { errorMessage, ImporterError } from '../errors.js';
import { readRecord, type ImportRecord } from '../import-record.js';
import type { ImporterRedis } from '../redis/scripts.js';
import { statusOf, type ImportStatus } from '../status/status.js';
import { sleep } from '../work/retry.js';
import { writeXlsxReport } from './write-xlsx.js';

export interface ReportOptions {
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  readonly id: string;
  /** Wait until every row has an outcome (or the import failed). */
  readonly wait?: boolean;
  /** Give up waiting after this long (an ImporterError of kind 'timeout'). */
  readonly timeoutMs?: number;
  /** Where to write the XLSX. */
  readonly out?: string;
  /** Called on every poll while waiting. */
  readonly onWaiting?: (status: ImportStatus) => void;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** Data rows per sheet before the next one starts; Excel's limit unless a test says less. */
  readonly rowsPerSheet?: number;
}

export interface ReportResult {
  readonly status: ImportStatus;
  /** Path of the written XLSX, when one was asked for. */
  readonly out: string | null;
}

function settled(record: ImportRecord): boolean {
  return record.state === 'complete' || record.state === 'failed' || record.state === 'cancelled';
}

/**
 * Reports an import: optionally waits until every row is accounted for, then writes the XLSX
 * (Summary, Errors, Imported). Without `wait`, an import still in progress is refused rather
 * than reported as if it were done.
 */
export async function report(options: ReportOptions): Promise<ReportResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let record = await load(options, prefix);
  while (!settled(record)) {
    if (!options.wait) {
      const status = statusOf(record);
      throw new ImporterError(
        'state',
        `import ${options.id} is not finished (${status.state}, ${status.pending} rows pending${status.enqueueStalled ? ', enqueue stopped part way' : ''}); use --wait`,
      );
    }
    options.onWaiting?.(statusOf(record));
    if (Date.now() >= deadline) {
      const status = statusOf(record);
      throw new ImporterError('timeout', `timed out waiting for import ${options.id}: ${status.succeeded + status.failed} rows done, ${status.pending} pending`);
    }
    await sleep(Math.min(options.pollIntervalMs ?? 500, Math.max(0, deadline - Date.now())), options.signal);
    if (options.signal?.aborted) throw new ImporterError('internal', 'interrupted while waiting');
    record = await reload(options, prefix, record);
  }
  if (options.out) await writeXlsxReport(options.redis, prefix, record, options.out, options.rowsPerSheet);
  return { status: statusOf(record), out: options.out ?? null };
}

async function load(options: ReportOptions, prefix: string): Promise<ImportRecord> {
  const record = await readRecord(options.redis, prefix, options.id);
  if (!record) throw new ImporterError('state', `no import with id "${options.id}" in this Redis`);
  return record;
}

/** A Redis hiccup while waiting is waited out, not reported as a failure. */
async function reload(options: ReportOptions, prefix: string, previous: ImportRecord): Promise<ImportRecord> {
  try {
    return await load(options, prefix);
  } catch (err) {
    if (err instanceof ImporterError) throw err;
    options.onWaiting?.({ ...statusOf(previous), error: `Redis unavailable: ${errorMessage(err)}` });
    return previous;
  }
}
