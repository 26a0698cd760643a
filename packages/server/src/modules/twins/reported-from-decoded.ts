import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store } from '../../store/store.js';
import {
  type ChangeEntry,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import { findDevicesSkippingProcessing } from '../lifecycle/index.js';
import type { ReportedInput, TwinService } from './twin-service.js';
import { readMessageTimes, readReportedFields } from './twin-store.js';

export interface ReportedFromDecodedDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
}

/** The feed consumer that turns decoded uplinks into reported properties. */
export const REPORTED_CONSUMER = 'twins.reported';

/** How long a tenant's reported-field declarations are reused before they are read again. */
const FIELDS_TTL_MS = 2_000;

/** What a `message.decoded` change carries (codecs' `#write`). */
interface DecodedChange {
  readonly messageId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly decoded: { readonly data: unknown; readonly errors: readonly string[] };
}

/** The value at a dotted path of decoded data; undefined when any step is missing. */
function valueAt(data: unknown, path: string): unknown {
  let current = data;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * Follows `message.decoded` changes (durably, `twins.reported`) and patches the reported
 * properties a device type declares (`PUT /v1/device-types/{id}/twin`) with the decoded
 * values, in the transaction that moves its cursor: each decoded message reports once,
 * across restarts. Each value carries the message's device time (its receive time when it
 * has none), so a late or replayed uplink never overwrites a newer reported value.
 * Tenants without declarations are passed over unread.
 */
export class ReportedFromDecoded {
  readonly #deps: ReportedFromDecodedDeps;
  readonly #twins: TwinService;
  readonly #fields = new Map<string, { at: number; byType: Map<string, Record<string, string>> }>();
  #consumer: FeedConsumer | undefined;

  constructor(deps: ReportedFromDecodedDeps, twins: TwinService) {
    this.#deps = deps;
    this.#twins = twins;
    deps.bus.subscribe('twin.reported_fields_changed', ({ tenantId }) => this.#fields.delete(tenantId));
  }

  /** Starts following; a first start begins after the changes already in the feed. */
  start(): void {
    if (this.#consumer) return;
    this.#consumer = followChanges(
      this.#deps,
      REPORTED_CONSUMER,
      {
        kinds: ['message.decoded'],
        tenants: async (tenantId) => (await this.#fieldsOf(tenantId)).size > 0,
      },
      { effects: 'once', handle: (batch, commit) => this.#report(batch, commit) },
      { start: 'latest', gatherMs: 20 },
    );
  }

  /** Resolves once every decode committed before the call is reported (by this process or the lease holder). */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #report(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { tenantId } = batch;
    const byType = await this.#fieldsOf(tenantId);
    let wanted: { messageId: string; deviceId: string; patch: Record<string, unknown>; at: number }[] = [];
    for (const change of batch.changes) {
      const decoded = change.data as DecodedChange | undefined;
      if (decoded === undefined || decoded.decoded.errors.length > 0) continue;
      const fields = byType.get(decoded.typeId);
      if (fields === undefined) continue;
      const patch: Record<string, unknown> = {};
      for (const [property, path] of Object.entries(fields)) {
        const value = valueAt(decoded.decoded.data, path);
        // Missing or null: the uplink says nothing of it (null would remove the property).
        if (value !== undefined && value !== null) patch[property] = value;
      }
      if (Object.keys(patch).length > 0)
        wanted.push({ messageId: decoded.messageId, deviceId: decoded.deviceId, patch, at: change.at });
    }
    if (wanted.length === 0) return;
    // Quarantined (and retired) devices' uplinks are stored, not processed: docs/LIFECYCLE.md.
    const skipped = await findDevicesSkippingProcessing(
      this.#deps.store,
      tenantId,
      wanted.map((item) => item.deviceId),
    );
    if (skipped.size > 0) wanted = wanted.filter((item) => !skipped.has(item.deviceId));
    if (wanted.length === 0) return;
    const times = await guarded(this.#deps.store, () =>
      readMessageTimes(
        this.#deps.store,
        tenantId,
        wanted.map((item) => item.messageId),
      ),
    );
    const inputs: ReportedInput[] = wanted.map((item) => ({
      deviceId: item.deviceId,
      patch: item.patch,
      at: times.get(item.messageId)?.at ?? item.at,
    }));
    let position = 0;
    let entries: ChangeEntry[] = [];
    await commit(async (tx) => {
      ({ position, entries } = await this.#twins.applyReportedBatch(tx, tenantId, inputs));
    });
    this.#twins.announceReported(tenantId, position, entries);
  }

  async #fieldsOf(tenantId: string): Promise<Map<string, Record<string, string>>> {
    const now = this.#deps.clock.now();
    const hit = this.#fields.get(tenantId);
    if (hit !== undefined && now - hit.at < FIELDS_TTL_MS) return hit.byType;
    if (this.#fields.size > 10_000) this.#fields.clear();
    const byType = await guarded(this.#deps.store, () => readReportedFields(this.#deps.store, tenantId));
    this.#fields.set(tenantId, { at: now, byType });
    return byType;
  }
}
