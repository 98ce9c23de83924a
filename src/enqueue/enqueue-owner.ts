/**
 * Which enqueue reads an import's file: its host and process id, kept in the import's record
 * beside its heartbeat (`enqueueBeat`), so that a second enqueue of the same id is refused at
 * once, naming the first, instead of racing it for the file's chunks.
 */
import { hostname } from 'node:os';
import { ImporterError } from '../errors.js';
import { ENQUEUE_STALE_MS } from '../import-record.js';
import type { ImportKeys } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';

/** Imports (`prefix\0id`) an enqueue of this process is reading right now. */
const readingHere = new Set<string>();

/** The record's fields naming this process as the import's reader (written when it is created). */
export function ownerFields(): string[] {
  return ['enqueueHost', hostname(), 'enqueuePid', String(process.pid)];
}

/** This process reads the import from now on, until `release` is called. */
export function holdImport(keys: ImportKeys): () => void {
  readingHere.add(keys.meta);
  return () => readingHere.delete(keys.meta);
}

/**
 * Makes this process the reader of an import being resumed, or throws when another enqueue is
 * reading it (heard from in the last 15 s, and not known to be gone). Returns false when the
 * import no longer takes rows (its state then says what became of it).
 */
export async function claimImport(redis: ImporterRedis, keys: ImportKeys, id: string): Promise<boolean> {
  const recorded = await redis.hmget(keys.meta, 'enqueueHost', 'enqueuePid');
  const here = hostname();
  const stoppedPid = recorded[0] === here && recorded[1] ? (gone(Number(recorded[1]), keys.meta) ? recorded[1] : '') : '';
  const now = Date.now();
  const reply = (await runScript(redis, 'claimEnqueue', [keys.meta], [now, ENQUEUE_STALE_MS, here, process.pid, stoppedPid])) as [number, ...string[]];
  if (reply[0] === 1) return true;
  if (reply[0] === 2) return false;
  const [, host, pid, beat] = reply;
  const seconds = Math.max(0, Math.round((now - Number(beat)) / 1000));
  throw new ImporterError(
    'state',
    `import ${id} is being read by another enqueue (host ${host}, pid ${pid}, last heard from ${seconds} s ago): ` +
      `wait for it to finish, or stop it; an enqueue silent for ${ENQUEUE_STALE_MS / 1000} s counts as stopped and can be resumed`,
  );
}

/** Whether the process `pid` of this host can no longer be reading the import. */
function gone(pid: number, meta: string): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return !readingHere.has(meta);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: a process of another user holds that id now, still alive.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
