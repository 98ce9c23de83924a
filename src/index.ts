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
export { getStatus, openImportsProgress, type ImportStatus, type StatusOptions } from './status/status.js';
export { runImport, type RunOptions } from './run.js';
export { ImporterError, ExitCode, type ImporterErrorKind } from './errors.js';
export { DEFAULT_PREFIX } from './defaults.js';
export { importKeys, globalKeys } from './redis/keys.js';
export type { ImportState } from './import-record.js';
export { defineHandler, RowError, type Handler, type ImportRow, type RowContext, type SaveContext, type HandlerContext, type HandlerRejection } from './handler/handler-types.js';
export type { CellValue } from './schema/row-validator.js';
