/**
 * The outcome lists are stored packed (src/redis/codec.ts): a report of a real import reads the
 * same rows from them as from the same outcomes stored as text, the way earlier versions stored
 * them (an import recorded in part by each during an upgrade reads whole).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { enqueue, report, work } from '../src/index.js';
import { importKeys } from '../src/redis/keys.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { readList } from '../src/report/list-reader.js';
import { useRedisScratch } from './helpers/redis.js';
import { readWorkbook, writeFile } from './helpers/files.js';
import { csvLine } from './helpers/files.js';
import { unpackListElement } from '../src/redis/codec.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

const NAMES = ['Zoë', 'Łukasz', 'Ангелина', '李', 'محمد', "O'Brien", 'Smith, Jr.', '=HYPERLINK("x")'];

/**
 * Stores a list's entries again as text, one element per entry, as earlier versions did; its
 * first `keepPacked` elements stay packed: a list written partly by each version.
 */
async function storeAsText(key: string, keepPacked: number): Promise<void> {
  const packed = await redis.lrangeBuffer(key, 0, keepPacked - 1);
  const skip = (await Promise.all(packed.map(unpackListElement))).flat().length;
  const entries: string[] = [];
  for await (const entry of readList(redis, key)) entries.push(entry);
  await redis.del(key);
  if (packed.length > 0) await redis.rpush(key, ...packed);
  if (entries.length > skip) await redis.rpush(key, ...entries.slice(skip));
}

describe('packed outcome lists', () => {
  it('report the same rows as the same outcomes stored as text', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => {
      const n = i + 1;
      const age = n % 9 === 0 ? 'abc' : String(18 + (n % 60));
      const notes = n % 5 === 0 ? `likes "quotes", commas,\nand line breaks ${n}` : n % 7 === 0 ? 'café; naïve | tab\there' : '';
      return csvLine([`user${n % 250}@example.org`, `${NAMES[n % NAMES.length]} ${n}`, age, notes]);
    });
    const source = writeFile(dir.path, 'people.csv', `email,name,age,notes\n${rows.join('\n')}\n`);
    const schemaPath = writeFile(
      dir.path,
      'people.schema.json',
      JSON.stringify({
        type: 'object',
        properties: { email: { type: 'string', format: 'email', unique: true }, name: { type: 'string' }, age: { type: 'integer', minimum: 0 }, notes: { type: 'string' } },
        required: ['email'],
      }),
    );
    const { id } = await enqueue({ redis, prefix, source, schemaPath, chunkSize: 16, target: `sqlite://${join(dir.path, 'people.db')}` });
    const summary = await work({ redis, prefix, importId: id, untilIdle: true, concurrency: 3 });
    // Ages 'abc' (every 9th row) and emails repeated after row 250 fail.
    const failing = Array.from({ length: 300 }, (_, i) => i + 1).filter((n) => n % 9 === 0 || n > 250);
    expect(summary.failed).toBe(failing.length);
    const keys = importKeys(prefix, id);
    // One element per chunk in each list, packed: no longer one per failed row.
    expect(await redis.llen(keys.failed)).toBeLessThan(summary.failed);

    const packedOut = join(dir.path, 'packed.xlsx');
    await report({ redis, prefix, id, out: packedOut, ttlSeconds: 0 });
    await storeAsText(keys.succeeded, 3);
    await storeAsText(keys.failed, 2);
    expect(await redis.llen(keys.failed)).toBeGreaterThan(summary.failed - 40);
    const textOut = join(dir.path, 'text.xlsx');
    await report({ redis, prefix, id, out: textOut, ttlSeconds: 0 });

    const packed = await readWorkbook(packedOut);
    const text = await readWorkbook(textOut);
    expect(packed.get('Imported')!.length).toBe(300 - summary.failed + 1);
    expect(packed.get('Errors')!.length).toBe(summary.failed + 1);
    expect(text.get('Imported')).toEqual(packed.get('Imported'));
    expect(text.get('Errors')).toEqual(packed.get('Errors'));
    // The Summary's problems: counted from the groups stored with each chunk's failed rows, or
    // from the rows' own messages; the same either way.
    const problems = (sheet: unknown[][]): unknown[][] => sheet.slice(sheet.findIndex((r) => r[0] === 'Problems by column') + 1).filter((r) => typeof r[2] === 'number');
    // A row is counted under each of its messages: rows 252, 261, ... 297 under both.
    expect(problems(packed.get('Summary')! as unknown[][])).toEqual([
      ['email', 'repeats a value already used earlier in the file', 50],
      ['age', 'must be a whole number of at least 0', 33],
    ]);
    expect(problems(packed.get('Summary')! as unknown[][])).toEqual(problems(text.get('Summary')! as unknown[][]));
    // Every row once, with its own values (line breaks and all).
    const imported = packed.get('Imported')!.slice(1) as unknown[][];
    expect(new Set(imported.map((r) => r[0])).size).toBe(imported.length);
    expect(imported.find((r) => r[0] === 10)).toEqual([10, 'user10@example.org', `${NAMES[10 % NAMES.length]} 10`, 28, 'likes "quotes", commas,\nand line breaks 10']);
  });
});
