import { Counter, type Registry } from 'prom-client';
import { uuidv7 } from '../../kernel/ids.js';
import { lockKeys, type Store, transact } from '../../store/store.js';
import {
  type FeedBatch,
  type FeedChange,
  type FeedConsumer,
  followChanges,
  writeWithChanges,
} from '../changes/index.js';
import { findDevicesSkippingProcessing } from '../lifecycle/index.js';
import { type DeliveryEvent, endpointWants, envelopeOf, messageIdOf } from './webhook-envelope.js';
import type { SendResult, WebhookSender } from './webhook-sender.js';
import type { WebhookDeps } from './webhook-service.js';
import { ENDPOINT_DISABLED_ALERT, presentEndpoint } from './webhook-service.js';
import { signatureHeader } from './webhook-signature.js';
import {
  claimDelivery,
  type DeliveryRow,
  dueDeliveries,
  type EndpointRow,
  enabledEndpoints,
  findEndpoint,
  hasEnabledEndpoints,
  insertDeliveries,
  type NewDelivery,
  nextDueAt,
  queueHead,
  readAllowPrivate,
  recordAttempt,
  updateDelivery,
  updateEndpoint,
} from './webhook-store.js';

/** The durable feed consumer that turns changes into deliveries. */
export const FANOUT_CONSUMER = 'webhooks.fanout';
/** The scheduler handler that sends an endpoint's due deliveries. */
export const DISPATCH_JOB = 'webhooks.dispatch';

export interface DispatcherOptions {
  /** How long a delivery is retried after it was queued (default 3 days). */
  readonly retryPeriodMs?: number;
  /** An endpoint failing without a success for this long is disabled (default 5 days). */
  readonly disableAfterMs?: number;
  /** The first retry delay (default 5 s), doubled at each failed try, with jitter. */
  readonly firstRetryMs?: number;
  /** The longest retry delay (default 6 h). */
  readonly maxRetryMs?: number;
  /** Failures in a row that open an endpoint's circuit breaker (default 5). */
  readonly breakerThreshold?: number;
  /** The longest the breaker stays open before a probe (default 10 min). */
  readonly maxBreakerMs?: number;
  /** Tries of one unordered endpoint in flight at once (default 8). */
  readonly parallelPerEndpoint?: number;
  /** The timeout of one try, for the delivery's lease (default 10 s). */
  readonly timeoutMs?: number;
  /** Jitter's random source, in [0, 1) (tests pin it). */
  readonly random?: () => number;
}

interface Health {
  consecutiveFailures: number;
  lastError: string | null;
  failingSince: number | null;
  breakerUntil: number;
  changed: boolean;
}

const jobKey = (tenantId: string, endpointId: string) => `webhooks.endpoint:${tenantId}:${endpointId}`;
const lockKey = (endpointId: string) => `fleetport.webhooks:${endpointId}`;

/** Statuses that are worth another try; every other 4xx is the receiver's final answer. */
const RETRYABLE_4XX = new Set([408, 409, 429]);

/**
 * Delivers webhooks from the change feed, at least once.
 *
 * A durable feed consumer (`webhooks.fanout`) turns each change into one delivery row per
 * endpoint whose types and filter select it, in the transaction that moves its cursor, so no
 * change is skipped or queued twice; in the same transaction it schedules the endpoint's
 * dispatch job. The job (a scheduler run, one endpoint at a time) sends the endpoint's due
 * deliveries: an ordered endpoint only its oldest open one, an unordered one several at
 * once; each try is leased, logged, and ends delivered, failed, or due again after a backoff
 * with jitter (or the receiver's `Retry-After`). A circuit breaker holds an endpoint that
 * keeps failing; one failing past `disableAfterMs` is disabled with a change of its own.
 * Before the job ends it schedules itself for the endpoint's next due delivery, under the
 * endpoint's lock, which the fan-out also takes, so no queued delivery waits unscheduled.
 */
export class WebhookDispatcher {
  readonly #deps: WebhookDeps & { readonly metrics?: Registry };
  readonly #sender: WebhookSender;
  readonly #retryPeriodMs: number;
  readonly #disableAfterMs: number;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #breakerThreshold: number;
  readonly #maxBreakerMs: number;
  readonly #parallel: number;
  readonly #leaseMs: number;
  readonly #random: () => number;
  readonly #running = new Map<string, Promise<void>>();
  readonly #attempts: Counter<'outcome'> | undefined;
  #consumer: FeedConsumer | undefined;

  constructor(
    deps: WebhookDeps & { readonly metrics?: Registry },
    sender: WebhookSender,
    options: DispatcherOptions = {},
  ) {
    this.#deps = deps;
    this.#sender = sender;
    this.#retryPeriodMs = options.retryPeriodMs ?? 3 * 24 * 3_600_000;
    this.#disableAfterMs = options.disableAfterMs ?? 5 * 24 * 3_600_000;
    this.#firstRetryMs = options.firstRetryMs ?? 5_000;
    this.#maxRetryMs = options.maxRetryMs ?? 6 * 3_600_000;
    this.#breakerThreshold = options.breakerThreshold ?? 5;
    this.#maxBreakerMs = options.maxBreakerMs ?? 600_000;
    this.#parallel = options.parallelPerEndpoint ?? 8;
    this.#leaseMs = (options.timeoutMs ?? 10_000) + 30_000;
    this.#random = options.random ?? Math.random;
    this.#attempts = deps.metrics
      ? new Counter({
          name: 'fleetport_webhook_attempts_total',
          help: 'Webhook tries by outcome: delivered, retry, failed (permanent or out of time)',
          labelNames: ['outcome'] as const,
          registers: [deps.metrics],
        })
      : undefined;
    deps.scheduler.register(DISPATCH_JOB, async (run) => {
      const { tenantId, endpointId } = run.payload as { tenantId: string; endpointId: string };
      await this.dispatch(tenantId, endpointId);
    });
  }

  /** Starts following the feed. */
  start(): void {
    const { store, clock, bus, logger, durable, metrics } = this.#deps;
    this.#consumer ??= followChanges(
      { store, clock, bus, logger, ...(durable ? { durable } : {}), ...(metrics ? { metrics } : {}) },
      FANOUT_CONSUMER,
      { tenants: (tenantId) => hasEnabledEndpoints(store, tenantId) },
      { effects: 'once', handle: (batch, commit) => this.#fanOut(batch, commit) },
      { start: 'latest' },
    );
  }

  /** Resolves once every change committed before the call has been queued (tests). */
  async caughtUp(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  /** Stops following the feed and waits for the dispatches in progress. */
  async close(): Promise<void> {
    await this.#consumer?.close();
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Queues deliveries (a retry, a replay) and schedules the endpoint; returns their numbers. */
  async enqueue(endpoint: EndpointRow, rows: readonly NewDelivery[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const seqs = await transact(this.#deps.store, async (tx) => {
      const inserted = await insertDeliveries(tx, rows);
      await this.#schedule(tx, endpoint, this.#deps.clock.now());
      return inserted;
    });
    this.#deps.scheduler.wake();
    return seqs;
  }

  /** Looks at an endpoint's queue soon (it was enabled again). */
  async wake(tenantId: string, endpointId: string): Promise<void> {
    const endpoint = await findEndpoint(this.#deps.store, tenantId, endpointId);
    if (endpoint === undefined) return;
    await transact(this.#deps.store, (tx) => this.#schedule(tx, endpoint, this.#deps.clock.now()));
    this.#deps.scheduler.wake();
  }

  /** Drops a deleted endpoint's job. */
  async forget(tenantId: string, endpointId: string): Promise<void> {
    await this.#deps.scheduler.cancel(jobKey(tenantId, endpointId));
  }

  /** Sends a test event to an endpoint now, logged as a delivery; returns its number. */
  async sendTest(endpoint: EndpointRow, event: DeliveryEvent): Promise<number> {
    const now = this.#deps.clock.now();
    const messageId = `msg_test_${uuidv7(now).replaceAll('-', '')}`;
    const [seq] = await transact(this.#deps.store, (tx) =>
      insertDeliveries(tx, [
        {
          tenant_id: endpoint.tenant_id,
          endpoint_id: endpoint.id,
          message_id: messageId,
          position: 0,
          event_type: event.type,
          body: envelopeOf(endpoint.tenant_id, endpoint.id, event, messageId),
          origin: 'test',
          // Never in the queue: the test is sent here, once (a crash meanwhile leaves it unsent, failed).
          status: 'failed',
          attempts: 0,
          next_attempt_at: now,
          lease_until: 0,
          last_status: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        },
      ]),
    );
    if (seq === undefined) throw new Error('a test delivery was not stored');
    const allowPrivate = await readAllowPrivate(this.#deps.store, endpoint.tenant_id);
    const delivery = await this.#deliveryRow(seq);
    const result = await this.#send(endpoint, delivery, allowPrivate);
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    await transact(this.#deps.store, async (tx) => {
      await this.#log(tx, endpoint, delivery, result);
      await updateDelivery(tx, seq, {
        status: ok ? 'delivered' : 'failed',
        attempts: 1,
        lease_until: 0,
        last_status: result.status,
        last_error: this.#errorOf(result),
        updated_at: this.#deps.clock.now(),
      });
    });
    return seq;
  }

  /** Sends the endpoint's due deliveries until none is due (the scheduler's job). */
  dispatch(tenantId: string, endpointId: string): Promise<void> {
    // One dispatch per endpoint in this process: a second run waits for the first.
    const key = `${tenantId}\u0000${endpointId}`;
    const previous = this.#running.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.#dispatch(tenantId, endpointId));
    const tracked = run.finally(() => {
      if (this.#running.get(key) === tracked) this.#running.delete(key);
    });
    this.#running.set(key, tracked);
    return run;
  }

  async #fanOut(
    batch: FeedBatch,
    commit: (work: (tx: Store) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const { store, clock } = this.#deps;
    const endpoints = await enabledEndpoints(store, batch.tenantId);
    if (endpoints.length === 0) return;
    const changes = await this.#withoutSkippedDevices(batch.tenantId, await this.#expand(batch, endpoints));
    const now = clock.now();
    const rows: NewDelivery[] = [];
    const touched = new Map<string, EndpointRow>();
    for (const endpoint of endpoints) {
      const wants = this.#wants(endpoint);
      const startAfter = Number(endpoint.start_after);
      for (const change of changes) {
        if (change.position <= startAfter) continue;
        const event: DeliveryEvent = {
          position: change.position,
          type: change.kind,
          entityId: change.entityId,
          at: change.at,
          data: change.data,
        };
        if (!wants(event)) continue;
        touched.set(endpoint.id, endpoint);
        rows.push({
          tenant_id: batch.tenantId,
          endpoint_id: endpoint.id,
          message_id: messageIdOf(endpoint.id, change.position),
          position: change.position,
          event_type: change.kind,
          body: envelopeOf(batch.tenantId, endpoint.id, event),
          origin: 'feed',
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_until: 0,
          last_status: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        });
      }
    }
    if (rows.length === 0) return;
    // Rows in change order, so an ordered endpoint's queue (by seq) follows the feed.
    rows.sort((a, b) => Number(a.position) - Number(b.position));
    await commit(async (tx) => {
      await insertDeliveries(tx, rows);
      for (const endpoint of touched.values()) await this.#schedule(tx, endpoint, now);
    });
    this.#deps.scheduler.wake();
  }

  /**
   * Quarantined and retired devices' uplinks are stored, not forwarded (docs/LIFECYCLE.md):
   * their `message.created` changes are left out, by the device's state when the batch is read.
   */
  async #withoutSkippedDevices(tenantId: string, changes: FeedChange[]): Promise<FeedChange[]> {
    const deviceOf = (change: FeedChange): string | undefined =>
      change.kind === 'message.created'
        ? (change.data as { deviceId?: string } | undefined)?.deviceId
        : undefined;
    const devices = changes.map(deviceOf).filter((id): id is string => id !== undefined);
    if (devices.length === 0) return changes;
    const skipped = await findDevicesSkippingProcessing(this.#deps.store, tenantId, devices);
    if (skipped.size === 0) return changes;
    return changes.filter((change) => {
      const device = deviceOf(change);
      return device === undefined || !skipped.has(device);
    });
  }

  #wants(endpoint: EndpointRow): (event: DeliveryEvent) => boolean {
    try {
      return endpointWants(endpoint);
    } catch (error) {
      // A filter saved before the language changed: nothing matches it, and it is said.
      this.#deps.logger.error({ err: error, webhook: endpoint.id }, 'a webhook filter no longer compiles');
      return () => false;
    }
  }

  /** Fills in the data of changes stored without it (captured messages), when some endpoint wants them. */
  async #expand(batch: FeedBatch, endpoints: readonly EndpointRow[]): Promise<FeedChange[]> {
    const expand = this.#deps.expandChanges;
    const missing = new Map<string, string[]>();
    for (const change of batch.changes) {
      if (change.data !== undefined) continue;
      const ids = missing.get(change.kind) ?? [];
      missing.set(change.kind, ids);
      ids.push(change.entityId);
    }
    if (missing.size === 0 || expand === undefined) return [...batch.changes];
    const wanted = (kind: string) =>
      endpoints.some((endpoint) => {
        const types = JSON.parse(endpoint.event_types) as string[];
        return types.length === 0 || types.includes(kind);
      });
    const found = new Map<string, unknown>();
    for (const [kind, ids] of missing) {
      if (!wanted(kind)) continue;
      const data = await expand(this.#deps.store, batch.tenantId, kind as FeedChange['kind'], ids);
      for (const [id, value] of data) found.set(`${kind}\u0000${id}`, value);
    }
    return batch.changes.map((change) =>
      change.data === undefined
        ? { ...change, data: found.get(`${change.kind}\u0000${change.entityId}`) }
        : change,
    );
  }

  /** Schedules the endpoint's job at `at` (or when its breaker closes), under its lock. */
  async #schedule(tx: Store, endpoint: EndpointRow, at: number): Promise<void> {
    await lockKeys(tx, [lockKey(endpoint.id)]);
    await this.#deps.scheduler.schedule(
      {
        key: jobKey(endpoint.tenant_id, endpoint.id),
        handler: DISPATCH_JOB,
        at: Math.max(at, Number(endpoint.breaker_until)),
        // A fresh mark each time: the scheduler skips a request equal to the stored job, and
        // a run in progress that then completed would remove the job this request is for.
        payload: { tenantId: endpoint.tenant_id, endpointId: endpoint.id, mark: uuidv7(at) },
      },
      tx,
    );
  }

  async #dispatch(tenantId: string, endpointId: string): Promise<void> {
    const { store, clock } = this.#deps;
    for (;;) {
      const endpoint = await findEndpoint(store, tenantId, endpointId);
      if (endpoint === undefined || Number(endpoint.enabled) !== 1) return;
      const now = clock.now();
      if (Number(endpoint.breaker_until) > now) {
        if (await this.#settle(endpoint, now)) continue;
        return;
      }
      const halfOpen = Number(endpoint.consecutive_failures) >= this.#breakerThreshold;
      let due: DeliveryRow[];
      if (Number(endpoint.ordered) === 1) {
        const head = await queueHead(store, endpointId);
        due =
          head !== undefined && Number(head.next_attempt_at) <= now && Number(head.lease_until) <= now
            ? [head]
            : [];
      } else due = await dueDeliveries(store, endpointId, now, halfOpen ? 1 : this.#parallel);
      const claimed: DeliveryRow[] = [];
      for (const delivery of due) {
        if (await claimDelivery(store, Number(delivery.seq), now, now + this.#leaseMs))
          claimed.push(delivery);
      }
      if (claimed.length === 0) {
        if (await this.#settle(endpoint, now)) continue;
        return;
      }
      const allowPrivate = await readAllowPrivate(store, tenantId);
      const results = await Promise.all(
        claimed.map(async (delivery) => ({
          delivery,
          result: await this.#send(endpoint, delivery, allowPrivate),
        })),
      );
      const health: Health = {
        consecutiveFailures: Number(endpoint.consecutive_failures),
        failingSince: endpoint.failing_since === null ? null : Number(endpoint.failing_since),
        breakerUntil: Number(endpoint.breaker_until),
        lastError: null,
        changed: false,
      };
      for (const { delivery, result } of results) await this.#record(endpoint, delivery, result, health);
      if (await this.#saveHealth(endpoint, health)) return;
    }
  }

  /**
   * Schedules the endpoint's next look under its lock, or answers true when something is
   * due already (queued meanwhile): the caller then goes on instead.
   */
  async #settle(endpoint: EndpointRow, now: number): Promise<boolean> {
    const { store } = this.#deps;
    return transact(store, async (tx) => {
      await lockKeys(tx, [lockKey(endpoint.id)]);
      let next: number | undefined;
      if (Number(endpoint.ordered) === 1) {
        const head = await queueHead(tx, endpoint.id);
        next =
          head === undefined ? undefined : Math.max(Number(head.next_attempt_at), Number(head.lease_until));
      } else next = await nextDueAt(tx, endpoint.id);
      if (next === undefined) return false;
      next = Math.max(next, Number(endpoint.breaker_until));
      if (next <= now) return true;
      await this.#schedule(tx, endpoint, next);
      return false;
    });
  }

  async #deliveryRow(seq: number): Promise<DeliveryRow> {
    const row = await this.#deps.store.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('seq', '=', seq)
      .executeTakeFirstOrThrow();
    return row;
  }

  #send(endpoint: EndpointRow, delivery: DeliveryRow, allowPrivate: boolean): Promise<SendResult> {
    const now = this.#deps.clock.now();
    const timestamp = Math.floor(now / 1000);
    const secrets = [endpoint.secret];
    if (
      endpoint.previous_secret !== null &&
      endpoint.previous_secret_until !== null &&
      Number(endpoint.previous_secret_until) > now
    ) {
      secrets.push(endpoint.previous_secret);
    }
    return this.#sender.send({
      url: endpoint.url,
      body: delivery.body,
      allowPrivate,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Fleetport-Webhooks/1',
        'webhook-id': delivery.message_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, delivery.message_id, timestamp, delivery.body),
        'x-request-id': uuidv7(now),
      },
    });
  }

  #errorOf(result: SendResult): string | null {
    if (result.error !== null) return result.error.slice(0, 1000);
    if (result.status !== null && (result.status < 200 || result.status >= 300)) {
      return result.status >= 300 && result.status < 400
        ? `answered ${result.status}; redirects are not followed`
        : `answered ${result.status}`;
    }
    return null;
  }

  async #log(tx: Store, endpoint: EndpointRow, delivery: DeliveryRow, result: SendResult): Promise<void> {
    await recordAttempt(tx, {
      tenant_id: endpoint.tenant_id,
      endpoint_id: endpoint.id,
      delivery_seq: Number(delivery.seq),
      request_id: uuidv7(this.#deps.clock.now()),
      attempt: Number(delivery.attempts) + 1,
      url: endpoint.url,
      response_status: result.status,
      response_body: result.body,
      duration_ms: result.durationMs,
      error: this.#errorOf(result),
      at: this.#deps.clock.now(),
    });
  }

  /** The retry delay after `attempt` failed tries: doubling, capped, with ±25 % jitter. */
  #backoff(attempt: number): number {
    const base = Math.min(this.#maxRetryMs, this.#firstRetryMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(base * (0.75 + this.#random() * 0.5));
  }

  async #record(
    endpoint: EndpointRow,
    delivery: DeliveryRow,
    result: SendResult,
    health: Health,
  ): Promise<void> {
    const now = this.#deps.clock.now();
    const attempt = Number(delivery.attempts) + 1;
    const status = result.status;
    const ok = status !== null && status >= 200 && status < 300;
    const permanent = status !== null && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status);
    let set: Parameters<typeof updateDelivery>[2];
    const base = {
      attempts: attempt,
      lease_until: 0,
      last_status: status,
      last_error: this.#errorOf(result),
      updated_at: now,
    };
    if (ok) {
      set = { ...base, status: 'delivered' };
      this.#attempts?.inc({ outcome: 'delivered' });
      if (health.consecutiveFailures > 0 || health.failingSince !== null || health.breakerUntil > 0) {
        health.consecutiveFailures = 0;
        health.failingSince = null;
        health.breakerUntil = 0;
        health.changed = true;
      }
    } else {
      // A final 4xx is an answer from a live receiver: it counts towards disabling, not the breaker.
      if (!permanent) health.consecutiveFailures += 1;
      health.failingSince ??= now;
      health.lastError = this.#errorOf(result);
      health.changed = true;
      const delay = result.retryAfterMs ?? this.#backoff(attempt);
      if (result.retryAfterMs !== null) {
        // The receiver asked for a pause: the whole endpoint takes it, not only this delivery.
        health.breakerUntil = Math.max(health.breakerUntil, now + result.retryAfterMs);
      }
      if (health.consecutiveFailures >= this.#breakerThreshold) {
        const opened = Math.min(
          this.#maxBreakerMs,
          this.#firstRetryMs * 2 ** Math.min(health.consecutiveFailures - this.#breakerThreshold, 30),
        );
        health.breakerUntil = Math.max(health.breakerUntil, now + opened);
      }
      const expired = now + delay > Number(delivery.created_at) + this.#retryPeriodMs;
      if (permanent || expired) {
        set = { ...base, status: 'failed' };
        if (expired && !permanent)
          set.last_error = `${base.last_error ?? 'failed'}; gave up after ${attempt} tries`;
        this.#attempts?.inc({ outcome: 'failed' });
      } else {
        set = { ...base, next_attempt_at: now + delay };
        this.#attempts?.inc({ outcome: 'retry' });
      }
    }
    await transact(this.#deps.store, async (tx) => {
      await this.#log(tx, endpoint, delivery, result);
      await updateDelivery(tx, Number(delivery.seq), set);
    });
  }

  /** Writes the endpoint's health after a round; disables it when it failed too long. True when disabled. */
  async #saveHealth(endpoint: EndpointRow, health: Health): Promise<boolean> {
    if (!health.changed) return false;
    const now = this.#deps.clock.now();
    const set = {
      consecutive_failures: health.consecutiveFailures,
      failing_since: health.failingSince,
      breaker_until: health.breakerUntil,
    };
    const disable = health.failingSince !== null && now - health.failingSince >= this.#disableAfterMs;
    if (!disable) {
      await updateEndpoint(this.#deps.store, endpoint.tenant_id, endpoint.id, set);
      return false;
    }
    await writeWithChanges(this.#deps, endpoint.tenant_id, async (tx, record) => {
      const disabled = { ...set, enabled: 0, disabled_reason: 'failing', updated_at: now };
      await updateEndpoint(tx, endpoint.tenant_id, endpoint.id, disabled);
      record({
        kind: 'webhook_endpoint.disabled',
        entityId: endpoint.id,
        data: presentEndpoint({ ...endpoint, ...disabled }, now),
      });
      await this.#deps.alerts?.raise(
        endpoint.tenant_id,
        [
          {
            type: ENDPOINT_DISABLED_ALERT,
            severity: 'major',
            subject: endpoint.id,
            message: `webhook ${endpoint.id} (${endpoint.url}) failed without a success since ${new Date(health.failingSince ?? now).toISOString()} and was disabled`,
            details: { url: endpoint.url, failingSince: health.failingSince, lastError: health.lastError },
            source: 'webhooks',
          },
        ],
        { tx, record },
      );
    });
    this.#deps.logger.warn(
      { webhook: endpoint.id, tenantId: endpoint.tenant_id, failingSince: health.failingSince },
      'a webhook endpoint failed for too long and was disabled',
    );
    return true;
  }
}
