import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One e-mail a receiver got: its envelope, headers (lower-case names, unfolded) and decoded text. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly headers: Map<string, string>;
  readonly text: string;
  readonly raw: string;
}

/** What the receiver answers the DATA of a message; `undefined` accepts it. */
export type SmtpAnswer = { code: number; message: string } | undefined;

function decode(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

/** Headers and text of a single-part message, as a test reads them (written here, apart from nodemailer). */
export function parseMail(raw: string): { headers: Map<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  return { headers, text: decode(raw.slice(split + 4), encoding).replace(/\r\n/g, '\n') };
}

/**
 * A real SMTP server (`smtp-server`) on 127.0.0.1, plain (no STARTTLS), no AUTH: records
 * every message it accepts, and refuses as the test says (`answer`), recording those too.
 */
export class SmtpReceiver {
  readonly accepted: ReceivedMail[] = [];
  readonly refused: ReceivedMail[] = [];
  answer: (mail: ReceivedMail) => SmtpAnswer = () => undefined;
  #server: SMTPServer | undefined;
  #port = 0;

  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = session.envelope;
          const mail: ReceivedMail = {
            from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
            to: envelope.rcptTo.map((rcpt) => rcpt.address),
            raw,
            ...parseMail(raw),
          };
          const answer = this.answer(mail);
          if (answer === undefined) {
            this.accepted.push(mail);
            callback();
            return;
          }
          this.refused.push(mail);
          callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#port = (server.server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
