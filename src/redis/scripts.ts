import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The atomic operations of the importer, one Lua file each (see src/redis/scripts/). */
const SCRIPTS = {
  createImport: 'create-import.lua',
  enqueueChunk: 'enqueue-chunk.lua',
  finishEnqueue: 'finish-enqueue.lua',
  failImport: 'fail-import.lua',
  recordChunk: 'record-chunk.lua',
  touchTasks: 'touch-tasks.lua',
  cancelImport: 'cancel-import.lua',
  claimEnqueue: 'claim-enqueue.lua',
  markWaiting: 'mark-waiting.lua',
  noteSaved: 'note-saved.lua',
  giveUpImport: 'give-up-import.lua',
  resumeImport: 'resume-import.lua',
  releaseTasks: 'release-tasks.lua',
} as const;

type ScriptName = keyof typeof SCRIPTS;
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

/** Runs one of the importer's scripts with its keys and arguments. */
export function runScript(
  redis: ImporterRedis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
): Promise<unknown> {
  const call = (redis as unknown as Record<ScriptName, ScriptCall>)[name];
  return call.call(redis, keys.length, ...keys, ...args);
}
