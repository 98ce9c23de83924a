import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteTarget } from '../src/targets/sqlite-target.js';
import type { CellValue } from '../src/schema/row-validator.js';
import { tempDir } from './helpers/files.js';

/**
 * A chunk's valid rows are any number (the invalid ones are left out), and the SQLite target
 * writes them in multi-row INSERTs of a few sizes only: every row once, in order, whatever the
 * count, and the prepared statements stay few however many different counts come.
 */

const dir = tempDir();
afterAll(() => dir.remove());

const COLUMNS = ['id', 'name', 'score', 'notes', 'a', 'b', 'c', 'd', 'e'];
const TYPES = ['integer', 'text', 'real', 'text', 'integer', 'text', 'text', 'boolean', 'text'] as const;

function rowsOf(first: number, count: number): CellValue[][] {
  return Array.from({ length: count }, (_, i) => {
    const id = first + i;
    return [id, `name ${id} Zoë 李`, id / 4, id % 7 === 0 ? null : `note, "${id}"\nline`, 1, 'x', null, id % 2 === 0, 'z'];
  });
}

describe('the SQLite target writes any number of rows', () => {
  it('saves chunks of 0 to 4,000 rows (past one statement\'s parameter cap) every row once, and prepares a bounded set of INSERTs', async () => {
    const path = join(dir.path, 'sizes.db');
    const target = new SqliteTarget(path, 5000);
    try {
      await target.ensureTable({ table: 'people', columns: COLUMNS.map((name, c) => ({ name, type: TYPES[c]! })), create: true, uniqueKey: [] });
      // Counts a file with invalid rows gives: nearly every chunk a different one.
      const counts = [0, 1, 2, 3, 511, 512, 513, 1000, 1023, 1024, 1025, 1999, 2000, 3640, 3641, 4000];
      for (let n = 0; n < 60; n++) counts.push(1800 + n * 3);
      let next = 1;
      for (const [chunk, count] of counts.entries()) {
        const rejected = await target.save({ importId: 'sizes', ledgerKey: 'sizes-1', chunk, table: 'people', columns: COLUMNS, rows: rowsOf(next, count), onConflict: null });
        expect(rejected).toEqual([]);
        next += count;
      }
      // The INSERTs prepared so far: one per size used, not one per count.
      const prepared = (target as unknown as { inserts: Map<string, unknown> }).inserts.size;
      expect(prepared).toBeLessThanOrEqual(10);
      await target.close();

      const db = new Database(path, { readonly: true });
      try {
        const saved = db.prepare(`SELECT ${COLUMNS.map((c) => `"${c}"`).join(', ')} FROM people ORDER BY rowid`).raw().all() as unknown[][];
        // Booleans are stored as 1 and 0.
        const expected = rowsOf(1, next - 1).map((row) => row.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
        expect(saved.length).toBe(next - 1);
        expect(saved.map((r) => r[0])).toEqual(expected.map((r) => r[0]));
        expect(saved).toEqual(expected);
      } finally {
        db.close();
      }
    } finally {
      await target.close().catch(() => {});
    }
  });
});
