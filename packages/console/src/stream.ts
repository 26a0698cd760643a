import { type Api, ApiError, isAbort, type Query, toApiError, withQuery } from './api.js';
import type { Change } from './types.js';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface StreamOptions {
  readonly api: Api;
  /** Filters of `GET /v1/stream`: deviceId, typeId, kinds. */
  readonly query: Query;
  readonly onChange: (change: Change) => void;
  readonly onStatus: (status: StreamStatus, error?: ApiError) => void;
  readonly signal: AbortSignal;
}

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follows `GET /v1/stream` until `signal` aborts. EventSource cannot send an Authorization
 * header, so this reads the Server-Sent Events with fetch, and resumes after a drop with
 * `Last-Event-ID` (the event id is the change's cursor: nothing is missed or repeated). A
 * refusal (bad key, bad filter) ends it; anything else is retried.
 */
export async function followStream({ api, query, onChange, onStatus, signal }: StreamOptions): Promise<void> {
  let lastId: string | undefined;
  let retryMs = 2000;
  while (!signal.aborted) {
    onStatus(lastId === undefined ? 'connecting' : 'reconnecting');
    try {
      const headers: Record<string, string> = {
        authorization: api.authorization,
        accept: 'text/event-stream',
      };
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      const response = await fetch(withQuery('/v1/stream', query), { headers, signal, cache: 'no-store' });
      if (!response.ok || response.body === null) {
        const error = await toApiError(response);
        if (response.status >= 400 && response.status < 500) {
          onStatus('refused', error);
          return;
        }
        throw error;
      }
      onStatus('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let data: string[] = [];
      let id: string | undefined;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
          const line = buffer.slice(0, end).replace(/\r$/, '');
          buffer = buffer.slice(end + 1);
          if (line === '') {
            // An empty line ends an event (text/event-stream, WHATWG HTML §9.2.6).
            if (data.length > 0) {
              if (id !== undefined) lastId = id;
              onChange(JSON.parse(data.join('\n')) as Change);
            }
            data = [];
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'data') data.push(text);
          else if (field === 'id') id = text;
          else if (field === 'retry' && /^\d+$/.test(text)) retryMs = Number(text);
        }
      }
    } catch (error) {
      if (signal.aborted || isAbort(error)) return;
      if (!(error instanceof ApiError) && !(error instanceof TypeError)) throw error;
    }
    await wait(retryMs, signal);
  }
}

export type ChangeListener = (change: Change) => void;

/** One stream's changes handed to the parts of a page that asked for them. */
export class ChangeHub {
  readonly #listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(change: Change): void {
    for (const listener of this.#listeners) listener(change);
  }
}
