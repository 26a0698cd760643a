interface Waiter {
  readonly kind: 'pipelined' | 'background';
  readonly admit: () => void;
}

/**
 * Turns at SQLite's one write lock for the store's two writing connections, decided in
 * this thread instead of by SQLite's busy handler. Capture batches are pipelined: several
 * may be in flight at once (they queue in the capture thread). A background transaction
 * (a feed consumer's) waits until the batches in flight have committed, holds new ones
 * back while it runs, and so never meets the lock taken: waiting for it in SQLite's busy
 * handler would stop the server's event loop (better-sqlite3 is synchronous) and leave the
 * capture thread asleep in its own busy handler well after the lock is free. Turns are
 * given first come, first served, so neither kind starves the other.
 */
export class WriteTurns {
  #pipelined = 0;
  #background = false;
  readonly #queue: Waiter[] = [];

  /** A turn for a capture batch; call the release once it committed or failed. */
  async pipelined(): Promise<() => void> {
    await this.#enter('pipelined');
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#pipelined -= 1;
      this.#next();
    };
  }

  /** Runs `work` alone: no capture batch is in flight meanwhile. */
  async background<T>(work: () => Promise<T>): Promise<T> {
    await this.#enter('background');
    try {
      return await work();
    } finally {
      this.#background = false;
      this.#next();
    }
  }

  /** Resolves once the turn is given; it is counted as taken by then. */
  #enter(kind: Waiter['kind']): Promise<void> {
    if (this.#queue.length === 0 && this.#free(kind)) {
      this.#take(kind);
      return Promise.resolve();
    }
    return new Promise((admit) => this.#queue.push({ kind, admit }));
  }

  #take(kind: Waiter['kind']): void {
    if (kind === 'background') this.#background = true;
    else this.#pipelined += 1;
  }

  #free(kind: Waiter['kind']): boolean {
    return !this.#background && (kind === 'pipelined' || this.#pipelined === 0);
  }

  #next(): void {
    for (;;) {
      const head = this.#queue[0];
      if (head === undefined || !this.#free(head.kind)) return;
      this.#queue.shift();
      // Counted now, not when the waiter resumes: the next one in the queue must see it.
      this.#take(head.kind);
      head.admit();
      if (head.kind === 'background') return;
    }
  }
}
