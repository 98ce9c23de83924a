import { TOKEN_ENV } from '../dashboard/bind-rules.js';
import { ImporterError, OptionError, nameOptionsAs } from '../errors.js';

/**
 * The command line's names for the library's options that its errors name: a flag, or the
 * environment variable the command line reads the option from (src/cli/environment.ts).
 */
const CLI_NAMES: Readonly<Record<string, string>> = {
  chunkSize: '--chunk-size',
  maxPending: '--max-pending',
  priority: '--priority',
  onConflict: '--on-conflict',
  id: '--id',
  notify: '--notify',
  to: '--email <address>',
  delimiter: '--delimiter',
  encoding: '--encoding',
  maxColumns: '--max-columns',
  maxRecordSize: '--max-record-size',
  'workbookLimits.maxInflateRatio': '--max-inflate-ratio',
  'workbookLimits.maxTextRatio': '--max-text-ratio',
  'workbookLimits.maxSharedStringsBytes': '--max-shared-strings',
  trim: '--trim',
  map: '--map',
  wait: '--wait',
  createTable: '--create-table',
  upload: '--upload',
  out: '--out',
  'email.uploadTo': '--upload-to',
  token: `--token (or ${TOKEN_ENV})`,
  smtpUrl: 'SMTP_URL',
};

/** Makes every message of this process, stored ones included, name options as the command line does. */
export function nameOptionsByFlags(): void {
  nameOptionsAs(CLI_NAMES);
}

export function cliName(option: string): string {
  return Object.hasOwn(CLI_NAMES, option) ? CLI_NAMES[option]! : option;
}

/** An error's message as the command line says it: options named by their flags. */
export function cliMessage(err: ImporterError): string {
  return err instanceof OptionError ? err.words(cliName) : err.message;
}
