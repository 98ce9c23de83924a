import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { finished, startCli, type CliResult } from './cli.js';
import type { ImporterRedis } from '../../src/redis/scripts.js';

const execFileP = promisify(execFile);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A command line process the test started, with its outcome once it has ended. */
export interface Cli {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves when the process and its stdio are closed. */
  readonly result: Promise<CliResult>;
  /** Resolves as soon as the process itself has exited (its children may hold stdio open). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: boolean;
}

/** Starts the command line; its stdin is closed at once unless `keepStdin` (then write to it). */
export function launch(args: readonly string[], env: Record<string, string> = {}, keepStdin = false, cwd?: string): Cli {
  const child = startCli(args, { env, cwd });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let result: Promise<CliResult>;
  if (keepStdin) {
    // finished() would end stdin: collect the output here instead. A process that ends (or is
    // killed) before reading all of it makes further writes fail with EPIPE: not the test's error.
    child.stdin!.on('error', () => {});
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    result = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  } else {
    result = finished(child);
  }
  const cli: Cli = { child, pid: child.pid!, startedAt: Date.now(), result, exit, exited: false };
  void exit.then(() => (cli.exited = true));
  return cli;
}

/**
 * True while a process with this pid runs. A zombie counts as gone: an orphan is reparented to
 * pid 1, which in a container does not always reap it.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`) || process.platform !== 'linux';
  }
}

/** Pids of the direct children of `pid`. */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const { stdout } = await execFileP('pgrep', ['-P', String(pid)]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export interface RedisClientInfo {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly pid: number;
  /** The client's address as the server sees it (`127.0.0.1:54321`), as MONITOR names it. */
  readonly addr: string;
  /** The last command the connection ran (`client|setname`, `info`, ... while it connects). */
  readonly cmd: string;
}

/**
 * The importer's connections on this Redis (named `importer:<role>:<pid>`), read from CLIENT
 * LIST. Only these, by pid, are ever killed: the Redis is shared with other tests and programs.
 */
export async function importerClients(redis: ImporterRedis): Promise<RedisClientInfo[]> {
  const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'));
  const clients: RedisClientInfo[] = [];
  for (const line of list.split('\n')) {
    const id = /(?:^| )id=(\d+)/.exec(line)?.[1];
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
    const match = /^importer:([\w-]+):(\d+)$/.exec(name);
    const cmd = /(?:^| )cmd=(\S*)/.exec(line)?.[1] ?? '';
    const addr = /(?:^| )addr=(\S*)/.exec(line)?.[1] ?? '';
    if (id && match) clients.push({ id, name, role: match[1]!, pid: Number(match[2]), addr, cmd });
  }
  return clients;
}

/** Kills, by id, the Redis connections of the given processes; returns how many were killed. */
export async function killConnectionsOf(redis: ImporterRedis, pids: ReadonlySet<number>): Promise<number> {
  let killed = 0;
  for (const client of await importerClients(redis)) {
    if (!pids.has(client.pid)) continue;
    killed += Number(await redis.call('CLIENT', 'KILL', 'ID', client.id).catch(() => 0));
  }
  return killed;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * A private redis-server of the test's own, on its own port and directory, with an append-only
 * file fsynced on every write: killing it (even with SIGKILL) loses no acknowledged write, and
 * starting it again on the same directory brings the data back.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--logfile', join(this.dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(`redis-server on port ${this.port}`, async () => child.exitCode === null && child.signalCode === null && (await pingOnce(this.port)), 10_000, 50).catch(
      (err: unknown) => {
        child.kill('SIGKILL');
        throw err;
      },
    );
  }

  /** SIGKILL: a crash. With appendfsync always, every acknowledged write is on disk already. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
    this.child = null;
  }
}
