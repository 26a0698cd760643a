import { Counter, type Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import {
  type ChangeExpander,
  type FeedBatch,
  type FeedChange,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import { findDevicesSkippingProcessing } from '../lifecycle/index.js';
import type { ServerPublishing } from '../mqtt-access/index.js';
import { EXPORTED_KINDS, exportEnvelope, exportTopic } from './export-topics.js';
import { readExportSetting } from './mqtt-export-store.js';

/** The durable feed consumer that publishes the export. */
export const EXPORT_CONSUMER = 'mqtt.export';

export interface MqttExportDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
  /** Fills in captured messages (stored in the feed without data): the messages module's expander. */
  readonly expandChanges?: ChangeExpander;
  /** The broker's server-side publishing. */
  readonly broker: ServerPublishing;
}

export interface MqttExportOptions {
  /** How long the consumer gathers commits after a wake-up (default 20 ms). */
  readonly gatherMs?: number;
  /** How often it looks at every tenant for commits of other processes (default 1 s). */
  readonly pollMs?: number;
}

/** Kinds whose `deviceId` is an uplink's: quarantined and retired devices' are left out. */
const UPLINK_KINDS = new Set<string>(['message.created', 'message.decoded']);

/**
 * Publishes a tenant's uplinks, decodes, twin changes, command statuses and alerts on the
 * broker's `$fleetport/…` topics (export-topics.ts), at QoS 1, for tenants that turned the
 * export on. A durable feed consumer: each batch is published in commit order and the
 * cursor moves only after the broker has routed it and stored it for offline persistent
 * sessions, so after a crash or a restart the export goes on where it committed and
 * nothing is skipped; a batch cut short is published again (at least once: subscribers
 * deduplicate on the envelope's `id`).
 */
export class MqttExport {
  readonly #deps: MqttExportDeps;
  readonly #options: MqttExportOptions;
  readonly #published: Counter<'kind'> | undefined;
  #consumer: FeedConsumer | undefined;

  constructor(deps: MqttExportDeps, options: MqttExportOptions = {}) {
    this.#deps = deps;
    this.#options = options;
    this.#published = deps.metrics
      ? new Counter({
          name: 'fleetport_mqtt_export_published_total',
          help: 'Changes published on the MQTT export topics, by change kind',
          labelNames: ['kind'] as const,
          registers: [deps.metrics],
        })
      : undefined;
  }

  /** Starts following the feed (idempotent). */
  start(): void {
    const { store, clock, bus, logger, durable, metrics } = this.#deps;
    this.#consumer ??= followChanges(
      { store, clock, bus, logger, ...(durable ? { durable } : {}), ...(metrics ? { metrics } : {}) },
      EXPORT_CONSUMER,
      {
        kinds: [...EXPORTED_KINDS],
        tenants: async (tenantId) => (await readExportSetting(store, tenantId))?.enabled === true,
      },
      { effects: 'at_least_once', handle: (batch) => this.#publish(batch) },
      {
        start: 'latest',
        gatherMs: this.#options.gatherMs ?? 20,
        ...(this.#options.pollMs === undefined ? {} : { pollMs: this.#options.pollMs }),
      },
    );
  }

  /** Resolves once every change committed before the call is published (tests). */
  async caughtUp(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  /** Stops after the batch in progress; call it before the broker closes. */
  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #publish(batch: FeedBatch): Promise<void> {
    const { store, broker } = this.#deps;
    const setting = await readExportSetting(store, batch.tenantId);
    // Turned off since the tenant was looked at: nothing of this batch goes out.
    if (setting === undefined || !setting.enabled) return;
    const fresh = batch.changes.filter((change) => change.position > setting.startAfter);
    const changes = await this.#withoutSkippedDevices(
      batch.tenantId,
      await this.#expand(batch.tenantId, fresh),
    );
    const sent: Promise<void>[] = [];
    for (const change of changes) {
      const topic = exportTopic(change);
      if (topic === undefined) continue;
      // Called in commit order without waiting: the broker routes each call in the order made.
      sent.push(
        broker.publish(batch.tenantId, {
          topic,
          payload: exportEnvelope(batch.tenantId, change),
          qos: 1,
          properties: { contentType: 'application/json', payloadFormatIndicator: true },
        }),
      );
      this.#published?.inc({ kind: change.kind });
    }
    await Promise.all(sent);
  }

  /** Captured messages are in the feed without data: read them, as the API presents them. */
  async #expand(tenantId: string, changes: readonly FeedChange[]): Promise<FeedChange[]> {
    const expand = this.#deps.expandChanges;
    const missing = changes.filter((change) => change.data === undefined).map((change) => change.entityId);
    if (missing.length === 0 || expand === undefined) return [...changes];
    const found = await expand(this.#deps.store, tenantId, 'message.created', missing);
    return changes.map((change) =>
      change.data === undefined && found.has(change.entityId)
        ? { ...change, data: found.get(change.entityId) }
        : change,
    );
  }

  /** Quarantined and retired devices' uplinks are stored, not forwarded (as webhooks do, docs/LIFECYCLE.md). */
  async #withoutSkippedDevices(tenantId: string, changes: FeedChange[]): Promise<FeedChange[]> {
    const deviceOf = (change: FeedChange): string | undefined => {
      if (!UPLINK_KINDS.has(change.kind)) return undefined;
      const id = (change.data as { deviceId?: unknown } | undefined)?.deviceId;
      return typeof id === 'string' ? id : undefined;
    };
    const devices = changes.map(deviceOf).filter((id): id is string => id !== undefined);
    if (devices.length === 0) return changes;
    const skipped = await findDevicesSkippingProcessing(this.#deps.store, tenantId, devices);
    if (skipped.size === 0) return changes;
    return changes.filter((change) => {
      const device = deviceOf(change);
      return device === undefined || !skipped.has(device);
    });
  }
}
