import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ImporterError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { defineScripts, type ImporterRedis } from './scripts.js';
import { parseRedisUrl } from './redis-url.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface ConnectOptions {
  /** redis:// or rediss:// URL. */
  url?: string;
  /**
   * How long a command may wait for a lost connection to come back before it fails. Workers
   * and `report --wait` wait for ever (null): Redis restarts must not kill them.
   */
  maxRetriesPerRequest?: number | null;
  /**
   * What this connection is for ('worker', 'report', ...). The connection is named
   * `importer:<role>:<pid>` on the server (CLIENT SETNAME, set again after every reconnect), so
   * an operator reading CLIENT LIST can tell which process holds which connection.
   */
  role?: string;
}

/**
 * Connects to Redis and loads the importer's scripts. The first connection is tried a few times
 * and then reported as unreachable (a clear error beats a hang); once connected, a dropped
 * connection is re-established for ever with capped backoff.
 */
export async function connectRedis(options: ConnectOptions = {}): Promise<ImporterRedis> {
  const url = options.url ?? DEFAULT_REDIS_URL;
  const location = parseRedisUrl(url);
  let connectedOnce = false;
  let lastError: unknown;
  const common: RedisOptions = {
    lazyConnect: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    connectionName: `importer:${options.role ?? 'client'}:${process.pid}`,
    retryStrategy: (times: number) => {
      if (!connectedOnce && times > 3) return null;
      return Math.min(50 * 2 ** Math.min(times, 6), 2000);
    },
  };
  // ioredis's Cluster speaks the same commands as a single node (every key of one import shares
  // a hash slot), so the rest of the code treats both as one client type.
  const redis: Redis =
    location.kind === 'single'
      ? new Redis(url, common)
      : (new Cluster([...location.nodes], {
          lazyConnect: true,
          enableOfflineQueue: true,
          scaleReads: 'master',
          maxRedirections: 32,
          retryDelayOnFailover: 300,
          retryDelayOnClusterDown: 500,
          retryDelayOnTryAgain: 200,
          clusterRetryStrategy: (times: number) => (!connectedOnce && times > 3 ? null : Math.min(100 * 2 ** Math.min(times, 5), 2000)),
          redisOptions: {
            maxRetriesPerRequest: common.maxRetriesPerRequest,
            connectTimeout: common.connectTimeout,
            connectionName: common.connectionName,
            username: location.username,
            password: location.password,
            tls: location.tls ? {} : undefined,
          },
        }) as unknown as Redis);
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
