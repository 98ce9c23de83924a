/**
 * The SQLite target through the command line: --on-conflict upserts, and the table's own
 * constraints turning rows into row errors (the rest of their chunk saved).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { csvLine, queryDb, readWorkbook } from './helpers/files.js';
import { useScratch, type Corner } from './helpers/scratch.js';

const scratch = useScratch();

function csv(corner: Corner, name: string, rows: string[][]): string {
  return corner.file(`${name}.csv`, rows.map(csvLine).join('\n') + '\n');
}

/** `run --json` into the corner's SQLite file; the summary and the report's Errors sheet (row -> problems). */
async function runInto(corner: Corner, source: string, schema: object, ...extra: string[]): Promise<{ summary: Record<string, unknown>; errors: Map<number, string> }> {
  const schemaPath = corner.file(`schema-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(schema));
  const out = join(corner.dir, `report-${Math.random().toString(36).slice(2)}.xlsx`);
  const res = await corner.cli(['run', source, '--schema', schemaPath, '--target', `sqlite:${join(corner.dir, 'target.db')}`, '--processes', '1', '--out', out, '--json', ...extra]);
  expect(res.stderr).toBe('');
  const summary = JSON.parse(res.stdout) as Record<string, unknown>;
  const errors = (await readWorkbook(out)).get('Errors')!.slice(1);
  return { summary, errors: new Map(errors.map((r) => [r[0] as number, String(r[2])])) };
}

const SCORES = { type: 'object', properties: { id: { type: 'integer' }, name: {}, score: { type: 'number' } }, required: ['id'] };

describe('the SQLite target', () => {
  it('--on-conflict id: a re-imported file updates the rows whose key is in the table; ignore leaves them; without it a known key is the row\'s error', async () => {
    const corner = scratch.corner();
    const db = join(corner.dir, 'target.db');
    const read = (): unknown[] => queryDb(db, 'SELECT id, name, score FROM scores ORDER BY id');
    const header = ['id', 'name', 'score'];

    const first = await runInto(corner, csv(corner, 'scores', [header, ['1', 'Ann', '10'], ['2', 'Bob', '20'], ['3', 'Cy', '30']]), SCORES, '--on-conflict', 'id');
    expect(first.summary).toMatchObject({ state: 'complete', succeeded: 3, failed: 0 });

    // The corrected file: Bob's row changes, Dee is new, Ann's row is the same.
    const corrected = await runInto(corner, csv(corner, 'scores', [header, ['2', 'Bobby', '25'], ['4', 'Dee', '40'], ['1', 'Ann', '10']]), SCORES, '--on-conflict', 'id');
    expect(corrected.summary).toMatchObject({ succeeded: 3, failed: 0 });
    expect(read()).toEqual([
      { id: 1, name: 'Ann', score: 10 },
      { id: 2, name: 'Bobby', score: 25 },
      { id: 3, name: 'Cy', score: 30 },
      { id: 4, name: 'Dee', score: 40 },
    ]);

    const ignored = await runInto(corner, csv(corner, 'scores', [header, ['1', 'Changed', '99'], ['5', 'Eve', '50']]), SCORES, '--on-conflict', 'id', '--on-conflict-action', 'ignore');
    expect(ignored.summary).toMatchObject({ succeeded: 2, failed: 0 });
    expect(read()).toEqual([
      { id: 1, name: 'Ann', score: 10 },
      { id: 2, name: 'Bobby', score: 25 },
      { id: 3, name: 'Cy', score: 30 },
      { id: 4, name: 'Dee', score: 40 },
      { id: 5, name: 'Eve', score: 50 },
    ]);

    const plain = await runInto(corner, csv(corner, 'scores', [header, ['3', 'Again', '1'], ['6', 'Fay', '60']]), SCORES);
    expect(plain.summary).toMatchObject({ succeeded: 1, failed: 1 });
    expect([...plain.errors.keys()]).toEqual([1]);
    expect(plain.errors.get(1)).toBe('id: the database refused the value 3 (UNIQUE constraint failed: scores.id)');
    expect(read()).toContainEqual({ id: 6, name: 'Fay', score: 60 });
    expect(read()).toContainEqual({ id: 3, name: 'Cy', score: 30 });
  });

  it('a row that breaks a constraint of the table is that row\'s error, naming column and value; the rest of its chunk is saved', async () => {
    const corner = scratch.corner();
    const db = join(corner.dir, 'target.db');
    const setup = new Database(db);
    setup.exec(
      'CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL, age INTEGER CONSTRAINT adult CHECK (age >= 18));' +
        "INSERT INTO people (id, email, name, age) VALUES (100, 'taken@x.com', 'Old', 30);",
    );
    setup.close();
    const source = csv(corner, 'people', [
      ['id', 'email', 'name', 'age'],
      ['1', 'a@x.com', 'A', '20'],
      ['2', 'taken@x.com', 'B', '20'],
      ['3', 'c@x.com', '', '20'],
      ['4', 'd@x.com', 'D', '10'],
      ['100', 'f@x.com', 'F', '20'],
      ['6', 'g@x.com', 'G', '30'],
      ['8', 'a@x.com', 'I', '50'],
    ]);
    const schema = { type: 'object', properties: { id: { type: 'integer' }, email: {}, name: {}, age: { type: 'integer' } } };
    const { summary, errors } = await runInto(corner, source, schema, '--chunk-size', '3');
    expect(summary).toMatchObject({ state: 'complete', total: 7, succeeded: 2, failed: 5 });
    expect([...errors.keys()].sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 7]);
    expect(errors.get(2)).toBe('email: the database refused the value "taken@x.com" (UNIQUE constraint failed: people.email)');
    expect(errors.get(3)).toBe('name: the database refused an empty value (NOT NULL constraint failed: people.name)');
    // SQLite names the check, not its column.
    expect(errors.get(4)).toBe('the database refused the row (CHECK constraint failed: adult)');
    expect(errors.get(5)).toBe('id: the database refused the value 100 (UNIQUE constraint failed: people.id)');
    expect(errors.get(7)).toBe('email: the database refused the value "a@x.com" (UNIQUE constraint failed: people.email)');
    for (const m of errors.values()) expect(m).not.toMatch(/database unavailable|not saved/);
    expect(queryDb(db, 'SELECT id, name FROM people ORDER BY id')).toEqual([
      { id: 1, name: 'A' },
      { id: 6, name: 'G' },
      { id: 100, name: 'Old' },
    ]);
  });
});
