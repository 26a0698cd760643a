import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../store/store.js';
import type { FleetOverview, FleetQuery } from './fleet-schemas.js';
import { countDevicesByType, countMessagesPerMinute } from './fleet-store.js';

const iso = (ms: number) => new Date(ms).toISOString();

export interface FleetDeps {
  readonly store: Store;
  readonly clock: Clock;
}

/** The tenant's fleet at a glance: devices by type, seen and silent, and messages per minute. */
export async function readFleetOverview(
  deps: FleetDeps,
  tenantId: string,
  query: FleetQuery,
): Promise<FleetOverview> {
  const now = deps.clock.now();
  const silentAfterMs = query.silentAfter * 1000;
  const from = (Math.floor(now / 60_000) - query.minutes + 1) * 60_000;
  const [types, minutes] = await Promise.all([
    countDevicesByType(deps.store, tenantId, now, silentAfterMs),
    countMessagesPerMinute(deps.store, tenantId, from),
  ]);
  const byType = types.map((type) => ({
    typeId: type.typeId,
    name: type.name,
    silentAfterSeconds:
      type.expectedIntervalSeconds === null ? query.silentAfter : type.expectedIntervalSeconds * 2,
    devices: type.devices,
    seen: type.seen,
    silent: type.devices - type.seen - type.never,
    never: type.never,
    retired: type.retired,
  }));
  const sum = (field: 'devices' | 'seen' | 'silent' | 'never' | 'retired') =>
    byType.reduce((total, type) => total + type[field], 0);
  const counted = new Map(minutes.map((entry) => [entry.minute, entry.count]));
  return {
    at: iso(now),
    totals: {
      devices: sum('devices'),
      seen: sum('seen'),
      silent: sum('silent'),
      never: sum('never'),
      retired: sum('retired'),
    },
    byType,
    messagesPerMinute: Array.from({ length: query.minutes }, (_, index) => {
      const minute = from + index * 60_000;
      return { minute: iso(minute), count: counted.get(minute) ?? 0 };
    }),
  };
}
