/**
 * The user's own code (`--handler`): the fixtures under fixtures/handlers/ run through the built
 * command line, in worker processes, as a user would run them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FIXTURES, runCli } from './helpers/cli.js';
import { csvLine, writeFile } from './helpers/files.js';
import { failureMessages, readOutcomes } from './helpers/outcomes.js';
import { useScratch } from './helpers/scratch.js';
import { openScratch, type Scratch } from './helpers/sql.js';

const scratch = useScratch();
/** One corner for the file: its prefix, folder and environment serve every test. */
const { prefix, dir: folder, env } = scratch.corner();
const dir = { path: folder };
const scratches: Scratch[] = [];

afterAll(async () => {
  for (const s of scratches) await s.drop().catch(() => {});
});

const HEADER = ['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'notes'];

function peopleCsv(name: string, rows: readonly (readonly string[])[]): string {
  return writeFile(dir.path, `${name}.csv`, [HEADER, ...rows].map(csvLine).join('\n') + '\n');
}

/** `run --json`: the summary, with the outcome of every row read back from Redis. */
async function runImport(args: readonly string[], extraEnv: Record<string, string> = {}, cwd = dir.path) {
  const res = await runCli(['run', ...args, '--json', '--out', join(dir.path, 'report.xlsx')], { env: { ...env, ...extraEnv }, cwd });
  const summary = JSON.parse(res.stdout) as { id: string; state: string; succeeded: number; failed: number };
  expect(summary.state).toBe('complete');
  const outcomes = await readOutcomes(scratch.redis, prefix, summary.id);
  expect(outcomes.repeated).toEqual([]);
  return { ...res, summary, outcomes };
}

/** Every JSON Lines record the save handlers wrote, by row number. */
function jsonl(out: string): Map<number, Record<string, unknown>> {
  const rows = new Map<number, Record<string, unknown>>();
  for (const file of readdirSync(out)) {
    for (const line of readFileSync(join(out, file), 'utf8').split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as Record<string, unknown> & { row: number };
      expect(rows.has(record.row), `row ${record.row} written twice`).toBe(false);
      rows.set(record.row, record);
    }
  }
  return rows;
}

describe('handlers', () => {
  it('the TypeScript handler fixtures type-check against the types the package exports', async () => {
    // As a user's project would: `import { defineHandler, RowError } from 'importer'` resolves to
    // the built package's declarations. Run against the real compiler; a type error fails.
    const root = fileURLToPath(new URL('..', import.meta.url));
    const handlers = readdirSync(join(FIXTURES, 'handlers')).filter((f) => f.endsWith('.ts')).map((f) => join(FIXTURES, 'handlers', f));
    expect(handlers.length).toBeGreaterThanOrEqual(2);
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    const args = ['--ignoreConfig', '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck'];
    const result = await promisify(execFile)(tsc, [...args, ...handlers], { cwd: root }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    expect(result).toBe('');
  });

  it('a validate-only TypeScript handler adds rules across columns; the valid rows go to PostgreSQL', async () => {
    const s = await openScratch('postgres');
    scratches.push(s);
    const source = peopleCsv('adults', [
      ['1', 'Ann', 'ann@example.com', '30', 'FR', '2024-01-02', 'yes', ''],
      ['2', 'Bob', 'bob@example.com', '19', 'FR', '', 'yes', ''],
      ['3', 'Cy', 'cy@example.com', '19', 'DE', '', 'no', ''],
      ['4', 'Dee', 'dee@example.com', '40', 'CA', '', 'no', ''],
      ['5', 'Eve', 'eve@example.com', '', 'US', '', 'yes', 'no age given'],
      ['6', 'Fay', 'not-an-email', '30', 'FR', '', '', ''],
    ]);
    const { outcomes } = await runImport([
      source,
      '--schema', join(FIXTURES, 'people.schema.json'),
      '--handler', join(FIXTURES, 'handlers', 'validate-adults.ts'),
      '--target', s.url, '--table', s.table('people'), '--create-table',
      '--chunk-size', '2', '--processes', '2',
    ]);
    expect(failureMessages(outcomes)).toEqual({
      2: 'newsletter: people under 21 cannot subscribe',
      4: 'country: CA is not a country we ship to',
      6: 'email must be a valid email address',
    });
    expect(await s.query(`SELECT id, name, age, newsletter, signup_date FROM ${s.qualified('people')} ORDER BY id`)).toEqual([
      { id: 1, name: 'Ann', age: 30, newsletter: true, signup_date: '2024-01-02' },
      { id: 3, name: 'Cy', age: 19, newsletter: false, signup_date: null },
      { id: 5, name: 'Eve', age: null, newsletter: true, signup_date: null },
    ]);
  });

  it('a save-only JavaScript handler replaces the database: its refusals are row errors, nothing else is written', async () => {
    const out = join(dir.path, 'jsonl-out');
    const cwd = join(dir.path, 'save-only');
    const rows = Array.from({ length: 25 }, (_, i) => [String(i + 1), i % 7 === 3 ? 'Refuse Me' : `Person ${i + 1}`, `p${i + 1}@example.com`, String(20 + i), 'FR', '', '', '']);
    rows.push(['26', 'Bad Age', 'p26@example.com', '200', 'FR', '', '', '']);
    const source = peopleCsv('save-only', rows);
    mkdirSync(cwd, { recursive: true });
    const { outcomes, summary } = await runImport(
      [source, '--schema', join(FIXTURES, 'people.schema.json'), '--handler', join(FIXTURES, 'handlers', 'save-to-jsonl.mjs'), '--chunk-size', '4', '--processes', '2'],
      { HANDLER_OUT: out },
      cwd,
    );
    const refused = rows.map((r, i) => (r[1] === 'Refuse Me' ? i + 1 : 0)).filter(Boolean);
    expect(failureMessages(outcomes)).toEqual({
      ...Object.fromEntries(refused.map((row) => [row, 'name: the API refused this person'])),
      26: 'age must be a whole number from 0 to 150',
    });
    expect(summary.succeeded).toBe(25 - refused.length);
    const written = jsonl(out);
    expect([...written.keys()].sort((a, b) => a - b)).toEqual([...outcomes.succeeded.keys()].sort((a, b) => a - b));
    expect(written.get(1)).toEqual({ row: 1, id: 1, name: 'Person 1', email: 'p1@example.com', age: 20, country: 'FR', signup_date: null, newsletter: null, notes: null });
    // The handler saved the rows: the default SQLite target was never opened.
    expect(existsSync(join(cwd, 'importer.db'))).toBe(false);
  });

  it('a handler\'s ordinary errors are transient (retried, then the row goes through); RowError is final', async () => {
    const out = join(dir.path, 'flaky-out');
    const source = peopleCsv('flaky', [
      ['1', 'Ann', 'a1@example.com', '30', 'FR', '', '', ''],
      ['2', 'flaky', 'a2@example.com', '30', 'FR', '', '', ''],
      ['3', 'blocked', 'a3@example.com', '30', 'FR', '', '', ''],
      ['4', 'Bob', 'a4@example.com', '30', 'FR', '', '', ''],
      ['5', 'down', 'a5@example.com', '30', 'FR', '', '', ''],
      ['6', 'Cy', 'a6@example.com', '30', 'FR', '', '', ''],
      ['7', 'reject-batch', 'a7@example.com', '30', 'FR', '', '', ''],
      ['8', 'Dee', 'a8@example.com', '30', 'FR', '', '', ''],
      ['9', 'flaky', 'a9@example.com', '30', 'FR', '', '', ''],
    ]);
    const { outcomes, stderr } = await runImport(
      [source, '--schema', join(FIXTURES, 'people.schema.json'), '--handler', join(FIXTURES, 'handlers', 'flaky-api.ts'), '--chunk-size', '2', '--processes', '1', '--max-attempts', '3'],
      { HANDLER_OUT: out },
    );
    expect([...outcomes.succeeded.keys()].sort()).toEqual([1, 2, 4, 9]);
    const down = 'not saved: handler failing after 3 attempts: handler save() failed: API down';
    expect(failureMessages(outcomes)).toEqual({
      3: 'name: this person is on the block list',
      5: down,
      6: down,
      7: 'the API refused this batch',
      8: 'the API refused this batch',
    });
    expect([...jsonl(out).keys()].sort()).toEqual([1, 2, 4, 9]);
    expect(stderr).toMatch(/retrying: handler validate\(\) failed: lookup service timed out/);
    expect(stderr).toMatch(/retrying: handler save\(\) failed: API answered 503/);
  });
});
