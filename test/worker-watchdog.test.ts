/**
 * Worker processes whose event loop is blocked (a handler that spins on a row) never outlive
 * their supervisor, and never stall an import: the supervisor kills a silent child and starts
 * another, a chunk that took workers down twice is checked row by row until the row that hangs is
 * found, and that row fails with "could not be checked within ...".
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { csvLine, queryDb, writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { alive, childPids, launch, waitFor, type Cli } from './helpers/processes.js';
import { useRedisScratch } from './helpers/redis.js';
import { mkdirSync, readdirSync } from 'node:fs';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
const env = { IMPORTER_PREFIX: prefix };
const started: Cli[] = [];
const pidsSeen = new Set<number>();

afterEach(() => {
  // Nothing a test started may outlive it, even when the test fails.
  for (const cli of started) if (!cli.exited) cli.child.kill('SIGKILL');
  for (const pid of pidsSeen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  started.length = 0;
  pidsSeen.clear();
});

/**
 * A handler whose validate() spins for ever on the rows whose id is in BLOCK_IDS (comma
 * separated; "*" for every row), after leaving a file named for its process in BLOCKED_DIR.
 */
const SPIN_HANDLER = writeFile(
  dir.path,
  'spin-handler.mjs',
  `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const ids = new Set((process.env.BLOCK_IDS ?? '').split(','));
export function validate(row) {
  if (!ids.has('*') && !ids.has(String(row.id))) return;
  writeFileSync(join(process.env.BLOCKED_DIR, 'blocked-' + process.pid), String(row.id));
  for (;;) {}
}
`,
);

function peopleFile(name: string, rows: number): string {
  const lines = [csvLine(['id', 'name'])];
  for (let id = 1; id <= rows; id++) lines.push(csvLine([String(id), `person ${id}`]));
  return writeFile(dir.path, name, lines.join('\n') + '\n');
}

const schema = writeFile(dir.path, 'people.json', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } }, required: ['id'] }));

function blockedPids(blockedDir: string): number[] {
  try {
    return readdirSync(blockedDir).filter((f) => f.startsWith('blocked-')).map((f) => Number(f.slice('blocked-'.length)));
  } catch {
    return [];
  }
}

/** `work --processes 2` with both children blocked in the handler; returns the supervisor and its children. */
async function blockedSupervisor(name: string): Promise<{ supervisor: Cli; children: number[] }> {
  const blockedDir = join(dir.path, name);
  mkdirSync(blockedDir, { recursive: true });
  const db = join(dir.path, `${name}.sqlite`);
  const enq = await runCli(['enqueue', peopleFile(`${name}.csv`, 40), '--schema', schema, '--target', `sqlite:${db}`, '--chunk-size', '10', '--handler', SPIN_HANDLER], { env });
  expect(enq.code, enq.stderr).toBe(0);
  const supervisor = launch(['work', '--processes', '2', '--concurrency', '1', '--visibility-timeout', '600'], { ...env, BLOCK_IDS: '*', BLOCKED_DIR: blockedDir });
  started.push(supervisor);
  const children = await waitFor('both worker processes blocked in the handler', async () => {
    const kids = await childPids(supervisor.pid);
    kids.forEach((pid) => pidsSeen.add(pid));
    const blocked = blockedPids(blockedDir);
    return kids.length === 2 && kids.every((pid) => blocked.includes(pid)) ? kids : null;
  }, 30_000, 100);
  return { supervisor, children };
}

describe('worker processes never outlive their supervisor', () => {
  it('SIGKILL of `work --processes 2` whose children spin in a handler: the children are gone within a few seconds', async () => {
    const { supervisor, children } = await blockedSupervisor('sigkill');
    supervisor.child.kill('SIGKILL');
    await supervisor.exit;
    const killedAt = Date.now();
    await waitFor('the orphaned worker processes to end', () => children.every((pid) => !alive(pid)), 20_000, 50);
    // Generous for a loaded machine: without the watchdog they would spin on for good.
    expect(Date.now() - killedAt).toBeLessThan(15_000);
  }, 60_000);

  it('SIGTERM of `work --processes 2` whose children spin in a handler: it exits, and its children with it, within a few seconds', async () => {
    const { supervisor, children } = await blockedSupervisor('sigterm');
    const stoppedAt = Date.now();
    supervisor.child.kill('SIGTERM');
    const exit = await supervisor.exit;
    await waitFor('the worker processes to end', () => children.every((pid) => !alive(pid)), 20_000, 50);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(exit.code).toBe(0);
    const { stderr } = await supervisor.result;
    expect(stderr).toMatch(/has not answered for \d/);
  }, 60_000);
});

describe('`run` stopped while its worker processes spin', () => {
  it('SIGTERM of `run`: its worker processes are gone within a few seconds', async () => {
    const blockedDir = join(dir.path, 'run-sigterm');
    mkdirSync(blockedDir, { recursive: true });
    const run = launch(
      ['run', peopleFile('run-sigterm.csv', 40), '--schema', schema, '--target', `sqlite:${join(dir.path, 'run-sigterm.sqlite')}`, '--chunk-size', '10', '--handler', SPIN_HANDLER,
        '--processes', '2', '--concurrency', '1', '--visibility-timeout', '600', '--out', join(dir.path, 'run-sigterm.xlsx')],
      { ...env, BLOCK_IDS: '*', BLOCKED_DIR: blockedDir },
    );
    started.push(run);
    const children = await waitFor('both worker processes of `run` blocked in the handler', async () => {
      const kids = await childPids(run.pid);
      kids.forEach((pid) => pidsSeen.add(pid));
      const blocked = blockedPids(blockedDir);
      return kids.length === 2 && kids.every((pid) => blocked.includes(pid)) ? kids : null;
    }, 30_000, 100);
    const stoppedAt = Date.now();
    run.child.kill('SIGTERM');
    await run.exit;
    await waitFor('the worker processes of `run` to end', () => children.every((pid) => !alive(pid)), 20_000, 50);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  }, 60_000);
});

describe('a row whose check never returns', () => {
  it('stalls nothing: the workers it blocks are replaced, it fails with "could not be checked within 2 s", every other row is imported once', async () => {
    const blockedDir = join(dir.path, 'hang');
    mkdirSync(blockedDir, { recursive: true });
    const db = join(dir.path, 'hang.sqlite');
    const rows = 300;
    const startedAt = Date.now();
    const res = await runCli(
      ['run', peopleFile('hang.csv', rows), '--schema', schema, '--target', `sqlite:${db}`, '--table', 'people', '--chunk-size', '50', '--handler', SPIN_HANDLER,
        '--processes', '2', '--visibility-timeout', '2', '--out', join(dir.path, 'hang.xlsx'), '--json'],
      { env: { ...env, BLOCK_IDS: '57', BLOCKED_DIR: blockedDir } },
    );
    const elapsed = Date.now() - startedAt;
    expect(res.code, res.stderr).toBe(3);
    const summary = JSON.parse(res.stdout) as { id: string; state: string; succeeded: number; failed: number };
    expect(summary).toMatchObject({ state: 'complete', succeeded: rows - 1, failed: 1 });
    const outcomes = await readOutcomes(redis, prefix, summary.id);
    expect(outcomes.repeated).toEqual([]);
    expect([...outcomes.failed.keys()]).toEqual([57]);
    expect(outcomes.failed.get(57)!.messages).toEqual(['this row could not be checked within 2 s (its check never returned)']);
    const saved = queryDb<{ id: number; n: number }>(db, 'SELECT id, COUNT(*) AS n FROM people GROUP BY id ORDER BY id');
    expect(saved.map((r) => r.id)).toEqual(Array.from({ length: rows }, (_, i) => i + 1).filter((id) => id !== 57));
    expect(saved.every((r) => r.n === 1)).toBe(true);
    // Two deliveries as usual, two probes dying on row 57: at least four workers blocked (more
    // when a worker takes the chunk over before the blocked one is killed), each killed.
    const blocked = blockedPids(blockedDir);
    expect(blocked.length).toBeGreaterThanOrEqual(4);
    expect(res.stderr.match(/has not answered for/g)?.length).toBeGreaterThanOrEqual(blocked.length);
    expect(blockedPids(blockedDir).every((pid) => !alive(pid))).toBe(true);
    expect(elapsed).toBeLessThan(60_000);
  }, 120_000);
});

