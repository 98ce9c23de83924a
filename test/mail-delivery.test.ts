import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runCli } from './helpers/cli.js';
import { cleanPrefix, openRedis, testPrefix } from './helpers/redis.js';
import { tempDir } from './helpers/files.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { importKeyTtls, importViaCli, importViaLibrary, PROBLEM_FAILED_ROWS, PROBLEM_VALID_ROWS, sqliteTarget, writeProblemFile } from './helpers/delivery.js';
import type { ImporterRedis } from '../src/redis/scripts.js';

const SEVEN_DAYS = 7 * 24 * 3600;
let redis: ImporterRedis;
let smtp: TestSmtpServer;
const prefixes: string[] = [];
const dirs: { remove: () => void }[] = [];

function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const prefix = testPrefix();
  prefixes.push(prefix);
  const dir = tempDir();
  dirs.push(dir);
  return { prefix, dir: dir.path, env: { IMPORTER_PREFIX: prefix, SMTP_URL: smtp.url } };
}

/** The first test imports through the command line; the others set up through the library (quicker). */
async function problemImport(prefix: string, dir: string, notify?: string): Promise<string> {
  return importViaLibrary(redis, prefix, dir, { notify });
}

beforeAll(async () => {
  redis = await openRedis();
  smtp = await startSmtpServer();
});
afterAll(async () => {
  for (const prefix of prefixes) await cleanPrefix(redis, prefix);
  await redis.quit();
  await smtp.close();
  for (const dir of dirs) dir.remove();
});

describe('report --email', () => {
  it('mails the report to the --notify address: subject, grouped problems, the XLSX attached; then every key expires in 7 days', async () => {
    const { prefix, dir, env } = setup();
    const { csv, schema } = writeProblemFile(dir);
    const id = await importViaCli(env, csv, ['--schema', schema, '--target', sqliteTarget(dir), '--notify', 'uploader@example.com']);
    const out = join(dir, 'people-report.xlsx');
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', '--from', 'importer@test.example', '--out', out, '--json'], { env });
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(3);
    const summary = JSON.parse(rep.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ id, state: 'complete', succeeded: 5, failed: 7, report: out, notify: 'uploader@example.com' });
    expect(summary['mail']).toMatchObject({ to: ['uploader@example.com'], attached: true, link: null, attempts: 1 });

    expect(smtp.received.length).toBe(before + 1);
    const mail = smtp.received.at(-1)!;
    expect(mail.to).toEqual(['uploader@example.com']);
    expect(mail.from).toBe('importer@test.example');
    expect(mail.parsed.subject).toBe('Import people.csv: 5 imported, 7 failed');
    const text = mail.parsed.text ?? '';
    expect(text).toMatch(/Imported +5/);
    expect(text).toMatch(/Failed +7/);
    // Grouped by column and message, most frequent first.
    const problems = text.slice(text.indexOf('Problems, most frequent first:'));
    expect(problems).toContain('email: must be a valid email address - 3 rows');
    expect(problems).toContain('age: must be a whole number from 0 to 150 - 2 rows');
    expect(problems).toContain('-notes: must be at most 10 characters long - 1 row');
    expect(problems.indexOf('email:')).toBeLessThan(problems.indexOf('age:'));
    expect(text).toMatch(/row 3: email must be a valid email address/);

    // The attachment is the file, byte for byte, and opens as the report.
    expect(mail.parsed.attachments).toHaveLength(1);
    const attachment = mail.parsed.attachments[0]!;
    expect(attachment.filename).toBe('people-report.xlsx');
    expect(attachment.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(Buffer.compare(attachment.content, readFileSync(out))).toBe(0);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(attachment.content as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Summary', 'Errors', 'Imported']);
    const errorRows: number[] = [];
    workbook.getWorksheet('Errors')!.eachRow((row, n) => {
      if (n > 1) errorRows.push(row.getCell(1).value as number);
    });
    expect(errorRows.sort((a, b) => a - b)).toEqual(PROBLEM_FAILED_ROWS);
    expect(workbook.getWorksheet('Imported')!.rowCount - 1).toBe(PROBLEM_VALID_ROWS.length);

    // Delivered: every key of the import expires in 7 days; the unique values' keys went once
    // the file was queued (finish-enqueue.lua).
    const ttls = await importKeyTtls(redis, prefix, id);
    const names = [...ttls.keys()].map((k) => k.slice(`${prefix}:{${id}}:`.length));
    expect(names.sort()).toEqual(['done', 'failed', 'meta', 'succeeded', 'tasks']);
    for (const [key, ttl] of ttls) {
      expect(ttl, key).toBeGreaterThan(SEVEN_DAYS - 60);
      expect(ttl, key).toBeLessThanOrEqual(SEVEN_DAYS);
    }
    expect(await redis.zscore(`${prefix}:active`, id)).toBeNull();
    const status = JSON.parse((await runCli(['status', id, '--json'], { env })).stdout) as { expiresAt: string };
    expect(Date.parse(status.expiresAt) - Date.now()).toBeGreaterThan((SEVEN_DAYS - 60) * 1000);
  });

  it('--email <address> (repeatable) sends to those addresses instead; --ttl 0 keeps the keys', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir, 'uploader@example.com');
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', 'ops@example.com', '--email', 'lead@example.com', '--out', join(dir, 'r.xlsx'), '--ttl', '0', '--json'], { env });
    expect(rep.code).toBe(3);
    expect(smtp.received.length).toBe(before + 1);
    expect(smtp.received.at(-1)!.to).toEqual(['ops@example.com', 'lead@example.com']);
    const ttls = await importKeyTtls(redis, prefix, id);
    expect([...ttls.values()].every((ttl) => ttl === -1)).toBe(true);
    expect(JSON.parse(rep.stdout)).toMatchObject({ expiresAt: null });
  });

  it('without --out, writes <file>-report.xlsx in the current directory and attaches it', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir, 'uploader@example.com');
    const rep = await runCli(['report', id, '--email', '--json'], { env, cwd: dir });
    expect(rep.code).toBe(3);
    expect(JSON.parse(rep.stdout)).toMatchObject({ report: 'people-report.xlsx' });
    expect(existsSync(join(dir, 'people-report.xlsx'))).toBe(true);
  });

  it('a recipient the server refuses for good: exit 1 with the server words, the file written, nothing expires', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir);
    smtp.refuse.set('nobody@example.com', { code: 550 });
    const out = join(dir, 'refused.xlsx');
    const started = Date.now();
    const rep = await runCli(['report', id, '--email', 'nobody@example.com', '--out', out, '--json'], { env });
    expect(rep.code).toBe(1);
    expect(rep.stdout).toBe('');
    expect(rep.stderr).toMatch(/^importer: cannot send the report to nobody@example\.com after 1 attempt: the mail server 127\.0\.0\.1:\d+ refused the recipients: .*550.*Recipient address rejected/);
    expect(rep.stderr).toMatch(/the report was written to .*refused\.xlsx and the import's data is kept\n$/);
    expect(rep.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(out)).toBe(true);
    const ttls = await importKeyTtls(redis, prefix, id);
    expect(ttls.size).toBe(5);
    expect([...ttls.values()].every((ttl) => ttl === -1)).toBe(true);
  });

  it('a recipient deferred once (4xx) is retried and gets the mail', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir);
    smtp.refuse.set('busy@example.com', { code: 450, times: 1 });
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', 'busy@example.com', '--out', join(dir, 'r.xlsx'), '--json'], { env });
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(3);
    expect(JSON.parse(rep.stdout)).toMatchObject({ mail: { to: ['busy@example.com'], attempts: 2 } });
    expect(smtp.received.slice(before).map((m) => m.to)).toEqual([['busy@example.com']]);
  });

  it('a mail server that is down: retried, then exit 1 with the error in words; file written, no expiry', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir, 'uploader@example.com');
    const down = await startSmtpServer();
    await down.close();
    const out = join(dir, 'down.xlsx');
    const started = Date.now();
    const rep = await runCli(['report', id, '--email', '--mail-attempts', '2', '--out', out], { env: { ...env, SMTP_URL: down.url } });
    expect(rep.code).toBe(1);
    expect(rep.stderr).toMatch(new RegExp(`^importer: cannot send the report to uploader@example\\.com after 2 attempts: cannot reach the mail server 127\\.0\\.0\\.1:${down.port}: .*ECONNREFUSED`));
    expect(Date.now() - started).toBeGreaterThan(1900); // one wait of 2 s between the attempts
    expect(existsSync(out)).toBe(true);
    expect([...(await importKeyTtls(redis, prefix, id)).values()].every((ttl) => ttl === -1)).toBe(true);
  });

  it('a report over --max-attachment, with no S3 location: the mail says to ask for it, naming no host or path', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir, 'uploader@example.com');
    const out = join(dir, 'big.xlsx');
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', '--max-attachment', '1KB', '--out', out, '--json'], { env });
    expect(rep.code).toBe(3);
    expect(JSON.parse(rep.stdout)).toMatchObject({ mail: { attached: false, link: null, stored: null } });
    const mail = smtp.received[before]!;
    expect(mail.parsed.attachments).toHaveLength(0);
    const text = (mail.parsed.text ?? '').replace(/\s+/g, ' ');
    expect(text).toContain('is too large to attach (the limit is 0.0 MB). Ask whoever runs the importer for it, giving the import id below.');
    expect(text).toContain(`Import id: ${id}`);
    expect(text).not.toContain(hostname());
    expect(text).not.toContain(dir);
  });

  it('run --notify --email: the one-line nightly job imports, mails and lets the data expire', async () => {
    const { prefix, dir, env } = setup();
    const { csv, schema } = writeProblemFile(dir);
    const before = smtp.received.length;
    const res = await runCli(['run', csv, '--schema', schema, '--target', sqliteTarget(dir), '--processes', '1', '--notify', 'night@example.com', '--email', '--ttl', '1d', '--json'], { env, cwd: dir });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(3);
    const summary = JSON.parse(res.stdout) as { id: string; report: string; mail: { to: string[] } };
    expect(summary).toMatchObject({ state: 'complete', succeeded: 5, failed: 7, report: 'people-report.xlsx', mail: { to: ['night@example.com'], attached: true } });
    expect(smtp.received.length).toBe(before + 1);
    expect(smtp.received[before]!.parsed.subject).toBe('Import people.csv: 5 imported, 7 failed');
    const ttls = [...(await importKeyTtls(redis, prefix, summary.id)).values()];
    expect(ttls.every((ttl) => ttl > 86_000 && ttl <= 86_400)).toBe(true);
  });

  it('refuses --email without SMTP_URL or without any address, before writing anything', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir);
    const noSmtp = await runCli(['report', id, '--email', 'a@example.com', '--out', join(dir, 'x.xlsx')], { env: { ...env, SMTP_URL: '' } });
    expect(noSmtp.code).toBe(2);
    expect(noSmtp.stderr).toMatch(/set SMTP_URL/);
    const noAddress = await runCli(['report', id, '--email', '--out', join(dir, 'x.xlsx')], { env });
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toMatch(/started without --notify: give the recipients with --email <address>/);
    expect(existsSync(join(dir, 'x.xlsx'))).toBe(false);
  });
});
