/** Prefix of every Redis key the importer writes, unless --prefix / IMPORTER_PREFIX says otherwise. */
export const DEFAULT_PREFIX = 'importer';

/** Rows per task. Constants live here, apart from the modules that use them, so the command
 * line can show them without loading those modules (and their dependencies) at start-up. */
export const DEFAULT_CHUNK_SIZE = 500;
export const MAX_CHUNK_SIZE = 5000;
/** Worker processes `run` starts. */
export const DEFAULT_RUN_PROCESSES = 2;
