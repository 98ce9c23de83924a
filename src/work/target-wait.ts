import { durationInWords } from '../duration-words.js';
import { CHUNK_GROUP, type ImportKeys } from '../redis/keys.js';
import { runScript, type ImporterRedis } from '../redis/scripts.js';

/**
 * The import's side of an unavailable target, in Redis: its record says it waits (and since
 * when), the wait ends with a save or with giving up, and a worker that stops waiting hands its
 * chunks back.
 */

/**
 * The idle time a chunk handed back gets: longer than any worker's visibility timeout, so the
 * next worker that looks for silent chunks takes it at once, whatever its own timeout.
 */
const RELEASED_IDLE_MS = 24 * 3600_000;

export type WaitVerdict =
  /** Keep waiting: it has waited `waitedMs` so far. */
  | { readonly kind: 'waiting'; readonly waitedMs: number }
  /** This call gave up on the import (failed with `cause`; its chunks stay in the stream). */
  | { readonly kind: 'gave-up'; readonly waitedMs: number; readonly cause: string }
  /** The import is no longer open (failed, cancelled, gone): nothing to wait for. */
  | { readonly kind: 'closed' };

/**
 * Notes that the import's target is unavailable (mark-waiting.lua), and fails the import once
 * it has waited `giveUpAfterMs` with no successful save (give-up-import.lua).
 */
export async function noteUnavailable(redis: ImporterRedis, keys: ImportKeys, reason: string, giveUpAfterMs: number, now = Date.now()): Promise<WaitVerdict> {
  const since = await runScript(redis, 'markWaiting', [keys.meta], [reason, now]);
  if (since === null) return { kind: 'closed' };
  const waitedMs = now - Number(since);
  if (waitedMs < giveUpAfterMs) return { kind: 'waiting', waitedMs };
  const cause = `target unavailable for ${durationInWords(waitedMs)} (given up on after ${durationInWords(giveUpAfterMs)}): ${reason}`;
  const result = await runScript(redis, 'giveUpImport', [keys.meta], [giveUpAfterMs, now, cause]);
  if (result === 'failed') return { kind: 'gave-up', waitedMs, cause };
  return result === 'waiting' ? { kind: 'waiting', waitedMs } : { kind: 'closed' };
}

/** A save into the import's target succeeded: it waits no longer (note-saved.lua). */
export async function noteSaved(redis: ImporterRedis, keys: ImportKeys, now = Date.now()): Promise<void> {
  await runScript(redis, 'noteSaved', [keys.meta], [now]);
}

/** Hands chunks back to the group at once, their delivery count reset (release-chunks.lua). */
export async function releaseChunks(redis: ImporterRedis, keys: ImportKeys, consumer: string, entryIds: readonly string[]): Promise<void> {
  if (entryIds.length === 0) return;
  await runScript(redis, 'releaseChunks', [keys.chunks], [CHUNK_GROUP, consumer, RELEASED_IDLE_MS, ...entryIds]);
}
