import { sql } from 'kysely';
import { guarded, type Store } from '../../store/store.js';

export interface TypeCountsRow {
  readonly typeId: string;
  readonly name: string;
  readonly expectedIntervalSeconds: number | null;
  readonly devices: number;
  readonly seen: number;
  readonly never: number;
  readonly retired: number;
}

/**
 * Per device type: its devices, those seen since their silence limit, those never seen
 * (retired devices left out of all three), and its retired devices. One grouped pass over
 * the tenant's devices and their capture state.
 */
export function countDevicesByType(
  store: Store,
  tenantId: string,
  now: number,
  silentAfterMs: number,
): Promise<TypeCountsRow[]> {
  return guarded(store, async () => {
    // Casts: PostgreSQL types parameters as text, and seconds × 2000 overflows an integer.
    const retired = sql`d.lifecycle = 'retired'`;
    const active = sql`d.id is not null and d.lifecycle <> 'retired'`;
    const rows = await store.db
      .selectFrom('device_types as t')
      .leftJoin('devices as d', (join) =>
        join
          .onRef('d.tenant_id', '=', 't.tenant_id')
          .onRef('d.type_id', '=', 't.id')
          .on('d.deleted_at', 'is', null),
      )
      .leftJoin('device_state as s', (join) =>
        join.onRef('s.tenant_id', '=', 'd.tenant_id').onRef('s.device_id', '=', 'd.id'),
      )
      .where('t.tenant_id', '=', tenantId)
      .groupBy(['t.id', 't.name', 't.expected_uplink_interval_s'])
      .orderBy('t.id')
      .select([
        't.id as typeId',
        't.name as name',
        't.expected_uplink_interval_s as expectedIntervalSeconds',
        sql<number | string>`coalesce(sum(case when ${active} then 1 else 0 end), 0)`.as('devices'),
        sql<
          number | string
        >`coalesce(sum(case when ${active} and s.device_id is null then 1 else 0 end), 0)`.as('never'),
        sql<
          number | string
        >`coalesce(sum(case when ${active} and s.last_seen_at >= cast(${now} as bigint) - coalesce(cast(t.expected_uplink_interval_s as bigint) * 2000, cast(${silentAfterMs} as bigint)) then 1 else 0 end), 0)`.as(
          'seen',
        ),
        sql<number | string>`coalesce(sum(case when ${retired} then 1 else 0 end), 0)`.as('retired'),
      ])
      .execute();
    // PostgreSQL answers counts as bigint strings.
    return rows.map((row) => ({
      typeId: row.typeId,
      name: row.name,
      expectedIntervalSeconds:
        row.expectedIntervalSeconds === null ? null : Number(row.expectedIntervalSeconds),
      devices: Number(row.devices),
      seen: Number(row.seen),
      never: Number(row.never),
      retired: Number(row.retired),
    }));
  });
}

/** The smallest UUIDv7 of a millisecond: message ids begin with their receive time. */
function firstIdOf(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * Messages received per minute since `from` (a minute boundary), minutes with none left
 * out. Message ids are UUIDv7 of the receive time, so the primary key bounds the scan to
 * the window's rows instead of the tenant's whole history (no index on receive time).
 */
export function countMessagesPerMinute(
  store: Store,
  tenantId: string,
  from: number,
): Promise<Array<{ minute: number; count: number }>> {
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('messages')
      .where('id', '>=', firstIdOf(from))
      .where('received_at', '>=', from)
      .where('tenant_id', '=', tenantId)
      .select([
        sql<number | string>`received_at / 60000`.as('minute'),
        sql<number | string>`count(*)`.as('count'),
      ])
      .groupBy(sql`received_at / 60000`)
      .execute();
    return rows.map((row) => ({ minute: Number(row.minute) * 60_000, count: Number(row.count) }));
  });
}
