import { describe, expect, it } from 'vitest';
import { decodeChunkFields, encodeChunkFields } from '../src/redis/codec.js';
import { importKeys } from '../src/redis/keys.js';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { enqueue, failedRows, importedRows, report, work } from '../src/index.js';
import { useRedisScratch } from './helpers/redis.js';
import { queryDb, readWorkbook, writeFile } from './helpers/files.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { readList } from '../src/report/list-reader.js';

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));

describe('the library', () => {
  it('keeps the first occurrence of a unique value in file order across chunks and workers', async () => {
    const schema = writeFile(dir.path, 'u.json', JSON.stringify({ type: 'object', properties: { code: { type: 'string', unique: true }, n: { type: 'integer' } } }));
    const lines = ['code,n'];
    for (let i = 1; i <= 60; i++) lines.push(`${['A', 'B', 'C', 'X' + i][i % 4]},${i}`);
    const source = writeFile(dir.path, 'codes.csv', lines.join('\n'));
    const db = join(dir.path, 'u.db');
    const { id, total } = await enqueue({ redis, prefix, source, schemaPath: schema, target: `sqlite:${db}`, chunkSize: 7 });
    expect(total).toBe(60);
    await Promise.all([1, 2, 3].map(() => work({ redis, prefix, importId: id, untilIdle: true, concurrency: 3 })));
    const { status } = await report({ redis, prefix, id });
    expect(status).toMatchObject({ state: 'complete', total: 60, succeeded: 18, failed: 42 });
    const saved = queryDb<{ code: string; n: number }>(db, 'SELECT code, n FROM codes ORDER BY n');
    // Row i holds code ['A','B','C','X'+i][i % 4]: A first in row 4, B in row 1, C in row 2; X-codes are all unique.
    expect(saved.filter((r) => !r.code.startsWith('X')).map((r) => r.n)).toEqual([1, 2, 4]);
    expect(saved).toHaveLength(18);
    const failed: string[] = [];
    for await (const entry of readList(redis, importKeys(prefix, id).failed)) failed.push(entry);
    const dupOfB = failed.map((e) => JSON.parse(e) as [number, number, string[], string[]]).find((e) => e[0] === 5)!;
    expect(dupOfB[3]).toEqual(['code repeats a value already used earlier in the file (first in row 1)']);
    // The outcome lists as the library streams them: every row once, typed values as saved.
    const imported = [];
    for await (const row of importedRows({ redis, prefix, id })) imported.push(row);
    expect(imported.sort((a, b) => a.row - b.row)).toEqual(saved.map((r) => ({ row: r.n, values: [r.code, r.n] })));
    const failures = [];
    for await (const row of failedRows({ redis, prefix, id })) failures.push(row);
    expect(failures.map((f) => f.row).sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1).filter((n) => !saved.some((r) => r.n === n)));
    expect(failures.find((f) => f.row === 5)).toMatchObject({ line: 6, values: ['B', '5'] });
  });

  it('a worker on one named import waits for it when started before its enqueue', async () => {
    const source = writeFile(dir.path, 'late.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const db = join(dir.path, 'late.db');
    const started = Date.now();
    const worker = work({ redis, prefix, importId: 'late', untilIdle: true });
    // Past the 1.5 s every worker waits: only the named import keeps this one waiting.
    await new Promise((r) => setTimeout(r, 2500));
    await enqueue({ redis, prefix, source, id: 'late', chunkSize: 2, target: `sqlite:${db}` });
    expect(await worker).toMatchObject({ chunks: 2, rows: 3, succeeded: 3, failed: 0 });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(queryDb<{ a: string }>(db, 'SELECT a FROM late ORDER BY a').map((r) => r.a)).toEqual(['1', '3', '5']);
  });

  it('a worker on one named import stops once it is done, without the grace of a worker on every import', async () => {
    const source = writeFile(dir.path, 'prompt.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const db = join(dir.path, 'prompt.db');
    await enqueue({ redis, prefix, source, id: 'prompt', chunkSize: 2, target: `sqlite:${db}` });
    // A worker on every import (no importId) waits 1.5 s from its start before it may stop.
    const started = Date.now();
    expect(await work({ redis, prefix, importId: 'prompt', untilIdle: true })).toMatchObject({ chunks: 2, rows: 3, succeeded: 3 });
    expect(Date.now() - started).toBeLessThan(1500);
    const again = Date.now();
    expect(await work({ redis, prefix, importId: 'prompt', untilIdle: true })).toMatchObject({ chunks: 0, rows: 0 });
    expect(Date.now() - again).toBeLessThan(1500);
    expect(queryDb<{ a: string }>(db, 'SELECT a FROM prompt ORDER BY a').map((r) => r.a)).toEqual(['1', '3', '5']);
  });

  it('a second enqueue with the same id changes nothing', async () => {
    const source = writeFile(dir.path, 'twice.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const first = await enqueue({ redis, prefix, source, id: 'twice', chunkSize: 2 });
    const again = await enqueue({ redis, prefix, source, id: 'twice', chunkSize: 2 });
    expect(first).toMatchObject({ id: 'twice', total: 3, resumed: false, state: 'processing' });
    expect(again).toMatchObject({ id: 'twice', total: 3, resumed: true, state: 'processing' });
    expect(await redis.xlen(importKeys(prefix, 'twice').chunks)).toBe(2);
  });

  it('ends a chunk at 1 MB of text: wide rows make smaller chunks, read and parsed alike', async () => {
    // 100 rows of ~50 KB: 21 rows reach 1 MiB, so chunks of 21, 21, 21, 21 and 16 rows.
    const wide = 'x'.repeat(50_000);
    const lines = ['n,text'];
    for (let i = 1; i <= 100; i++) lines.push(`${String(i).padStart(3, '0')},${wide}`);
    const source = writeFile(dir.path, 'wide.csv', lines.join('\n'));
    for (const [id, extra] of [['wide-raw', {}], ['wide-parsed', { trim: true }]] as const) {
      const { total } = await enqueue({ redis, prefix, source, id, ...extra });
      expect(total).toBe(100);
      const entries = await redis.xrange(importKeys(prefix, id).chunks, '-', '+');
      expect(entries).toHaveLength(5);
      const db = join(dir.path, `${id}.db`);
      await redis.hset(importKeys(prefix, id).meta, 'target', `sqlite:${db}`);
      await work({ redis, prefix, importId: id, untilIdle: true });
      const saved = queryDb<{ n: string; text: string }>(db, 'SELECT n, text FROM wide ORDER BY n');
      expect(saved.map((r) => Number(r.n))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(saved.every((r) => r.text === wide)).toBe(true);
    }
  });

  it('fails the rows of a chunk that cannot be read back, instead of handing it out for ever', async () => {
    const source = writeFile(dir.path, 'unreadable.csv', 'a,b\n1,2\n3,4\n5,6\n');
    const { id } = await enqueue({ redis, prefix, source, id: 'unreadable', chunkSize: 10, target: `sqlite:${join(dir.path, 'unreadable.db')}` });
    // The chunk's text loses a row, its header still says 3: as if the worker's split disagreed with the enqueue's scan.
    const stream = importKeys(prefix, id).chunks;
    const [entryId, fields] = ((await redis.xrange(stream, '-', '+')) as [string, string[]][])[0]!;
    const { payload, incarnation } = decodeChunkFields(fields);
    expect(payload.split('\n')[0]).toMatch(/^R,1,2,44,1,3$/);
    await redis.xdel(stream, entryId!);
    // Re-added under the next id of chunk 0 (a stream's ids only grow): read as chunk 0 all the same.
    await redis.xadd(stream, '0-2', ...encodeChunkFields({ payload: payload.replace('3,4\n', ''), incarnation }));
    const summary = await work({ redis, prefix, importId: id, untilIdle: true });
    expect(summary).toMatchObject({ rows: 3, succeeded: 0, failed: 3 });
    const failures = [];
    for await (const row of failedRows({ redis, prefix, id })) failures.push(row);
    expect(failures.map((f) => [f.row, f.messages])).toEqual(
      [1, 2, 3].map((row) => [row, ['the rows of this chunk could not be read back from it (chunk of rows 1..3 reads as 2 rows instead of 3)']]),
    );
    expect(await redis.hget(importKeys(prefix, id).meta, 'state')).toBe('complete');
  });

  it('continues a report past the sheet row limit on further sheets', async () => {
    const body = Array.from({ length: 25 }, (_, i) => `${i + 1},name ${i + 1}`).join('\n');
    const { id } = await enqueue({ redis, prefix, source: '-', stdin: Readable.from([`n,name\n${body}\n`]), target: `sqlite:${join(dir.path, 'pages.db')}`, table: 'pages' });
    await work({ redis, prefix, importId: id, untilIdle: true });
    const out = join(dir.path, 'pages.xlsx');
    await report({ redis, prefix, id, wait: true, out, rowsPerSheet: 10 });
    const sheets = await readWorkbook(out);
    expect([...sheets.keys()]).toEqual(['Summary', 'Errors', 'Imported', 'Imported (2)', 'Imported (3)']);
    const rows = ['Imported', 'Imported (2)', 'Imported (3)'].flatMap((name) => sheets.get(name)!.slice(1));
    expect(rows.map((r) => r[0]).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });
});
