import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly parsed: ParsedMail;
  readonly raw: Buffer;
}

export interface TestSmtpServer {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Recipients refused with this reply code (550: for good; 450: try later), `times` times (default always). */
  readonly refuse: Map<string, { code: number; times?: number }>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a free local port (smtp-server), keeping every message it receives,
 * parsed with mailparser. Recipients listed in `refuse` get a permanent or temporary refusal.
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const refuse = new Map<string, { code: number; times?: number }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 100 * 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rule = refuse.get(address.address);
      if (rule === undefined || rule.times === 0) return callback();
      if (rule.times !== undefined) rule.times--;
      const code = rule.code;
      const err = new Error(code >= 500 ? `5.1.1 <${address.address}>: Recipient address rejected: User unknown` : '4.2.1 Mailbox busy, try later') as Error & { responseCode: number };
      err.responseCode = code;
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              parsed,
              raw,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
