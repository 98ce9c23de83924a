import { describe, expect, it } from 'vitest';
import { enqueue } from '../src/index.js';
import { decodeChunk } from '../src/chunks/chunk-codec.js';
import { arrayIndex, ARRAY_VALUES_PER_KEY } from '../src/enqueue/unique-values.js';
import { useRedisScratch } from './helpers/redis.js';
import { writeFile } from './helpers/files.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { importKeys } from '../src/redis/keys.js';
import { chunkEntryFromText } from '../src/redis/codec.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

/** Row -> [unique slot, row it repeats], as the enqueue marked them in the chunks. */
async function markedDuplicates(id: string): Promise<Map<string, number>> {
  const marked = new Map<string, number>();
  for (const [entryId, fields] of await redis.xrange(importKeys(prefix, id).chunks, '-', '+')) {
    const chunk = decodeChunk(chunkEntryFromText(entryId, fields));
    for (const dup of chunk.duplicates) marked.set(`${chunk.firstRow + dup.index}:${dup.uniqueSlot}`, dup.firstRow);
  }
  return marked;
}

/** The same, worked out by hand: first occurrence in file order wins, empty cells claim nothing. */
function expectedDuplicates(rows: readonly (readonly string[])[]): Map<string, number> {
  const expected = new Map<string, number>();
  const width = rows[0]?.length ?? 0;
  for (let slot = 0; slot < width; slot++) {
    const owner = new Map<string, number>();
    rows.forEach((row, i) => {
      const value = row[slot]!;
      if (value === '') return;
      const first = owner.get(value);
      if (first === undefined) owner.set(value, i + 1);
      else expected.set(`${i + 1}:${slot}`, first);
    });
  }
  return expected;
}

/**
 * `trim` takes the parsed path (csv-parse's records) instead of the raw one (the file's own
 * bytes); `inMemory` is how many values the enqueue tells apart itself before Redis's hashes.
 */
async function enqueueRows(id: string, rows: readonly (readonly string[])[], chunkSize: number, trim = false, cells = rows, inMemory?: number): Promise<void> {
  const { schema, source } = writeRows(id, cells);
  const { total } = await enqueue({ redis, prefix, source, schemaPath: schema, id, chunkSize, trim, uniqueValuesInMemory: inMemory });
  expect(total).toBe(rows.length);
}

/** The schema (a and b unique, c a padding column) and the file of `cells`. */
function writeRows(id: string, cells: readonly (readonly string[])[], padding = 0): { schema: string; source: string } {
  const schema = writeFile(dir.path, `${id}.json`, JSON.stringify({ type: 'object', properties: { a: { type: 'string', unique: true }, b: { type: 'string', unique: true }, c: { type: 'string' } } }));
  const pad = 'p'.repeat(padding);
  const source = writeFile(dir.path, `${id}.csv`, ['a,b,c', ...cells.map((r) => `${r.join(',')},${pad}`)].join('\n') + '\n');
  return { schema, source };
}

describe('unique values', () => {
  it('tells plain integers (claimed in arrays) from other text (claimed in hashes)', () => {
    expect(['0', '7', '1234567', String(2 ** 24 - 1)].map(arrayIndex)).toEqual([0, 7, 1234567, 2 ** 24 - 1]);
    expect(['007', '-1', '+1', '1.0', '1e3', ' 1', String(2 ** 24), '99999999999', 'x', ''].map(arrayIndex)).toEqual(Array(10).fill(-1));
  });

  it('marks every later occurrence with the row of the first, whatever the values and the chunks', async () => {
    // Column a: ids mostly in order with repeats near and far (dense slices, merged slices);
    // column b: sparse and large numbers, numbers written otherwise ('007' is not '7'), words.
    let seed = 11;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const rows: string[][] = [];
    for (let i = 1; i <= 3000; i++) {
      const pick = random(20);
      const a = pick === 0 ? String(1 + random(i)) : pick === 1 ? '' : pick === 2 ? String(ARRAY_VALUES_PER_KEY - 3 + random(6)) : String(i * 3);
      const kinds = [
        () => String(random(2 ** 24)),
        () => String(2 ** 24 + random(50)),
        () => String(random(40)),
        () => `00${random(40)}`,
        () => `w${random(300)}`,
        () => String(random(2 ** 24)).repeat(1 + random(2)),
      ];
      rows.push([a, kinds[random(kinds.length)]!()]);
    }
    // In memory: all values, none (Redis's hashes claim them all), or the first 150.
    for (const [chunkSize, trim, inMemory] of [[1, false, undefined], [7, false, 0], [7, false, 150], [500, false, undefined], [500, false, 150], [500, true, undefined], [500, true, 150]] as const) {
      const id = `mixed-${chunkSize}-${trim}-${inMemory}`;
      await enqueueRows(id, rows, chunkSize, trim, rows, inMemory);
      const marked = await markedDuplicates(id);
      const expected = expectedDuplicates(rows);
      expect(expected.size).toBeGreaterThan(400);
      expect(new Map([...marked].sort())).toEqual(new Map([...expected].sort()));
    }
  });

  it('takes a value for the same whether quoted or not, with doubled quotes, separators, line breaks or any script in it', async () => {
    // Each value as it is read, then the ways a CSV cell can write it.
    const values: string[][] = [
      ['Émile 王', 'Émile 王', '"Émile 王"'],
      ['say "hi"', '"say ""hi"""'],
      ['a,b', '"a,b"'],
      ['two\nlines', '"two\nlines"'],
      ['17', '17', '"17"'],
      ['017', '017', '"017"'],
      ['x'.repeat(300), 'x'.repeat(300), `"${'x'.repeat(300)}"`],
      ['👀', '👀', '"👀"'],
    ];
    let seed = 5;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const rows: string[][] = [];
    const cells: string[][] = [];
    for (let i = 0; i < 400; i++) {
      const pick = values[random(values.length)]!;
      const written = pick[1 + random(pick.length - 1)]!;
      // Column b: a value of its own or, now and then, one of column a's (the columns are apart).
      const b = random(10) === 0 ? pick[0]! : `b${i}`;
      rows.push([pick[0]!, b]);
      cells.push([written, /[",\n]/.test(b) ? `"${b.replaceAll('"', '""')}"` : b]);
    }
    for (const [chunkSize, trim, inMemory] of [[1, false, undefined], [33, false, undefined], [33, false, 20], [500, false, 0], [33, true, undefined], [33, true, 20]] as const) {
      const id = `written-${chunkSize}-${trim}-${inMemory}`;
      await enqueueRows(id, rows, chunkSize, trim, cells, inMemory);
      const marked = await markedDuplicates(id);
      const expected = expectedDuplicates(rows);
      expect(expected.size).toBeGreaterThan(380);
      expect(new Map([...marked].sort())).toEqual(new Map([...expected].sort()));
    }
  });

  it('keeps an array value owned by its first row when a later chunk brings it again among new ones', async () => {
    // Chunk 1: ids 10..19; chunk 2: ids 20..29 and 15 (a slice over set places, merged).
    const rows = [...Array.from({ length: 10 }, (_, i) => [String(10 + i), `x${i}`]), ...Array.from({ length: 9 }, (_, i) => [String(20 + i), `y${i}`]), ['15', 'x3']];
    await enqueueRows('merge', rows, 10);
    const marked = await markedDuplicates('merge');
    expect([...marked].sort()).toEqual([
      ['20:0', 6],
      ['20:1', 4],
    ]);
  });

  it('finds the repeats of values claimed before an enqueue stopped, when another resumes it, whatever each held in memory', async () => {
    let seed = 3;
    const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const rows: string[][] = [];
    for (let i = 1; i <= 3000; i++) rows.push([random(8) === 0 ? `w${random(i)}` : `w${i}`, random(8) === 0 ? String(random(i)) : `x${i}`]);
    const expected = expectedDuplicates(rows);
    expect(expected.size).toBeGreaterThan(500);
    // Undefined: the default (all of them); 0: Redis's hashes only.
    for (const [first, second] of [[undefined, undefined], [200, 200], [0, undefined], [undefined, 0], [900, 150], [150, 900]] as const) {
      const id = `resumed-${first}-${second}`;
      // Wide rows: the file comes in several batches, and the first enqueue stops after one.
      const { schema, source } = writeRows(id, rows, 200);
      const stop = new Error('stopped');
      const stopped = enqueue({ redis, prefix, source, schemaPath: schema, id, chunkSize: 50, uniqueValuesInMemory: first, onProgress: ({ rows: read }) => {
        if (read > 0) throw stop;
      } });
      await expect(stopped).rejects.toBe(stop);
      const queued = Number(await redis.hget(importKeys(prefix, id).meta, 'enqueuedChunks'));
      expect(queued).toBeGreaterThan(2);
      expect(queued).toBeLessThan(3000 / 50);
      const resumed = await enqueue({ redis, prefix, source, schemaPath: schema, id, chunkSize: 50, uniqueValuesInMemory: second });
      expect(resumed).toMatchObject({ total: 3000, resumed: true });
      const marked = await markedDuplicates(id);
      expect(new Map([...marked].sort())).toEqual(new Map([...expected].sort()));
    }
  });
});
