import type { EventBus } from '../../bus/event-bus.js';
import type { Store } from '../../store/store.js';
import { latestPosition } from './change-store.js';

/**
 * The newest feed position known to be on disk, on SQLite: the change feed shows nothing
 * past it.
 *
 * Why: SQLite capture batches commit without syncing the WAL and are acknowledged after a
 * sync that follows (see the capture writer), so between the two a batch's changes are
 * readable but not durable. A consumer that read them, then lost them to a power cut,
 * would hold a cursor past positions that AUTOINCREMENT hands out again after the restart,
 * and skip the changes that take them. So the feed serves only what is durable.
 *
 * How it knows: every writer of changes publishes `changes.committed` once its transaction
 * is durable (registry writes commit with a sync; capture batches publish after theirs),
 * and positions are given out in commit order across all tenants by SQLite's one writer, so
 * a sync that covers one position covers every position before it. The horizon is the
 * largest position published. At start, what a crash left in the WAL is synced first, so
 * everything already stored counts as durable.
 *
 * PostgreSQL commits durably (synchronous_commit on), so it needs none.
 */
export class DurableHorizon {
  #position: number;
  readonly #unsubscribe: () => void;

  private constructor(bus: EventBus, position: number) {
    this.#position = position;
    this.#unsubscribe = bus.subscribe('changes.committed', (event) => {
      if (event.position > this.#position) this.#position = event.position;
    });
  }

  /** Syncs the SQLite WAL left by an earlier run and starts at the newest stored position. */
  static async open(store: Store, bus: EventBus): Promise<DurableHorizon> {
    await store.embedded?.whenDurable();
    // Subscribed before the read: a commit in between only raises the horizon.
    const horizon = new DurableHorizon(bus, 0);
    const newest = await latestPosition(store);
    if (newest > horizon.#position) horizon.#position = newest;
    return horizon;
  }

  /** Positions up to this one are durable. */
  get position(): number {
    return this.#position;
  }

  close(): void {
    this.#unsubscribe();
  }
}
