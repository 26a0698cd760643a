import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the envelope's fields
  readonly json: any;
}

/** What the receiver answers a request; default 204. */
export type Responder = (request: Received) => { status: number; headers?: Record<string, string> };

/**
 * A webhook receiver on 127.0.0.1: records what it gets and answers as the test says. It
 * can go down (`stop`, the port then refuses connections) and come back on the same port.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  respond: Responder = () => ({ status: 204 });
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}/hook`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const request = { headers: req.headers, body, json };
        this.received.push(request);
        const answer = this.respond(request);
        res.writeHead(answer.status, answer.headers);
        res.end(answer.status === 204 ? undefined : 'answer body');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Goes down: closes the listener and every connection (a kept-alive one too). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `count` requests arrived (polling; fails after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`${count} webhook requests expected, ${this.received.length} came`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Verifies a request's `webhook-signature` the way the Standard Webhooks specification
 * says, written here apart from the server's code: the secret after `whsec_` is base64,
 * the signed content `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256, base64,
 * and any one of the space-separated `v1,` signatures may match. Answers which matched.
 */
export function matchingSignatures(request: Received, secrets: readonly string[]): string[] {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const signatures = String(request.headers['webhook-signature'])
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  return secrets.filter((secret) => {
    if (!secret.startsWith('whsec_')) return false;
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
    return signatures.some(
      (signature) => signature.length === expected.length && timingSafeEqual(signature, expected),
    );
  });
}
