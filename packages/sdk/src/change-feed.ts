import { type FleetportClient, ok } from './client.js';
import { ProblemError, UnreachableError } from './problem.js';
import type { Change, ChangePage } from './types.js';

/** Where to read the change feed from. */
export interface ChangeFeedOptions {
  /** A change cursor (`0`: from the beginning), or `latest` for only what comes next. */
  readonly since?: string;
  /** Changes per read (the API allows 1–1000). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/**
 * Reads the change feed from `since` page by page until it is caught up (a page with no
 * changes), yielding each change once, in commit order. Returns the cursor to resume from.
 *
 * @example
 * const feed = changesSince(fleetport, { since: savedCursor });
 * for (let next = await feed.next(); !next.done; next = await feed.next()) apply(next.value);
 */
export async function* changesSince(
  client: FleetportClient,
  { since = '0', limit = 1000, signal }: ChangeFeedOptions = {},
): AsyncGenerator<Change, string> {
  let cursor = since;
  for (;;) {
    const page: ChangePage = await ok(
      client.GET('/v1/changes', {
        params: { query: { since: cursor, limit } },
        ...(signal ? { signal } : {}),
      }),
    );
    for (const change of page.items) yield change;
    cursor = page.nextCursor;
    if (page.items.length === 0) return cursor;
  }
}

/** How to follow the change feed, and what to tell on the way. */
export interface ChangeFollowerOptions {
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
 * server that refuses the request (bad key, bad cursor) ends it with that ProblemError.
 */
export class ChangeFollower {
  readonly #client: FleetportClient;
  readonly #options: ChangeFollowerOptions;
  #cursor: string;
  #answered = false;

  constructor(client: FleetportClient, options: ChangeFollowerOptions) {
    this.#client = client;
    this.#options = options;
    this.#cursor = options.since;
  }

  /** The cursor to resume from: everything up to it was handed out (`latest` before the first read). */
  get cursor(): string {
    return this.#cursor;
  }

  /** Hands each change to `onChange` in commit order until the signal ends the follow. */
  async follow(onChange: (change: Change) => void): Promise<void> {
    const { signal, backoff = { initialMs: 500, maxMs: 10_000 } } = this.#options;
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
          this.#options.onOutage?.(error instanceof Error ? error.message : String(error));
        }
        // Jitter, so that many followers of one restarted server do not come back in step.
        await sleep(delay * (0.8 + Math.random() * 0.4), signal);
        delay = Math.min(delay * 2, backoff.maxMs);
        continue;
      }
      this.#answered = true;
      delay = backoff.initialMs;
      if (down) {
        down = false;
        this.#options.onReconnect?.();
      }
      for (const change of page.items) onChange(change);
      this.#cursor = page.nextCursor;
    }
  }

  async #read(): Promise<ChangePage> {
    const { limit = 1000, waitSeconds = 30, signal } = this.#options;
    return ok(
      this.#client.GET('/v1/changes', {
        params: { query: { since: this.#cursor, limit, wait: waitSeconds } },
        signal: AbortSignal.any([signal, AbortSignal.timeout(waitSeconds * 1000 + READ_MARGIN_MS)]),
      }),
    );
  }
}

/**
 * Worth waiting out: the server is unreachable, restarting (5xx) or asks to slow down
 * (429), or the connection broke while the answer was read.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof UnreachableError || error instanceof TypeError) return true;
  if (error instanceof Error && error.name === 'TimeoutError') return true;
  return error instanceof ProblemError && (error.status >= 500 || error.status === 429);
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
