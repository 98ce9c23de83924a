/**
 * Schema patterns that make a backtracking engine spin (`^(a+)+$` on 40 a's and a '!') run on
 * RE2 (src/schema/linear-regexp.ts): the import ends quickly, the hostile rows fail with the
 * pattern's message. Patterns RE2 cannot run are refused at enqueue, naming the keyword.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { runCli } from './helpers/cli.js';
import { csvLine, queryDb, writeFile } from './helpers/files.js';
import { readOutcomes } from './helpers/outcomes.js';
import { useRedisScratch } from './helpers/redis.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
const env = { IMPORTER_PREFIX: prefix };

const ROWS = 4000;
/** Rows (1-based) whose code is 40 a's and a '!': one in 200. */
const hostile = (row: number): boolean => row % 200 === 77;

describe('schema patterns', () => {
  it("the issue's case: ^(a+)+$ on 4,000 rows, 20 of them 40 a's and a '!', completes at once; those 20 fail", async () => {
    const schema = writeFile(dir.path, 'redos.json', JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, code: { type: 'string', pattern: '^(a+)+$' } }, required: ['id', 'code'] }));
    const lines = [csvLine(['id', 'code'])];
    for (let row = 1; row <= ROWS; row++) lines.push(csvLine([String(row), hostile(row) ? `${'a'.repeat(40)}!` : 'a'.repeat(1 + (row % 30))]));
    const csv = writeFile(dir.path, 'redos.csv', lines.join('\n') + '\n');
    const db = join(dir.path, 'redos.sqlite');
    const started = Date.now();
    const res = await runCli(['run', csv, '--schema', schema, '--target', `sqlite:${db}`, '--table', 'codes', '--out', join(dir.path, 'redos.xlsx'), '--json'], { env });
    const elapsed = Date.now() - started;
    expect(res.stderr).not.toContain('Error');
    expect(res.code).toBe(3);
    expect(elapsed).toBeLessThan(30_000);
    const summary = JSON.parse(res.stdout) as { id: string; state: string; succeeded: number; failed: number };
    expect(summary).toMatchObject({ state: 'complete', succeeded: ROWS - 20, failed: 20 });

    const outcomes = await readOutcomes(redis, prefix, summary.id);
    expect(outcomes.repeated).toEqual([]);
    const failedRows = [...outcomes.failed.keys()].sort((a, b) => a - b);
    expect(failedRows).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1).filter(hostile));
    for (const failed of outcomes.failed.values()) {
      expect(failed.fields[1]).toBe(`${'a'.repeat(40)}!`);
      expect(failed.messages.join(' ')).toMatch(/code/);
      expect(failed.messages.join(' ')).toMatch(/pattern|format|match/i);
    }
    const saved = queryDb<{ id: number; code: string }>(db, 'SELECT id, code FROM codes ORDER BY id');
    expect(saved.length).toBe(ROWS - 20);
    expect(saved.every((r) => !hostile(r.id) && r.code === 'a'.repeat(1 + (r.id % 30)))).toBe(true);
  }, 60_000);

  it('a pattern RE2 cannot run (a backreference, a lookahead) is refused at enqueue with exit 1, naming the keyword and where', async () => {
    const csv = writeFile(dir.path, 'small.csv', 'id,code\n1,aa\n');
    for (const [pattern, at] of [
      ['^(a)\\1$', '#/properties/code/pattern'],
      ['^(?=a)a+$', '#/properties/code/pattern'],
    ] as const) {
      const schema = writeFile(dir.path, 'refused.json', JSON.stringify({ type: 'object', properties: { code: { type: 'string', pattern } } }));
      const res = await runCli(['enqueue', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'refused.sqlite')}`], { env });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(JSON.stringify(pattern));
      expect(res.stderr).toContain(at);
      expect(res.stderr).toMatch(/linear-time engine \(RE2\)/);
    }
    // patternProperties: its keys are patterns too.
    const schema = writeFile(dir.path, 'refused-pp.json', JSON.stringify({ type: 'object', patternProperties: { '^(?!x)': { type: 'string' } } }));
    const res = await runCli(['enqueue', csv, '--schema', schema, '--target', `sqlite:${join(dir.path, 'refused.sqlite')}`], { env });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('#/patternProperties');
    expect(res.stdout).toBe('');
  }, 30_000);
});
