import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/cli.js';
import { queryDb, readWorkbook, writeFile } from './helpers/files.js';
import { useRedisScratch } from './helpers/redis.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { importKeys } from '../src/redis/keys.js';

/**
 * Hostile sizes cost bounded memory and end with a clear message; the flags that raise the
 * limits work; headers are matched, mapped and trimmed as docs/reading-files.md says.
 */

const OPEN_RECORDS = fileURLToPath(new URL('../dist/sources/open-records.js', import.meta.url));
const SCHEMA = fileURLToPath(new URL('./corpus/people.schema.json', import.meta.url));
const MB = 1024 * 1024;

let redis: ImporterRedis;
const { prefix, dir } = useRedisScratch((client) => (redis = client));
const env = { IMPORTER_PREFIX: prefix };

/** Writes `head`, then `megabytes` MB of `fill`, then `tail`, without holding the file in memory. */
function bigFile(name: string, head: string, fill: string, megabytes: number, tail: string): string {
  const path = join(dir.path, name);
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  const block = Buffer.alloc(MB, fill);
  for (let i = 0; i < megabytes; i++) writeSync(fd, block);
  writeSync(fd, tail);
  closeSync(fd);
  return path;
}

interface ReadProbe {
  readonly message: string | null;
  readonly rows: number;
  readonly ms: number;
  /** Peak resident memory of the reading process, in KB. */
  readonly maxRSS: number;
}

/** Reads a file to the end in a fresh process and reports its peak memory. */
function probe(path: string): Promise<ReadProbe> {
  const script = `
    const { openRecords } = await import(${JSON.stringify(OPEN_RECORDS)});
    const started = Date.now(); let message = null; let rows = 0;
    try { const source = await openRecords(${JSON.stringify(path)}); for await (const batch of source.batches) rows += batch.length; }
    catch (err) { message = err.message; }
    console.log(JSON.stringify({ message, rows, ms: Date.now() - started, maxRSS: process.resourceUsage().maxRSS }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as ReadProbe);
      } catch (err) {
        reject(err);
      }
    });
  });
}

describe('limits against hostile files', () => {
  it('a 50 MB field fails fast with the limit and the line, in bounded memory', async () => {
    const path = bigFile('huge-field.csv', 'id,note\n1,ok\n2,"', 'x', 50, '"\n3,ok\n');
    const read = await probe(path);
    expect(read.message).toBe(`${path}: line 3: a record is larger than the limit of 16777216 bytes (raise it with maxRecordSize)`);
    expect(read.rows).toBe(2); // the header and row 1 came out before it
    expect(read.maxRSS).toBeLessThan(200 * 1024); // a 50 MB file, never held whole
    const cli = await runCli(['enqueue', path, '--id', 'huge-field'], { env });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/huge-field\.csv: line 3: a record is larger than the limit of 16777216 bytes \(raise it with --max-record-size\)/);
    expect(await redis.hget(importKeys(prefix, 'huge-field').meta, 'state')).toBe('failed');
  });

  it('50 MB of separators (a header of millions of empty columns) stops at the column limit, in bounded memory', async () => {
    const path = bigFile('separators.csv', 'a', ',', 50, '\n1\n');
    const read = await probe(path);
    expect(read.message).toBe(`${path}: line 1: a record has more than 10000 fields, the limit (raise it with maxColumns)`);
    expect(read.maxRSS).toBeLessThan(200 * 1024);
  });

  it('a million named columns stop at the column limit; --max-columns raises it', async () => {
    const many = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',');
    const path = writeFile(dir.path, 'million-columns.csv', `${many}\n`);
    const read = await probe(path);
    expect(read.message).toMatch(/line 1: a record has more than 10000 fields/);
    expect(read.maxRSS).toBeLessThan(200 * 1024);

    const wide = writeFile(dir.path, 'wide.csv', `${Array.from({ length: 12_000 }, (_, i) => `c${i}`).join(',')}\n${'1,'.repeat(11_999)}1\n`);
    const refused = await runCli(['enqueue', wide], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/wide\.csv: line 1: a record has more than 10000 fields/);
    const raised = await runCli(['enqueue', wide, '--max-columns', '12000'], { env });
    expect(raised.stderr).toBe('');
    expect(raised.code).toBe(0);
  });

  it('--max-record-size lowers or raises the record limit', async () => {
    const path = writeFile(dir.path, 'long.csv', `id,note\n1,${'y'.repeat(100_000)}\n`);
    const refused = await runCli(['enqueue', path, '--max-record-size', '50k'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/long\.csv: line 2: a record is larger than the limit of 51200 bytes/);
    const accepted = await runCli(['enqueue', path, '--max-record-size', '1MB'], { env });
    expect(accepted.code).toBe(0);
    const bad = await runCli(['enqueue', path, '--max-record-size', 'lots'], { env });
    expect(bad.code).toBe(2);
  });
});

describe('headers', () => {
  it('--map names the columns no schema property matches; the report keeps the file headers', async () => {
    const path = writeFile(dir.path, 'mapped.csv', 'Ident;Full name;Mail;Age\n1;Ann;ann@example.com;200\n2;Bob;bob@example.com;30\n');
    const db = join(dir.path, 'mapped.db');
    const out = join(dir.path, 'mapped.xlsx');
    const args = ['--map', 'Ident=id', '--map', 'full name=name', '--map', 'Mail=email_address'];
    const res = await runCli(['run', path, '--schema', SCHEMA, '--target', `sqlite:${db}`, '--out', out, '--json', '--processes', '1', ...args], { env, cwd: dir.path });
    expect(res.code).toBe(3);
    expect(queryDb(db, 'SELECT id, name, email_address, age FROM mapped')).toEqual([{ id: 2, name: 'Bob', email_address: 'bob@example.com', age: 30 }]);
    const errors = (await readWorkbook(out)).get('Errors')!;
    expect(errors[0]).toEqual(['Row', 'Line', 'Problems', 'Ident', 'Full name', 'Mail', 'Age']);
    expect(errors[1]).toEqual([1, 2, 'age must be a whole number from 0 to 150', '1', 'Ann', 'ann@example.com', '200']);

    const unknown = await runCli(['enqueue', path, '--schema', SCHEMA, '--map', 'Courriel=email_address'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/mapped\.csv: line 1: --map names a header the file does not have: "Courriel"; found "Ident", "Full name", "Mail", "Age"/);
    const missing = await runCli(['enqueue', path, '--schema', SCHEMA], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing required columns "id", "name", "email_address"; expected "id", "name", "email_address", "age", "born", "plan", "active"; found "Ident", "Full name", "Mail", "Age"/);
    const malformed = await runCli(['enqueue', path, '--map', 'Ident'], { env });
    expect(malformed.code).toBe(2);
  });

  it('--trim removes the spaces around values, not those inside quotes', async () => {
    const path = writeFile(dir.path, 'spaced.csv', 'id , name ,email_address\n 1 ,  Ann  , ann@example.com \n2,"  Bob  ",bob@example.com\n');
    const db = join(dir.path, 'spaced.db');
    const res = await runCli(['run', path, '--schema', SCHEMA, '--trim', '--target', `sqlite:${db}`, '--out', join(dir.path, 's.xlsx'), '--json', '--processes', '1'], { env, cwd: dir.path });
    expect(res.code).toBe(0);
    expect(queryDb(db, 'SELECT id, name, email_address FROM spaced ORDER BY id')).toEqual([
      { id: 1, name: 'Ann', email_address: 'ann@example.com' },
      { id: 2, name: '  Bob  ', email_address: 'bob@example.com' },
    ]);
  });

  it('unknown --encoding and bad --delimiter are usage errors', async () => {
    const path = writeFile(dir.path, 'plain.csv', 'a\n1\n');
    const encoding = await runCli(['enqueue', path, '--encoding', 'klingon'], { env });
    expect(encoding.code).toBe(2);
    expect(encoding.stderr).toMatch(/unknown encoding "klingon"/);
    const delimiter = await runCli(['enqueue', path, '--delimiter', ';;'], { env });
    expect(delimiter.code).toBe(2);
    expect(delimiter.stderr).toMatch(/--delimiter must be one character/);
  });
});
