import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store } from '../../store/store.js';
import { type AlertService, PLATFORM_ALERT_TYPES } from '../alerts/index.js';
import { type RecordChange, writeWithChanges } from '../changes/index.js';
import {
  announceTransitions,
  findLifecycleDevices,
  type LifecycleService,
  type LifecycleState,
  lastTransition,
} from '../lifecycle/index.js';
import type { JobRun, Scheduler } from '../scheduler/index.js';
import type { TypeHealth } from './health-settings.js';
import { NO_TYPE_HEALTH, type TypeHealthCache } from './health-settings.js';
import { countLiveUplinks, readLastSeen } from './health-store.js';

/** The scheduler handler that releases a quiet quarantined device. */
export const QUIET_RELEASE_JOB = 'health.quiet_release';
/** The alert a quarantine raises and a quiet release clears (modules/alerts). */
export const DEVICE_CRAZY_ALERT = PLATFORM_ALERT_TYPES.deviceCrazy;

export interface CrazyDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly lifecycle: LifecycleService;
  /** Where `device_crazy` alerts go, raised and cleared in the same transactions. */
  readonly alerts?: Pick<AlertService, 'raise' | 'clear'>;
}

/** A device that sent live uplinks in a batch: its type and its newest live sample time. */
export interface LiveActivity {
  readonly deviceId: string;
  readonly typeId: string;
  readonly newestAt: number;
}

const releaseKey = (tenantId: string, deviceId: string) => `${QUIET_RELEASE_JOB}:${tenantId}:${deviceId}`;

/**
 * In the consumer's transaction, after the batch's samples are written: counts each active
 * device's live uplinks within its type's window (one grouped query per type, over the
 * sample index) and quarantines those over the threshold through the lifecycle service
 * (rule `crazy_device`, audited, in the change feed), scheduling their quiet-time release.
 * Only devices in a state with an edge to quarantined move (activated, suspended).
 */
export async function quarantineCrazy(
  deps: CrazyDeps,
  tx: Store,
  record: RecordChange,
  tenantId: string,
  activity: readonly LiveActivity[],
  byType: ReadonlyMap<string, TypeHealth>,
) {
  const byThreshold = new Map<string, LiveActivity[]>();
  for (const item of activity) {
    const crazy = (byType.get(item.typeId) ?? NO_TYPE_HEALTH).crazy;
    if (crazy === null) continue;
    byThreshold.set(item.typeId, [...(byThreshold.get(item.typeId) ?? []), item]);
  }
  const made = [];
  for (const [typeId, items] of byThreshold) {
    const crazy = byType.get(typeId)?.crazy;
    if (!crazy) continue;
    const newest = Math.max(...items.map((item) => item.newestAt));
    // The window ends at the newest uplink of the batch for the type: a batch spans moments.
    const counts = await countLiveUplinks(
      tx,
      tenantId,
      items.map((item) => item.deviceId),
      newest - crazy.windowMs + 1,
    );
    const over = items.filter((item) => (counts.get(item.deviceId) ?? 0) > crazy.uplinks);
    if (over.length === 0) continue;
    const devices = await findLifecycleDevices(
      tx,
      tenantId,
      over.map((item) => item.deviceId),
    );
    for (const item of over) {
      const device = devices.get(item.deviceId);
      if (device === undefined) continue;
      // A device released (or moved) within the window starts counting again from then: the
      // uplinks received since, on the server's clock (device times can be whole seconds: Sigfox).
      const since = newest - crazy.windowMs + 1;
      let count = counts.get(item.deviceId) ?? 0;
      if (device.lifecycle_at !== null && device.lifecycle_at > since) {
        count =
          (await countLiveUplinks(tx, tenantId, [item.deviceId], since, device.lifecycle_at)).get(
            item.deviceId,
          ) ?? 0;
        if (count <= crazy.uplinks) continue;
      }
      const [transition] = await deps.lifecycle.applyRule(tx, record, tenantId, [device], {
        rule: 'crazy_device',
        reason: `${count} live uplinks within ${crazy.windowMs / 1000} s, over the threshold of ${crazy.uplinks} of type '${typeId}'`,
        at: deps.clock.now(),
      });
      if (transition === undefined) continue;
      made.push(transition);
      await deps.alerts?.raise(
        tenantId,
        [
          {
            type: DEVICE_CRAZY_ALERT,
            severity: 'major',
            deviceId: item.deviceId,
            message: `quarantined: ${count} live uplinks within ${crazy.windowMs / 1000} s (threshold ${crazy.uplinks})`,
            details: {
              uplinks: count,
              windowSeconds: crazy.windowMs / 1000,
              threshold: crazy.uplinks,
              typeId,
            },
            source: 'health',
          },
        ],
        { tx, record },
      );
      await deps.scheduler.schedule(
        {
          key: releaseKey(tenantId, item.deviceId),
          handler: QUIET_RELEASE_JOB,
          at: deps.clock.now() + crazy.quietMs,
          payload: { tenantId, deviceId: item.deviceId },
        },
        tx,
      );
    }
  }
  return made;
}

/**
 * The quiet-time release, a scheduler job per quarantined device: when the device sent
 * nothing for its type's quiet time it goes back to the state it was quarantined from
 * (rule `quiet_release`); when it spoke meanwhile, the job moves to the last uplink plus
 * the quiet time. A device quarantined by a person, or moved on since, is left alone.
 */
export function registerQuietRelease(deps: CrazyDeps, types: TypeHealthCache): void {
  deps.scheduler.register(QUIET_RELEASE_JOB, async function quietRelease(run: JobRun) {
    const { tenantId, deviceId } = run.payload as { tenantId: string; deviceId: string };
    const { store, clock, scheduler, lifecycle, bus } = deps;
    const last = await guarded(store, () => lastTransition(store, tenantId, deviceId));
    if (last === undefined || last.to !== 'quarantined' || last.actor.id !== 'crazy_device') return;
    const device = (await findLifecycleDevices(store, tenantId, [deviceId])).get(deviceId);
    if (device === undefined || device.lifecycle !== 'quarantined') return;
    const crazy = (await types.get(tenantId)).get(device.type_id)?.crazy;
    const quietMs = crazy?.quietMs ?? 3_600_000;
    const lastSeen = (await readLastSeen(store, tenantId, deviceId)) ?? 0;
    const quietSince = Math.max(lastSeen, Date.parse(last.at));
    const now = clock.now();
    if (now - quietSince < quietMs) {
      await scheduler.schedule({
        key: releaseKey(tenantId, deviceId),
        handler: QUIET_RELEASE_JOB,
        at: quietSince + quietMs,
        payload: { tenantId, deviceId },
      });
      return;
    }
    const back: LifecycleState = last.from === 'suspended' ? 'suspended' : 'activated';
    const made = await writeWithChanges(deps, tenantId, async (tx, record) => {
      const current = (await findLifecycleDevices(tx, tenantId, [deviceId])).get(deviceId);
      if (current === undefined || current.lifecycle !== 'quarantined') return [];
      const reason = `no uplink for ${Math.round((now - quietSince) / 1000)} s (quiet time ${quietMs / 1000} s)`;
      const released = await lifecycle.applyRule(tx, record, tenantId, [current], {
        rule: 'quiet_release',
        reason,
        at: now,
        to: back,
      });
      if (released.length > 0)
        await deps.alerts?.clear(
          tenantId,
          [{ type: DEVICE_CRAZY_ALERT, deviceId, reason, source: 'health' }],
          { tx, record },
        );
      return released;
    });
    announceTransitions(bus, tenantId, made);
  });
}
