import type { Insertable } from 'kysely';
import type { DeviceSilenceTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

/** A device as its silence is decided: its watch row (if any), its type's interval, its state. */
export interface SilenceTarget {
  readonly deviceId: string;
  readonly lifecycle: string;
  readonly typeIntervalS: number | null;
  /** Whether the device has a `device_silence` row. */
  readonly watched: boolean;
  readonly intervalS: number | null;
  readonly lastSeenAt: number | null;
  readonly dueAt: number | null;
  readonly silentSince: number | null;
  /** Capture's last receive time (`device_state`), ahead of `lastSeenAt` while the consumer lags. */
  readonly capturedAt: number | null;
}

const num = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

/** The newest receive time per device of the given messages. */
export function receivedByDevice(
  store: Store,
  tenantId: string,
  messageIds: readonly string[],
): Promise<Map<string, number>> {
  return guarded(store, async () => {
    const found = new Map<string, number>();
    for (let start = 0; start < messageIds.length; start += 1000) {
      // By primary key alone, the tenant checked here: with `tenant_id = ?` in the query
      // SQLite scans the tenant's whole history index instead (bench/README.md, "Regression found").
      const rows = await store.db
        .selectFrom('messages')
        .select(['tenant_id', 'device_id', 'received_at'])
        .where('id', 'in', messageIds.slice(start, start + 1000))
        .execute();
      for (const row of rows) {
        if (row.tenant_id !== tenantId) continue;
        const last = Number(row.received_at);
        found.set(row.device_id, Math.max(found.get(row.device_id) ?? 0, last));
      }
    }
    return found;
  });
}

/** The live (not deleted) devices among `deviceIds` with what their silence depends on. */
export function loadSilenceTargets(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<SilenceTarget[]> {
  return guarded(store, async () => {
    const targets: SilenceTarget[] = [];
    for (let start = 0; start < deviceIds.length; start += 1000) {
      const rows = await store.db
        .selectFrom('devices as d')
        .innerJoin('device_types as t', (join) =>
          join.onRef('t.tenant_id', '=', 'd.tenant_id').onRef('t.id', '=', 'd.type_id'),
        )
        .leftJoin('device_silence as s', (join) =>
          join.onRef('s.tenant_id', '=', 'd.tenant_id').onRef('s.device_id', '=', 'd.id'),
        )
        .leftJoin('device_state as st', (join) =>
          join.onRef('st.tenant_id', '=', 'd.tenant_id').onRef('st.device_id', '=', 'd.id'),
        )
        .select([
          'd.id',
          'd.lifecycle',
          't.expected_uplink_interval_s',
          's.device_id as watched',
          's.interval_s',
          's.last_seen_at',
          's.due_at',
          's.silent_since',
          'st.last_seen_at as captured_at',
        ])
        .where('d.tenant_id', '=', tenantId)
        .where('d.id', 'in', deviceIds.slice(start, start + 1000))
        .where('d.deleted_at', 'is', null)
        .execute();
      for (const row of rows) {
        targets.push({
          deviceId: row.id,
          lifecycle: row.lifecycle,
          typeIntervalS: num(row.expected_uplink_interval_s),
          watched: row.watched !== null,
          intervalS: num(row.interval_s),
          lastSeenAt: num(row.last_seen_at),
          dueAt: num(row.due_at),
          silentSince: num(row.silent_since),
          capturedAt: num(row.captured_at),
        });
      }
    }
    return targets;
  });
}

/** Writes watch rows whole (their values decided by the caller under the tenant's silence lock). */
export function upsertSilence(store: Store, rows: readonly Insertable<DeviceSilenceTable>[]): Promise<void> {
  return guarded(store, async () => {
    for (let start = 0; start < rows.length; start += 500) {
      await store.db
        .insertInto('device_silence')
        .values(rows.slice(start, start + 500))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'device_id']).doUpdateSet((eb) => ({
            last_seen_at: eb.ref('excluded.last_seen_at'),
            due_at: eb.ref('excluded.due_at'),
            silent_since: eb.ref('excluded.silent_since'),
            interval_s: eb.ref('excluded.interval_s'),
          })),
        )
        .execute();
    }
  });
}

/** Watch rows due by `aliveNow` (silence-clock time), oldest due first: the scan's index range. */
export function findDue(
  store: Store,
  aliveNow: number,
  limit: number,
): Promise<Array<{ tenantId: string; deviceId: string }>> {
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('device_silence')
      .select(['tenant_id', 'device_id'])
      .where('due_at', '<=', aliveNow)
      .orderBy('due_at')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, deviceId: row.device_id }));
  });
}

/** Stops watching devices that are gone (deleted). */
export function deleteSilence(store: Store, tenantId: string, deviceIds: readonly string[]): Promise<void> {
  return guarded(store, async () => {
    if (deviceIds.length === 0) return;
    await store.db
      .deleteFrom('device_silence')
      .where('tenant_id', '=', tenantId)
      .where('device_id', 'in', [...deviceIds])
      .execute();
  });
}
