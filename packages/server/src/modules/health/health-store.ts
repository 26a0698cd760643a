import type { Selectable } from 'kysely';
import type { DeviceTypeHealthTable, HealthSampleTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';
import type { SampleRow } from './health-series.js';

export type HealthSample = Selectable<HealthSampleTable>;
export type TypeHealthRow = Selectable<DeviceTypeHealthTable>;

/** Every query takes the tenant and filters on it: another tenant's rows are not found. */

const CHUNK = 500;
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

/**
 * Writes uplink samples (signal, liveness); a sample written before by a decode keeps its
 * decoded metrics. Idempotent: the same message writes the same row.
 */
export async function upsertUplinkSamples(tx: Store, rows: readonly HealthSample[]): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await tx.db
      .insertInto('health_samples')
      .values(rows.slice(start, start + CHUNK))
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'device_id', 'at', 'id']).doUpdateSet((eb) => ({
          source: eb.ref('excluded.source'),
          live: eb.ref('excluded.live'),
          received_at: eb.ref('excluded.received_at'),
          rssi: eb.ref('excluded.rssi'),
          snr: eb.ref('excluded.snr'),
          stations: eb.ref('excluded.stations'),
        })),
      )
      .execute();
  }
}

/**
 * Writes the decoded metrics of samples; the signal written from the uplink stays. A
 * re-decode overwrites its message's metrics instead of adding a sample.
 */
export async function upsertDecodedSamples(tx: Store, rows: readonly HealthSample[]): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    await tx.db
      .insertInto('health_samples')
      .values(rows.slice(start, start + CHUNK))
      .onConflict((oc) =>
        oc.columns(['tenant_id', 'device_id', 'at', 'id']).doUpdateSet((eb) => ({
          battery: eb.ref('excluded.battery'),
          temperature: eb.ref('excluded.temperature'),
          reboots: eb.ref('excluded.reboots'),
          shock: eb.ref('excluded.shock'),
        })),
      )
      .execute();
  }
}

/** One sample (a SERVICE callback's), in its own transaction's `tx`. */
export async function insertSample(tx: Store, row: HealthSample): Promise<void> {
  await tx.db.insertInto('health_samples').values(row).execute();
}

/** A device's samples in [from, to), in time order. */
export async function readSamples(
  store: Store,
  tenantId: string,
  deviceId: string,
  from: number,
  to: number,
): Promise<SampleRow[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('health_samples')
      .select(['at', 'source', 'rssi', 'snr', 'stations', 'battery', 'temperature', 'reboots', 'shock'])
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('id')
      .execute(),
  );
  return rows.map((row) => ({
    at: Number(row.at),
    source: row.source,
    rssi: num(row.rssi),
    snr: num(row.snr),
    stations: num(row.stations),
    battery: num(row.battery),
    temperature: num(row.temperature),
    reboots: num(row.reboots),
    shock: num(row.shock),
  }));
}

/** Live uplink samples per device of `ids` at or after `since` (one indexed range per device). */
export async function countLiveUplinks(
  store: Store,
  tenantId: string,
  ids: readonly string[],
  since: number,
  receivedSince?: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let start = 0; start < ids.length; start += CHUNK) {
    let query = store.db
      .selectFrom('health_samples')
      .select(['device_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('device_id', 'in', ids.slice(start, start + CHUNK))
      .where('at', '>=', since)
      .where('live', '=', 1);
    if (receivedSince !== undefined) query = query.where('received_at', '>=', receivedSince);
    const rows = await guarded(store, () => query.groupBy('device_id').execute());
    for (const row of rows) counts.set(row.device_id, Number(row.n));
  }
  return counts;
}

/** When the device was last heard (capture's per-device state); undefined when never. */
export async function readLastSeen(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<number | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('device_state')
      .select('last_seen_at')
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : Number(row.last_seen_at);
}

/** A live device (not deleted) of the tenant: its type and lifecycle state. */
export function findHealthDevice(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<{ id: string; type_id: string; lifecycle: string } | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('devices')
      .select(['id', 'type_id', 'lifecycle'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  );
}

export function readTypeHealth(
  store: Store,
  tenantId: string,
  typeId: string,
): Promise<TypeHealthRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_type_health')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .executeTakeFirst(),
  );
}

/** Every type of the tenant with health settings. */
export function readTenantTypeHealth(store: Store, tenantId: string): Promise<TypeHealthRow[]> {
  return guarded(store, () =>
    store.db.selectFrom('device_type_health').selectAll().where('tenant_id', '=', tenantId).execute(),
  );
}

export async function upsertTypeHealth(tx: Store, row: TypeHealthRow): Promise<void> {
  const { tenant_id: _tenant, type_id: _type, ...rest } = row;
  await tx.db
    .insertInto('device_type_health')
    .values(row)
    .onConflict((oc) => oc.columns(['tenant_id', 'type_id']).doUpdateSet(rest))
    .execute();
}

/**
 * Deletes the samples older than `before` of the devices after `after` (tenant, id), a
 * page of devices at a time, each an index range; returns the page's last device, or
 * undefined at the end. Deleted devices' rows stay in `devices`, so their samples go too.
 */
export async function deleteOldSamples(
  store: Store,
  before: number,
  after: { tenantId: string; deviceId: string } | undefined,
  pageSize = 500,
): Promise<{ next: { tenantId: string; deviceId: string } | undefined; deleted: number }> {
  return guarded(store, async () => {
    const devices = await store.db
      .selectFrom('devices')
      .select(['tenant_id', 'id'])
      .$if(after !== undefined, (q) =>
        q.where((eb) =>
          eb.or([
            eb('tenant_id', '>', after?.tenantId ?? ''),
            eb.and([eb('tenant_id', '=', after?.tenantId ?? ''), eb('id', '>', after?.deviceId ?? '')]),
          ]),
        ),
      )
      .orderBy('tenant_id')
      .orderBy('id')
      .limit(pageSize)
      .execute();
    let deleted = 0;
    const byTenant = new Map<string, string[]>();
    for (const device of devices)
      byTenant.set(device.tenant_id, [...(byTenant.get(device.tenant_id) ?? []), device.id]);
    for (const [tenantId, ids] of byTenant) {
      const result = await store.db
        .deleteFrom('health_samples')
        .where('tenant_id', '=', tenantId)
        .where('device_id', 'in', ids)
        .where('at', '<', before)
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    const last = devices.at(-1);
    return {
      next: devices.length === pageSize && last ? { tenantId: last.tenant_id, deviceId: last.id } : undefined,
      deleted,
    };
  });
}

/** Receptions of messages `ids`: the best RSSI and SNR and how many base stations, per message. */
export async function readSignals(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { rssi: number | null; snr: number | null; stations: number }>> {
  const found = new Map<string, { rssi: number | null; snr: number | null; stations: number }>();
  for (let start = 0; start < ids.length; start += CHUNK) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('receptions')
        .select([
          'message_id',
          (eb) => eb.fn.max('rssi').as('rssi'),
          (eb) => eb.fn.max('snr').as('snr'),
          (eb) => eb.fn.countAll<number | string>().as('stations'),
        ])
        .where('tenant_id', '=', tenantId)
        .where('message_id', 'in', ids.slice(start, start + CHUNK))
        .groupBy('message_id')
        .execute(),
    );
    for (const row of rows)
      found.set(row.message_id, {
        rssi: num(row.rssi as number | null),
        snr: num(row.snr as number | null),
        stations: Number(row.stations),
      });
  }
  return found;
}

/** What a sample needs of messages `ids`. */
export async function readMessages(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { deviceId: string; typeId: string; at: number; receivedAt: number; live: boolean }>> {
  const found = new Map<
    string,
    { deviceId: string; typeId: string; at: number; receivedAt: number; live: boolean }
  >();
  for (let start = 0; start < ids.length; start += CHUNK) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('messages')
        .select(['id', 'tenant_id', 'device_id', 'type_id', 'received_at', 'device_time', 'timeliness'])
        // By primary key alone, the tenant checked below: with `tenant_id = ?` in the query
        // SQLite scans the tenant's whole history index instead (bench/README.md).
        .where('id', 'in', ids.slice(start, start + CHUNK))
        .execute(),
    );
    for (const row of rows)
      if (row.tenant_id === tenantId)
        found.set(row.id, {
          deviceId: row.device_id,
          typeId: row.type_id,
          at: Number(row.device_time ?? row.received_at),
          receivedAt: Number(row.received_at),
          live: row.timeliness === 'live',
        });
  }
  return found;
}
