/**
 * Exactly-once into PostgreSQL and MariaDB with workers killed (SIGKILL) while they save: a
 * redelivered chunk must never double a row, and every row of the file must have exactly one
 * outcome. The tables are compared with the file row by row.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/files.js';
import { outcomeDiscrepancies, readOutcomes, tableDiscrepancies } from './helpers/outcomes.js';
import { writePeopleFile, type SavedValues } from './helpers/people.js';
import { launch, sleep, waitFor, type Cli } from './helpers/processes.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { DIALECTS, openScratch, type Scratch } from './helpers/sql.js';
import { importKeys } from '../src/redis/keys.js';

const ROWS = 20_000;
const CHUNK = 200;
/** The table refuses this age (a check constraint), so some rows of most chunks fail in the database. */
const REFUSED_AGE = 42;
/**
 * Enough to make the point. Each kill redelivers the victim's chunks; a chunk handed out more than
 * 10 times has its rows failed on purpose (a poison pill), which a test that kept killing the
 * holders of the last few chunks would provoke.
 */
const MAX_KILLS = 8;
/** Seconds each row's insert waits in a trigger of the table (20,000 rows over 3 workers: ~10 s). */
const ROW_DELAY_S = 0.0015;

let redis: ImporterRedis;
const prefixes: string[] = [];
const dir = tempDir();
const scratches: Scratch[] = [];
let started: Cli[] = [];

beforeAll(async () => {
  redis = await openRedis();
});
afterEach(async () => {
  for (const cli of started) if (!cli.exited) cli.child.kill('SIGKILL'); // a frozen one too
  await Promise.all(started.map((c) => c.exit));
  started = [];
});
afterAll(async () => {
  for (const s of scratches) await s.drop().catch(() => {});
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  dir.remove();
});

/** The chunks (stream entry ids) each worker process holds right now, by pid (consumers are named host:pid:random). */
async function heldChunks(prefix: string, id: string): Promise<Map<number, string[]>> {
  const pending = (await redis.xpending(importKeys(prefix, id).chunks, 'workers', '-', '+', 1000)) as [string, string, number, number][];
  const held = new Map<number, string[]>();
  for (const [entry, consumer] of pending) {
    const pid = Number(consumer.split(':').at(-2));
    held.set(pid, [...(held.get(pid) ?? []), entry]);
  }
  return held;
}

describe.each(DIALECTS)('SIGKILLed workers saving into %s', (dialect) => {
  it('never double a row: the table and the outcome lists match the file row by row', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const env = { IMPORTER_PREFIX: prefix };
    const s = await openScratch(dialect);
    scratches.push(s);
    const table = s.qualified('people');
    // A surrogate key, not id: a row written twice would be there twice, not refused by a key
    // (which would hide a second write whenever the first writer is the one recorded).
    await s.query(
      dialect === 'postgres'
        ? `CREATE TABLE ${table} (rid bigserial PRIMARY KEY, id bigint NOT NULL, name text NOT NULL, email text NOT NULL, ` +
            `age integer CONSTRAINT not_${REFUSED_AGE} CHECK (age <> ${REFUSED_AGE}), country text NOT NULL)`
        : `CREATE TABLE ${table} (rid BIGINT AUTO_INCREMENT PRIMARY KEY, id BIGINT NOT NULL, name TEXT NOT NULL, email VARCHAR(100) NOT NULL, age INT, ` +
            `country CHAR(2) NOT NULL, CONSTRAINT not_${REFUSED_AGE} CHECK (age <> ${REFUSED_AGE})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
    );
    // Every row written takes a few milliseconds: the import lasts long enough for the kills and
    // the freeze below however fast the machine, and a worker is most often stopped inside a save.
    if (dialect === 'postgres') {
      const slow = s.qualified('slow_row');
      await s.query(`CREATE FUNCTION ${slow}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(${ROW_DELAY_S}); RETURN NEW; END $$`);
      await s.query(`CREATE TRIGGER slow_row BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${slow}()`);
    } else {
      await s.query(`CREATE TRIGGER ${s.qualified('slow_row')} BEFORE INSERT ON ${table} FOR EACH ROW DO SLEEP(${ROW_DELAY_S})`);
    }
    const file = writePeopleFile(dir.path, `kill-${dialect}`, ROWS);
    const refused = new RegExp(`^age: the value "${REFUSED_AGE}" breaks the table's check not_${REFUSED_AGE}$`);
    const expected = file.rows.map((r) => {
      if (r.values && r.values[3] === REFUSED_AGE) return { ...r, values: null, problem: refused };
      return r;
    });

    const enq = await runCli(['enqueue', file.path, '--schema', file.schemaPath, '--chunk-size', String(CHUNK), '--target', s.url, '--table', s.table('people')], { env });
    expect(enq.stderr).toBe('');
    const id = enq.stdout.trim();

    const workers: Cli[] = [];
    const addWorker = (): void => {
      const worker = launch(['work', '--until-idle', '--visibility-timeout', '2', '--import', id], env);
      started.push(worker);
      workers.push(worker);
    };
    for (let i = 0; i < 3; i++) addWorker();
    let kills = 0;
    let lastKill = Date.now();
    const workingSince = new Map<number, number>();
    // A worker frozen (SIGSTOP) while it holds chunks, until others have taken them over, then let
    // go on: it saves them a second time, maybe at the same moment as the others. A SIGKILL
    // rarely lands between a commit and the recording in Redis; this makes the ledger's case
    // (a chunk whose rows are saved, delivered again) happen on every run.
    let frozen: { worker: Cli; entries: string[] } | null = null;
    let thawed = false;
    const deadline = Date.now() + 120_000;
    while ((await redis.hget(importKeys(prefix, id).meta, 'state')) !== 'complete') {
      expect(Date.now(), 'the import did not complete').toBeLessThan(deadline);
      await sleep(50);
      const held = await heldChunks(prefix, id);
      const now = Date.now();
      for (const [pid, entries] of held) if (entries.length > 0 && !workingSince.has(pid)) workingSince.set(pid, now);
      if (frozen) {
        const { worker, entries } = frozen;
        const still = held.get(worker.pid) ?? [];
        if (!entries.some((e) => still.includes(e))) {
          worker.child.kill('SIGCONT');
          frozen = null;
          thawed = true;
        }
      }
      if (now - lastKill < 700) continue;
      // The victim holds chunks, so it stops part way through saving them, and has worked for a
      // while: on a loaded machine a start takes seconds, and killing each worker as soon as it
      // is up would stop all progress.
      const victim = workers.find((w) => !w.exited && w !== frozen?.worker && (held.get(w.pid) ?? []).length > 0 && now - (workingSince.get(w.pid) ?? now) >= 1000);
      if (!victim) continue;
      if (!thawed && !frozen && kills >= 1) {
        victim.child.kill('SIGSTOP');
        await sleep(100); // commands it sent before it stopped may still assign it a chunk
        const entries = (await heldChunks(prefix, id)).get(victim.pid) ?? [];
        if (entries.length === 0) victim.child.kill('SIGCONT');
        else {
          frozen = { worker: victim, entries };
          addWorker();
        }
        lastKill = now;
        continue;
      }
      if (kills >= MAX_KILLS) continue;
      victim.child.kill('SIGKILL');
      kills++;
      lastKill = now;
      addWorker();
    }
    // The import may complete between two looks, its last chunks the frozen worker's, taken over
    // and recorded before the loop saw them go: a stopped worker never exits, so let it go on
    // (its second go then finds the import complete) and fail below with that cause, not a hang.
    const frozenAtTheEnd = frozen !== null;
    if (frozen) frozen.worker.child.kill('SIGCONT');
    await waitFor('the workers to exit', () => workers.every((w) => w.exited), 30_000, 50);
    // On a quiet machine the import is short: one SIGKILL and one freeze are what must happen.
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(frozenAtTheEnd, 'the import completed while a worker was still frozen: its second go came too late to meet the others').toBe(false);
    expect(thawed, 'a worker was frozen with chunks that others took over').toBe(true);

    // Redis: every row exactly once, in the right list, with the right values or words.
    const problems: string[] = [];
    const note = (m: string): void => void (problems.length < 30 && problems.push(m));
    const out = await readOutcomes(redis, prefix, id);
    const valid = expected.filter((r) => r.values).length;
    outcomeDiscrepancies(out, expected, note, { originals: true });
    expect(out.succeeded.size + out.failed.size).toBe(ROWS);

    // The table: exactly the valid rows, each once.
    const rows = await s.query<{ id: number; name: string; email: string; age: number; country: string }>(`SELECT id, name, email, age, country FROM ${table} ORDER BY id`);
    const want = expected.filter((r) => r.values).map((r) => r.values as SavedValues).sort((a, b) => a[0] - b[0]);
    tableDiscrepancies(rows.map((r) => [r.id, r.name, r.email, r.age, r.country]), want, note);
    expect(problems).toEqual([]);
    console.log(`${dialect}: ${kills} workers killed and one frozen while holding chunks; ${valid} rows saved, ${ROWS - valid} failed`);
  }, 150_000);
});
