import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import type { AlertService } from '../alerts/index.js';
import {
  appendChanges,
  type ChangeEntry,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import { announceTransitions, type LifecycleService, type Transition } from '../lifecycle/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { type LiveActivity, quarantineCrazy } from './crazy-devices.js';
import { DECODED_METRICS } from './health-series.js';
import { metricAt, NO_TYPE_HEALTH, type TypeHealthCache } from './health-settings.js';
import {
  type HealthSample,
  readMessages,
  readSignals,
  upsertDecodedSamples,
  upsertUplinkSamples,
} from './health-store.js';

export interface HealthSampleDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
  readonly scheduler: Scheduler;
  readonly lifecycle: LifecycleService;
  readonly alerts?: Pick<AlertService, 'raise' | 'clear'>;
}

/** The feed consumer that writes health samples and finds crazy devices. */
export const SAMPLES_CONSUMER = 'health.samples';

/** What a `message.decoded` change carries (codecs' `#write`). */
interface DecodedChange {
  readonly messageId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly decoded: { readonly data: unknown; readonly errors: readonly string[] };
}

/**
 * Follows captured and decoded uplinks (`message.created`, `message.decoded`, durably,
 * `health.samples`) and writes one health sample per uplink: its signal from the
 * receptions stored with it, and the metrics its type maps from the decoded fields. In the
 * transaction that moves its cursor it also counts the live uplinks of the batch's devices
 * within their type's window and quarantines the crazy ones. Capture never waits for it:
 * batched ingest pays only for the consumer's own transactions (bench/README.md).
 */
export class HealthSamples {
  readonly #deps: HealthSampleDeps;
  readonly #types: TypeHealthCache;
  #consumer: FeedConsumer | undefined;

  constructor(deps: HealthSampleDeps, types: TypeHealthCache) {
    this.#deps = deps;
    this.#types = types;
  }

  /** Starts following; a first start begins after what the feed holds. */
  start(options: { readonly pollMs?: number } = {}): void {
    if (this.#consumer) return;
    this.#consumer = followChanges(
      this.#deps,
      SAMPLES_CONSUMER,
      { kinds: ['message.created', 'message.decoded'] },
      { effects: 'once', handle: (batch, commit) => this.#handle(batch, commit) },
      { start: 'latest', batchSize: 1000, gatherMs: 20, ...options },
    );
  }

  /** Resolves once every uplink and decode committed before the call has its sample. */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { store, clock, bus } = this.#deps;
    const { tenantId } = batch;
    const created: string[] = [];
    const decoded: DecodedChange[] = [];
    for (const change of batch.changes) {
      if (change.kind === 'message.created') created.push(change.entityId);
      else if (change.data !== undefined) decoded.push(change.data as DecodedChange);
    }
    const byType = await this.#types.get(tenantId);
    const mapped = decoded.filter(
      (item) =>
        item.decoded.errors.length === 0 &&
        Object.keys((byType.get(item.typeId) ?? NO_TYPE_HEALTH).fields).length > 0,
    );
    if (created.length === 0 && mapped.length === 0) return;
    const messages = await readMessages(store, tenantId, [
      ...created,
      ...mapped.map((item) => item.messageId),
    ]);
    const signals = await readSignals(store, tenantId, created);

    const uplinks: HealthSample[] = [];
    const newest = new Map<string, LiveActivity>();
    for (const id of created) {
      const message = messages.get(id);
      if (message === undefined) continue;
      const signal = signals.get(id);
      uplinks.push({
        tenant_id: tenantId,
        device_id: message.deviceId,
        at: message.at,
        id,
        source: 'uplink',
        live: message.live ? 1 : 0,
        received_at: message.receivedAt,
        rssi: signal?.rssi ?? null,
        snr: signal?.snr ?? null,
        stations: signal?.stations ?? null,
        battery: null,
        temperature: null,
        reboots: null,
        shock: null,
      });
      if (!message.live) continue;
      const seen = newest.get(message.deviceId);
      if (seen === undefined || seen.newestAt < message.at)
        newest.set(message.deviceId, {
          deviceId: message.deviceId,
          typeId: message.typeId,
          newestAt: message.at,
        });
    }
    const decodes: HealthSample[] = [];
    for (const item of mapped) {
      const message = messages.get(item.messageId);
      if (message === undefined) continue;
      const fields = (byType.get(item.typeId) ?? NO_TYPE_HEALTH).fields;
      const values = Object.fromEntries(
        DECODED_METRICS.map((metric) => {
          const path = fields[metric];
          return [metric, path === undefined ? null : metricAt(item.decoded.data, path)];
        }),
      ) as Record<(typeof DECODED_METRICS)[number], number | null>;
      if (DECODED_METRICS.every((metric) => values[metric] === null)) continue;
      decodes.push({
        tenant_id: tenantId,
        device_id: message.deviceId,
        at: message.at,
        id: item.messageId,
        source: 'uplink',
        live: message.live ? 1 : 0,
        received_at: message.receivedAt,
        rssi: null,
        snr: null,
        stations: null,
        ...values,
      });
    }

    let position = 0;
    let made: Transition[] = [];
    await commit(async (tx) => {
      const entries: ChangeEntry[] = [];
      await upsertUplinkSamples(tx, uplinks);
      await upsertDecodedSamples(tx, decodes);
      made = await quarantineCrazy(
        this.#deps,
        tx,
        (entry) => {
          entries.push(entry);
        },
        tenantId,
        [...newest.values()],
        byType,
      );
      position = entries.length > 0 ? await appendChanges(tx, tenantId, entries, clock.now()) : 0;
    });
    if (position > 0) bus.publish('changes.committed', { tenantId, position });
    announceTransitions(bus, tenantId, made);
  }
}
