import { createTransport } from 'nodemailer';
import { optionError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { ResolvedMailSettings } from './mail-settings.js';
import { describeSmtpError, isPermanent, serverName } from './smtp-errors.js';

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  /** A file to stream from, or the bytes. */
  readonly path?: string;
  readonly content?: Buffer;
}

export interface OutgoingMail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly attachment: MailAttachment | null;
}

export interface SentMail {
  readonly messageId: string;
  /** Recipients the server accepted. */
  readonly accepted: string[];
  /** Attempts it took. */
  readonly attempts: number;
}

const TIMEOUTS = { connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000 };

function addresses(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address ?? a)));
}

/**
 * Sends one message by SMTP with nodemailer, trying again with doubling waits while the failure
 * may pass (server down, timeouts, 4xx replies). A permanent refusal (a 5xx reply, such as an
 * unknown mailbox) is not repeated. Recipients accepted on one attempt are not sent to again.
 * Gives up with the server's words as an ImporterError (exit 1).
 */
export async function sendMail(mail: OutgoingMail, settings: ResolvedMailSettings, signal?: AbortSignal): Promise<SentMail> {
  const transport = createTransport({ url: settings.smtpUrl, ...TIMEOUTS });
  let remaining = [...mail.to];
  const accepted: string[] = [];
  let messageId = '';
  let lastError: unknown = null;
  let attempt = 0;
  try {
    while (attempt < settings.attempts && remaining.length > 0) {
      attempt++;
      try {
        const info = await transport.sendMail({
          from: settings.from,
          to: remaining,
          subject: mail.subject,
          text: mail.text,
          attachments: mail.attachment ? [{ ...mail.attachment }] : [],
        });
        messageId ||= info.messageId;
        const ok = addresses(info.accepted);
        accepted.push(...ok);
        const rejected = addresses(info.rejected);
        remaining = rejected;
        if (rejected.length === 0) break;
        const errors = (info as { rejectedErrors?: unknown[] }).rejectedErrors ?? [];
        lastError = errors[0] ?? new Error(`recipients rejected: ${rejected.join(', ')}`);
        if (errors.length > 0 && errors.every(isPermanent)) break;
      } catch (err) {
        lastError = err;
        if (isPermanent(err)) break;
      }
      if (attempt < settings.attempts) await sleep(settings.retryDelayMs * 2 ** (attempt - 1), signal);
      if (signal?.aborted) break;
    }
  } finally {
    transport.close();
  }
  if (remaining.length > 0) {
    const sentTo = accepted.length > 0 ? ` (it did reach ${accepted.join(', ')})` : '';
    const tries = `${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}`;
    throw optionError(
      (o) => `cannot send the report to ${remaining.join(', ')} after ${tries}: ${describeSmtpError(lastError, serverName(settings.smtpUrl, o))}${sentTo}`,
      'connection',
      lastError,
    );
  }
  return { messageId, accepted, attempts: attempt };
}
