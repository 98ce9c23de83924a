import { closeRedis, connectRedis } from '../redis/connection.js';
import type { ImporterRedis } from '../redis/scripts.js';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL } from '../defaults.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import type { ImportStatus } from '../status/status.js';
import type { GlobalFlags } from './output.js';
import { environment } from './environment.js';

/** Flags, then environment, then defaults: settled once here. */
export function redisUrl(flags: GlobalFlags): string {
  return flags.redis ?? environment().redisUrl ?? DEFAULT_REDIS_URL;
}

export function keyPrefix(flags: GlobalFlags): string {
  return flags.prefix ?? environment().prefix ?? DEFAULT_PREFIX;
}

/**
 * Runs `fn` with a Redis connection that is closed afterwards, whatever happens. `role` names the
 * connection on the server (`importer:<role>:<pid>`).
 */
export async function withRedis<T>(flags: GlobalFlags, fn: (redis: ImporterRedis) => Promise<T>, patient = false, role = 'cli'): Promise<T> {
  const redis = await connectRedis({ url: redisUrl(flags), maxRetriesPerRequest: patient ? null : 20, role });
  try {
    return await fn(redis);
  } finally {
    await closeRedis(redis);
  }
}

/** 0 all rows imported (or still going), 3 complete with failed rows, 1 the import failed. */
export function exitCodeFor(status: ImportStatus): ExitCodeValue {
  if (status.state === 'failed' || status.state === 'cancelled') return ExitCode.internal;
  if (status.state === 'complete' && status.failed > 0) return ExitCode.rowsFailed;
  return ExitCode.ok;
}

/**
 * A count with thousands separators, as en-US writes it (1,234,567). Not toLocaleString: its
 * first call loads the locale data, a cost every command would pay at its start.
 */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = digits.slice(Math.max(0, end - 3), end) + (out ? `,${out}` : '');
  return n < 0 ? `-${out}` : out;
}

/** "9,512 imported, 488 failed of 10,000 rows". */
export function describeCounts(status: ImportStatus): string {
  const total = status.total === null ? `${formatCount(status.enqueued)}+ rows so far` : `${formatCount(status.total)} rows`;
  return `${formatCount(status.succeeded)} imported, ${formatCount(status.failed)} failed of ${total}`;
}

/** Installs SIGINT/SIGTERM handling: the first signal asks for a graceful stop, the second exits at once. */
export function stopOnSignals(onFirst: () => void, onSecond: () => void = () => process.exit(130)): () => void {
  let count = 0;
  const handler = (): void => {
    count++;
    if (count === 1) onFirst();
    else onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
