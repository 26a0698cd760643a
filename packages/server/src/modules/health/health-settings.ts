import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../store/store.js';
import { DECODED_METRICS, type DecodedMetric } from './health-series.js';
import { readTenantTypeHealth, type TypeHealthRow } from './health-store.js';

/** A device type's health settings, as the consumers use them. */
export interface TypeHealth {
  /** Decoded field (a dotted path) per metric. */
  readonly fields: Readonly<Partial<Record<DecodedMetric, string>>>;
  /** The battery level that counts as empty, for the projected date (default 0). */
  readonly batteryEmpty: number | null;
  /** The crazy-device threshold; null: never quarantined for its rate. */
  readonly crazy: {
    readonly uplinks: number;
    readonly windowMs: number;
    readonly quietMs: number;
  } | null;
}

/** The settings a type without a row has: nothing mapped, no threshold. */
export const NO_TYPE_HEALTH: TypeHealth = { fields: {}, batteryEmpty: null, crazy: null };

export function typeHealthOf(row: TypeHealthRow): TypeHealth {
  const parsed = JSON.parse(row.fields) as Record<string, unknown>;
  const fields: Partial<Record<DecodedMetric, string>> = {};
  for (const metric of DECODED_METRICS) {
    const path = parsed[metric];
    if (typeof path === 'string') fields[metric] = path;
  }
  return {
    fields,
    batteryEmpty: row.battery_empty === null ? null : Number(row.battery_empty),
    crazy:
      row.crazy_uplinks === null || row.crazy_window_s === null
        ? null
        : {
            uplinks: Number(row.crazy_uplinks),
            windowMs: Number(row.crazy_window_s) * 1000,
            quietMs: Number(row.quiet_s ?? 3600) * 1000,
          },
  };
}

/** How long a tenant's settings are reused before they are read again (another process may change them). */
const TTL_MS = 2_000;

/**
 * Per-tenant type settings for the sample consumer, read once per tenant and kept for a
 * couple of seconds; a change made in this process drops them at once.
 */
export class TypeHealthCache {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #byTenant = new Map<string, { at: number; byType: Map<string, TypeHealth> }>();

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async get(tenantId: string): Promise<Map<string, TypeHealth>> {
    const now = this.#clock.now();
    const hit = this.#byTenant.get(tenantId);
    if (hit !== undefined && now - hit.at < TTL_MS && now >= hit.at) return hit.byType;
    if (this.#byTenant.size > 10_000) this.#byTenant.clear();
    const rows = await readTenantTypeHealth(this.#store, tenantId);
    const byType = new Map(rows.map((row) => [row.type_id, typeHealthOf(row)]));
    this.#byTenant.set(tenantId, { at: now, byType });
    return byType;
  }

  invalidate(tenantId: string): void {
    this.#byTenant.delete(tenantId);
  }
}

/** The value at a dotted path of decoded data, when it is a finite number (or a boolean, as 0/1). */
export function metricAt(data: unknown, path: string): number | null {
  let current = data;
  for (const step of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return null;
    if (!Object.hasOwn(current, step)) return null;
    current = (current as Record<string, unknown>)[step];
  }
  if (typeof current === 'boolean') return current ? 1 : 0;
  if (typeof current === 'number' && Number.isFinite(current)) return current;
  if (typeof current === 'string' && current.trim() !== '' && Number.isFinite(Number(current)))
    return Number(current);
  return null;
}
