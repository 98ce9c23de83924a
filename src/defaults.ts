import type { WorkbookLimits } from './sources/read-options.js';
import type { RetryPolicy } from './work/retry.js';

/**
 * Every default of the importer, in one place. The command line shows them in its help without
 * loading the modules that use them (and their dependencies) at start-up.
 */

/** Prefix of every Redis key the importer writes, unless --prefix / IMPORTER_PREFIX says otherwise. */
export const DEFAULT_PREFIX = 'importer';

/** Rows per chunk (`--chunk-size`), and the most it may be. */
export const DEFAULT_CHUNK_SIZE = 2000;
export const MAX_CHUNK_SIZE = 5000;
/**
 * A chunk also ends once its rows hold this much text, whatever `--chunk-size` says: a worker
 * holds a few chunks at once (text, fields, values, the database's copy), so wide rows would
 * otherwise make its memory grow with the rows' width. Part of how a file is cut into chunks: an
 * enqueue resumed by a version with another value would cut the rest differently.
 */
export const MAX_CHUNK_BYTES = 1 << 20;
/**
 * Unique values (other than plain integers) that an enqueue tells apart in its own memory, 16
 * bytes each in tables of at most 32 MiB for one unique column, 64 MiB over several; past them,
 * values are claimed in Redis's bucket hashes (src/enqueue/claimed-values.ts).
 */
export const UNIQUE_VALUES_IN_MEMORY = 1_500_000;
/**
 * `run --max-pending`: rows queued in Redis and not yet recorded, at most, while the workers
 * catch up with the file (about 15-30 MB of Redis for rows of 60-120 bytes). Far more than the
 * workers hold at once (processes x concurrency x chunk size), so they never wait for the
 * enqueue. `enqueue` alone has no limit by default: it may run before any worker does.
 */
export const DEFAULT_RUN_MAX_PENDING = 250_000;
/** Worker processes `run` starts. */
export const DEFAULT_RUN_PROCESSES = 2;
/** Chunks a worker process works on at once. */
export const DEFAULT_CONCURRENCY = 2;
/** `--give-up-after`: an import whose target stays unavailable this long, no save succeeding, fails (its rows stay pending). */
export const DEFAULT_GIVE_UP_AFTER_MS = 3600_000;
/** A chunk whose worker has been silent this long goes to another worker. */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
/**
 * Quick attempts at saving a chunk before its target counts as unavailable (`--max-attempts`),
 * with exponential backoff between them from `baseDelayMs`, capped at `maxDelayMs`.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

/** Redis to use unless --redis / REDIS_URL says otherwise. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Where rows go unless --target says otherwise: a SQLite file in the working folder. */
export const DEFAULT_TARGET = 'sqlite:./importer.db';
/**
 * How long a SQLite statement waits for another connection's lock before failing with
 * SQLITE_BUSY (the worker then retries with backoff). better-sqlite3 waits synchronously,
 * blocking the worker's event loop: IMPORTER_SQLITE_BUSY_TIMEOUT_MS can shorten it.
 */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/** How long an import's keys live after its report was delivered (`--ttl`): seven days. */
export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

/** Attempts at sending a report's mail before giving up. */
export const DEFAULT_MAIL_ATTEMPTS = 4;
/** Wait before the first retry of a mail, doubled for each next one. */
export const DEFAULT_MAIL_RETRY_DELAY_MS = 2000;
/** Reports larger than this are linked (uploaded to S3) instead of attached. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Longest record (row) of a file, in bytes, before the file is refused. */
export const DEFAULT_MAX_RECORD_SIZE = 16 * 1024 * 1024;
/** Excel shows 16,384 columns; the report adds three (Row, Line, Problems) before the file's own. */
export const DEFAULT_MAX_COLUMNS = 10_000;
/** What a workbook may unpack to (see WorkbookLimits and docs/reading-files.md). */
export const DEFAULT_WORKBOOK_LIMITS: WorkbookLimits = {
  // Sheet XML of real workbooks deflates 5 to 30 times; a ZIP bomb 1000 times.
  maxInflateRatio: 100,
  maxInflatedBytes: 4 * 1024 ** 3,
  // The table is held in memory while the sheet is read: 64 MB of short strings stays within the
  // workbook reader's memory bound (docs/reading-files.md), twice that does not.
  maxSharedStringsBytes: 64 * 1024 ** 2,
  // Real workbooks produce about as much text as they weigh, ten times with a long text repeated
  // down a column; one string referenced by every cell, thousands of times.
  maxTextRatio: 50,
  minTextBytes: 32 * 1024 ** 2,
};
