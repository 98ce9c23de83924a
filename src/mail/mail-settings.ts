import { hostname } from 'node:os';
import { DEFAULT_MAIL_ATTEMPTS, DEFAULT_MAIL_RETRY_DELAY_MS } from '../defaults.js';
import { optionError } from '../errors.js';
import { redactUrl } from '../redact.js';

/** How mail is sent: flags, then environment, then defaults. */
export interface MailSettings {
  /** `smtp://user:pass@host:587`, `smtps://...` (the command line: SMTP_URL). */
  readonly smtpUrl?: string;
  /** Sender address (the command line: --from, else MAIL_FROM); else importer@<this host>. */
  readonly from?: string;
  /** Attempts at sending before giving up; default 4. */
  readonly attempts?: number;
  /** Wait before the first retry, doubled for each next one; default 2 s. */
  readonly retryDelayMs?: number;
}


export interface ResolvedMailSettings {
  readonly smtpUrl: string;
  readonly from: string;
  readonly attempts: number;
  readonly retryDelayMs: number;
}

/** Settles the mail settings once, before any work: a missing SMTP server is a usage error. */
export function resolveMailSettings(settings: MailSettings = {}): ResolvedMailSettings {
  const smtpUrl = settings.smtpUrl;
  if (!smtpUrl || smtpUrl.trim() === '') {
    throw optionError((o) => `sending mail needs an SMTP server: set ${o('smtpUrl')} (for example smtp://user:pass@host:587 or smtps://...)`);
  }
  if (!/^smtps?:\/\//i.test(smtpUrl.trim())) {
    throw optionError((o) => `${o('smtpUrl')} "${redactUrl(smtpUrl)}" must start with smtp:// or smtps://`);
  }
  try {
    new URL(smtpUrl.trim());
  } catch {
    // Refused here: nodemailer would hand it to url.parse, whose warning prints it whole, password and all.
    throw optionError((o) => `${o('smtpUrl')} "${redactUrl(smtpUrl)}" cannot be parsed: percent-encode the characters / ? # @ : in its password (%2F %3F %23 %40 %3A)`);
  }
  return {
    smtpUrl: smtpUrl.trim(),
    from: settings.from ?? `importer@${hostname()}`,
    attempts: Math.max(1, settings.attempts ?? DEFAULT_MAIL_ATTEMPTS),
    retryDelayMs: Math.max(0, settings.retryDelayMs ?? DEFAULT_MAIL_RETRY_DELAY_MS),
  };
}
