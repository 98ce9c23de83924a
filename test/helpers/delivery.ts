import { join } from 'node:path';
import { csvLine, writeFile } from './files.js';
import { runCli } from './cli.js';
import type { ImporterRedis } from '../../src/redis/scripts.js';
import { enqueue } from '../../src/enqueue/enqueue.js';
import { work } from '../../src/work/work.js';
import { importKeyPattern } from '../../src/lifecycle/import-key-scan.js';

/**
 * A small people file with problems a person must fix (bad emails, ages out of range, a note too
 * long, a repeated id) and values a spreadsheet could take for formulas, in rows that are
 * imported and rows that fail, and in a header (`-notes`).
 */
export const PROBLEM_HEADER = ['id', 'name', 'email', 'age', '-notes'];
export const PROBLEM_ROWS: string[][] = [
  ['1', 'Ann', 'ann@example.com', '31', 'ok'],
  ['2', '=HYPERLINK("http://evil.example","click")', 'bob@example.com', '40', '+33 1 23'],
  ['3', 'Cid', 'not-an-email', '20', ''],
  ['4', 'Dee', 'dee@', '22', ''],
  ['5', 'Eve', 'eve-at-example', '23', '@SUM(A1)'],
  ['6', 'Fay', 'fay@example.com', '200', '-2+3'],
  ['7', 'Gus', 'gus@example.com', 'abc', ''],
  ['8', '\tTabbed', 'hal@example.com', '50', '\rCR'],
  ['9', 'Ida', 'ida@example.com', '60', 'this is far too long'],
  ['1', 'Jan', 'jan@example.com', '61', ''],
  ['11', 'Jo', 'jo@example.com', '5', '007'],
  ['12', 'Kim', 'kim@example.com', '33', ''],
];
export const PROBLEM_VALID_ROWS = [1, 2, 8, 11, 12];
export const PROBLEM_FAILED_ROWS = [3, 4, 5, 6, 7, 9, 10];
export const FORMULA_SHAPED = ['=HYPERLINK("http://evil.example","click")', '+33 1 23', '@SUM(A1)', '-2+3', '\tTabbed', '\rCR', '-notes'];

export const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer', minimum: 1, unique: true },
    name: { type: 'string' },
    email: { type: 'string', format: 'email' },
    age: { type: 'integer', minimum: 0, maximum: 150 },
    '-notes': { type: 'string', maxLength: 10 },
  },
  required: ['id', 'email'],
};

export function writeProblemFile(dir: string, name = 'people.csv'): { csv: string; schema: string } {
  const csv = writeFile(dir, name, [PROBLEM_HEADER, ...PROBLEM_ROWS].map(csvLine).join('\n') + '\n');
  const schema = writeFile(dir, `${name}.schema.json`, JSON.stringify(PROBLEM_SCHEMA));
  return { csv, schema };
}

/** enqueue (with any extra flags) then work until idle, through the command line; returns the id. */
export async function importViaCli(env: Record<string, string>, source: string, args: readonly string[]): Promise<string> {
  const enq = await runCli(['enqueue', source, '--chunk-size', '4', ...args], { env });
  if (enq.code !== 0) throw new Error(`enqueue exited ${enq.code}: ${enq.stderr}`);
  const id = enq.stdout.trim();
  const work = await runCli(['work', '--until-idle', '--import', id], { env });
  if (work.code !== 0) throw new Error(`work exited ${work.code}: ${work.stderr}`);
  return id;
}

export function sqliteTarget(dir: string): string {
  return `sqlite:${join(dir, 'target.db')}`;
}

/** Every key the import owns (SCAN, as the importer finds them) with its TTL in seconds (-1: none). */
export async function importKeyTtls(redis: ImporterRedis, prefix: string, id: string): Promise<Map<string, number>> {
  const ttls = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', importKeyPattern(prefix, id), 'COUNT', 1000);
    cursor = next;
    for (const key of keys) ttls.set(key, await redis.ttl(key));
  } while (cursor !== '0');
  return ttls;
}

/** The same import done in this process through the library: quicker set-up for tests about what follows it. */
export async function importViaLibrary(redis: ImporterRedis, prefix: string, dir: string, options: { notify?: string; name?: string } = {}): Promise<string> {
  const { csv, schema } = writeProblemFile(dir, options.name);
  const { id } = await enqueue({ redis, prefix, source: csv, schemaPath: schema, target: sqliteTarget(dir), notify: options.notify, chunkSize: 4 });
  await work({ redis, prefix, importId: id, untilIdle: true });
  return id;
}
