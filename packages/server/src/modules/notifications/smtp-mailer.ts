import nodemailer, { type Transporter } from 'nodemailer';

/** The server's SMTP settings (config.ts, section notifications). */
export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** `starttls`: upgrade required; `tls`: TLS from the start (465); `none`: plain (loopback relays, tests). */
  readonly security: 'starttls' | 'tls' | 'none';
  readonly user?: string;
  readonly password?: string;
  readonly from: string;
  readonly timeoutMs: number;
}

/** One e-mail as the notifications send it. */
export interface Mail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** `<…>`: the same for every try of one notification, so mail clients thread and deduplicate. */
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What sends e-mail: `SmtpMailer`, or a test's stand-in. */
export interface Mailer {
  /** Resolves with the server's answer; rejects with an error whose `responseCode` is SMTP's, when it gave one. */
  send(mail: Mail): Promise<string>;
  close(): void;
}

/**
 * E-mail over SMTP with nodemailer: one pooled transport for the process. Credentials
 * stay inside the transport; nodemailer's own logger is off so nothing of the session
 * (AUTH lines) reaches the log.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(settings: SmtpSettings) {
    this.#from = settings.from;
    this.#transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      requireTLS: settings.security === 'starttls',
      ignoreTLS: settings.security === 'none',
      ...(settings.user === undefined
        ? {}
        : { auth: { user: settings.user, pass: settings.password ?? '' } }),
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      logger: false,
      debug: false,
    });
  }

  async send(mail: Mail): Promise<string> {
    const info = (await this.#transport.sendMail({
      from: this.#from,
      to: [...mail.to],
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      headers: { ...mail.headers },
    })) as { response?: string };
    return String(info.response ?? '');
  }

  close(): void {
    this.#transport.close();
  }
}
