import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { type Store, transactSyncedAfter } from '../../store/store.js';
import type { ChangeKind } from './change-schemas.js';
import { type ChangeRow, latestPosition, STORED_WITHOUT_DATA } from './change-store.js';
import {
  acquireFeedLease,
  type FeedLease,
  isLeaseLost,
  loadFeedCursors,
  readTenantChanges,
  readTenantHead,
  readTenantHeads,
  releaseFeedLease,
  renewFeedLease,
  saveFeedCursors,
} from './feed-consumer-store.js';

export interface FeedConsumerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** The newest durable position on SQLite (`DurableHorizon`): nothing past it is read. */
  readonly durable?: { readonly position: number };
  /** Where the consumer's lag and counters go (the app's `/metrics` registry). */
  readonly metrics?: Registry;
}

/** Which changes a consumer is given; the others are passed over (its cursor still moves). */
export interface FeedFilter {
  /** Only these kinds (at least one); every kind when absent. */
  readonly kinds?: readonly ChangeKind[];
  /**
   * Only tenants for which this answers true, asked before each read: the changes of
   * others are passed over unread (the decoder skips tenants without a codec).
   */
  readonly tenants?: (tenantId: string) => Promise<boolean>;
}

/** One change as a consumer sees it. */
export interface FeedChange {
  /**
   * The change's place in the feed, unique across tenants: the idempotency key for
   * effects outside the store (a consumer that calls out may see a change again).
   */
  readonly position: number;
  readonly tenantId: string;
  readonly kind: ChangeKind;
  readonly entityId: string;
  /** Commit time, Unix milliseconds. */
  readonly at: number;
  /** The entity after the change; undefined for changes stored without data (read the entity). */
  readonly data: unknown;
}

/** Consecutive changes of one tenant, in commit order. */
export interface FeedBatch {
  readonly tenantId: string;
  readonly changes: readonly FeedChange[];
}

/**
 * Runs the handler's writes and the cursor's move in one transaction. Call it once, after
 * any slow work (a transaction held open on SQLite holds up every writer).
 */
export type CommitWithCursor = (work: (tx: Store) => Promise<void>) => Promise<void>;

/**
 * What a consumer does with a batch. `once`: it writes to the store through `commit`, in
 * the transaction that moves the cursor, so its effects happen exactly once (a handler that
 * never calls `commit` has its cursor moved after it returns). `at_least_once`: it calls
 * out; the cursor moves after it returns, so a crash in between repeats the batch (use
 * `FeedChange.position` as the idempotency key).
 */
export type FeedHandler =
  | { readonly effects: 'once'; handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> }
  | { readonly effects: 'at_least_once'; handle(batch: FeedBatch): Promise<void> };

export interface FeedConsumerOptions {
  /** How long a lease lasts without renewal (default 15 s); another process takes over after it. */
  readonly leaseMs?: number;
  /** How often every tenant is checked for changes the bus did not announce (default 1 s). */
  readonly pollMs?: number;
  /** Changes given to the handler at once, at most (default 500). */
  readonly batchSize?: number;
  /** Where a new consumer starts: the feed's beginning (default) or after what is there when it is created. */
  readonly start?: 'beginning' | 'latest';
  /** The first retry delay after a handler failed (default 500 ms), doubled at each failure. */
  readonly retryMs?: number;
  /** The longest retry delay (default 60 s). */
  readonly maxRetryMs?: number;
  /**
   * How long to gather commits after a wake-up before reading (default 0): a consumer woken
   * by every small commit would otherwise handle many tiny batches.
   */
  readonly gatherMs?: number;
}

interface Backoff {
  readonly failures: number;
  readonly until: number;
}

interface ConsumerMetrics {
  readonly lag: Gauge<'consumer'>;
  readonly handled: Counter<'consumer'>;
  readonly failures: Counter<'consumer'>;
  readonly leader: Gauge<'consumer'>;
}

const metricsByRegistry = new WeakMap<Registry, ConsumerMetrics>();

/** The consumer metrics of a registry, made once however many consumers report there. */
function consumerMetrics(registry: Registry): ConsumerMetrics {
  const known = metricsByRegistry.get(registry);
  if (known) return known;
  const made: ConsumerMetrics = {
    lag: new Gauge({
      name: 'fleetport_feed_consumer_lag_seconds',
      help: 'Age of the oldest change a feed consumer has read but not yet handled (0 when caught up)',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    handled: new Counter({
      name: 'fleetport_feed_consumer_changes_total',
      help: 'Changes handed to a feed consumer and committed past',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    failures: new Counter({
      name: 'fleetport_feed_consumer_failures_total',
      help: 'Batches a feed consumer failed to handle (retried with backoff)',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'fleetport_feed_consumer_lease_held',
      help: 'Whether this process holds the feed consumer lease (1) or waits for it (0)',
      labelNames: ['consumer'] as const,
      registers: [registry],
    }),
  };
  metricsByRegistry.set(registry, made);
  return made;
}

function present(row: ChangeRow): FeedChange {
  return {
    position: Number(row.position),
    tenantId: row.tenant_id,
    kind: row.kind as ChangeKind,
    entityId: row.entity_id,
    at: Number(row.created_at),
    data: row.data === STORED_WITHOUT_DATA ? undefined : (JSON.parse(row.data) as unknown),
  };
}

/**
 * Follows the change feed of every tenant under `name`, durably: see `FeedConsumer`.
 * The consumer starts at once; `close()` it on shutdown.
 *
 * @example
 * const consumer = followChanges(deps, 'twins.projection', { kinds: ['device.created'] }, {
 *   effects: 'once',
 *   handle: async (batch, commit) => commit((tx) => projectTwins(tx, batch)),
 * });
 */
export function followChanges(
  deps: FeedConsumerDeps,
  name: string,
  filter: FeedFilter,
  handler: FeedHandler,
  options: FeedConsumerOptions = {},
): FeedConsumer {
  const consumer = new FeedConsumer(deps, { name, filter, handler, options });
  consumer.start();
  return consumer;
}

/**
 * A named, durable follower of the change feed. Its cursors live in the database, one per
 * tenant, and move only under its lease: one instance per name runs at a time, and
 * another process takes over when the holder stops renewing.
 *
 * Why a cursor per tenant: each tenant's positions become visible in position order (a
 * writer holds the tenant's lock from taking a position until commit, see
 * `appendChanges`), but two tenants' writers commit independently on PostgreSQL, so
 * following one cursor over all tenants could pass over a position that commits late.
 * Per tenant, everything up to the tenant's newest visible position is committed: the
 * consumer reads that head first, then the changes up to it, and may move its cursor to
 * the head even when the filter left nothing to handle. On SQLite it also reads nothing
 * past the durable horizon, like `readFeed`. Changes reach the handler in commit order
 * within a tenant; tenants are independent.
 *
 * It wakes on `changes.committed` for the tenant named, and checks every tenant each
 * `pollMs` for commits of other processes. A failing handler is logged and retried with
 * backoff, for its tenant only; nothing it throws leaves the consumer.
 */
export class FeedConsumer {
  readonly #deps: FeedConsumerDeps;
  readonly #name: string;
  readonly #kinds: readonly ChangeKind[] | undefined;
  readonly #tenants: ((tenantId: string) => Promise<boolean>) | undefined;
  readonly #handler: FeedHandler;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #start: 'beginning' | 'latest';
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #gatherMs: number;
  #gathering: NodeJS.Timeout | undefined;
  readonly #holder = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  readonly #metrics: ConsumerMetrics | undefined;
  #lease: FeedLease | undefined;
  #leaseUntil = 0;
  /** Where each tenant's handled changes end; saved ones and, in `#unsaved`, ones passed over. */
  #cursors = new Map<string, number>();
  readonly #unsaved = new Set<string>();
  /** Tenants that may have changes past their cursor. */
  readonly #dirty = new Set<string>();
  readonly #backoff = new Map<string, Backoff>();
  readonly #lag = new Map<string, number>();
  #lastPoll = Number.NEGATIVE_INFINITY;
  #polls = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  #renewal: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #waiters: { after: number; resolve: () => void }[] = [];

  constructor(
    deps: FeedConsumerDeps,
    config: {
      readonly name: string;
      readonly filter: FeedFilter;
      readonly handler: FeedHandler;
      readonly options?: FeedConsumerOptions;
    },
  ) {
    const options = config.options ?? {};
    if (config.filter.kinds?.length === 0) throw new Error('a feed filter names at least one kind');
    this.#deps = deps;
    this.#name = config.name;
    this.#kinds = config.filter.kinds;
    this.#tenants = config.filter.tenants;
    this.#handler = config.handler;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#batchSize = options.batchSize ?? 500;
    this.#start = options.start ?? 'beginning';
    this.#retryMs = options.retryMs ?? 500;
    this.#maxRetryMs = options.maxRetryMs ?? 60_000;
    this.#gatherMs = options.gatherMs ?? 0;
    this.#metrics = deps.metrics ? consumerMetrics(deps.metrics) : undefined;
    this.#metrics?.leader.set({ consumer: this.#name }, 0);
    this.#metrics?.lag.set({ consumer: this.#name }, 0);
  }

  get name(): string {
    return this.#name;
  }

  /** Whether this instance holds the lease now. */
  get holdsLease(): boolean {
    return this.#lease !== undefined;
  }

  /** Starts following (idempotent). */
  start(): void {
    if (this.#loop || this.#closed) return;
    this.#unsubscribe = this.#deps.bus.subscribe('changes.committed', (event) => {
      if (this.#lease === undefined) return;
      if (event.position > (this.#cursors.get(event.tenantId) ?? 0)) {
        this.#dirty.add(event.tenantId);
        if (this.#gatherMs <= 0) this.#wake?.();
        else
          this.#gathering ??= setTimeout(() => {
            this.#gathering = undefined;
            this.#wake?.();
          }, this.#gatherMs);
      }
    });
    this.#renewal = setInterval(() => void this.#renew(), Math.max(10, Math.floor(this.#leaseMs / 3)));
    this.#renewal.unref();
    this.#loop = this.#run();
  }

  /**
   * Resolves once this instance holds the lease and has handled every change committed
   * before the call (for tests and orderly hand-overs; it waits as long as that takes).
   */
  caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      // A poll that starts after this call sees every commit before it.
      this.#waiters.push({ after: this.#polls + 1, resolve });
      this.#lastPoll = Number.NEGATIVE_INFINITY;
      this.#wake?.();
    });
  }

  /** Stops after the batch in progress, saves what was passed over, and gives the lease up. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    clearInterval(this.#renewal);
    clearTimeout(this.#gathering);
    this.#wake?.();
    await this.#loop;
    const lease = this.#lease;
    if (lease === undefined) return;
    try {
      await this.#saveUnsaved(lease);
      await releaseFeedLease(this.#deps.store, lease);
    } catch (error) {
      this.#deps.logger.warn({ err: error, consumer: this.#name }, 'releasing a feed consumer lease failed');
    }
    this.#dropLease();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      try {
        if (this.#lease === undefined && !(await this.#acquire())) {
          await this.#sleep(Math.max(10, Math.floor(this.#leaseMs / 3)));
          continue;
        }
        const progressed = await this.#pass();
        failures = 0;
        if (!progressed && !this.#hasReadyWork()) {
          this.#settleWaiters();
          await this.#sleep(this.#idleDelay());
        }
      } catch (error) {
        // The store failed (handlers' errors are caught per tenant): wait, then try again.
        failures += 1;
        if (isLeaseLost(error)) {
          if (this.#lease !== undefined) this.#lost();
        } else this.#deps.logger.error({ err: error, consumer: this.#name }, 'feed consumer pass failed');
        await this.#sleep(this.#delay(failures));
      }
    }
  }

  async #acquire(): Promise<boolean> {
    const { store, clock, durable } = this.#deps;
    const startAfter =
      this.#start === 'latest' ? Math.min(await latestPosition(store), durable?.position ?? Infinity) : 0;
    const lease = await acquireFeedLease(store, {
      name: this.#name,
      holder: this.#holder,
      now: clock.now(),
      leaseMs: this.#leaseMs,
      startAfter,
    });
    if (lease === undefined) return false;
    // Cursors are read after the lease is ours: a previous holder can no longer move them.
    this.#cursors = await loadFeedCursors(store, this.#name);
    this.#lease = lease;
    this.#leaseUntil = clock.now() + this.#leaseMs;
    this.#lastPoll = Number.NEGATIVE_INFINITY;
    this.#metrics?.leader.set({ consumer: this.#name }, 1);
    this.#deps.logger.info({ consumer: this.#name, fence: lease.fence }, 'feed consumer took its lease');
    return true;
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    if (lease === undefined || this.#closed) return;
    try {
      const until = this.#deps.clock.now() + this.#leaseMs;
      const kept = await renewFeedLease(this.#deps.store, lease, until);
      if (kept && this.#lease === lease) this.#leaseUntil = until;
      if (!kept) {
        if (this.#lease === lease) this.#lost();
        return;
      }
      await this.#saveUnsaved(lease);
    } catch (error) {
      if (isLeaseLost(error)) {
        if (this.#lease === lease) this.#lost();
        return;
      }
      this.#deps.logger.warn({ err: error, consumer: this.#name }, 'renewing a feed consumer lease failed');
      // Past its expiry another instance may hold it: stop before touching anything else.
      if (this.#lease === lease && this.#deps.clock.now() >= this.#leaseUntil) this.#lost();
    }
  }

  #lost(): void {
    this.#deps.logger.warn(
      { consumer: this.#name },
      'feed consumer lost its lease; another instance took over',
    );
    this.#dropLease();
  }

  #dropLease(): void {
    this.#lease = undefined;
    this.#cursors = new Map();
    this.#unsaved.clear();
    this.#dirty.clear();
    this.#backoff.clear();
    this.#lag.clear();
    this.#metrics?.leader.set({ consumer: this.#name }, 0);
    this.#metrics?.lag.set({ consumer: this.#name }, 0);
  }

  /** One round: the poll when due, then a batch of each tenant with work. True when it did something. */
  async #pass(): Promise<boolean> {
    const lease = this.#lease;
    if (lease === undefined) return false;
    // Polling runs on real time, whatever clock the leases read.
    const now = performance.now();
    if (now - this.#lastPoll >= this.#pollMs) {
      this.#polls += 1;
      this.#lastPoll = now;
      const heads = await readTenantHeads(this.#deps.store, this.#deps.durable?.position);
      for (const [tenantId, head] of heads) {
        if (head > this.#cursorOf(tenantId, lease)) this.#dirty.add(tenantId);
      }
    }
    let progressed = false;
    for (const tenantId of [...this.#dirty]) {
      if (this.#closed || this.#lease !== lease) break;
      const backoff = this.#backoff.get(tenantId);
      if (backoff !== undefined && backoff.until > this.#deps.clock.now()) continue;
      if (await this.#step(lease, tenantId)) progressed = true;
    }
    return progressed;
  }

  #cursorOf(tenantId: string, lease: FeedLease): number {
    return this.#cursors.get(tenantId) ?? lease.startAfter;
  }

  /** Reads and handles one batch of a tenant. True when its cursor moved. */
  async #step(lease: FeedLease, tenantId: string): Promise<boolean> {
    const { store, clock, durable } = this.#deps;
    // Cleared before reading: a commit announced from here on marks the tenant again.
    this.#dirty.delete(tenantId);
    const after = this.#cursorOf(tenantId, lease);
    const head = await readTenantHead(store, tenantId, durable?.position);
    if (head <= after) {
      this.#backoff.delete(tenantId);
      this.#setLag(tenantId, 0);
      return false;
    }
    if (this.#tenants !== undefined && !(await this.#tenants(tenantId))) {
      this.#passOver(tenantId, head);
      return true;
    }
    const rows = await readTenantChanges(store, {
      tenantId,
      after,
      upTo: head,
      kinds: this.#kinds,
      limit: this.#batchSize,
    });
    // Every change of the tenant up to `head` is committed, so a short page ends at the head.
    const last = rows.at(-1);
    const end = rows.length < this.#batchSize || last === undefined ? head : Number(last.position);
    if (end < head) this.#dirty.add(tenantId);
    if (rows.length === 0) {
      this.#passOver(tenantId, end);
      return true;
    }
    const batch: FeedBatch = { tenantId, changes: rows.map(present) };
    const first = batch.changes[0];
    this.#setLag(tenantId, first === undefined ? 0 : clock.now() - first.at);
    const advance = new Map([[tenantId, end]]);
    let attempted = false;
    let committed = false;
    const commit: CommitWithCursor = async (work) => {
      if (attempted) throw new Error(`feed consumer '${this.#name}': a batch commits once`);
      attempted = true;
      await transactSyncedAfter(store, async (tx) => {
        await work(tx);
        await saveFeedCursors(tx, lease, advance, clock.now());
      });
      committed = true;
      // Moved at once: a failure after the commit must not hand the batch over again.
      this.#cursors.set(tenantId, end);
      this.#unsaved.delete(tenantId);
    };
    try {
      const handler = this.#handler;
      if (handler.effects === 'once') await handler.handle(batch, commit);
      else await handler.handle(batch);
      // A `once` handler that wrote nothing has nothing to repeat: its cursor is saved later.
      if (!attempted && handler.effects === 'once') this.#passOver(tenantId, end);
      else if (!attempted) await commit(async () => {});
    } catch (error) {
      if (isLeaseLost(error)) throw error;
      if (!committed) {
        this.#failed(tenantId, batch, error);
        return false;
      }
      // Its writes and cursor are committed: handing the batch over again would repeat them.
      this.#metrics?.failures.inc({ consumer: this.#name });
      this.#deps.logger.error(
        { err: error, consumer: this.#name, tenantId, from: batch.changes[0]?.position },
        'feed consumer handler failed after its commit; the batch is not handed over again',
      );
    }
    this.#backoff.delete(tenantId);
    this.#metrics?.handled.inc({ consumer: this.#name }, batch.changes.length);
    this.#setLag(tenantId, end < head ? clock.now() - (batch.changes.at(-1)?.at ?? clock.now()) : 0);
    return true;
  }

  /** Moves a cursor over changes that need no handling; saved with the next renewal. */
  #passOver(tenantId: string, position: number): void {
    this.#cursors.set(tenantId, position);
    this.#unsaved.add(tenantId);
    this.#setLag(tenantId, 0);
  }

  #failed(tenantId: string, batch: FeedBatch, error: unknown): void {
    const failures = (this.#backoff.get(tenantId)?.failures ?? 0) + 1;
    const delay = this.#delay(failures);
    this.#backoff.set(tenantId, { failures, until: this.#deps.clock.now() + delay });
    this.#dirty.add(tenantId);
    this.#metrics?.failures.inc({ consumer: this.#name });
    this.#deps.logger.error(
      {
        err: error,
        consumer: this.#name,
        tenantId,
        from: batch.changes[0]?.position,
        changes: batch.changes.length,
        failures,
        retryInMs: delay,
      },
      'feed consumer handler failed; retrying with backoff',
    );
  }

  async #saveUnsaved(lease: FeedLease): Promise<void> {
    if (this.#unsaved.size === 0) return;
    const cursors = new Map<string, number>();
    for (const tenantId of this.#unsaved) cursors.set(tenantId, this.#cursorOf(tenantId, lease));
    await transactSyncedAfter(this.#deps.store, (tx) =>
      saveFeedCursors(tx, lease, cursors, this.#deps.clock.now()),
    );
    for (const [tenantId, position] of cursors) {
      if (this.#cursors.get(tenantId) === position) this.#unsaved.delete(tenantId);
    }
  }

  #setLag(tenantId: string, lagMs: number): void {
    if (lagMs <= 0) this.#lag.delete(tenantId);
    else this.#lag.set(tenantId, lagMs);
    if (this.#metrics === undefined) return;
    let worst = 0;
    for (const value of this.#lag.values()) worst = Math.max(worst, value);
    this.#metrics.lag.set({ consumer: this.#name }, worst / 1000);
  }

  #delay(failures: number): number {
    return Math.min(this.#maxRetryMs, this.#retryMs * 2 ** Math.min(failures - 1, 30));
  }

  /** Until the next poll or the earliest retry, whichever comes first. */
  #idleDelay(): number {
    const now = this.#deps.clock.now();
    let delay = this.#pollMs;
    for (const backoff of this.#backoff.values()) delay = Math.min(delay, Math.max(1, backoff.until - now));
    return delay;
  }

  /** A tenant marked while the pass ran, and not waiting for a retry. */
  #hasReadyWork(): boolean {
    const now = this.#deps.clock.now();
    for (const tenantId of this.#dirty) {
      if ((this.#backoff.get(tenantId)?.until ?? 0) <= now) return true;
    }
    return false;
  }

  #settleWaiters(): void {
    if (this.#lease === undefined || this.#dirty.size > 0 || this.#backoff.size > 0) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (this.#polls >= waiter.after) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }
}
