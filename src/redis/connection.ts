import { DEFAULT_REDIS_URL } from '../defaults.js';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ImporterError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { defineScripts, type ImporterRedis } from './scripts.js';
import { parseRedisUrl } from './redis-url.js';
import { refuseClusterNode, seedNodeFailure } from './cluster-node-check.js';

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
  // A cluster client reports what went wrong on a node (a refused password or certificate) here.
  let lastNodeError: unknown;
  redis.on('node error', (err: unknown) => {
    lastNodeError = err;
  });
  redis.on('ready', () => {
    connectedOnce = true;
  });
  try {
    await untilReady(redis);
  } catch (err) {
    redis.disconnect();
    const cause = lastError ?? err;
    let detail = connectFailure(cause, lastNodeError);
    if (location.kind === 'cluster' && /Connection is closed\.?$/.test(detail)) {
      const seed = location.nodes[0]!;
      const reason = await seedNodeFailure(seed, {
        connectTimeout: common.connectTimeout,
        username: location.username,
        password: location.password,
        tls: location.tls ? {} : undefined,
      });
      if (reason) detail = `${seed.host}:${seed.port}: ${reason}`;
    }
    throw new ImporterError('connection', `cannot reach Redis at ${redactUrl(url)}: ${detail}`, { cause });
  }
  if (location.kind === 'single') await refuseClusterNode(redis, url);
  return defineScripts(redis);
}

/**
 * Connects and waits until the client is ready, or has given up. `redis.connect()` alone rejects
 * as soon as one attempt fails (a connection reset during the handshake, a Redis restarting), while
 * the client goes on retrying in the background: a worker started at that moment exited with
 * "cannot reach Redis" although Redis was back 100 ms later. The retry strategy decides instead:
 * a few attempts at first, then 'end'.
 */
function untilReady(redis: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const onReady = (): void => {
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = (): void => {
      redis.off('ready', onReady);
      reject(new Error('Connection is closed.'));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
    redis.connect().catch(() => {}); // retried by the retry strategy, or reported through 'end'
  });
}

/**
 * Why connecting failed, in the server's or the network's words. A cluster client only says
 * "Failed to refresh slots cache.": the cause (a wrong password, a refused certificate) came with
 * a 'node error' event, or is kept in `lastNodeError`.
 */
function connectFailure(cause: unknown, nodeEvent: unknown): string {
  const nodeError = nodeEvent ?? (cause as { lastNodeError?: unknown } | null)?.lastNodeError;
  const message = cause instanceof Error ? cause.message : String(cause);
  return nodeError instanceof Error ? `${message.replace(/\.$/, '')}: ${nodeError.message}` : message;
}

export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
