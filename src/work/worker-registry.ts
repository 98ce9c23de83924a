import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { globalKeys, workerKey } from '../redis/keys.js';

/** A live worker as `importer workers` shows it, from its last heartbeat. */
export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: string;
  readonly lastSeenAt: string;
  readonly chunks: number;
  readonly rows: number;
  /** The import it last worked on, or null. */
  readonly currentImport: string | null;
  /** Targets it finds unavailable and waits for (their chunks kept), empty while all answer. */
  readonly waitingFor?: readonly WaitingFor[];
}

/** A target a worker waits for: its URL (no password), since when (ISO 8601) and why. */
export interface WaitingFor {
  readonly target: string;
  readonly since: string;
  readonly reason: string;
}

export const WORKER_BEAT_MS = 2000;
/** A worker silent this long is gone: its heartbeat key expires and it drops out of the list. */
const WORKER_TTL_MS = 3 * WORKER_BEAT_MS + 1000;

/** Publishes one worker's heartbeat: a key that expires unless renewed, indexed in a sorted set. */
export class WorkerHeartbeat {
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly id: string,
    private readonly stats: () => { chunks: number; rows: number; currentImport: string | null; waitingFor: readonly WaitingFor[] },
  ) {}

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), WORKER_BEAT_MS);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    const info: WorkerInfo = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeenAt: new Date(now).toISOString(),
      ...this.stats(),
    };
    try {
      await this.redis.set(workerKey(this.prefix, this.id), JSON.stringify(info), 'PX', WORKER_TTL_MS);
      await this.redis.zadd(globalKeys(this.prefix).workers, now, this.id);
    } catch {
      // A missed heartbeat only makes this worker look absent for a moment.
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.redis.del(workerKey(this.prefix, this.id));
      await this.redis.zrem(globalKeys(this.prefix).workers, this.id);
    } catch {
      // It expires by itself.
    }
  }
}

/**
 * Workers whose heartbeat is fresh, most recently started first. Freshness is the heartbeat key's
 * expiry, kept by Redis's clock: workers on hosts whose clocks disagree are still listed, and a
 * dead one drops out once its key expires (its id is then taken out of the index).
 */
export async function listWorkers(options: { redis: Redis; prefix?: string }): Promise<WorkerInfo[]> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const index = globalKeys(prefix).workers;
  const ids = await options.redis.zrange(index, '0', '-1');
  // One GET per worker, sent together: on a cluster the keys live in different slots.
  const beats = await Promise.all(ids.map((id) => options.redis.get(workerKey(prefix, id))));
  const workers: WorkerInfo[] = [];
  const gone: string[] = [];
  beats.forEach((raw, i) => {
    if (raw) workers.push(JSON.parse(raw) as WorkerInfo);
    else gone.push(ids[i]!);
  });
  if (gone.length > 0) await options.redis.zrem(index, ...gone);
  return workers.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
