import type { ClientOptions } from './client.js';
import { isAbort, ProblemError, readProblem, UnreachableError, unreachable } from './problem.js';
import type { Change } from './types.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** The filters of `GET /v1/stream`. */
export interface StreamQuery {
  /** A change cursor to start after; `latest` (the default) starts with what comes next. */
  readonly since?: string;
  readonly deviceId?: readonly string[];
  readonly typeId?: readonly string[];
  readonly kinds?: readonly string[];
}

export interface StreamOptions extends ClientOptions {
  readonly query?: StreamQuery;
  readonly onChange: (change: Change) => void;
  /** Each change of the connection's state; `refused` comes with the API's refusal and ends it. */
  readonly onStatus?: (status: StreamStatus, error?: ProblemError) => void;
  readonly signal: AbortSignal;
  /** Milliseconds between reconnections until the server sends its own `retry:`. */
  readonly retryMs?: number;
}

/**
 * Follows `GET /v1/stream` (Server-Sent Events) until `signal` aborts. EventSource cannot
 * send an Authorization header, so this reads the events with fetch, and resumes after a
 * drop with `Last-Event-ID` (an event's id is its change's cursor: nothing is missed or
 * repeated). A refusal (4xx: a bad key, a bad filter) ends it; anything else is retried.
 */
export async function followStream({
  url,
  apiKey,
  fetch: fetchImpl = globalThis.fetch,
  query = {},
  onChange,
  onStatus,
  signal,
  retryMs: initialRetryMs = 2000,
}: StreamOptions): Promise<void> {
  const baseUrl = url.replace(/\/+$/, '');
  let lastId: string | undefined;
  let retryMs = initialRetryMs;
  while (!signal.aborted) {
    onStatus?.(lastId === undefined ? 'connecting' : 'reconnecting');
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      let response: Response;
      try {
        response = await fetchImpl(
          new Request(`${baseUrl}/v1/stream${queryString(query)}`, { headers, signal }),
        );
      } catch (error) {
        if (isAbort(error)) throw error;
        throw unreachable(baseUrl || 'this origin', error);
      }
      if (!response.ok || response.body === null) {
        const refusal = await readProblem(response);
        if (response.status >= 400 && response.status < 500) {
          onStatus?.('refused', refusal);
          return;
        }
        throw refusal;
      }
      onStatus?.('live');
      for await (const event of serverSentEvents(response.body)) {
        if (event.retry !== undefined) retryMs = event.retry;
        if (event.data === undefined) continue;
        if (event.id !== undefined) lastId = event.id;
        onChange(JSON.parse(event.data) as Change);
      }
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      const retried =
        error instanceof ProblemError || error instanceof UnreachableError || error instanceof TypeError;
      if (!retried) throw error;
    }
    await sleep(retryMs, signal);
  }
}

interface ServerSentEvent {
  readonly id?: string;
  readonly data?: string;
  readonly retry?: number;
}

/** Parses `text/event-stream` (WHATWG HTML §9.2.6): fields by line, an empty line ends an event. */
async function* serverSentEvents(body: NonNullable<Response['body']>): AsyncGenerator<ServerSentEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          yield {
            ...(id === undefined ? {} : { id }),
            ...(data.length === 0 ? {} : { data: data.join('\n') }),
            ...(retry === undefined ? {} : { retry }),
          };
          data = [];
          retry = undefined;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') data.push(text);
        else if (field === 'id') id = text;
        else if (field === 'retry' && /^\d+$/.test(text)) retry = Number(text);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function queryString(query: StreamQuery): string {
  const params = new URLSearchParams();
  if (query.since !== undefined) params.set('since', query.since);
  for (const name of ['deviceId', 'typeId', 'kinds'] as const)
    for (const value of query[name] ?? []) params.append(name, value);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
