import { sleep } from '../sleep.js';
import type { Cluster, Redis } from 'ioredis';
import { errorMessage } from '../errors.js';
import { keySlot } from './key-slot.js';

/**
 * Redis replicates asynchronously: a master acknowledges a write before its replica has it, and
 * when the master dies (SIGKILL, a lost host) the promoted replica may lack its last writes.
 * For most of the importer's writes that is harmless: a lost outcome is recorded again when the
 * chunk is handed out again (the target's ledger keeps rows from being saved twice). Writes that
 * nothing would redo (an import created, a chunk queued, an enqueue sealed, an import marked
 * complete) are confirmed with WAIT before the importer relies on them.
 */

/** How long a write waits for its replica before going on without it (as with one Redis). */
const WAIT_MS = 2000;

function asCluster(redis: Redis): Cluster | null {
  const cluster = redis as unknown as Partial<Cluster>;
  return typeof cluster.nodes === 'function' && Array.isArray(cluster.slots) ? (cluster as Cluster) : null;
}

/**
 * Resolves once a replica of the master that owns `key` has every write this client sent to that
 * master so far (WAIT 1 on the same connection). True when confirmed or when there is nothing to
 * wait for (a single Redis, a master without replicas); false when no replica confirmed within
 * WAIT_MS. Rejects when the master cannot be reached: the write may be lost, send it again.
 */
export async function replicated(redis: Redis, key: string): Promise<boolean> {
  const cluster = asCluster(redis);
  if (!cluster) return true;
  const owners = cluster.slots[keySlot(key)];
  if (!owners || owners.length < 2) return true;
  const master = cluster.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === owners[0]);
  if (!master) throw new Error(`Connection is closed: master ${owners[0]} of the slot of ${key} is gone`);
  try {
    return Number(await master.call('WAIT', 1, WAIT_MS)) >= 1;
  } catch (err) {
    // An ACL user without WAIT still imports, without the confirmation.
    if (/^NOPERM\b/.test(errorMessage(err))) return false;
    throw err;
  }
}

/**
 * Errors after which a write may or may not have been applied, and sending it again (once the
 * cluster has settled) is the right thing to do: lost connections, a failover in progress, a
 * demoted master, ioredis giving up on its own retries.
 */
export function isTransientRedisError(err: unknown): boolean {
  return /^(CLUSTERDOWN|TRYAGAIN|LOADING|READONLY|MASTERDOWN|NOREPLICAS)\b|Connection is closed|max retries per request|Too many Cluster redirections|Cluster isn't ready|Failed to refresh slots cache|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EHOSTUNREACH/.test(
    errorMessage(err),
  );
}

/** How long durably() keeps trying through a failover before it gives up. */
const DURABLE_MS = 60_000;

/**
 * Runs an idempotent write and waits for a replica to have it; after a transient error (see
 * isTransientRedisError) runs it again, with backoff, for up to a minute. The write must give the
 * same effect when applied twice (a script that checks before it writes, ZADD, HSET).
 */
export async function durably<T>(redis: Redis, key: string, write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + DURABLE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await write();
      await replicated(redis, key);
      return result;
    } catch (err) {
      if (!isTransientRedisError(err) || Date.now() > deadline) throw err;
      await sleep(Math.min(100 * 2 ** attempt, 2000));
    }
  }
}
