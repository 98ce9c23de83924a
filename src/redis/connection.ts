import { Redis } from 'ioredis';
import { ImporterError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { defineScripts, type ImporterRedis } from './scripts.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ConnectOptions {
  /** redis:// or rediss:// URL. */
  url?: string;
  /**
   * How long a command may wait for a lost connection to come back before it fails. Workers
   * and `report --wait` wait for ever (null): Redis restarts must not kill them.
   */
  maxRetriesPerRequest?: number | null;
}

/**
 * Connects to Redis and loads the importer's scripts. The first connection is tried a few times
 * and then reported as unreachable (a clear error beats a hang); once connected, a dropped
 * connection is re-established for ever with capped backoff.
 */
export async function connectRedis(options: ConnectOptions = {}): Promise<ImporterRedis> {
  const url = options.url ?? DEFAULT_REDIS_URL;
  let connectedOnce = false;
  let lastError: unknown;
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: (times: number) => {
      if (!connectedOnce && times > 3) return null;
      return Math.min(50 * 2 ** Math.min(times, 6), 2000);
    },
  });
  redis.on('error', (err: unknown) => {
    lastError = err;
  });
  redis.on('ready', () => {
    connectedOnce = true;
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    const cause = lastError ?? err;
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new ImporterError('connection', `cannot reach Redis at ${redactUrl(url)}: ${detail}`, { cause });
  }
  return defineScripts(redis);
}

export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
