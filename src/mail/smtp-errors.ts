import { errorMessage, type NameOption } from '../errors.js';
import { redactUrl } from '../redact.js';

/** What nodemailer puts on its errors. */
interface SmtpError {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
  readonly permanent?: boolean;
}

/** A 5xx reply is the server's final word ("no such mailbox"): sending again changes nothing. */
export function isPermanent(err: unknown): boolean {
  const e = (err ?? {}) as SmtpError;
  return e.permanent === true || (typeof e.responseCode === 'number' && e.responseCode >= 500);
}

/** An SMTP failure in words, naming the server (without its password). */
export function describeSmtpError(err: unknown, server: string): string {
  const e = (err ?? {}) as SmtpError;
  const detail = errorMessage(err).replace(/\s+/g, ' ').trim();
  switch (e.code) {
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'ETIMEDOUT':
    case 'EDNS':
      return `cannot reach the mail server ${server}: ${detail}`;
    case 'EAUTH':
      return `the mail server ${server} refused the login: ${detail}`;
    case 'EENVELOPE':
      return `the mail server ${server} refused the recipients: ${detail}`;
    case 'EMESSAGE':
      return `the mail server ${server} refused the message: ${detail}`;
    case 'ETLS':
      return `TLS with the mail server ${server} failed: ${detail}`;
    default:
      return `the mail server ${server} did not take the message: ${detail}`;
  }
}

/** `smtp://user:pass@host:587` -> `host:587`; an unparsable URL is named by its option. */
export function serverName(smtpUrl: string, name: NameOption = (option) => option): string {
  try {
    // Parsed without its user-info: a raw password can make the URL misparse into its host.
    const url = new URL(redactUrl(smtpUrl));
    return url.port ? `${url.hostname}:${url.port}` : url.hostname;
  } catch {
    return `from ${name('smtpUrl')}`;
  }
}
