import { type Selectable, sql } from 'kysely';
import type { TwinParameterTable, TwinTable } from '../../store/schema.js';
import type { Store } from '../../store/store.js';

export type TwinRow = Selectable<TwinTable>;
export type ParameterRow = Selectable<TwinParameterTable>;

/** Parameter statuses; `open` ones are in the `twin_parameters_open` index. */
export const parameterStatuses = ['pending', 'sent', 'applied', 'failed', 'superseded'] as const;
export type ParameterStatus = (typeof parameterStatuses)[number];
export const OPEN_STATUSES: readonly ParameterStatus[] = ['pending', 'sent', 'failed'];
/**
 * The partial index's predicate, as literal SQL: SQLite uses a partial index only when
 * the query's WHERE has the index's term itself, which a bound parameter never is.
 */
const OPEN_PREDICATE = sql<boolean>`status in ('pending', 'sent', 'failed')`;

/** The device's type when it exists in the tenant and is not deleted. */
export async function findLiveDevice(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<{ typeId: string; lifecycle: string } | undefined> {
  const row = await store.db
    .selectFrom('devices')
    .select(['type_id', 'lifecycle'])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : { typeId: row.type_id, lifecycle: row.lifecycle };
}

/** Whether the device type exists in the tenant. */
export async function typeExists(store: Store, tenantId: string, typeId: string): Promise<boolean> {
  const row = await store.db
    .selectFrom('device_types')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', typeId)
    .executeTakeFirst();
  return row !== undefined;
}

/** The device's twin row; with `lock` (in a transaction), held until commit on PostgreSQL. */
export function readTwin(
  store: Store,
  tenantId: string,
  deviceId: string,
  lock = false,
): Promise<TwinRow | undefined> {
  return (
    store.db
      .selectFrom('twins')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      // SQLite has one writer: a transaction that writes already excludes the others.
      .$if(lock && store.dialect === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst()
  );
}

/** Creates the empty twin of a device unless it has one (two first writes may race). */
export async function ensureTwin(
  store: Store,
  tenantId: string,
  deviceId: string,
  now: number,
): Promise<void> {
  await store.db
    .insertInto('twins')
    .values({
      tenant_id: tenantId,
      device_id: deviceId,
      desired: '{}',
      desired_meta: '{}',
      desired_version: 0,
      reported: '{}',
      reported_meta: '{}',
      reported_version: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'device_id']).doNothing())
    .execute();
}

export async function writeDesired(
  store: Store,
  row: Pick<
    TwinRow,
    'tenant_id' | 'device_id' | 'desired' | 'desired_meta' | 'desired_version' | 'updated_at'
  >,
): Promise<void> {
  await store.db
    .updateTable('twins')
    .set({
      desired: row.desired,
      desired_meta: row.desired_meta,
      desired_version: row.desired_version,
      updated_at: row.updated_at,
    })
    .where('tenant_id', '=', row.tenant_id)
    .where('device_id', '=', row.device_id)
    .execute();
}

export async function writeReported(
  store: Store,
  row: Pick<
    TwinRow,
    'tenant_id' | 'device_id' | 'reported' | 'reported_meta' | 'reported_version' | 'updated_at'
  >,
): Promise<void> {
  await store.db
    .updateTable('twins')
    .set({
      reported: row.reported,
      reported_meta: row.reported_meta,
      reported_version: row.reported_version,
      updated_at: row.updated_at,
    })
    .where('tenant_id', '=', row.tenant_id)
    .where('device_id', '=', row.device_id)
    .execute();
}

/** Every parameter row of a device (at most two per property), newest value first per name. */
export function readParameters(store: Store, tenantId: string, deviceId: string): Promise<ParameterRow[]> {
  return store.db
    .selectFrom('twin_parameters')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .orderBy('name')
    .orderBy('version', 'desc')
    .execute();
}

/** The current row of each property: its newest value. */
export function currentParameters(rows: readonly ParameterRow[]): Map<string, ParameterRow> {
  const current = new Map<string, ParameterRow>();
  for (const row of rows) {
    const known = current.get(row.name);
    if (known === undefined || Number(known.version) < Number(row.version)) current.set(row.name, row);
  }
  return current;
}

export async function insertParameter(store: Store, row: ParameterRow): Promise<void> {
  await store.db.insertInto('twin_parameters').values(row).execute();
}

/** Changes one parameter row (identified by device, name and version). */
export async function updateParameter(
  store: Store,
  row: Pick<ParameterRow, 'tenant_id' | 'device_id' | 'name' | 'version'>,
  set: Partial<
    Pick<
      ParameterRow,
      | 'status'
      | 'attempts'
      | 'sent_at'
      | 'applied_at'
      | 'failed_at'
      | 'superseded_at'
      | 'error'
      | 'updated_at'
      | 'pending_at'
      | 'command_id'
      | 'error_code'
    >
  >,
): Promise<void> {
  await store.db
    .updateTable('twin_parameters')
    .set(set)
    .where('tenant_id', '=', row.tenant_id)
    .where('device_id', '=', row.device_id)
    .where('name', '=', row.name)
    .where('version', '=', row.version)
    .execute();
}

/** Deletes a property's rows older than `keepFrom` (its previous value's version). */
export async function pruneParameter(
  store: Store,
  tenantId: string,
  deviceId: string,
  name: string,
  keepFrom: number,
): Promise<void> {
  await store.db
    .deleteFrom('twin_parameters')
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('name', '=', name)
    .where('version', '<', keepFrom)
    .execute();
}

/**
 * Open parameters of a tenant with one of `statuses` (all open ones are pending, sent or
 * failed), after `(deviceId, name)`, in device then name order: a range scan of the
 * partial index `twin_parameters_open`, whose predicate the query repeats so that both
 * planners may use it.
 */
export function listOpenParameters(
  store: Store,
  tenantId: string,
  statuses: readonly ParameterStatus[],
  after: { deviceId: string; name: string } | undefined,
  limit: number,
): Promise<ParameterRow[]> {
  return store.db
    .selectFrom('twin_parameters')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(OPEN_PREDICATE)
    .where('status', 'in', statuses)
    .$if(after !== undefined, (query) =>
      query.where((eb) =>
        eb.or([
          eb('device_id', '>', after?.deviceId ?? ''),
          eb.and([eb('device_id', '=', after?.deviceId ?? ''), eb('name', '>', after?.name ?? '')]),
        ]),
      ),
    )
    .orderBy('device_id')
    .orderBy('name')
    .limit(limit)
    .execute();
}

/** The reported-field declarations of a tenant's device types, by type id. */
export async function readReportedFields(
  store: Store,
  tenantId: string,
  typeIds?: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  if (typeIds !== undefined && typeIds.length === 0) return new Map();
  const rows = await store.db
    .selectFrom('twin_reported_fields')
    .select(['type_id', 'fields'])
    .where('tenant_id', '=', tenantId)
    .$if(typeIds !== undefined, (query) => query.where('type_id', 'in', typeIds ?? []))
    .execute();
  return new Map(rows.map((row) => [row.type_id, JSON.parse(row.fields) as Record<string, string>]));
}

export async function writeReportedFields(
  store: Store,
  tenantId: string,
  typeId: string,
  fields: Readonly<Record<string, string>>,
  now: number,
): Promise<void> {
  if (Object.keys(fields).length === 0) {
    await store.db
      .deleteFrom('twin_reported_fields')
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .execute();
    return;
  }
  const text = JSON.stringify(fields);
  await store.db
    .insertInto('twin_reported_fields')
    .values({ tenant_id: tenantId, type_id: typeId, fields: text, updated_at: now })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'type_id']).doUpdateSet({ fields: text, updated_at: now }),
    )
    .execute();
}

/** When and how each decoded message was received: the reading's time decides what is newer. */
export async function readMessageTimes(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, { deviceId: string; at: number }>> {
  if (ids.length === 0) return new Map();
  const rows = await store.db
    .selectFrom('messages')
    .select(['id', 'device_id', 'device_time', 'received_at'])
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .execute();
  return new Map(
    rows.map((row) => [row.id, { deviceId: row.device_id, at: Number(row.device_time ?? row.received_at) }]),
  );
}

/** One of the twin documents of each listed device that has a twin, parsed, by device id. */
export async function readTwinDocuments(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
  document: 'reported' | 'desired',
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  // Chunked to stay under SQLite's bound-parameter limit.
  for (let start = 0; start < deviceIds.length; start += 500) {
    const rows = await store.db
      .selectFrom('twins')
      .select(['device_id', document])
      .where('tenant_id', '=', tenantId)
      .where('device_id', 'in', deviceIds.slice(start, start + 500))
      .execute();
    for (const row of rows) out.set(row.device_id, JSON.parse(row[document]) as Record<string, unknown>);
  }
  return out;
}

/** A type's stored delivery settings: `delivery` and the downlink settings (JSON). */
export interface DeliveryRow {
  readonly delivery: string;
  readonly downlink: string;
}

/** The delivery settings of a tenant's device types that have any, by type id. */
export async function readDeliveries(
  store: Store,
  tenantId: string,
  typeIds?: readonly string[],
): Promise<Map<string, DeliveryRow>> {
  if (typeIds !== undefined && typeIds.length === 0) return new Map();
  const rows = await store.db
    .selectFrom('twin_delivery')
    .select(['type_id', 'delivery', 'downlink'])
    .where('tenant_id', '=', tenantId)
    .$if(typeIds !== undefined, (query) => query.where('type_id', 'in', typeIds ?? []))
    .execute();
  return new Map(rows.map((row) => [row.type_id, { delivery: row.delivery, downlink: row.downlink }]));
}

/** Replaces a type's delivery settings; `undefined` (the defaults) removes the row. */
export async function writeDelivery(
  store: Store,
  tenantId: string,
  typeId: string,
  row: DeliveryRow | undefined,
  now: number,
): Promise<void> {
  if (row === undefined) {
    await store.db
      .deleteFrom('twin_delivery')
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .execute();
    return;
  }
  await store.db
    .insertInto('twin_delivery')
    .values({ tenant_id: tenantId, type_id: typeId, ...row, updated_at: now })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'type_id']).doUpdateSet({ ...row, updated_at: now }),
    )
    .execute();
}

/** The rows of a device's parameters linked to one downlink. */
export function readLinked(
  store: Store,
  tenantId: string,
  deviceId: string,
  commandId: string,
): Promise<ParameterRow[]> {
  return store.db
    .selectFrom('twin_parameters')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('device_id', '=', deviceId)
    .where('command_id', '=', commandId)
    .orderBy('name')
    .execute();
}
