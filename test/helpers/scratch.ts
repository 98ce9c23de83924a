import { afterAll, beforeAll } from 'vitest';
import { tempDir, writeFile } from './files.js';
import { runCli, type CliOptions, type CliResult } from './cli.js';
import { alive, launch, type Cli } from './processes.js';
import { cleanPrefix, openRedis, testPrefix } from './redis.js';
import { importKeys, type ImportKeys } from '../../src/redis/keys.js';
import type { ImporterRedis } from '../../src/redis/scripts.js';

/** One test's corner: its own key prefix and temporary folder, with the command line pointed at both. */
export interface Corner {
  readonly prefix: string;
  /** A temporary folder of its own: the command line's working directory unless told otherwise. */
  readonly dir: string;
  /** IMPORTER_PREFIX for the command line (add more with `{ ...corner.env, ... }`). */
  readonly env: Record<string, string>;
  keys(id: string): ImportKeys;
  file(name: string, content: string | Buffer): string;
  /** Runs the command line to its end, in `dir` with `env` unless `options` say otherwise. */
  cli(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** Starts the command line (in `dir`, with `env` and `extraEnv`); still running at the end of the file, it is killed. */
  launch(args: readonly string[], extraEnv?: Record<string, string>, keepStdin?: boolean): Cli;
  /** `importer enqueue <file> <args>`; the import id, or an error with the command's stderr. */
  enqueue(file: string, args?: readonly string[]): Promise<string>;
}

export interface Scratch {
  /** The shared Redis connection: open from the file's beforeAll on. */
  readonly redis: ImporterRedis;
  /** A new corner: a prefix and a folder, both removed after the file's tests. */
  corner(): Corner;
}

/**
 * A test file's scratch on the shared Redis: a connection before its tests; corners (a key prefix
 * and a temporary folder each, the command line run in that folder); and after the tests, every
 * command line the file started and left running killed, each corner's keys deleted (SCAN + DEL,
 * never FLUSH) and its folder removed.
 */
export function useScratch(): Scratch {
  let redis: ImporterRedis | null = null;
  const prefixes: string[] = [];
  const dirs: { remove: () => void }[] = [];
  const started: Cli[] = [];
  beforeAll(async () => {
    redis = await openRedis();
  });
  afterAll(async () => {
    for (const cli of started) {
      if (alive(cli.pid)) cli.child.kill('SIGKILL');
      await cli.exit;
    }
    if (redis) {
      for (const prefix of prefixes) await cleanPrefix(redis, prefix);
      await redis.quit();
    }
    for (const dir of dirs) dir.remove();
  });
  const corner = (): Corner => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const folder = tempDir();
    dirs.push(folder);
    const dir = folder.path;
    const env = { IMPORTER_PREFIX: prefix };
    const cli = (args: readonly string[], options: CliOptions = {}): Promise<CliResult> => runCli(args, { cwd: dir, ...options, env: options.env ?? env });
    return {
      prefix,
      dir,
      env,
      keys: (id) => importKeys(prefix, id),
      file: (name, content) => writeFile(dir, name, content),
      cli,
      launch: (args, extraEnv = {}, keepStdin = false) => {
        const child = launch(args, { ...env, ...extraEnv }, keepStdin, dir);
        started.push(child);
        return child;
      },
      enqueue: async (file, args = []) => {
        const res = await cli(['enqueue', file, ...args]);
        if (res.code !== 0) throw new Error(`enqueue exited ${res.code}: ${res.stderr}`);
        return res.stdout.trim();
      },
    };
  };
  return {
    get redis(): ImporterRedis {
      if (!redis) throw new Error('the scratch Redis connection opens in beforeAll: use it inside a test');
      return redis;
    },
    corner,
  };
}
