import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress } from './webhook-target.js';

/** One HTTP try of a webhook. */
export interface SendRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Whether the tenant may reach private and loopback addresses. */
  readonly allowPrivate: boolean;
}

/** What came of a try: a status (any), or an error before one (refused, timeout, network). */
export interface SendResult {
  readonly status: number | null;
  /** The start of the response body, at most `maxLoggedBody` bytes, for the log. */
  readonly body: string | null;
  /** `Retry-After` in milliseconds from now, when the response gave one. */
  readonly retryAfterMs: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface SenderOptions {
  readonly timeoutMs: number;
  /** Requests in flight at once, over all endpoints. */
  readonly concurrency: number;
  readonly maxLoggedBody?: number;
  readonly now?: () => number;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The guard against internal targets, where it cannot be dodged: in the socket's own name
 * lookup, so every address the connection may use is checked at connect time (a name that
 * resolved to a public address when the endpoint was saved and to an internal one now is
 * refused). Redirects are never followed, so a public target cannot point elsewhere.
 */
function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused !== undefined) {
      const denied: NodeJS.ErrnoException = new Error(
        `refused: ${hostname} resolves to ${refused.address}, a private or loopback address`,
      );
      denied.code = 'EWEBHOOKTARGET';
      return callback(denied, []);
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    if (first === undefined) return callback(new Error(`${hostname} has no address`), []);
    callback(null, first.address, first.family);
  });
}

/** `Retry-After`: delay-seconds or an HTTP-date (RFC 9110, 10.2.3), as milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Sends webhook requests over Node's HTTP client: kept-alive connections (one pool for
 * tenants allowed private targets, one with the lookup guard), a total timeout per try,
 * at most `concurrency` tries at once, and only the start of each response kept.
 */
export class WebhookSender {
  readonly #timeoutMs: number;
  readonly #concurrency: number;
  readonly #maxLoggedBody: number;
  readonly #now: () => number;
  readonly #agents = {
    open: { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) },
    guarded: {
      http: new HttpAgent({ keepAlive: true, lookup: guardedLookup }),
      https: new HttpsAgent({ keepAlive: true, lookup: guardedLookup }),
    },
  };
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: SenderOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#concurrency = options.concurrency;
    this.#maxLoggedBody = options.maxLoggedBody ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  /** Sends one try; never throws. */
  async send(request: SendRequest): Promise<SendResult> {
    await this.#acquire();
    try {
      const first = await this.#send(request);
      // A kept-alive connection the receiver closed as it was reused (its idle timeout): the
      // request never reached it, so it goes once more on a new connection (Node's advice).
      if (!first.staleSocket) return withoutFlag(first);
      return withoutFlag(await this.#send(request));
    } finally {
      this.#release();
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    for (const pool of Object.values(this.#agents)) {
      pool.http.destroy();
      pool.https.destroy();
    }
  }

  #send(request: SendRequest): Promise<SendResult & { staleSocket?: boolean }> {
    const started = performance.now();
    const url = new URL(request.url);
    const pool = request.allowPrivate ? this.#agents.open : this.#agents.guarded;
    const secure = url.protocol === 'https:';
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: Omit<SendResult, 'durationMs'> & { staleSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: Math.round(performance.now() - started) });
      };
      // A literal address never goes through the lookup: check it here.
      if (!request.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
        return finish({
          status: null,
          body: null,
          retryAfterMs: null,
          error: `refused: ${host} is a private or loopback address`,
        });
      }
      const send = secure ? httpsRequest : httpRequest;
      const req = send(url, {
        method: 'POST',
        agent: secure ? pool.https : pool.http,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      });
      timer = setTimeout(
        () => req.destroy(new Error(`timed out after ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({
          status: null,
          body: null,
          retryAfterMs: null,
          error: error.message || String(error),
          staleSocket: req.reusedSocket && error.code === 'ECONNRESET',
        }),
      );
      req.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= this.#maxLoggedBody) return;
          const part = chunk.subarray(0, this.#maxLoggedBody - kept);
          chunks.push(part);
          kept += part.length;
        });
        const done = () => {
          const header = response.headers['retry-after'];
          finish({
            status: response.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header, this.#now()),
            error: null,
          });
        };
        response.on('end', done);
        response.on('error', done);
        response.on('close', done);
      });
      req.end(request.body);
    });
  }

  async #acquire(): Promise<void> {
    if (this.#active < this.#concurrency) {
      this.#active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#active -= 1;
  }
}

function withoutFlag(result: SendResult & { staleSocket?: boolean }): SendResult {
  const { staleSocket: _stale, ...rest } = result;
  return rest;
}
