import { DEFAULT_PREFIX, DEFAULT_TTL_SECONDS } from '../defaults.js';
import { errorMessage, ImporterError, optionError } from '../errors.js';
import { readRecord, resumable, type ImportRecord } from '../import-record.js';
import type { ImporterRedis } from '../redis/scripts.js';
import { statusOf, type ImportStatus } from '../status/status.js';
import { sleep } from '../sleep.js';
import { mailRecipients, mailReport, type EmailOptions, type MailOutcome } from '../mail/deliver-report.js';
import { expireImport } from '../lifecycle/expire-import.js';
import { resolveMailSettings } from '../mail/mail-settings.js';
import type { S3Settings } from '../s3/s3-client.js';
import { MAX_LINK_SECONDS } from '../s3/presign.js';
import { isS3Url, parseS3Url } from '../s3/s3-url.js';
import { defaultReportPath } from './default-report-path.js';
import { writeReportTo, type WrittenReport } from './report-output.js';
import type { ReportProgress } from './write-xlsx.js';

export interface ReportOptions {
  readonly redis: ImporterRedis;
  readonly prefix?: string;
  readonly id: string;
  /** Wait until every row has an outcome (or the import failed). */
  readonly wait?: boolean;
  /** Give up waiting after this long (an ImporterError of kind 'timeout'). */
  readonly timeoutMs?: number;
  /** Where to write the XLSX: a path, or `s3://bucket/key.xlsx` (streamed there). */
  readonly out?: string;
  /** Where S3 is (for `s3://` outs and links). */
  readonly s3?: S3Settings;
  /**
   * Mail the report (to `email.to`, else to the import's `notify` address). Without `out`, the
   * report is written to `<file name>-report.xlsx` in the current directory.
   */
  readonly email?: EmailOptions;
  /**
   * Once the report is delivered (written, and mailed when asked), every key of the import
   * expires after this many seconds; 0 keeps them. Default 7 days.
   */
  readonly ttlSeconds?: number;
  /** Called on every poll while waiting. */
  readonly onWaiting?: (status: ImportStatus) => void;
  readonly pollIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** Data rows per sheet before the next one starts; Excel's limit unless a test says less. */
  readonly rowsPerSheet?: number;
  /** Called as the report's rows are written (rows written of the total). */
  readonly onProgress?: (progress: ReportProgress) => void;
}

export interface ReportResult {
  readonly status: ImportStatus;
  /** Where the XLSX was written (as given: a path or `s3://...`), when one was. */
  readonly out: string | null;
  /** Size of the written XLSX in bytes. */
  readonly bytes: number | null;
  /** What was mailed, when `email` was asked for. */
  readonly mail: MailOutcome | null;
}

function settled(record: ImportRecord): boolean {
  return record.state === 'complete' || record.state === 'failed' || record.state === 'cancelled';
}

/**
 * Reports an import: optionally waits until every row is accounted for, then writes the XLSX
 * (Summary, Errors, Imported) to a file or S3, mails it when `email` is given, and once it is
 * delivered gives every key of the import an expiry (`ttlSeconds`). A mail that cannot be sent
 * throws (the file stays written, nothing expires). Without `wait`, an import still in progress
 * is refused rather than reported as if it were done.
 */
export async function report(options: ReportOptions): Promise<ReportResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  // Settings are checked before any waiting: a typo must not surface an hour later.
  const mailSettings = options.email ? resolveMailSettings(options.email) : null;
  if (options.out && isS3Url(options.out)) parseS3Url(options.out, 'out');
  if (options.email?.uploadTo) parseS3Url(options.email.uploadTo, 'email.uploadTo');
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  let record = await load(options, prefix);
  if (options.email) mailRecipients(record, options.email);
  while (!settled(record)) {
    if (!options.wait) {
      const status = statusOf(record);
      throw optionError(
        (o) => `import ${options.id} is not finished (${status.state}, ${status.pending} rows pending${status.enqueueStalled ? ', enqueue stopped part way' : ''}); use ${o('wait')}`,
        'state',
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
  const out = options.out ?? (options.email ? defaultReportPath(record.source) : undefined);
  if (!out) return { status: statusOf(record), out: null, bytes: null, mail: null };
  const written = await writeReportTo(options.redis, prefix, record, out, { rowsPerSheet: options.rowsPerSheet, s3: options.s3, onProgress: options.onProgress });
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  let mail: MailOutcome | null = null;
  if (options.email && mailSettings) mail = await mailOrExplain(options, prefix, record, written, mailSettings, ttlSeconds);
  // An import failed because its target stayed unavailable is not over: a later `work` resumes
  // it, so its keys stay (and it stays in the active set) until a report of it finished.
  if (resumable(record)) return { status: statusOf(record), out, bytes: written.bytes, mail };
  // Delivered: the import's traces now expire (or, with a TTL of 0, are kept).
  const expiry = await expireImport({ redis: options.redis, prefix, id: options.id, ttlSeconds });
  const status = { ...statusOf(record), expiresAt: expiry.expiresAt === null ? null : new Date(expiry.expiresAt).toISOString() };
  return { status, out, bytes: written.bytes, mail };
}

/** A mail that cannot be sent fails the report, saying that the file exists and nothing expires. */
async function mailOrExplain(
  options: ReportOptions,
  prefix: string,
  record: ImportRecord,
  written: WrittenReport,
  mail: ReturnType<typeof resolveMailSettings>,
  ttlSeconds: number,
): Promise<MailOutcome> {
  try {
    return await mailReport({
      redis: options.redis,
      prefix,
      record,
      written,
      email: options.email!,
      mail,
      s3: options.s3,
      linkSeconds: ttlSeconds > 0 ? Math.min(ttlSeconds, MAX_LINK_SECONDS) : MAX_LINK_SECONDS,
      signal: options.signal,
    });
  } catch (err) {
    if (!(err instanceof ImporterError)) throw err;
    throw new ImporterError(err.kind, `${err.message}; the report was written to ${written.location} and the import's data is kept`, { cause: err });
  }
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
