import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { runCli } from './helpers/cli.js';
import { useScratch } from './helpers/scratch.js';
import { csvLine, queryDb } from './helpers/files.js';
import { startS3Server, type TestS3Server } from './helpers/s3.js';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp.js';
import { importViaCli, PROBLEM_HEADER, PROBLEM_ROWS, PROBLEM_SCHEMA, sqliteTarget, writeProblemFile } from './helpers/delivery.js';
import { writeFile } from './helpers/files.js';
import { uploadStream } from '../src/s3/upload.js';

const scratch = useScratch();
let s3: TestS3Server;
let smtp: TestSmtpServer;
const BUCKET = 'imports';

/** A corner whose command line reaches the test's S3 and SMTP servers. */
function setup(): { prefix: string; dir: string; env: Record<string, string> } {
  const { prefix, dir, env } = scratch.corner();
  return { prefix, dir, env: { ...s3.env, ...env, SMTP_URL: smtp.url } };
}

beforeAll(async () => {
  s3 = await startS3Server();
  smtp = await startSmtpServer();
  await s3.createBucket(BUCKET);
});
afterAll(async () => {
  await s3.close();
  await smtp.close();
});

async function sheetsOf(content: Buffer): Promise<Map<string, ExcelJS.Worksheet>> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(content as unknown as ArrayBuffer);
  return new Map(workbook.worksheets.map((s) => [s.name, s]));
}

describe('S3 in and out', () => {
  it('enqueue s3://bucket/key.csv streams the object; report --out s3://... streams the report there', async () => {
    const { dir, env } = setup();
    const csv = [PROBLEM_HEADER, ...PROBLEM_ROWS].map(csvLine).join('\n') + '\n';
    await s3.put(BUCKET, 'incoming/people.csv', csv);
    const schema = writeFile(dir, 'schema.json', JSON.stringify(PROBLEM_SCHEMA));
    const id = await importViaCli(env, `s3://${BUCKET}/incoming/people.csv`, ['--schema', schema, '--target', sqliteTarget(dir)]);
    expect(queryDb<{ n: number }>(join(dir, 'target.db'), 'SELECT count(*) AS n FROM people')[0]!.n).toBe(5);

    const rep = await runCli(['report', id, '--out', `s3://${BUCKET}/reports/people.xlsx`, '--json'], { env });
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(3);
    expect(JSON.parse(rep.stdout)).toMatchObject({ file: `s3://${BUCKET}/incoming/people.csv`, succeeded: 5, failed: 7, report: `s3://${BUCKET}/reports/people.xlsx` });
    const sheets = await sheetsOf(await s3.get(BUCKET, 'reports/people.xlsx'));
    expect([...sheets.keys()]).toEqual(['Summary', 'Errors', 'Imported']);
    expect(sheets.get('Errors')!.rowCount - 1).toBe(7);
    expect(sheets.get('Imported')!.rowCount - 1).toBe(5);
  });

  it('--s3-endpoint points at the store without AWS_ENDPOINT_URL; a missing object is one clear error', async () => {
    const { dir, env } = setup();
    const { AWS_ENDPOINT_URL: _endpoint, ...withoutEndpoint } = env;
    await s3.put(BUCKET, 'flag/people.csv', 'a,b\n1,2\n');
    const enq = await runCli(['enqueue', `s3://${BUCKET}/flag/people.csv`, '--s3-endpoint', s3.endpoint, '--target', sqliteTarget(dir), '--json'], { env: withoutEndpoint });
    expect(enq.stderr).toBe('');
    expect(JSON.parse(enq.stdout)).toMatchObject({ total: 1, state: 'processing' });
    const missing = await runCli(['enqueue', `s3://${BUCKET}/flag/nope.csv`], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`importer: cannot read s3://${BUCKET}/flag/nope.csv: no such object\n`);
  });

  it('enqueue --upload keeps the original beside the import (a file, and stdin read back from its copy)', async () => {
    const { dir, env } = setup();
    const { csv, schema } = writeProblemFile(dir);
    const id = await importViaCli(env, csv, ['--schema', schema, '--target', sqliteTarget(dir), '--upload', `s3://${BUCKET}/originals/`]);
    expect(Buffer.compare(await s3.get(BUCKET, `originals/${id}/people.csv`), readFileSync(csv))).toBe(0);
    const status = JSON.parse((await runCli(['status', id, '--json'], { env })).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ original: `s3://${BUCKET}/originals/${id}/people.csv`, succeeded: 5, failed: 7 });

    const piped = await runCli(['enqueue', '-', '--table', 'piped', '--target', sqliteTarget(dir), '--upload', `s3://${BUCKET}/originals`, '--json'], { env, input: 'a,b\n1,2\n3,4\n' });
    expect(piped.stderr).toBe('');
    const pipedResult = JSON.parse(piped.stdout) as { id: string; total: number };
    expect(pipedResult.total).toBe(2);
    expect((await s3.get(BUCKET, `originals/${pipedResult.id}/stdin.csv`)).toString()).toBe('a,b\n1,2\n3,4\n');
  });

  it('a report too large to attach is uploaded beside the original and linked; the link downloads it', async () => {
    const { dir, env } = setup();
    const { csv, schema } = writeProblemFile(dir);
    const id = await importViaCli(env, csv, ['--schema', schema, '--target', sqliteTarget(dir), '--notify', 'uploader@example.com', '--upload', `s3://${BUCKET}/kept/`]);
    const out = join(dir, 'people-report.xlsx');
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', '--max-attachment', '2KB', '--out', out, '--ttl', '2d', '--json'], { env });
    expect(rep.stderr).toBe('');
    expect(rep.code).toBe(3);
    const mailed = (JSON.parse(rep.stdout) as { mail: { attached: boolean; link: string; stored: string } }).mail;
    expect(mailed).toMatchObject({ attached: false, stored: `s3://${BUCKET}/kept/${id}/people-report.xlsx` });
    const mail = smtp.received[before]!;
    expect(mail.parsed.attachments).toHaveLength(0);
    const text = mail.parsed.text ?? '';
    expect(text).toContain('is too large to attach');
    expect(text).toContain(mailed.link);
    expect(mailed.link).toMatch(/X-Amz-Expires=172800/);
    const download = await fetch(mailed.link);
    expect(download.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await download.arrayBuffer()), readFileSync(out))).toBe(0);
  });

  it('with --out s3://... a small report is attached from S3; --upload-to links a large one there', async () => {
    const { dir, env } = setup();
    const { csv, schema } = writeProblemFile(dir);
    const id = await importViaCli(env, csv, ['--schema', schema, '--target', sqliteTarget(dir), '--notify', 'uploader@example.com']);
    const before = smtp.received.length;
    const rep = await runCli(['report', id, '--email', '--out', `s3://${BUCKET}/out/r.xlsx`, '--json'], { env });
    expect(rep.code).toBe(3);
    const attachment = smtp.received[before]!.parsed.attachments[0]!;
    expect(attachment.filename).toBe('r.xlsx');
    expect(Buffer.compare(attachment.content, await s3.get(BUCKET, 'out/r.xlsx'))).toBe(0);

    const big = await runCli(['report', id, '--email', '--max-attachment', '1KB', '--upload-to', `s3://${BUCKET}/links/`, '--out', join(dir, 'big.xlsx'), '--json'], { env });
    expect(big.code).toBe(3);
    expect(JSON.parse(big.stdout)).toMatchObject({ mail: { attached: false, stored: `s3://${BUCKET}/links/${id}/big.xlsx` } });
    expect(Buffer.compare(await s3.get(BUCKET, `links/${id}/big.xlsx`), readFileSync(join(dir, 'big.xlsx')))).toBe(0);
  });

  it('uploads a large stream in parts (multipart) without holding it', async () => {
    const part = Buffer.alloc(1024 * 1024, 'x');
    const parts = 19; // over two 8 MiB parts
    await uploadStream(s3.client, { bucket: BUCKET, key: 'big/stream.bin' }, Readable.from((function* () {
      for (let i = 0; i < parts; i++) yield part;
    })()));
    expect((await s3.get(BUCKET, 'big/stream.bin')).length).toBe(parts * part.length);
  });
});
