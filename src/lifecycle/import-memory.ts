import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { scanImportKeys } from './import-key-scan.js';

export interface ImportMemoryOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
}

/** What an import holds in Redis now. */
export interface ImportMemory {
  /** Bytes of all its keys (MEMORY USAGE, every element counted). */
  readonly bytes: number;
  readonly keys: number;
  /**
   * Bytes by kind of key: its name after `{<id>}:` (`meta`, `chunks`, `succeeded`, `failed`,
   * `done`), the unique values' hashes and arrays together as `unique`, probes as `probe`.
   */
  readonly byKind: Readonly<Record<string, number>>;
}

/**
 * The bytes an import's keys take in Redis, counted key by key under its own prefix and id (the
 * server's used_memory counts everyone's keys). For benchmarks and capacity checks: it asks for
 * every key's size, so it costs a command per key.
 */
export async function importMemory(options: ImportMemoryOptions): Promise<ImportMemory> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const tag = `${prefix}:{${options.id}}:`;
  const byKind: Record<string, number> = {};
  const seen = new Set<string>();
  let bytes = 0;
  for await (const batch of scanImportKeys(options.redis, prefix, options.id)) {
    for (const key of batch) {
      if (seen.has(key)) continue; // SCAN may return a key twice
      seen.add(key);
      const size = Number((await options.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      const kind = key.slice(tag.length).split(':')[0]!;
      byKind[kind] = (byKind[kind] ?? 0) + size;
      bytes += size;
    }
  }
  return { bytes, keys: seen.size, byKind };
}
