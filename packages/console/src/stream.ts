import { followStream as followEvents, type ProblemError, type StreamQuery } from '@fleetport/sdk';
import { type Api, ApiError, type Query } from './api.js';
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

/**
 * Follows `GET /v1/stream` until `signal` aborts, with the SDK's reader: Server-Sent Events
 * read with fetch (EventSource cannot send an Authorization header), resumed after a drop
 * with `Last-Event-ID` (nothing missed or repeated). A refusal (bad key, bad filter) ends
 * it; anything else is retried.
 */
export async function followStream({ api, query, onChange, onStatus, signal }: StreamOptions): Promise<void> {
  await followEvents({
    // The page's own origin; the key stays inside Api, which signs each request.
    url: '',
    fetch: (request) => {
      request.headers.set('authorization', api.authorization);
      return fetch(request, { cache: 'no-store' });
    },
    query: streamQuery(query),
    onChange,
    onStatus: (status, refusal?: ProblemError) =>
      onStatus(
        status,
        refusal && new ApiError(refusal.status, refusal.code, refusal.detail, refusal.requestId),
      ),
    signal,
  });
}

function streamQuery(query: Query): StreamQuery {
  const list = (value: Query[string]) =>
    value === undefined ? undefined : typeof value === 'object' ? value : [String(value)];
  const since = query.since;
  const deviceId = list(query.deviceId);
  const typeId = list(query.typeId);
  const kinds = list(query.kinds);
  return {
    ...(since === undefined ? {} : { since: String(since) }),
    ...(deviceId ? { deviceId } : {}),
    ...(typeId ? { typeId } : {}),
    ...(kinds ? { kinds } : {}),
  };
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
