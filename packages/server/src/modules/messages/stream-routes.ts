import type { ServerResponse } from 'node:http';
import { type App, principalOf } from '../../http/index.js';
import { AppError } from '../../kernel/errors.js';
// The list of kinds is only exported by its schema file (changes/index.ts exports the type).
import { type Change, type ChangeDeps, type ChangeKind, changeKinds, readFeed } from '../changes/index.js';
import { deviceIdRegex } from '../devices/index.js';
import { StreamHeaders, StreamQuery } from './message-schemas.js';

export interface StreamOptions {
  /** Idle time after which a `: ping` comment is sent, so that proxies keep the stream open. */
  readonly heartbeatMs?: number;
  /** Changes read from the feed at a time. */
  readonly pageSize?: number;
}

/** Which changes a stream carries; an unset field does not filter. */
export interface StreamFilter {
  readonly deviceIds: ReadonlySet<string> | undefined;
  readonly typeIds: ReadonlySet<string> | undefined;
  readonly kinds: ReadonlySet<ChangeKind> | undefined;
}

const knownKinds: ReadonlySet<string> = new Set(changeKinds);

/** `?deviceId=a,b&deviceId=c` → {a, b, c}; every value checked like an id of its kind. */
function listParam(values: readonly string[] | undefined, field: string, valid: (v: string) => boolean) {
  if (values === undefined) return undefined;
  const items = values.flatMap((value) => value.split(',')).map((value) => value.trim());
  for (const item of items) {
    if (!valid(item)) throw new AppError('validation_failed', `${field} '${item}' is not valid`, { field });
  }
  return items.length === 0 ? undefined : new Set(items);
}

/** Parses the stream's filters, refusing unknown kinds and malformed ids. */
export function parseStreamFilter(query: Pick<StreamQuery, 'deviceId' | 'typeId' | 'kinds'>): StreamFilter {
  const isId = (v: string) => deviceIdRegex.test(v);
  return {
    deviceIds: listParam(query.deviceId, 'deviceId', isId),
    typeIds: listParam(query.typeId, 'typeId', isId),
    kinds: listParam(query.kinds, 'kinds', (v) => knownKinds.has(v)) as ReadonlySet<ChangeKind> | undefined,
  };
}

/** The device and device type a change is about, as far as it is about either. */
function subjectOf(change: Change): { deviceId?: string; typeId?: string } {
  const data = (typeof change.data === 'object' && change.data !== null ? change.data : {}) as Record<
    string,
    unknown
  >;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  // Read as text: the schema's kind union is built with map(), which TypeBox types loosely.
  const kind: string = change.kind;
  if (kind.startsWith('message.') || kind.startsWith('command.') || kind.startsWith('alert.'))
    return { deviceId: text(data.deviceId), typeId: text(data.typeId) };
  // A twin change's entity is its device.
  if (kind.startsWith('twin.')) return { deviceId: text(data.deviceId) ?? change.entityId };
  if (kind.startsWith('device_type.')) return { typeId: change.entityId };
  if (kind.startsWith('device.')) return { deviceId: change.entityId, typeId: text(data.typeId) };
  return {};
}

/** Whether a change passes the filter: every filter that is set must match. */
export function matchesFilter(filter: StreamFilter, change: Change): boolean {
  if (filter.kinds && !filter.kinds.has(change.kind)) return false;
  if (!filter.deviceIds && !filter.typeIds) return true;
  const subject = subjectOf(change);
  if (filter.deviceIds && (subject.deviceId === undefined || !filter.deviceIds.has(subject.deviceId)))
    return false;
  if (filter.typeIds && (subject.typeId === undefined || !filter.typeIds.has(subject.typeId))) return false;
  return true;
}

/** One change as an SSE event; JSON has no raw newlines, so `data` is a single line. */
export function formatEvent(change: Change): string {
  return `id: ${change.cursor}\nevent: ${change.kind}\ndata: ${JSON.stringify(change)}\n\n`;
}

/** Resolves when the socket's write buffer has room again, or when waiting is pointless. */
function roomToWrite(raw: ServerResponse, signal: AbortSignal): Promise<void> {
  if (!raw.writableNeedDrain || signal.aborted || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `GET /v1/stream`: the tenant's change feed as Server-Sent Events. It reads the same feed
 * as `GET /v1/changes` (never a second source), so event ids are feed cursors: a client
 * that reconnects with `Last-Event-ID` resumes exactly after the last event it received.
 */
export function registerStreamRoutes(
  app: App,
  deps: ChangeDeps,
  { heartbeatMs = 15_000, pageSize = 100 }: StreamOptions = {},
): void {
  // Streams end when the server starts closing, so that they never hold a shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async function endStreams() {
    closing.abort();
  });

  app.get(
    '/v1/stream',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['changes'],
        summary: "The tenant's changes as Server-Sent Events, filterable by device, device type and kind",
        description:
          'Each event is `id: <cursor>`, `event: <kind>`, `data: <the change as JSON>` (the shape of `GET /v1/changes` items). Reconnect with `Last-Event-ID` (EventSource does) to resume after the last event received, without loss or repetition. `since` starts after a cursor; the default, `latest`, starts with what is committed after the stream opens. A `: ping` comment is sent after 15 s without events. Filters: a message matches on its `deviceId` and `typeId`, a device change on its id and `typeId`, a device-type change on its id (for `typeId`).',
        querystring: StreamQuery,
        headers: StreamHeaders,
        response: {
          200: {
            description: 'an endless `text/event-stream`',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          400: { $ref: 'Problem#' },
          401: { $ref: 'Problem#' },
          403: { $ref: 'Problem#' },
        },
      },
    },
    async function streamRoute(request, reply) {
      const tenantId = principalOf(request).tenantId;
      const filter = parseStreamFilter(request.query);
      const since = request.headers['last-event-id'] ?? request.query.since ?? 'latest';
      // The first page is read before the headers go out: whatever commits after the
      // client sees the response is after this cursor, so it is delivered.
      const first = await readFeed(deps, tenantId, { since, limit: pageSize, waitMs: 0 });
      if (closing.signal.aborted) throw new AppError('unavailable', 'the server is shutting down');

      reply.hijack();
      const raw = reply.raw;
      const socket = request.raw.socket;
      const gone = new AbortController();
      const onClose = () => gone.abort();
      raw.once('close', onClose);
      // A client that left while the first page was read is gone already.
      if (socket.destroyed) gone.abort();
      const signal = AbortSignal.any([gone.signal, closing.signal]);
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n');

      let cursor = first.nextCursor;
      let lastWrite = performance.now();
      const send = (changes: readonly Change[]) => {
        for (const change of changes) {
          if (signal.aborted) return;
          if (!matchesFilter(filter, change)) continue;
          raw.write(formatEvent(change));
          lastWrite = performance.now();
        }
      };
      try {
        send(first.items);
        await roomToWrite(raw, signal);
        while (!signal.aborted) {
          const idle = performance.now() - lastWrite;
          if (idle >= heartbeatMs) {
            raw.write(': ping\n\n');
            lastWrite = performance.now();
          } else {
            const page = await readFeed(deps, tenantId, {
              since: cursor,
              limit: pageSize,
              waitMs: heartbeatMs - idle,
              signal,
            });
            send(page.items);
            cursor = page.nextCursor;
          }
          // Back-pressure: no further page while the client has not taken the last one.
          await roomToWrite(raw, signal);
        }
      } catch (error) {
        // Headers are gone: the stream just ends, and the client resumes with Last-Event-ID.
        request.log.warn({ err: error }, 'event stream ended by an error');
      } finally {
        raw.off('close', onClose);
        // A client that does not read would hold the end of the stream: drop it instead.
        if (raw.writableNeedDrain) raw.destroy();
        else raw.end();
        // At shutdown the connection must go too: kept alive, or half-closed towards a
        // client that reads nothing, it would hold server.close() until its timeout.
        if (closing.signal.aborted) socket.end(() => socket.destroy());
      }
    },
  );
}
