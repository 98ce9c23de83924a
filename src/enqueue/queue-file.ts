import { ImportClosedError } from '../redis/script-errors.js';
import { ImporterError } from '../errors.js';
import type { ImportSettings } from '../import-record.js';
import { globalKeys, type ImportKeys } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';
import { ChunkSender } from './chunk-sender.js';
import type { OpenedInput } from './open-input.js';
import { sendRawChunks } from './raw-chunker.js';
import { sendRecordChunks } from './record-chunks.js';
import { redisFullError } from './redis-full.js';

export interface QueueFileOptions {
  readonly redis: ImporterRedis;
  readonly prefix: string;
  readonly keys: ImportKeys;
  readonly settings: ImportSettings;
  readonly input: OpenedInput;
  /** The first chunk to queue: those before it are queued already. */
  readonly startChunk: number;
  /** See ChunkSender. */
  readonly maxPending: number | null;
  /** See ChunkSender. */
  readonly valuesInMemory?: number;
  /** Hears the running row count. */
  readonly onRows: (rows: number) => void;
}

/**
 * Reads the file to its end into chunks on the import's chunks stream; returns the file's data
 * rows. A file that cannot be read on
 * fails the import as a whole; a Redis that is full, or a stop through the import (cancelled,
 * purged), leave it as it is.
 */
export async function queueFile(options: QueueFileOptions): Promise<number> {
  const { redis, keys, settings, input, startChunk, onRows } = options;
  const sender = new ChunkSender(redis, keys, settings, options.maxPending, options.valuesInMemory);
  try {
    // CSV text: chunks of the file's own bytes, cut without parsing fields; workbooks and --trim: parsed records.
    const { raw, batches } = input.source;
    const rows = raw ? await sendRawChunks(raw, settings, sender, startChunk, onRows) : await sendRecordChunks(batches, input.firstRows, settings, sender, startChunk, onRows);
    await sender.drain();
    return rows;
  } catch (err) {
    await sender.drain().catch(() => {});
    throw await stoppedWhy(err, options);
  }
}

/** The error to throw for a queueing stopped by `err`, once the import is left as it should be. */
async function stoppedWhy(err: unknown, { redis, prefix, keys, settings }: QueueFileOptions): Promise<unknown> {
  const { id } = settings;
  if (err instanceof ImportClosedError) return new ImporterError('state', `import ${id} was ${err.state} while its file was being read: the enqueue stopped`, { cause: err });
  // Redis full: not the file's fault, and what is queued stays for the same --id to continue.
  if (redisFullError(err, id)) return err;
  if (err instanceof ImporterError && err.kind === 'input') {
    // The file cannot be read on: the import is failed as a whole, not left half-queued.
    await runScript(redis, 'failImport', [keys.meta, keys.chunks], [err.message, Date.now()]);
    await redis.zrem(globalKeys(prefix).active, id);
  }
  return err;
}
