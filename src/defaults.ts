/** Prefix of every Redis key the importer writes, unless --prefix / IMPORTER_PREFIX says otherwise. */
export const DEFAULT_PREFIX = 'importer';
