/**
 * importer as a library: the same operations the command line runs, as functions with typed
 * options. The command line only parses flags and calls these.
 */
export { connectRedis, closeRedis, DEFAULT_REDIS_URL, type ConnectOptions } from './redis/connection.js';
export type { ImporterRedis } from './redis/scripts.js';
export { enqueue, DEFAULT_CHUNK_SIZE, type EnqueueOptions, type EnqueueResult, type EnqueueProgress } from './enqueue/enqueue.js';
export { work, DEFAULT_CONCURRENCY, DEFAULT_VISIBILITY_TIMEOUT_MS, type WorkOptions, type WorkSummary, type ChunkEvent } from './work/work.js';
export { superviseWorkers, type SuperviseOptions } from './work/supervise.js';
export { report, type ReportOptions, type ReportResult } from './report/report.js';
export type { ReportProgress } from './report/write-xlsx.js';
export { getStatus, openImportsProgress, type ImportStatus, type StatusOptions } from './status/status.js';
export { listWorkers, type WorkerInfo } from './work/worker-registry.js';
export { runImport, type RunOptions } from './run.js';
export { ImporterError, ExitCode, type ImporterErrorKind } from './errors.js';
export { DEFAULT_PREFIX } from './defaults.js';
export { importKeys, globalKeys } from './redis/keys.js';
export type { ImportState } from './import-record.js';
export { defineHandler, RowError, type Handler, type ImportRow, type RowContext, type SaveContext, type HandlerContext, type HandlerRejection } from './handler/handler-types.js';
export type { CellValue } from './schema/row-validator.js';
export { listImports, type ListOptions } from './lifecycle/list-imports.js';
export { cancelImport, type CancelOptions, type CancelResult } from './lifecycle/cancel-import.js';
export { purgeImport, type PurgeOptions, type PurgeResult } from './lifecycle/purge-import.js';
export { expireImport, DEFAULT_TTL_SECONDS, type ExpireOptions, type ExpireResult } from './lifecycle/expire-import.js';
export { importMemory, type ImportMemory, type ImportMemoryOptions } from './lifecycle/import-memory.js';
export { DEFAULT_MAX_ATTACHMENT_BYTES, type EmailOptions, type MailOutcome } from './deliver/mail-report.js';
export type { S3Settings } from './s3/s3-client.js';
export { importedRows, failedRows, type ImportedRow, type FailedRowEntry, type OutcomeListOptions } from './report/list-reader.js';
export { checkFile, type CheckOptions, type CheckResult, type InvalidRow } from './check/check-file.js';
export type { ErrorGroup } from './report/error-groups.js';
