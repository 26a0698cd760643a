import type { Insertable, Selectable, Updateable } from 'kysely';
import type { AlertEventTable, AlertTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

export type AlertRow = Selectable<AlertTable>;
export type AlertEventRow = Selectable<AlertEventTable>;

/** Every query takes the tenant and filters on it: another tenant's alerts are not found. */

/** The smallest alert id of a millisecond: ids are UUIDv7 of the first occurrence. */
export function firstAlertIdOf(ms: number): string {
  return `alr_${Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0')}${'0'.repeat(20)}`;
}

export function findAlert(store: Store, tenantId: string, id: string): Promise<AlertRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('alerts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

/** The active (not cleared) alerts among `keys` (type and dedup key), by `type\0dedup_key`. */
export function findActiveAlerts(
  store: Store,
  tenantId: string,
  keys: readonly { readonly type: string; readonly dedupKey: string }[],
): Promise<Map<string, AlertRow>> {
  return guarded(store, async () => {
    const found = new Map<string, AlertRow>();
    for (let start = 0; start < keys.length; start += 500) {
      const chunk = keys.slice(start, start + 500);
      const rows = await store.db
        .selectFrom('alerts')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('state', '<>', 'cleared')
        .where('dedup_key', 'in', [...new Set(chunk.map((key) => key.dedupKey))])
        .where('type', 'in', [...new Set(chunk.map((key) => key.type))])
        .execute();
      for (const row of rows) found.set(`${row.type}\u0000${row.dedup_key}`, row);
    }
    return found;
  });
}

export function insertAlerts(store: Store, rows: readonly Insertable<AlertTable>[]): Promise<void> {
  return guarded(store, async () => {
    for (let start = 0; start < rows.length; start += 200)
      await store.db
        .insertInto('alerts')
        .values(rows.slice(start, start + 200))
        .execute();
  });
}

export function insertAlertEvents(store: Store, rows: readonly Insertable<AlertEventTable>[]): Promise<void> {
  return guarded(store, async () => {
    for (let start = 0; start < rows.length; start += 500)
      await store.db
        .insertInto('alert_events')
        .values(rows.slice(start, start + 500))
        .execute();
  });
}

/** Writes an alert's changed fields; compare-and-set on its version. */
export function updateAlert(
  store: Store,
  row: AlertRow,
  fields: Omit<Updateable<AlertTable>, 'tenant_id' | 'id'>,
): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('alerts')
      .set(fields)
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

export interface AlertFilter {
  readonly states?: readonly string[];
  readonly severity?: string;
  readonly type?: string;
  readonly deviceId?: string;
  readonly from?: number;
  readonly to?: number;
  readonly before?: string;
  readonly limit: number;
}

/** A page of alerts, newest first; ids are times, so the time bounds are id bounds too. */
export function listAlerts(store: Store, tenantId: string, filter: AlertFilter): Promise<AlertRow[]> {
  return guarded(store, () => {
    let query = store.db.selectFrom('alerts').selectAll().where('tenant_id', '=', tenantId);
    if (filter.states) query = query.where('state', 'in', [...filter.states]);
    if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId);
    if (filter.from !== undefined) query = query.where('id', '>=', firstAlertIdOf(filter.from));
    if (filter.to !== undefined) query = query.where('id', '<', firstAlertIdOf(filter.to));
    if (filter.before !== undefined) query = query.where('id', '<', filter.before);
    return query.orderBy('id', 'desc').limit(filter.limit).execute();
  });
}

export function listAlertEvents(store: Store, tenantId: string, alertId: string): Promise<AlertEventRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('alert_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('alert_id', '=', alertId)
      .orderBy('seq')
      .execute(),
  );
}
