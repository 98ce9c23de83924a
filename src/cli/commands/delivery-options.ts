import { Option, type Command } from 'commander';
import type { EmailOptions } from '../../mail/deliver-report.js';
import type { S3Settings } from '../../s3/s3-client.js';
import { positiveInt } from '../parse.js';
import { environment } from '../environment.js';
import { byteSize, duration } from '../parse-units.js';

/** The flags that say how a report is delivered: mail, S3, expiry. */
export interface DeliveryFlags {
  /** `--email` alone gives [''] (the import's --notify address); `--email a --email b` gives both. */
  readonly email?: string[];
  readonly from?: string;
  readonly maxAttachment?: number;
  readonly uploadTo?: string;
  readonly mailAttempts?: number;
  readonly ttl?: number;
  readonly s3Endpoint?: string;
}

export function addS3EndpointOption(command: Command): Command {
  return command.option('--s3-endpoint <url>', 'endpoint of an S3-compatible store, path-style (default: $AWS_ENDPOINT_URL, else AWS)');
}

/** Adds the delivery flags (shared by `report` and `run`; `--s3-endpoint` is added apart, `run` has it from enqueue). */
export function addDeliveryOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--email [address]', 'mail the report to the address the import was started with (--notify), or to this address (repeatable)')
        .preset('')
        .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option('--from <address>', 'sender of the mail (default: $MAIL_FROM, else importer@<host>)')
    .option('--max-attachment <size>', 'larger reports are linked, not attached (default 10MB)', byteSize('--max-attachment'))
    .option('--upload-to <s3://bucket/prefix/>', 'where a report too large to attach is uploaded to be linked')
    .option('--mail-attempts <n>', 'attempts at sending the mail (default 4)', positiveInt('--mail-attempts', 20))
    .option('--ttl <duration>', "once delivered, the import's keys expire after this long: 3600, 12h, 7d; 0 keeps them (default 7d)", duration('--ttl'));
}

/** Where S3 is: --s3-endpoint, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
export function s3Settings(flags: Pick<DeliveryFlags, 's3Endpoint'>): S3Settings {
  const endpoint = flags.s3Endpoint ?? environment().s3Endpoint;
  return endpoint ? { endpoint } : {};
}

/** The flags as the library's report options. */
export function deliveryOptions(flags: DeliveryFlags): { email?: EmailOptions; ttlSeconds?: number; s3: S3Settings } {
  const email: EmailOptions | undefined = flags.email
    ? {
        to: flags.email.filter((a) => a !== ''),
        smtpUrl: environment().smtpUrl,
        from: flags.from ?? environment().mailFrom,
        maxAttachmentBytes: flags.maxAttachment,
        uploadTo: flags.uploadTo,
        attempts: flags.mailAttempts,
      }
    : undefined;
  return { email, ttlSeconds: flags.ttl, s3: s3Settings(flags) };
}
