/** Something watched for a deadline (keep-alive, CONNECT timeout). */
export interface Watched {
  /** The slot it is filed under; entries left in other slots are stale and skipped. */
  deadlineSlot: number;
  /** Called at (or just after) its deadline; returns the next deadline (ms since epoch) to watch, or undefined. */
  checkDeadline(now: number): number | undefined;
}

/**
 * One timer for every connection's deadlines, instead of one `setTimeout` per
 * connection (a Timeout object and its closure cost ~150 bytes each and must be
 * refreshed on every packet). Deadlines are filed in slots of `resolution` ms; a
 * watched item re-checks its real deadline when its slot comes up, so activity only
 * has to update a timestamp. A deadline fires at most `resolution` ms late.
 */
export class DeadlineWheel {
  readonly #resolution: number;
  /**
   * Slots are numbered from the wheel's creation, not from the epoch: small integers
   * (for six years at 100 ms) are stored inline in every watched item, where a slot
   * number counted from 1970 would be a 16-byte heap number per connection.
   */
  readonly #origin: number;
  readonly #slots = new Map<number, Watched[]>();
  /** The last slot processed. */
  #cursor = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(resolution = 100) {
    this.#resolution = resolution;
    this.#origin = Math.floor(Date.now() / resolution);
  }

  /** Watches `item` until `at`; replaces any earlier filing of it. */
  watch(item: Watched, at: number): void {
    const slot = Math.max(Math.ceil(at / this.#resolution) - this.#origin, this.#cursor + 1);
    item.deadlineSlot = slot;
    const list = this.#slots.get(slot);
    if (list === undefined) this.#slots.set(slot, [item]);
    else list.push(item);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#resolution);
      this.#timer.unref();
    }
  }

  /** Stops watching `item` (its entry is skipped when its slot comes up). */
  forget(item: Watched): void {
    item.deadlineSlot = 0;
  }

  #tick(): void {
    const now = Date.now();
    const last = Math.floor(now / this.#resolution) - this.#origin;
    while (this.#cursor < last) {
      this.#cursor++;
      const list = this.#slots.get(this.#cursor);
      if (list === undefined) continue;
      this.#slots.delete(this.#cursor);
      for (const item of list) {
        if (item.deadlineSlot !== this.#cursor) continue;
        item.deadlineSlot = 0;
        const next = item.checkDeadline(now);
        if (next !== undefined) this.watch(item, next);
      }
    }
    if (this.#slots.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** Stops the timer (the broker is closing). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#slots.clear();
  }
}
