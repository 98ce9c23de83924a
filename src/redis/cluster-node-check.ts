import { Redis, type RedisOptions } from 'ioredis';
import { usageError } from '../errors.js';
import { redactUrl } from '../redact.js';

/**
 * A node of a Redis Cluster reached through a single-node URL answers most commands with MOVED,
 * which would surface as a puzzling error part way through a command: refuse it at once and say
 * which URL to use instead. (An ACL user not allowed INFO is let through.)
 */
export async function refuseClusterNode(redis: Redis, url: string): Promise<void> {
  let info: string;
  try {
    info = await redis.info('cluster');
  } catch {
    return;
  }
  if (!/^cluster_enabled:1\b/m.test(info)) return;
  redis.disconnect();
  const scheme = url.startsWith('rediss:') ? 'rediss+cluster' : 'redis+cluster';
  throw usageError(`Redis at ${redactUrl(url)} is a node of a Redis Cluster: use ${scheme}://host:port[,host:port...] to reach the cluster`);
}

/**
 * Why a cluster's seed node refuses us, asked of the node itself. ioredis's cluster client
 * fetches the slot map over throwaway connections whose errors it swallows, so a refused
 * certificate or password only comes out as "Connection is closed."; one plain connection with
 * the same options gets the real reason. Null when that connection works or says nothing more.
 */
export async function seedNodeFailure(node: { host: string; port: number }, options: RedisOptions): Promise<string | null> {
  const probe = new Redis({ ...options, host: node.host, port: node.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let first: string | null = null;
  probe.on('error', (err: unknown) => {
    first ??= err instanceof Error ? err.message : String(err);
  });
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return first ?? (err instanceof Error ? err.message : String(err));
  } finally {
    probe.disconnect();
  }
}
