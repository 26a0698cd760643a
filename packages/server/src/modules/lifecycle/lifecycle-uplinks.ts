import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import {
  appendChanges,
  type ChangeEntry,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import { type AutomaticRule, DEFAULT_TYPE_STAGE, type LifecycleState } from './lifecycle-graph.js';
import type { Transition } from './lifecycle-schemas.js';
import { announceTransitions, type LifecycleService } from './lifecycle-service.js';
import { findLifecycleDevices, findUplinkCandidates, type LifecycleDeviceRow } from './lifecycle-store.js';

export interface LifecycleUplinkDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
}

/** The feed consumer that makes the uplink transitions; its cursors are stored under this name. */
export const UPLINKS_CONSUMER = 'lifecycle.uplinks';

/** The rule an uplink on a type of `stage` fires for a device in `state`, if any. */
export function uplinkRule(stage: string, state: LifecycleState): AutomaticRule | undefined {
  if (stage === 'test' && state === 'manufactured') return 'first_uplink_on_test_type';
  if (stage === 'production' && (state === 'manufactured' || state === 'tested'))
    return 'first_production_uplink';
  return undefined;
}

/**
 * Follows captured uplinks (`message.created`, durably, `lifecycle.uplinks`) and makes
 * the transitions the uplink's type asks for: a first uplink on a test type → tested, a
 * first uplink on a production type → activated, with the uplink's receive time as the
 * activation date. The transitions commit with the cursor's move, so each uplink counts
 * once across restarts; capture itself knows nothing of this. Only devices still
 * manufactured or tested are read, so a fleet in service costs one indexed query per batch.
 */
export class LifecycleFromUplinks {
  readonly #deps: LifecycleUplinkDeps;
  readonly #lifecycle: LifecycleService;
  #consumer: FeedConsumer | undefined;

  constructor(deps: LifecycleUplinkDeps, lifecycle: LifecycleService) {
    this.#deps = deps;
    this.#lifecycle = lifecycle;
  }

  /** Starts following; a first start begins after what the feed holds (older devices wait for their next uplink). */
  start(options: { readonly pollMs?: number } = {}): void {
    if (this.#consumer) return;
    this.#consumer = followChanges(
      this.#deps,
      UPLINKS_CONSUMER,
      { kinds: ['message.created'] },
      { effects: 'once', handle: (batch, commit) => this.#handle(batch, commit) },
      { start: 'latest', batchSize: 1000, gatherMs: 20, ...options },
    );
  }

  /** Resolves once every uplink captured before the call was looked at. */
  async idle(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #handle(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { store, clock, bus } = this.#deps;
    const candidates = await findUplinkCandidates(
      store,
      batch.tenantId,
      batch.changes.map((change) => change.entityId),
    );
    if (candidates.length === 0) return;
    let position = 0;
    const made: Transition[] = [];
    await commit(async (tx) => {
      made.length = 0;
      const entries: ChangeEntry[] = [];
      const record = (entry: ChangeEntry) => {
        entries.push(entry);
      };
      // Read again in the transaction: a person may have moved a device meanwhile.
      const devices = new Map<string, LifecycleDeviceRow>(
        await findLifecycleDevices(tx, batch.tenantId, [...new Set(candidates.map((c) => c.deviceId))]),
      );
      // In capture order: a device moved from a test to a production type within one batch goes through both.
      for (const candidate of candidates) {
        const device = devices.get(candidate.deviceId);
        if (device === undefined) continue;
        const rule = uplinkRule(candidate.stage ?? DEFAULT_TYPE_STAGE, device.lifecycle as LifecycleState);
        if (rule === undefined) continue;
        const [transition] = await this.#lifecycle.applyRule(tx, record, batch.tenantId, [device], {
          rule,
          reason: `uplink ${candidate.messageId} on ${candidate.stage ?? DEFAULT_TYPE_STAGE} type '${candidate.typeId}'`,
          at: candidate.receivedAt,
        });
        if (transition === undefined) continue;
        made.push(transition);
        devices.set(device.id, {
          ...device,
          lifecycle: transition.to,
          lifecycle_at: candidate.receivedAt,
          activated_at: device.activated_at ?? (transition.to === 'activated' ? candidate.receivedAt : null),
        });
      }
      if (entries.length > 0) position = await appendChanges(tx, batch.tenantId, entries, clock.now());
    });
    if (position > 0) bus.publish('changes.committed', { tenantId: batch.tenantId, position });
    announceTransitions(bus, batch.tenantId, made);
  }
}
