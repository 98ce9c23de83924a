import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { startCli, finished, FIXTURES } from './helpers/cli.js';
import { csvLine, queryDb, readWorkbook } from './helpers/files.js';
import { useScratch } from './helpers/scratch.js';

const SCHEMA = join(FIXTURES, 'people.schema.json');
const scratch = useScratch();

/**
 * A file as people send them: a byte order mark, CRLF line ends, quoted fields holding commas,
 * quotes and line breaks, non-ASCII names, invalid rows and duplicates.
 */
function hostileFile(): { content: string; valid: string[][]; invalid: Map<number, RegExp> } {
  const header = ['id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'notes'];
  const rows: string[][] = [
    ['1', 'Zoë Ångström', 'zoe@example.com', '31', 'SE', '2024-02-29', 'yes', 'likes "quotes", commas'],
    ['2', '李小龍', 'lee@example.com', '', 'HK', '', '', 'multi\r\nline\r\nnote'],
    ['3', 'Bad Email', 'bad-at-example.com', '20', 'FR', '', 'no', ''],
    ['4', 'Too Old', 'old@example.com', '151', 'FR', '', '', ''],
    ['5', 'Dup Email', 'zoe@example.com', '40', 'DE', '', '', ''],
    ['1', 'Dup Id', 'dupid@example.com', '40', 'DE', '', '', ''],
    ['6', 'Ragged'],
    ['7', 'Émilie Dupré, Jr.', 'emilie@example.com', '0', 'FR', '2020-01-01', 'false', '=SUM(A1:A9)'],
  ];
  const content = '\uFEFF' + [header, ...rows].map(csvLine).join('\r\n') + '\r\n';
  const valid = [rows[0]!, rows[1]!, rows[7]!];
  const invalid = new Map<number, RegExp>([
    [3, /email must be a valid email address/],
    [4, /age must be a whole number from 0 to 150/],
    [5, /email repeats a value already used earlier in the file \(first in row 1\)/],
    [6, /id repeats a value already used earlier in the file \(first in row 1\)/],
    [7, /row has 2 values but the header has 8 columns/],
  ]);
  return { content, valid, invalid };
}

describe('the command line, end to end', () => {
  it('runs the bundled fixture: counts, report and table agree with the file', async () => {
    const { cli, dir } = scratch.corner();
    const out = join(dir, 'people.xlsx');
    const result = await cli(['run', join(FIXTURES, 'people.csv'), '--schema', SCHEMA, '--target', `sqlite:${join(dir, 'db.sqlite')}`, '--out', out, '--json']);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ state: 'complete', total: 302, pending: 0, report: out });
    expect((summary['succeeded'] as number) + (summary['failed'] as number)).toBe(302);
    expect(result.code).toBe(3);
    const rows = queryDb<{ n: number }>(join(dir, 'db.sqlite'), 'SELECT count(*) AS n FROM people');
    expect(rows[0]!.n).toBe(summary['succeeded']);
    const sheets = await readWorkbook(out);
    expect([...sheets.keys()]).toEqual(['Summary', 'Errors', 'Imported']);
    expect(sheets.get('Errors')!.length - 1).toBe(summary['failed']);
    expect(sheets.get('Imported')!.length - 1).toBe(summary['succeeded']);
  });

  it('imports a hostile file with two worker processes side by side, exactly', async () => {
    const { cli, dir, file: writeFile, env } = scratch.corner();
    const file = hostileFile();
    const csv = writeFile('hostile people.csv', file.content);
    const db = join(dir, 'target.db');
    const enq = await cli(['enqueue', csv, '--schema', SCHEMA, '--target', `sqlite:${db}`, '--chunk-size', '3']);
    expect(enq.stderr).toBe('');
    expect(enq.code).toBe(0);
    const id = enq.stdout.trim();
    expect(id).toMatch(/^[\w.-]+$/);
    const workers = [0, 1].map(() => finished(startCli(['work', '--until-idle', '--concurrency', '2'], { env, cwd: dir })));
    const done = await Promise.all(workers);
    expect(done.map((d) => d.code)).toEqual([0, 0]);
    const out = join(dir, 'r.xlsx');
    const rep = await cli(['report', id, '--wait', '--timeout', '30', '--out', out, '--json']);
    expect(rep.code).toBe(3);
    const status = JSON.parse(rep.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ id, state: 'complete', total: 8, succeeded: 3, failed: 5, pending: 0 });

    const saved = queryDb<Record<string, unknown>>(db, 'SELECT * FROM hostile_people ORDER BY id');
    expect(saved.map((r) => r['name'])).toEqual(['Zoë Ångström', '李小龍', 'Émilie Dupré, Jr.']);
    expect(saved[1]!['notes']).toBe('multi\r\nline\r\nnote');
    expect(saved[0]!['notes']).toBe('likes "quotes", commas');
    expect(saved[0]!['age']).toBe(31);
    expect(saved[1]!['age']).toBeNull();

    const sheets = await readWorkbook(out);
    const errors = sheets.get('Errors')!;
    expect(errors[0]).toEqual(['Row', 'Line', 'Problems', 'id', 'name', 'email', 'age', 'country', 'signup_date', 'newsletter', 'notes']);
    const byRow = new Map(errors.slice(1).map((r) => [r[0] as number, r]));
    expect([...byRow.keys()].sort()).toEqual([...file.invalid.keys()].sort());
    for (const [row, pattern] of file.invalid) expect(String(byRow.get(row)![2])).toMatch(pattern);
    // exceljs reads back empty cells as holes and drops trailing ones.
    expect(byRow.get(3)!.slice(3)).toEqual(['3', 'Bad Email', 'bad-at-example.com', '20', 'FR', undefined, 'no']);
    // Row 2 spans three lines (CRLF inside quotes), so row 3 starts on line 6.
    expect(byRow.get(3)![1]).toBe(6);
    const imported = sheets.get('Imported')!;
    expect(imported.slice(1).map((r) => r[0]).sort()).toEqual([1, 2, 8]);
    const formulaRow = imported.find((r) => r[0] === 8)!;
    expect(formulaRow[8]).toBe('=SUM(A1:A9)');
  });

  it('reads stdin, and prints nothing but the id on stdout', async () => {
    const { cli } = scratch.corner();
    const res = await cli(['enqueue', '-', '--table', 'piped'], { input: 'a,b\n1,2\n3,4\n' });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^[\w.-]+\n$/);
    const status = await cli(['status', res.stdout.trim(), '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'processing', total: 2, pending: 2, succeeded: 0, failed: 0 });
  });

  it('a header-only file is a complete import of zero rows', async () => {
    const { cli, dir, file: writeFile } = scratch.corner();
    const csv = writeFile('empty-body.csv', 'id,name,email\n');
    const res = await cli(['run', csv, '--schema', SCHEMA, '--json', '--out', join(dir, 'r.xlsx')]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ state: 'complete', total: 0, succeeded: 0, failed: 0 });
  });

  it('rejects bad input with one clear line and the right exit code', async () => {
    const { cli, dir, file: writeFile } = scratch.corner();
    const missing = await cli(['enqueue', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`importer: cannot read ${join(dir, 'nope.csv')}: no such file\n`);

    const empty = await cli(['enqueue', writeFile('empty.csv', '')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty\.csv is empty/);

    const badJson = writeFile('bad.json', '{\n  "type": "object",\n  "properties": {,}\n}');
    const schemaJson = await cli(['enqueue', join(FIXTURES, 'people.csv'), '--schema', badJson]);
    expect(schemaJson.code).toBe(1);
    expect(schemaJson.stderr).toMatch(/bad\.json is not valid JSON: .* line 3, column 18/);

    const badSchema = writeFile('bad-schema.json', '{"type":"object","properties":{"age":{"type":"integr"}}}');
    const schemaInvalid = await cli(['enqueue', join(FIXTURES, 'people.csv'), '--schema', badSchema]);
    expect(schemaInvalid.code).toBe(1);
    expect(schemaInvalid.stderr).toMatch(/bad-schema\.json is not a valid JSON Schema/);

    const missingColumn = writeFile('no-email.csv', 'id,name\n1,x\n');
    const required = await cli(['enqueue', missingColumn, '--schema', SCHEMA]);
    expect(required.code).toBe(1);
    expect(required.stderr).toMatch(/missing required column "email"/);

    const dupHeader = await cli(['enqueue', writeFile('dup.csv', 'a,b,a\n1,2,3\n')]);
    expect(dupHeader.code).toBe(1);
    expect(dupHeader.stderr).toMatch(/duplicated header "a"/);

    const usage = await cli(['enqueue']);
    expect(usage.code).toBe(2);
    const badNumber = await cli(['enqueue', 'x.csv', '--chunk-size', 'ten']);
    expect(badNumber.code).toBe(2);

    const noRedis = await cli(['status', 'x', '--redis', 'redis://127.0.0.1:1']);
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toMatch(/^importer: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    expect(noRedis.stderr.trim().split('\n')).toHaveLength(1);

    const unknown = await cli(['status', 'no-such-import']);
    expect(unknown.code).toBe(1);
  });

  it('an unclosed quote fails the import with file and line, and nothing is left for workers', async () => {
    const { cli, dir, file: writeFile, keys } = scratch.corner();
    const rows = ['a,b', ...Array.from({ length: 50 }, (_, i) => `${i},x`), '"open,1', '2,3', '4,5'];
    const csv = writeFile('unclosed.csv', rows.join('\n') + '\n');
    const res = await cli(['enqueue', csv, '--id', 'unclosed-1', '--chunk-size', '10']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/unclosed\.csv: line 52: a quoted field opened here is never closed/);
    const status = await cli(['status', 'unclosed-1', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'failed' });
    expect(status.code).toBe(1);
    expect(await scratch.redis.xlen(keys('unclosed-1').chunks)).toBe(0);
    const work = await cli(['work', '--until-idle']);
    expect(work.code).toBe(0);
    expect(existsSync(join(dir, 'importer.db'))).toBe(false);
  });

  it('report --timeout exits 4 while rows are pending', async () => {
    const { cli } = scratch.corner();
    const enq = await cli(['enqueue', '-', '--id', 'pending-1'], { input: 'a\n1\n' });
    expect(enq.code).toBe(0);
    const rep = await cli(['report', 'pending-1', '--wait', '--timeout', '0.5']);
    expect(rep.code).toBe(4);
    expect(rep.stderr).toMatch(/timed out/);
    const notWaiting = await cli(['report', 'pending-1']);
    expect(notWaiting.code).toBe(1);
    expect(notWaiting.stderr).toMatch(/not finished/);
  });
});
