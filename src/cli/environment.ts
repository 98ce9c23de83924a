import type { TargetOptions } from '../targets/target-options.js';

/**
 * What the command line takes from its environment, read once here (flags come first where a
 * flag exists, then these, then the library's defaults). The library itself never reads the
 * environment: the commands hand these on as options. README.md and docs/ list the variables.
 */
export interface CliEnvironment {
  /** REDIS_URL */
  readonly redisUrl?: string;
  /** IMPORTER_PREFIX */
  readonly prefix?: string;
  /** IMPORTER_TARGET_PASSWORD, PGPASSWORD, MYSQL_PWD, IMPORTER_SQLITE_BUSY_TIMEOUT_MS */
  readonly targets: TargetOptions;
  /** SMTP_URL */
  readonly smtpUrl?: string;
  /** MAIL_FROM */
  readonly mailFrom?: string;
  /** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (the rest of the AWS settings the SDK reads itself). */
  readonly s3Endpoint?: string;
  /** IMPORTER_DEBUG: print an unexpected error's stack. */
  readonly debug: boolean;
}

let read: CliEnvironment | null = null;

/** The environment of this process, read on first use. */
export function environment(): CliEnvironment {
  read ??= readEnvironment(process.env);
  return read;
}

export function readEnvironment(env: NodeJS.ProcessEnv): CliEnvironment {
  return {
    redisUrl: env['REDIS_URL'],
    prefix: env['IMPORTER_PREFIX'],
    targets: {
      password: env['IMPORTER_TARGET_PASSWORD'],
      postgresPassword: env['PGPASSWORD'],
      mysqlPassword: env['MYSQL_PWD'],
      sqliteBusyTimeoutMs: wholeMs(env['IMPORTER_SQLITE_BUSY_TIMEOUT_MS']),
    },
    smtpUrl: env['SMTP_URL'],
    mailFrom: env['MAIL_FROM'],
    s3Endpoint: env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'],
    debug: Boolean(env['IMPORTER_DEBUG']),
  };
}

/** A whole number of milliseconds, or undefined (the default) when absent or not one. */
function wholeMs(raw: string | undefined): number | undefined {
  const ms = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(ms) && ms >= 0 ? ms : undefined;
}
