import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import type { StoredRequest } from './record-codec.js';
import type { SegmentLog } from './segment-log.js';

/** The paths the server takes uplinks on; the backup stores requests to the same ones. */
const SIGFOX_PATH = /^\/v1\/callbacks\/sigfox\/[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const INGEST_PATH = '/v1/ingest';
const DEFAULT_PAGE = 500;
const MAX_PAGE = 5000;

export interface BackupServerOptions {
  readonly log: SegmentLog;
  readonly readKey: string;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly now: () => number;
}

/** A refusal, sent as a problem document like the server's (`code` is stable, docs/ERRORS.md). */
class Refusal extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

function sendProblem(response: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}) {
  send(
    response,
    refusal.status,
    {
      type: 'about:blank',
      title: refusal.code,
      status: refusal.status,
      code: refusal.code,
      detail: refusal.message,
    },
    headers,
  );
}

/** The credential a request carries, as the server reads it: the callback secret header, else a bearer token. */
function credentialOf(request: IncomingMessage): string | undefined {
  const secret = request.headers['x-fleetport-secret'];
  if (typeof secret === 'string' && secret !== '') return secret;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new Refusal(413, 'body_too_large', `the body is larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Refusal(413, 'body_too_large', `the body is larger than ${limit} bytes`));
        request.removeAllListeners('data');
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, size)));
    request.on('error', reject);
  });
}

/** A query parameter as a non-negative integer, or a time (RFC 3339 or Unix ms) for `time`. */
function queryNumber(params: URLSearchParams, name: string, kind: 'integer' | 'time'): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : kind === 'time' ? Date.parse(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Refusal(
      400,
      'validation_failed',
      kind === 'time'
        ? `${name} must be a time (RFC 3339 or Unix milliseconds), got '${text}'`
        : `${name} must be a whole number, got '${text}'`,
    );
  }
  return value;
}

function presentRecord(record: StoredRequest) {
  return {
    id: String(record.seq),
    receivedAt: record.receivedAt,
    method: record.method,
    path: record.path,
    ...(record.contentType !== undefined ? { contentType: record.contentType } : {}),
    ...(record.credentialSha256 !== undefined ? { credentialSha256: record.credentialSha256 } : {}),
    body: record.body.toString('base64'),
  };
}

/**
 * The backup's HTTP face: stores requests to the server's uplink paths and answers 204 once
 * they are synced, serves them back to `fleetport resync` with its key, and tells its health.
 */
export function createBackupServer(options: BackupServerOptions): Server {
  const keyHash = createHash('sha256').update(options.readKey).digest();

  async function store(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const credential = credentialOf(request);
    if (credential === undefined) {
      // The server would refuse it too: nothing to keep for a resync.
      throw new Refusal(
        401,
        'unauthenticated',
        'a device token or callback secret is required, as the server requires it',
      );
    }
    const body = await readBody(request, options.maxBodyBytes);
    let seq: number;
    try {
      seq = await options.log.append({
        receivedAt: options.now(),
        method: 'POST',
        path,
        contentType: request.headers['content-type'],
        credentialSha256: createHash('sha256').update(credential).digest('hex'),
        body,
      });
    } catch (error) {
      throw new Refusal(
        503,
        'storage_unavailable',
        `the request could not be stored: ${(error as Error).message}`,
      );
    }
    response.writeHead(204, { 'fleetport-backup-record': String(seq) });
    response.end();
  }

  async function records(request: IncomingMessage, response: ServerResponse, params: URLSearchParams) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    if (!match || !timingSafeEqual(given, keyHash))
      throw new Refusal(401, 'unauthenticated', "the backup's key is required: Authorization: Bearer <key>");
    const since = queryNumber(params, 'since', 'integer') ?? 0;
    const from = queryNumber(params, 'from', 'time');
    const to = queryNumber(params, 'to', 'time');
    const limit = queryNumber(params, 'limit', 'integer') ?? DEFAULT_PAGE;
    if (limit < 1 || limit > MAX_PAGE)
      throw new Refusal(400, 'validation_failed', `limit must be between 1 and ${MAX_PAGE}, got ${limit}`);
    if (from !== undefined && to !== undefined && to <= from)
      throw new Refusal(400, 'validation_failed', 'to must be after from');
    const page = await options.log.read({ since, from, to, limit });
    send(response, 200, {
      records: page.records.map(presentRecord),
      faults: page.faults,
      ...(page.deleted ? { deleted: page.deleted } : {}),
      next: String(page.next),
      more: page.more,
    });
  }

  function health(response: ServerResponse) {
    const stats = options.log.stats();
    // 503 while writes fail (a full disk): a load balancer stops sending, a monitor alerts.
    send(response, options.log.writable ? 200 : 503, {
      status: options.log.writable ? 'ok' : 'failing',
      ...stats,
    });
  }

  const server = createServer(async function handleBackupRequest(request, response) {
    const url = new URL(request.url ?? '/', 'http://backup');
    try {
      if (url.pathname === '/healthz') {
        if (request.method !== 'GET' && request.method !== 'HEAD')
          throw new Refusal(405, 'method_not_allowed', 'GET /healthz');
        health(response);
      } else if (url.pathname === '/records') {
        if (request.method !== 'GET') throw new Refusal(405, 'method_not_allowed', 'GET /records');
        await records(request, response, url.searchParams);
      } else if (url.pathname === INGEST_PATH || SIGFOX_PATH.test(url.pathname)) {
        if (request.method !== 'POST') throw new Refusal(405, 'method_not_allowed', `POST ${url.pathname}`);
        await store(request, response, `${url.pathname}${url.search}`);
      } else {
        throw new Refusal(
          404,
          'not_found',
          `no route ${request.method} ${url.pathname}: the backup takes POST /v1/ingest and /v1/callbacks/sigfox/{type}, GET /records and /healthz`,
        );
      }
    } catch (error) {
      if (error instanceof Refusal) {
        // An unread body would be parsed as the next request: close after answering.
        sendProblem(response, error, request.complete ? {} : { connection: 'close' });
        return;
      }
      options.logger.error('request failed', { path: url.pathname, error: (error as Error).message });
      if (!response.headersSent)
        sendProblem(response, new Refusal(500, 'internal', 'the backup failed to answer; see its log'));
      else response.destroy();
    }
  });
  // Slow or stuck senders must not hold sockets for months.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 10_000;
  return server;
}

/** Listens and resolves the bound port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
