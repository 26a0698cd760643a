import { setTimeout as sleep } from 'node:timers/promises';
import type { Change, ChangePage } from './capture-types.js';
import { ApiError, FleetportClient, NetworkError } from './client.js';

/** Where to follow the change feed from, and what to tell the user on the way. */
export interface ChangeFollowerConfig {
  /** Base URL of the server, without a trailing slash. */
  readonly url: string;
  readonly apiKey: string;
  /** A change cursor, or `latest` for only what comes next. */
  readonly since: string;
  /** Changes per read (the API allows 1–1000). */
  readonly limit?: number;
  /** Seconds a read waits on the server when there is nothing new (the API allows 0–30). */
  readonly waitSeconds?: number;
  /** Ends the follow: the open read is cancelled and `follow` resolves. */
  readonly signal: AbortSignal;
  /** Called once when the server goes away after it had answered. */
  readonly onOutage?: (reason: string) => void;
  /** Called once when it answers again. */
  readonly onReconnect?: () => void;
  /** Delays between reconnection attempts: doubling from `initialMs` up to `maxMs`. */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
}

/** A read the server would not answer, though it is up: late enough to call it a broken connection. */
const READ_MARGIN_MS = 30_000;

/**
 * Follows `GET /v1/changes` with long polls, cursor after cursor, so every change is seen
 * once and in order. A server that goes away after it has answered once (a restart, a
 * deploy) is waited for with backoff and the follow resumes from the cursor it had; a
 * server that refuses the request (bad key, bad cursor) ends it with that error.
 */
export class ChangeFollower {
  readonly #config: ChangeFollowerConfig;
  readonly #client: FleetportClient;
  #cursor: string;
  #answered = false;

  constructor(config: ChangeFollowerConfig) {
    this.#config = config;
    this.#client = new FleetportClient({ url: config.url, apiKey: config.apiKey });
    this.#cursor = config.since;
  }

  /** The cursor to resume from: everything up to it was handed out (`latest` before the first read). */
  get cursor(): string {
    return this.#cursor;
  }

  /** Hands each change to `onChange` in commit order until the signal ends the follow. */
  async follow(onChange: (change: Change) => void): Promise<void> {
    const { signal, backoff = { initialMs: 500, maxMs: 10_000 } } = this.#config;
    let delay = backoff.initialMs;
    let down = false;
    while (!signal.aborted) {
      let page: ChangePage;
      try {
        page = await this.#read();
      } catch (error) {
        if (signal.aborted) return;
        if (!this.#answered || !isTransient(error)) throw error;
        if (!down) {
          down = true;
          this.#config.onOutage?.(error instanceof Error ? error.message : String(error));
        }
        // Jitter, so that many followers of one restarted server do not come back in step.
        await sleep(delay * (0.8 + Math.random() * 0.4), undefined, { signal }).catch(() => {});
        delay = Math.min(delay * 2, backoff.maxMs);
        continue;
      }
      this.#answered = true;
      delay = backoff.initialMs;
      if (down) {
        down = false;
        this.#config.onReconnect?.();
      }
      for (const change of page.items) onChange(change);
      this.#cursor = page.nextCursor;
    }
  }

  async #read(): Promise<ChangePage> {
    const { limit = 1000, waitSeconds = 30, signal } = this.#config;
    return this.#client.request<ChangePage>('GET', '/v1/changes', {
      query: { since: this.#cursor, limit, wait: waitSeconds },
      signal: AbortSignal.any([signal, AbortSignal.timeout(waitSeconds * 1000 + READ_MARGIN_MS)]),
    });
  }
}

/** Worth waiting out: the server is unreachable, restarting (5xx) or asks to slow down (429). */
function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && (error.status >= 500 || error.status === 429);
}
