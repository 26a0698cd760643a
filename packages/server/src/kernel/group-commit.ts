/**
 * Group commit: items submitted while a batch is being written wait and go together in
 * the next batch, so that one durable transaction acknowledges many items. Batches are
 * taken first in, first out, and handed to the writer in that order (capture's ordering
 * rule, `capture-order.ts`). Under light
 * load a batch is one item written right away; under heavy load batches grow up to
 * `maxBatch` by themselves. Up to `maxInFlight` batches are being applied at once; a
 * pipelining writer (the SQLite capture thread) says when it has applied a batch and only
 * waits for the disk (`accepted`), and takes the next batch then, so that any number of
 * batches may be waiting for their sync while items gather for the next one. Results
 * arrive in any order.
 */
export interface GroupCommitOptions<T, R> {
  /**
   * Writes the batch durably and returns one result per item, in order; an item whose
   * result is an `Error` was refused alone, and its submitter gets that error. A writer that
   * can take the next batch before this one is durable calls `accepted` at that point
   * (for a batch that is done, it is called by the committer).
   */
  readonly write: (items: readonly T[], accepted: () => void) => Promise<readonly (R | Error)[]>;
  readonly maxBatch: number;
  /** Batches handed to `write` and not yet accepted; 1 by default. */
  readonly maxInFlight?: number;
  /**
   * Called when a whole batch failed: writes each item alone, so that one bad item fails
   * only itself. Defaults to calling `write` with one item.
   */
  readonly writeOne?: (item: T) => Promise<R>;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommitter<T, R> {
  readonly #options: GroupCommitOptions<T, R>;
  #queue: Pending<T, R>[] = [];
  /** Batches handed to the writer and not accepted yet. */
  #inFlight = 0;
  /** Batches handed to the writer and not done yet (accepted ones wait for the disk). */
  #unfinished = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(options: GroupCommitOptions<T, R>) {
    this.#options = options;
  }

  /** Resolves once the item is durable (or rejects with why it could not be stored). */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Items waiting or being written. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Resolves when nothing is queued or being written. */
  drained(): Promise<void> {
    if (this.#unfinished === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#inFlight >= (this.#options.maxInFlight ?? 1) || this.#scheduled) return;
    this.#scheduled = true;
    // One turn of the event loop lets every request that arrived together join the batch.
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    if (this.#inFlight >= (this.#options.maxInFlight ?? 1) || this.#queue.length === 0) return;
    this.#inFlight += 1;
    this.#unfinished += 1;
    const batch = this.#queue.slice(0, this.#options.maxBatch);
    this.#queue = this.#queue.slice(batch.length);
    // More waiting and room in the writer: the next batch need not wait for this one.
    if (this.#queue.length > 0) this.#schedule();
    let accepted = false;
    const accept = () => {
      if (accepted) return;
      accepted = true;
      this.#inFlight -= 1;
      // What gathered meanwhile goes at once: the writer is free again.
      if (this.#queue.length > 0) void this.#flush();
    };
    try {
      const results = await this.#options.write(
        batch.map((p) => p.item),
        accept,
      );
      batch.forEach((pending, index) => {
        const result = results[index];
        if (result instanceof Error) pending.reject(result);
        else pending.resolve(result as R);
      });
    } catch {
      // Isolate the failure: each item alone, so that good items are still stored.
      const writeOne =
        this.#options.writeOne ??
        (async (item: T) => {
          const [result] = await this.#options.write([item], () => {});
          if (result instanceof Error) throw result;
          return result as R;
        });
      for (const pending of batch) {
        try {
          pending.resolve(await writeOne(pending.item));
        } catch (error) {
          pending.reject(error);
        }
      }
    } finally {
      this.#unfinished -= 1;
      accept();
      if (this.#unfinished === 0 && this.#queue.length === 0)
        for (const resolve of this.#idle.splice(0)) resolve();
    }
  }
}
