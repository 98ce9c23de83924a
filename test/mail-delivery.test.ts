import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { runCli } from './helpers/cli.js';
import { useScratch } from './helpers/scratch.js';
import { readWorkbookBuffer } from './helpers/files.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { importKeyTtls, importViaCli, importViaLibrary, PROBLEM_FAILED_ROWS, PROBLEM_VALID_ROWS, sqliteTarget, writeProblemFile } from './helpers/delivery.js';
import { importKeys, globalKeys } from '../src/redis/keys.js';

const SEVEN_DAYS = 7 * 24 * 3600;
const scratch = useScratch();
let smtp: TestSmtpServer;

/** A corner whose command line mails through the test's SMTP server. */
function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const corner = scratch.corner();
  return { prefix: corner.prefix, dir: corner.dir, env: { ...corner.env, SMTP_URL: smtp.url } };
}

/** The first test imports through the command line; the others set up through the library (quicker). */
async function problemImport(prefix: string, dir: string, notify?: string): Promise<string> {
  return importViaLibrary(scratch.redis, prefix, dir, { notify });
}

/** The TTL of every key an import keeps at rest, failing unless exactly those five keys exist. */
async function restingTtls(prefix: string, id: string): Promise<number[]> {
  const ttls = await importKeyTtls(scratch.redis, prefix, id);
  const keys = importKeys(prefix, id);
  expect([...ttls.keys()].sort()).toEqual([keys.done, keys.failed, keys.meta, keys.succeeded, keys.chunks].sort());
  return [...ttls.values()];
}

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  await smtp.close();
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
    const ttls = await restingTtls(prefix, id);
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(SEVEN_DAYS - 60);
      expect(ttl).toBeLessThanOrEqual(SEVEN_DAYS);
    }
    expect(await scratch.redis.zscore(globalKeys(prefix).active, id)).toBeNull();
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
    expect(await restingTtls(prefix, id)).toEqual([-1, -1, -1, -1, -1]);
    expect(JSON.parse(rep.stdout)).toMatchObject({ expiresAt: null });
  });

  it('without --out, writes <file>-report.xlsx in the current directory and attaches it', async () => {
    const { prefix, dir, env } = setup();
    const id = await problemImport(prefix, dir, 'uploader@example.com');
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', '--json'], { env, cwd: dir });
    expect(rep.code).toBe(3);
    expect(JSON.parse(rep.stdout)).toMatchObject({ report: 'people-report.xlsx' });
    const written = join(dir, 'people-report.xlsx');
    expect(existsSync(written)).toBe(true);
    // The mail carries that file, and it is the import's report.
    expect(smtp.received.length).toBe(before + 1);
    const attachments = smtp.received[before]!.parsed.attachments;
    expect(attachments.map((a) => a.filename)).toEqual(['people-report.xlsx']);
    expect(Buffer.compare(attachments[0]!.content, readFileSync(written))).toBe(0);
    const sheets = await readWorkbookBuffer(attachments[0]!.content);
    expect([...sheets.keys()]).toEqual(['Summary', 'Errors', 'Imported']);
    expect(sheets.get('Errors')!.slice(1).map((r) => r[0] as number).sort((a, b) => a - b)).toEqual(PROBLEM_FAILED_ROWS);
    const imported = sheets.get('Imported')!.slice(1).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(imported.map((r) => r[0])).toEqual(PROBLEM_VALID_ROWS);
    expect(imported[0]!.slice(1, 4)).toEqual([1, 'Ann', 'ann@example.com']);
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
    expect(Date.now() - started).toBeLessThan(20_000); // no retry of a permanent refusal
    expect(existsSync(out)).toBe(true);
    expect(await restingTtls(prefix, id)).toEqual([-1, -1, -1, -1, -1]);
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
    expect(await restingTtls(prefix, id)).toEqual([-1, -1, -1, -1, -1]);
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
    const ttls = await restingTtls(prefix, summary.id);
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(86_000);
      expect(ttl).toBeLessThanOrEqual(86_400);
    }
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
