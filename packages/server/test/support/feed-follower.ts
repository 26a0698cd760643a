/** One change as a consumer of `GET /v1/changes` saw it. */
export interface SeenChange {
  readonly cursor: string;
  readonly kind: string;
  readonly entityId: string;
}

/** Where a feed follower reads, as whom, and from which cursor. */
export interface FeedFollowerOptions {
  /** The server's current base URL: a restarted server listens on another port. */
  readonly url: () => string;
  /** An API key of the tenant whose feed is followed. */
  readonly apiKey: string;
  readonly since?: string;
  readonly limit?: number;
  /** Long-poll wait per read, in seconds. */
  readonly waitSeconds?: number;
  /** How long to rest after a failed read (the server may be down). */
  readonly pauseAfterFailureMs?: number;
}

interface Page {
  readonly items: readonly SeenChange[];
  readonly nextCursor: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A change-feed consumer as the API tells users to write one: keep the last `nextCursor`,
 * pass it back as `since`, and when the server is away, wait and read again from the same
 * cursor. It records everything it saw, in the order it saw it.
 */
export class FeedFollower {
  readonly #url: () => string;
  readonly #apiKey: string;
  readonly #limit: number;
  readonly #waitSeconds: number;
  readonly #pauseAfterFailureMs: number;
  #cursor: string;
  readonly #seen: SeenChange[] = [];
  readonly #failures: string[] = [];
  readonly #malformed: string[] = [];
  #pages = 0;
  #draining = false;
  #abandoned = false;
  #running: Promise<void> | undefined;

  constructor({
    url,
    apiKey,
    since = '0',
    limit = 100,
    waitSeconds = 1,
    pauseAfterFailureMs = 100,
  }: FeedFollowerOptions) {
    this.#url = url;
    this.#apiKey = apiKey;
    this.#cursor = since;
    this.#limit = limit;
    this.#waitSeconds = waitSeconds;
    this.#pauseAfterFailureMs = pauseAfterFailureMs;
  }

  /** Every change seen, in the order seen. */
  get seen(): readonly SeenChange[] {
    return this.#seen;
  }

  get cursor(): string {
    return this.#cursor;
  }

  /** Pages read with a 200. */
  get pages(): number {
    return this.#pages;
  }

  /** Reads that got no answer or an error status: the consumer retried them. */
  get failures(): readonly string[] {
    return this.#failures;
  }

  /** Pages whose `nextCursor` was not the cursor of their last item: must stay empty. */
  get malformed(): readonly string[] {
    return this.#malformed;
  }

  /** Starts following in the background. */
  start(): void {
    this.#running ??= this.#follow();
  }

  /** Stops following after the read in progress (for clean-up after a failed test). */
  stop(): void {
    this.#abandoned = true;
  }

  /**
   * Reads on until a page that was asked for after this call comes back empty, then
   * stops; fails when that takes longer than `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    this.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the feed did not drain in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.#running, timeout]);
    } catch (error) {
      this.#abandoned = true;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async #follow(): Promise<void> {
    while (!this.#abandoned) {
      const drainingAtStart = this.#draining;
      const page = await this.#read(drainingAtStart ? 0 : this.#waitSeconds);
      if (!page) {
        await sleep(this.#pauseAfterFailureMs);
        continue;
      }
      this.#pages += 1;
      this.#seen.push(...page.items.map(({ cursor, kind, entityId }) => ({ cursor, kind, entityId })));
      const last = page.items.at(-1);
      const expected = last ? last.cursor : this.#cursor;
      if (page.nextCursor !== expected) {
        this.#malformed.push(`since=${this.#cursor}: nextCursor ${page.nextCursor}, expected ${expected}`);
      }
      this.#cursor = page.nextCursor;
      if (drainingAtStart && page.items.length === 0) return;
    }
  }

  async #read(waitSeconds: number): Promise<Page | undefined> {
    const query = `since=${this.#cursor}&limit=${this.#limit}&wait=${waitSeconds}`;
    try {
      const response = await fetch(`${this.#url()}/v1/changes?${query}`, {
        headers: { authorization: `Bearer ${this.#apiKey}` },
        signal: AbortSignal.timeout((waitSeconds + 10) * 1000),
      });
      const text = await response.text();
      if (response.status !== 200) {
        this.#failures.push(`${response.status} ${text}`);
        return undefined;
      }
      return JSON.parse(text) as Page;
    } catch (error) {
      this.#failures.push(String(error));
      return undefined;
    }
  }
}
