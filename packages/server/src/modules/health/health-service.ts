import type { EventBus } from '../../bus/event-bus.js';
import { AppError, type Clock, type Logger, notFound, uuidv7 } from '../../kernel/index.js';
import { guarded, type Store, transact } from '../../store/store.js';
import type { DeviceHealth, HealthQuery, TypeHealthBody, TypeHealthView } from './health-schemas.js';
import { type Bucket, batteryTrend, bucketize, HEALTH_METRICS, planBuckets } from './health-series.js';
import { NO_TYPE_HEALTH, type TypeHealth, type TypeHealthCache, typeHealthOf } from './health-settings.js';
import {
  deleteOldSamples,
  findHealthDevice,
  insertSample,
  readLastSeen,
  readSamples,
  readTypeHealth,
  upsertTypeHealth,
} from './health-store.js';

export interface HealthDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
}

const DAY_MS = 86_400_000;
/** The scheduler job that deletes samples past the retention, and how often it runs. */
export const HEALTH_RETENTION_JOB = 'health.retention';
export const HEALTH_RETENTION_EVERY_MS = DAY_MS;
const iso = (ms: number) => new Date(ms).toISOString();

function instant(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError('invalid_range', `${field} is not a date-time`, { field });
  return ms;
}

/** What a Sigfox SERVICE callback tells of a device's health (STATUS: `batt`, `temp`). */
export interface ServiceHealth {
  readonly tenantId: string;
  readonly typeId: string;
  readonly deviceId: string;
  /** The callback's time, else its receive time. */
  readonly at: number;
  readonly receivedAt: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

const numeric = (value: unknown): number | null => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return null;
};

/** Device health: series per bucket, the battery's trend, type settings, SERVICE callbacks, retention. */
export class HealthService {
  readonly #deps: HealthDeps;
  readonly #types: TypeHealthCache;

  constructor(deps: HealthDeps, types: TypeHealthCache) {
    this.#deps = deps;
    this.#types = types;
  }

  /** A device's health over [from, to) in buckets: min, max, avg, last per metric; the battery's drain and projected empty date. */
  async deviceHealth(tenantId: string, deviceId: string, query: HealthQuery): Promise<DeviceHealth> {
    const { store, clock } = this.#deps;
    const to = instant(query.to, 'to') ?? clock.now();
    const from = instant(query.from, 'from') ?? to - DAY_MS;
    const plan = planBuckets(from, to, query.bucket);
    const device = await findHealthDevice(store, tenantId, deviceId);
    if (!device) throw notFound('device', deviceId);
    const [rows, lastSeen, settings] = await Promise.all([
      readSamples(store, tenantId, deviceId, from, to),
      readLastSeen(store, tenantId, deviceId),
      readTypeHealth(store, tenantId, device.type_id),
    ]);
    const empty = (settings ? typeHealthOf(settings) : NO_TYPE_HEALTH).batteryEmpty ?? 0;
    const buckets = bucketize(rows, plan);
    const battery = batteryTrend(
      rows.flatMap((row) => (row.battery === null ? [] : [{ at: row.at, value: row.battery }])),
      empty,
    );
    const total = buckets.reduce((sum, bucket) => sum + bucket.messages, 0);
    return {
      deviceId,
      lifecycle: device.lifecycle as DeviceHealth['lifecycle'],
      from: iso(from),
      to: iso(to),
      bucket: plan.bucket,
      bucketSeconds: plan.bucketMs / 1000,
      lastSeenAt: lastSeen === undefined ? null : iso(lastSeen),
      messages: { total, perHour: (total * 3_600_000) / (to - from) },
      battery: {
        drainPerDay: battery.drainPerDay,
        projectedEmptyAt: battery.projectedEmptyAt === null ? null : iso(battery.projectedEmptyAt),
        empty,
      },
      buckets: buckets.map(presentBucket),
    };
  }

  async typeHealth(tenantId: string, typeId: string): Promise<TypeHealthView> {
    await requireType(this.#deps.store, tenantId, typeId);
    const row = await readTypeHealth(this.#deps.store, tenantId, typeId);
    return presentTypeHealth(typeId, row ? typeHealthOf(row) : NO_TYPE_HEALTH);
  }

  /** Replaces a type's health settings (what the body leaves out is unset). */
  async setTypeHealth(tenantId: string, typeId: string, body: TypeHealthBody): Promise<TypeHealthView> {
    const { store, clock } = this.#deps;
    await transact(store, async (tx) => {
      await requireType(tx, tenantId, typeId);
      await upsertTypeHealth(tx, {
        tenant_id: tenantId,
        type_id: typeId,
        fields: JSON.stringify(body.fields ?? {}),
        battery_empty: body.batteryEmpty ?? null,
        crazy_uplinks: body.crazy?.uplinks ?? null,
        crazy_window_s: body.crazy?.windowSeconds ?? null,
        quiet_s: body.crazy?.quietSeconds ?? null,
        updated_at: clock.now(),
      });
    });
    this.#types.invalidate(tenantId);
    return this.typeHealth(tenantId, typeId);
  }

  /**
   * Keeps a Sigfox SERVICE callback's battery (`batt`) and temperature (`temp`) as a sample
   * of its device, as sent (Sigfox's units); a callback with neither, or for a device the
   * tenant does not have, is passed over. Written before the callback is answered.
   */
  async recordService(notice: ServiceHealth): Promise<boolean> {
    const battery = numeric(notice.fields.batt);
    const temperature = numeric(notice.fields.temp);
    if (battery === null && temperature === null) return false;
    const device = await findHealthDevice(this.#deps.store, notice.tenantId, notice.deviceId);
    if (!device) return false;
    await transact(this.#deps.store, (tx) =>
      insertSample(tx, {
        tenant_id: notice.tenantId,
        device_id: notice.deviceId,
        at: notice.at,
        id: `svc_${uuidv7(notice.receivedAt).replaceAll('-', '')}`,
        source: 'service',
        live: 0,
        received_at: notice.receivedAt,
        rssi: null,
        snr: null,
        stations: null,
        battery,
        temperature,
        reboots: null,
        shock: null,
      }),
    );
    return true;
  }

  /** Deletes samples older than `retentionDays`, a page of devices per transaction; how many went. */
  async deleteExpired(retentionDays: number): Promise<number> {
    const before = this.#deps.clock.now() - retentionDays * DAY_MS;
    let after: { tenantId: string; deviceId: string } | undefined;
    let deleted = 0;
    do {
      const page = await deleteOldSamples(this.#deps.store, before, after);
      deleted += page.deleted;
      after = page.next;
    } while (after !== undefined);
    return deleted;
  }
}

function presentBucket(bucket: Bucket): DeviceHealth['buckets'][number] {
  const metrics = Object.fromEntries(
    HEALTH_METRICS.map((metric) => [metric, bucket.metrics[metric] ?? null]),
  );
  return { at: iso(bucket.at), messages: bucket.messages, ...metrics } as DeviceHealth['buckets'][number];
}

function presentTypeHealth(typeId: string, health: TypeHealth): TypeHealthView {
  return {
    typeId,
    fields: { ...health.fields },
    batteryEmpty: health.batteryEmpty,
    crazy:
      health.crazy === null
        ? null
        : {
            uplinks: health.crazy.uplinks,
            windowSeconds: health.crazy.windowMs / 1000,
            quietSeconds: health.crazy.quietMs / 1000,
          },
  };
}

async function requireType(store: Store, tenantId: string, typeId: string): Promise<void> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('device_types')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', typeId)
      .executeTakeFirst(),
  );
  if (!row) throw notFound('device type', typeId);
}
