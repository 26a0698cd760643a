import type { Clock } from '../../kernel/clock.js';
import { notFound } from '../../kernel/errors.js';
import { guarded, type Store } from '../../store/store.js';
import { type CaptureSettings, resolveCaptureSettings } from '../devices/index.js';

/** How long a device type's capture settings are reused before they are read again. */
const TTL_MS = 2_000;

/**
 * The capture settings of device types, read through a short-lived cache: transports
 * check frames against them on every request, and a change takes effect within seconds.
 * (The batch writer reads them inside its transaction, so stored labels are always exact.)
 */
export class TypeSettings {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { settings: CaptureSettings; at: number }>();

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async get(tenantId: string, typeId: string): Promise<CaptureSettings> {
    const key = `${tenantId}\u0000${typeId}`;
    const now = this.#clock.now();
    const hit = this.#cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.settings;
    const row = await guarded(this.#store, () =>
      this.#store.db
        .selectFrom('device_types')
        .select('capture')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', typeId)
        .executeTakeFirst(),
    );
    if (!row) throw notFound('device type', typeId);
    const settings = resolveCaptureSettings(row.capture);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(key, { settings, at: now });
    return settings;
  }
}
