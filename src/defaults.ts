/** Prefix of every Redis key the importer writes, unless --prefix / IMPORTER_PREFIX says otherwise. */
export const DEFAULT_PREFIX = 'importer';

/** Rows per task. Constants live here, apart from the modules that use them, so the command
 * line can show them without loading those modules (and their dependencies) at start-up. */
export const DEFAULT_CHUNK_SIZE = 2000;
export const MAX_CHUNK_SIZE = 5000;
/**
 * A task also ends once its rows hold this much text, whatever `--chunk-size` says: a worker
 * holds a few tasks at once (text, fields, values, the database's copy), so wide rows would
 * otherwise make its memory grow with the rows' width. Part of how a file is cut into tasks: an
 * enqueue resumed by a version with another value would cut the rest differently.
 */
export const MAX_CHUNK_BYTES = 1 << 20;
/**
 * `run --max-pending`: rows queued in Redis and not yet recorded, at most, while the workers
 * catch up with the file (about 15-30 MB of Redis for rows of 60-120 bytes). Far more than the
 * workers hold at once (processes x concurrency x chunk size), so they never wait for the
 * enqueue. `enqueue` alone has no limit by default: it may run before any worker does.
 */
export const DEFAULT_RUN_MAX_PENDING = 250_000;
/** Worker processes `run` starts. */
export const DEFAULT_RUN_PROCESSES = 2;
/** Tasks a worker process works on at once. */
export const DEFAULT_CONCURRENCY = 2;
/** `--give-up-after`: an import whose target stays unavailable this long, no save succeeding, fails (its rows stay pending). */
export const DEFAULT_GIVE_UP_AFTER_MS = 3600_000;
/** A task whose worker has been silent this long goes to another worker. */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
