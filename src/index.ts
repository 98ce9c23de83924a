/**
 * importer as a library: the same operations the command line runs, as functions with typed
 * options. The command line only parses flags and calls these.
 */
export { connectRedis, closeRedis, type ConnectOptions } from './redis/connection.js';
export type { ImporterRedis } from './redis/scripts.js';
export { enqueue, type EnqueueOptions, type EnqueueResult, type EnqueueProgress } from './enqueue/enqueue.js';
export { work, type WorkOptions, type WorkSummary, type ChunkEvent } from './work/work.js';
export { superviseWorkers, type SuperviseOptions } from './work/supervise.js';
export { report, type ReportOptions, type ReportResult } from './report/report.js';
export type { ReportProgress } from './report/write-xlsx.js';
export { getStatus, openImportsProgress, type ImportStatus, type StatusOptions } from './status/status.js';
export { listWorkers, type WorkerInfo } from './work/worker-registry.js';
export { runImport, type RunOptions } from './run.js';
export { ImporterError, OptionError, ExitCode, type ImporterErrorKind, type NameOption } from './errors.js';
export { ScriptError, NoImportError, ImportClosedError, ChunkGapError, CountMismatchError, type ScriptErrorCode } from './redis/script-errors.js';
export type { TargetOptions } from './targets/target-options.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_PREFIX, DEFAULT_REDIS_URL, DEFAULT_TTL_SECONDS, DEFAULT_VISIBILITY_TIMEOUT_MS } from './defaults.js';
export { importKeys, globalKeys } from './redis/keys.js';
export type { ImportState } from './import-record.js';
export { defineHandler, RowError, type Handler, type ImportRow, type RowContext, type SaveContext, type HandlerContext, type HandlerRejection } from './handler/handler-types.js';
export type { CellValue } from './schema/row-validator.js';
export { listImports, type ListOptions } from './lifecycle/list-imports.js';
export { cancelImport, type CancelOptions, type CancelResult } from './lifecycle/cancel-import.js';
export { purgeImport, type PurgeOptions, type PurgeResult } from './lifecycle/purge-import.js';
export { expireImport, type ExpireOptions, type ExpireResult } from './lifecycle/expire-import.js';
export { importMemory, type ImportMemory, type ImportMemoryOptions } from './lifecycle/import-memory.js';
export { type EmailOptions, type MailOutcome } from './mail/deliver-report.js';
export type { S3Settings } from './s3/s3-client.js';
export { importedRows, failedRows, type ImportedRow, type OutcomeListOptions } from './report/list-reader.js';
export type { FailedRowEntry } from './redis/codec.js';
export { startDashboard, type Dashboard, type DashboardOptions } from './dashboard/start-dashboard.js';
export { checkFile, type CheckOptions, type CheckResult, type InvalidRow } from './check/check-file.js';
export type { ErrorGroup } from './report/error-groups.js';
