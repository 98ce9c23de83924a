import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { ImportState } from '../import-record.js';
import { scriptError } from './script-errors.js';

/** The atomic operations of the importer, one Lua file each (see src/redis/scripts/). */
const SCRIPTS = {
  createImport: 'create-import.lua',
  enqueueChunk: 'enqueue-chunk.lua',
  finishEnqueue: 'finish-enqueue.lua',
  failImport: 'fail-import.lua',
  recordChunk: 'record-chunk.lua',
  touchChunks: 'touch-chunks.lua',
  cancelImport: 'cancel-import.lua',
  claimEnqueue: 'claim-enqueue.lua',
  markWaiting: 'mark-waiting.lua',
  noteSaved: 'note-saved.lua',
  giveUpImport: 'give-up-import.lua',
  resumeImport: 'resume-import.lua',
  releaseChunks: 'release-chunks.lua',
} as const;

type ScriptName = keyof typeof SCRIPTS;

/** What each script returns (its header says when); its error replies are typed in script-errors.ts. */
export interface ScriptResults {
  /** 1 created, 0 existed already. */
  createImport: 0 | 1;
  /** 1 added, 0 there already. */
  enqueueChunk: 0 | 1;
  /** The state afterwards. */
  finishEnqueue: ImportState;
  /** The state afterwards (null: no record). */
  failImport: ImportState | null;
  recordChunk: 'recorded' | 'complete' | 'duplicate' | 'skipped' | 'stale' | 'resend';
  /** Entries touched. */
  touchChunks: number;
  /** The state before the call. */
  cancelImport: ImportState;
  /** [1] claimed; [0, host, pid, last beat] another enqueue reads it; [2, state] closed. */
  claimEnqueue: [1] | [0, string, string, string] | [2, string];
  /** waitingSince (ms, as text), or null when the import is not open. */
  markWaiting: string | null;
  /** 1 when the record exists. */
  noteSaved: 0 | 1;
  /** 'failed' when this call gave up, else 'waiting' or the import's state. */
  giveUpImport: 'failed' | 'waiting' | ImportState | null;
  /** The state afterwards. */
  resumeImport: ImportState | null;
  /** Entries released. */
  releaseChunks: number;
}
type ScriptCall = (numKeys: number, ...keysAndArgs: (string | number | Buffer)[]) => Promise<unknown>;

/** A Redis connection with the importer's scripts loaded (EVALSHA, falling back to EVAL). */
export type ImporterRedis = Redis & { readonly importerScripts: true };

function loadLua(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), 'utf8');
}

const sources: Record<ScriptName, string> = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, file]) => [name, loadLua(file)]),
) as Record<ScriptName, string>;

export function defineScripts(redis: Redis): ImporterRedis {
  for (const [name, lua] of Object.entries(sources)) {
    redis.defineCommand(name, { lua });
  }
  return Object.assign(redis, { importerScripts: true as const });
}

/**
 * Runs one of the importer's scripts with its keys and arguments. An error reply of the scripts'
 * own (NO_IMPORT, IMPORT_CLOSED, CHUNK_GAP, COUNT_MISMATCH) rejects as its ScriptError.
 */
export async function runScript<N extends ScriptName>(
  redis: ImporterRedis,
  name: N,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
): Promise<ScriptResults[N]> {
  const call = (redis as unknown as Record<ScriptName, ScriptCall>)[name];
  try {
    return (await call.call(redis, keys.length, ...keys, ...args)) as ScriptResults[N];
  } catch (err) {
    throw scriptError(err) ?? err;
  }
}
