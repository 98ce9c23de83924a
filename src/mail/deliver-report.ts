import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../defaults.js';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Redis } from 'ioredis';
import { optionError } from '../errors.js';
import type { ImportRecord } from '../import-record.js';
import type { MailSettings, ResolvedMailSettings } from './mail-settings.js';
import { reportBody, reportSubject, type ReportHandover } from './report-message.js';
import { sendMail, type MailAttachment } from './send-mail.js';
import { importKeys } from '../redis/keys.js';
import { groupErrors } from '../report/error-groups.js';
import { firstFailedRows } from '../report/first-errors.js';
import { XLSX_TYPE, type WrittenReport } from '../report/report-output.js';
import { createS3Client, type S3Settings } from '../s3/s3-client.js';
import { readS3Object } from '../s3/read-object.js';
import { presignedLink } from '../s3/presign.js';
import { formatS3Url, parseS3Url, s3Child, s3Parent, type S3Location } from '../s3/s3-url.js';
import { uploadStream } from '../s3/upload.js';

/** `report --email`: who gets the report, and how. */
export interface EmailOptions extends MailSettings {
  /** Recipients; empty or absent: the address the import was started with (`enqueue --notify`). */
  readonly to?: readonly string[];
  /** Larger reports are linked instead of attached; default 10 MB. */
  readonly maxAttachmentBytes?: number;
  /** `s3://bucket/prefix/`: where a report too large to attach is uploaded to be linked. */
  readonly uploadTo?: string;
}

const GROUPS_IN_MAIL = 10;
const ROWS_IN_MAIL = 5;

/** What was sent: the JSON `mail` object of `report --json`. */
export interface MailOutcome {
  readonly to: string[];
  readonly subject: string;
  /** True when the XLSX is attached; false when linked or only named. */
  readonly attached: boolean;
  /** The download link given instead of the attachment. */
  readonly link: string | null;
  /** Where the linked report is stored (`s3://...`). */
  readonly stored: string | null;
  readonly messageId: string;
  readonly attempts: number;
}

/** The recipients, checked before any work: no address at all is a usage error. */
export function mailRecipients(record: ImportRecord, email: EmailOptions): string[] {
  const to = (email.to ?? []).filter((a) => a.trim() !== '');
  if (to.length > 0) return to;
  if (record.notify) return [record.notify];
  throw optionError((o) => `import ${record.id} was started without ${o('notify')}: give the recipients with ${o('to')}`);
}

export interface MailReportArgs {
  readonly redis: Redis;
  readonly prefix: string;
  readonly record: ImportRecord;
  readonly written: WrittenReport;
  readonly email: EmailOptions;
  readonly mail: ResolvedMailSettings;
  readonly s3?: S3Settings;
  /** How long a download link must work (the data's time to live, at most 7 days). */
  readonly linkSeconds: number;
  readonly signal?: AbortSignal;
}

/**
 * Mails the report: the counts and grouped problems in the body, the XLSX attached; a report
 * over the attachment limit is linked from S3 instead (where it was written, else the
 * `uploadTo` prefix, else beside the original kept by `enqueue --upload`), or, with no S3
 * location at all, the mail says to ask the operator for it (a server path is not the uploader's).
 */
export async function mailReport(args: MailReportArgs): Promise<MailOutcome> {
  const { record, written, email } = args;
  const to = mailRecipients(record, email);
  const failedKey = importKeys(args.prefix, record.id).failed;
  const groups = await groupErrors(args.redis, failedKey, record.columns, GROUPS_IN_MAIL);
  const firstErrors = await firstFailedRows(args.redis, failedKey, ROWS_IN_MAIL);
  const maxBytes = email.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const filename = basename(written.s3 ? written.s3.key : (written.path ?? written.location)) || 'report.xlsx';

  let handover: ReportHandover;
  let attachment: MailAttachment | null = null;
  let stored: S3Location | null = null;
  if (written.bytes <= maxBytes) {
    attachment = { filename, contentType: XLSX_TYPE, ...(written.path ? { path: written.path } : { content: await download(written.s3!, args.s3) }) };
    handover = { kind: 'attached', filename };
  } else {
    stored = await linkLocation(args, filename);
    if (stored) {
      const client = await createS3Client(args.s3);
      try {
        if (!written.s3 && written.path) await uploadStream(client, stored, createReadStream(written.path), { contentType: XLSX_TYPE, signal: args.signal });
        const url = await presignedLink(client, stored, args.linkSeconds);
        const until = new Date(Date.now() + Math.min(args.linkSeconds, 7 * 24 * 3600) * 1000);
        handover = { kind: 'linked', url, s3Url: formatS3Url(stored), until, bytes: written.bytes, maxBytes };
      } finally {
        client.destroy();
      }
    } else {
      handover = { kind: 'written', bytes: written.bytes, maxBytes };
    }
  }
  const subject = reportSubject(record);
  const sent = await sendMail({ to, subject, text: reportBody({ record, groups, firstErrors, handover }), attachment }, args.mail, args.signal);
  return {
    to,
    subject,
    attached: attachment !== null,
    link: handover.kind === 'linked' ? handover.url : null,
    stored: stored ? formatS3Url(stored) : null,
    messageId: sent.messageId,
    attempts: sent.attempts,
  };
}

/** Where a report too large to attach is linked from, or null when no S3 location is known. */
async function linkLocation(args: MailReportArgs, filename: string): Promise<S3Location | null> {
  if (args.written.s3) return args.written.s3;
  if (args.email.uploadTo) return s3Child(args.email.uploadTo, args.record.id, filename);
  if (args.record.original) return parseS3Url(`${s3Parent(args.record.original)}${filename}`);
  return null;
}

/** A report small enough to attach, read back from S3 (bounded by the attachment limit). */
async function download(location: S3Location, settings: S3Settings | undefined): Promise<Buffer> {
  const client = await createS3Client(settings);
  try {
    const object = await readS3Object(client, location);
    const parts: Buffer[] = [];
    for await (const part of object.stream) parts.push(part as Buffer);
    return Buffer.concat(parts);
  } finally {
    client.destroy();
  }
}
