import type { Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../defaults.js';
import { errorMessage, ImporterError } from '../errors.js';
import { ledgerKey, readRecord, type ImportRecord } from '../import-record.js';
import { redactUrl } from '../redact.js';
import { globalKeys, importKeys } from '../redis/keys.js';
import { openTarget } from '../targets/open-target.js';
import type { TargetOptions } from '../targets/target-options.js';
import { scanImportKeys } from './import-key-scan.js';

export interface PurgeOptions {
  readonly redis: Redis;
  readonly prefix?: string;
  readonly id: string;
  /** Also delete the import's rows of its target's ledger (default true). */
  readonly forgetLedger?: boolean;
  /** Passwords for the import's target, to forget its ledger rows (see WorkOptions.targets). */
  readonly targets?: TargetOptions;
}

export interface PurgeResult {
  readonly id: string;
  /** Keys deleted. */
  readonly keys: number;
  /** The import's target (its URL holds no password), or null when its record was gone. */
  readonly target: string | null;
  /** Ledger rows of the import deleted from its target, or null when none were (see ledgerError). */
  readonly ledgerRows: number | null;
  /** Why the ledger rows were left in the target (unreachable, no record to name it), or null. */
  readonly ledgerError: string | null;
}

/**
 * Deletes every key an import owns at once (UNLINK: Redis frees large values in the background)
 * and forgets it in the shared sets. The record goes last, so an interrupted purge can be run
 * again. Workers holding one of its chunks find no record and drop the chunk. An id with no keys
 * at all is an error (a typo should not look like success).
 *
 * Then the import's rows of its target's ledger are deleted (after the keys: while a chunk of it
 * could still come back, its ledger rows keep it from being saved twice). A target that cannot
 * be reached does not fail the purge: the result says so, and the rows go with age (LEDGER_KEEP_DAYS).
 */
export async function purgeImport(options: PurgeOptions): Promise<PurgeResult> {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const meta = importKeys(prefix, options.id).meta;
  const global = globalKeys(prefix);
  const record = await readRecord(options.redis, prefix, options.id);
  // Out of the active set first: no worker starts on it while its keys go.
  await options.redis.zrem(global.active, options.id);
  let count = 0;
  let hadMeta = false;
  for await (const keys of scanImportKeys(options.redis, prefix, options.id)) {
    const others = keys.filter((key) => key !== meta);
    hadMeta ||= others.length !== keys.length;
    if (others.length > 0) count += await options.redis.unlink(...others);
  }
  count += await options.redis.unlink(meta);
  const listed = await options.redis.zrem(global.imports, options.id);
  if (count === 0 && !hadMeta && listed === 0) {
    throw new ImporterError('state', `no import with id "${options.id}" in this Redis`);
  }
  const ledger = options.forgetLedger === false ? { ledgerRows: null, ledgerError: null } : await forgetLedger(record, options.targets);
  return { id: options.id, keys: count, target: record ? redactUrl(record.target) : null, ...ledger };
}

async function forgetLedger(record: ImportRecord | null, targets: TargetOptions | undefined): Promise<Pick<PurgeResult, 'ledgerRows' | 'ledgerError'>> {
  if (!record || !record.target) return { ledgerRows: null, ledgerError: 'the import had no record left to name its target' };
  const target = openTarget(record.target, targets);
  try {
    return { ledgerRows: await target.forgetLedger!(record.table, ledgerKey(record)), ledgerError: null };
  } catch (err) {
    return { ledgerRows: null, ledgerError: errorMessage(err) };
  } finally {
    await target.close().catch(() => {});
  }
}
