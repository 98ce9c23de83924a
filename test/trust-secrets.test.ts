/**
 * Secrets never leave the process: a password in the target URL, in any form the driver takes
 * (user-info percent-encoded or raw with `/`, `@`, `#`, `:`; `password=` or `sslpassword=` in
 * the query), is in no Redis value, no output of run/status/list/report, no part of the XLSX and
 * no mail; REDIS_URL and SMTP_URL passwords stay out of the errors that name those servers.
 * The report and the mail also name no database host, server path or host name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from './helpers/cli.js';
import { writeFile } from './helpers/files.js';
import { freePort } from './helpers/processes.js';
import { useRedisScratch } from './helpers/redis.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { openScratch, PG_URL, type Scratch } from './helpers/sql.js';
import type { ImporterRedis } from '../src/redis/scripts.js';
import { readList } from '../src/report/list-reader.js';

const SECRET = 'Zq9sEcReTx';
/** Pieces of the secret that must not appear either (a secret cut at a raw `/`, `@` or `#`). */
const PIECES = [SECRET, 'ReTx', 'qq/w', 'w@e', 'e#r'];
const RAW = `${SECRET}qq/w@e#r:t`;

let redis: ImporterRedis;
let smtp: TestSmtpServer;
let pg: Scratch;
const { prefix, dir } = useRedisScratch((r) => (redis = r));
beforeAll(async () => {
  smtp = await startSmtpServer();
  pg = await openScratch('postgres');
});
afterAll(async () => {
  await smtp?.close();
  await pg?.drop();
});

const base = new URL(PG_URL);
const hostPort = `${base.hostname}:${base.port || 5432}`;
const database = base.pathname;
/** The local PostgreSQL trusts its users: any password is accepted, so every form can run. */
const FORMS: [string, string][] = [
  ['user-info, percent-encoded', `postgres://postgres:${encodeURIComponent(RAW)}@${hostPort}${database}`],
  ['user-info, raw', `postgres://postgres:${RAW}@${hostPort}${database}`],
  ['password= in the query', `postgres://postgres@${hostPort}${database}?password=${encodeURIComponent(RAW)}`],
  ['PASSWORD= and sslpassword= in the query', `postgres://postgres@${hostPort}${database}?application_name=imp&PASSWORD=${SECRET}&sslpassword=${encodeURIComponent(RAW)}`],
];

async function redisValues(p: string): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
      else if (type === 'list') {
        // The outcome lists are packed: read as their entries' text, or a secret in them would hide.
        const entries: string[] = [];
        for await (const entry of readList(redis, key)) entries.push(entry);
        parts.push(JSON.stringify(entries));
      }
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'string') parts.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
      else parts.push(`(unread type ${type})`);
    }
  } while (cursor !== '0');
  return parts.join('\n');
}

/** Every part of the workbook, unzipped, as one text. */
function xlsxText(path: string): string {
  const to = `${path}.parts`;
  execFileSync('unzip', ['-q', '-o', path, '-d', to]);
  const parts = (readdirSync(to, { recursive: true, withFileTypes: true }) as Dirent[]).filter((e) => e.isFile());
  expect(parts.length).toBeGreaterThan(3);
  return parts.map((e) => readFileSync(join(e.parentPath ?? e.path, e.name), 'utf8')).join('\n');
}

function expectNoSecret(where: string, text: string): void {
  for (const piece of PIECES) expect(text, `${where} holds "${piece}"`).not.toContain(piece);
}

function outputs(results: CliResult[]): string {
  return results.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
}

describe('a password in the target URL', () => {
  it.each(FORMS)('%s: never stored, printed, written into the report or mailed', async (_label, target) => {
    const p = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
    const env = { IMPORTER_PREFIX: p, SMTP_URL: smtp.url };
    const csv = writeFile(dir.path, 'people.csv', 'email,name\nann@example.com,Ann\nnot-an-email,Bob\n');
    const schema = writeFile(dir.path, 'people.json', JSON.stringify({ type: 'object', properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } } }));
    const out = join(dir.path, `${p}.xlsx`);
    const table = pg.table(`t_${p.slice(-6)}`);
    const before = smtp.received.length;
    const run = await runCli(['run', csv, '--schema', schema, '--target', target, '--table', table, '--create-table', '--processes', '1', '--notify', 'uploader@example.com', '--email', '--out', out, '--json'], { env });
    const summary = JSON.parse(run.stdout) as { id: string; succeeded: number; failed: number; target: string };
    expect(summary).toMatchObject({ succeeded: 1, failed: 1, target: `postgres://postgres@${hostPort}${database}${target.includes('application_name') ? '?application_name=imp' : ''}` });
    expect((await pg.query(`SELECT email FROM ${pg.qualified(table.split('.')[1]!)}`)).map((r) => r['email'])).toEqual(['ann@example.com']);

    const enqueue = await runCli(['enqueue', csv, '--schema', schema, '--target', target, '--table', table, '--json'], { env });
    expect(enqueue.stderr).toContain('the password in --target was not stored');
    const id2 = (JSON.parse(enqueue.stdout) as { id: string }).id;
    const printed = [
      run,
      enqueue,
      await runCli(['status', summary.id, '--json'], { env }),
      await runCli(['status', id2], { env }),
      await runCli(['list', '--json'], { env }),
      await runCli(['list'], { env }),
      await runCli(['report', summary.id, '--json'], { env }),
      await runCli(['enqueue', csv, '--target', target.replace('postgres://', 'oracle://')], { env }),
    ];
    expectNoSecret('the command output', outputs(printed));
    expect(printed.at(-1)!.code).toBe(2);
    expectNoSecret('Redis', await redisValues(p));

    const workbook = xlsxText(out);
    expectNoSecret('the XLSX', workbook);
    expect(smtp.received.length).toBe(before + 1);
    const mail = smtp.received[before]!;
    const body = `${mail.parsed.subject}\n${mail.parsed.text}`;
    expectNoSecret('the mail', mail.raw.toString('latin1'));
    // What the uploader receives names the file, counts, times and problems: no server detail.
    for (const [what, text] of [['the XLSX', workbook], ['the mail', body]] as const) {
      for (const detail of [hostPort, base.hostname, 'postgres://', dir.path]) expect(text, `${what} names ${detail}`).not.toContain(detail);
      expect(new RegExp(`(^|[^\\w.-])${hostname().replace(/[.-]/g, '\\$&')}($|[^\\w-])`).test(text), `${what} names the host ${hostname()}`).toBe(false);
      expect(text).toContain('people.csv');
    }
    expect(body).toContain(`Import id: ${summary.id}`);
  }, 180_000);
});

describe('REDIS_URL and SMTP_URL passwords', () => {
  it('stay out of the errors naming those servers, in any form', async () => {
    const port = await freePort();
    for (const url of [`redis://:${RAW}@127.0.0.1:${port}`, `redis://default:${encodeURIComponent(RAW)}@127.0.0.1:${port}/0`, `redis+cluster://app:${RAW}@127.0.0.1:${port}`]) {
      const res = await runCli(['status', 'x'], { env: { REDIS_URL: url, IMPORTER_PREFIX: prefix } });
      expect(res.code, res.stderr).not.toBe(0);
      expect(res.stderr).toMatch(/^importer: .*Redis (at|URL) "?redis(\+cluster)?:\/\/(app@|default@)?127\.0\.0\.1/);
      expectNoSecret(`the error for ${url}`, res.stderr);
    }
    const csv = writeFile(dir.path, 'mail.csv', 'a\n1\n');
    const env = { IMPORTER_PREFIX: prefix };
    const id = (JSON.parse((await runCli(['enqueue', csv, '--target', `sqlite:${join(dir.path, 'm.db')}`, '--json'], { env })).stdout) as { id: string }).id;
    await runCli(['work', '--until-idle'], { env });
    for (const url of [`smtp://mailer:${RAW}@127.0.0.1:${port}`, `smtps://mailer:${encodeURIComponent(RAW)}@127.0.0.1:${port}?pool=true`, `ftp://mailer:${RAW}@127.0.0.1:${port}`]) {
      const res = await runCli(['report', id, '--email', 'a@example.com', '--mail-attempts', '1', '--out', join(dir.path, 'm.xlsx'), '--ttl', '0'], { env: { ...env, SMTP_URL: url } });
      expect(res.code, res.stderr).not.toBe(0);
      expectNoSecret(`the error for ${url}`, res.stderr);
    }
  });
});
