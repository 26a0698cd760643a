import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type Selectable,
  type SqlBool,
  sql,
} from 'kysely';
import type { Database, DeviceCredentialTable, DeviceTable, DeviceTypeTable } from '../../store/schema.js';
import { type DialectName, guarded, type Store, transact } from '../../store/store.js';
import { tagOwner } from '../conditions/index.js';

export type DeviceTypeRow = Selectable<DeviceTypeTable>;
export type DeviceRow = Selectable<DeviceTable>;
export type CredentialRow = Selectable<DeviceCredentialTable>;

/** Every query here takes the tenant and filters on it: isolation lives in the store. */

export function insertDeviceType(store: Store, row: DeviceTypeRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('device_types').values(row).execute();
  });
}

export function findDeviceType(
  store: Store,
  tenantId: string,
  id: string,
): Promise<DeviceTypeRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_types')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

export function listDeviceTypes(
  store: Store,
  tenantId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<DeviceTypeRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('device_types')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('id')
      .limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return query.execute();
  });
}

/** Compare-and-set on `version`; returns false when the row changed or does not exist. */
export function updateDeviceType(
  store: Store,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: Partial<
    Pick<
      DeviceTypeRow,
      'name' | 'description' | 'expected_uplink_interval_s' | 'settings' | 'capture' | 'variables'
    >
  > & {
    updated_at: number;
  },
): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('device_types')
      .set({ ...changes, version: expectedVersion + 1 })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

export function countDevicesOfType(store: Store, tenantId: string, typeId: string): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('devices')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

export function deleteDeviceType(store: Store, tenantId: string, id: string): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .deleteFrom('device_types')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  });
}

/** Replaces a device's rows in `device_tags` with `tags`. */
async function writeTags(
  db: Kysely<Database>,
  tenantId: string,
  deviceId: string,
  tags: Readonly<Record<string, string>>,
  replace: boolean,
): Promise<void> {
  if (replace) {
    await db
      .deleteFrom('device_tags')
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .execute();
  }
  const rows = Object.entries(tags).map(([key, value]) => ({
    tenant_id: tenantId,
    device_id: deviceId,
    key,
    value,
  }));
  if (rows.length > 0) await db.insertInto('device_tags').values(rows).execute();
}

/** Inserts devices and their tags; the caller provides the transaction. */
/** A device row to insert: `variables` may be left to its default (`{}`). */
export type NewDeviceRow = Omit<DeviceRow, 'variables' | 'lifecycle' | 'lifecycle_at' | 'activated_at'> & {
  readonly variables?: string;
  readonly lifecycle?: string;
  readonly lifecycle_at?: number | null;
  readonly activated_at?: number | null;
};

export async function insertDevicesIn(db: Kysely<Database>, rows: readonly NewDeviceRow[]): Promise<void> {
  // Chunked to stay under SQLite's bound-parameter limit (10 columns per row).
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await db.insertInto('devices').values(chunk).execute();
    const tagRows = chunk.flatMap((row) =>
      Object.entries(JSON.parse(row.tags) as Record<string, string>).map(([key, value]) => ({
        tenant_id: row.tenant_id,
        device_id: row.id,
        key,
        value,
      })),
    );
    for (let t = 0; t < tagRows.length; t += 1000) {
      await db
        .insertInto('device_tags')
        .values(tagRows.slice(t, t + 1000))
        .execute();
    }
  }
}

export function insertDevice(store: Store, row: NewDeviceRow): Promise<void> {
  return guarded(store, () => transact(store, (tx) => insertDevicesIn(tx.db, [row])));
}

export function findDevice(store: Store, tenantId: string, id: string): Promise<DeviceRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

/** Ids among `ids` that exist in the tenant (deleted or not). */
export function existingDeviceIds(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  return guarded(store, async () => {
    const found = new Set<string>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await store.db
        .selectFrom('devices')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) found.add(row.id);
    }
    return found;
  });
}

export interface DeviceFilter {
  readonly typeId?: string | undefined;
  /** Each entry: the tag must exist, with this value when `value` is set. */
  readonly tags?: readonly { key: string; value?: string | undefined }[];
  readonly deleted: 'exclude' | 'include' | 'only';
  /** Only devices in these lifecycle states; every state when absent. */
  readonly lifecycle?: readonly string[] | undefined;
}

/**
 * The conditions of a device filter. Tag conditions are correlated EXISTS lookups on the
 * tag index, one per device scanned (see `tagOwner` for why not `id IN (…)` or plain `d.id`).
 */
function filterConditions(
  eb: ExpressionBuilder<Database & { d: DeviceTable }, 'd'>,
  dialect: DialectName,
  tenantId: string,
  filter: DeviceFilter,
): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('d.tenant_id', '=', tenantId)];
  if (filter.typeId !== undefined) conditions.push(eb('d.type_id', '=', filter.typeId));
  if (filter.deleted === 'exclude') conditions.push(eb('d.deleted_at', 'is', null));
  if (filter.deleted === 'only') conditions.push(eb('d.deleted_at', 'is not', null));
  if (filter.lifecycle !== undefined) conditions.push(eb('d.lifecycle', 'in', [...filter.lifecycle]));
  for (const tag of filter.tags ?? []) {
    let tagged = eb
      .selectFrom('device_tags as t')
      .select(sql<number>`1`.as('one'))
      .where('t.tenant_id', '=', tenantId)
      .where(sql<SqlBool>`t.device_id = ${tagOwner(dialect)}`)
      .where('t.key', '=', tag.key);
    if (tag.value !== undefined) tagged = tagged.where('t.value', '=', tag.value);
    conditions.push(eb.exists(tagged));
  }
  return eb.and(conditions);
}

/** Keyset page by id: stable while devices are added or removed. */
export function listDevices(
  store: Store,
  tenantId: string,
  filter: DeviceFilter,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<DeviceRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('devices as d')
      .selectAll('d')
      .where((eb) => filterConditions(eb, store.dialect, tenantId, filter));
    if (after !== undefined) query = query.where('d.id', '>', after);
    return query.orderBy('d.id').limit(limit).execute();
  });
}

/** A device row with when it was last heard from (null: never). */
export type ScannedDeviceRow = DeviceRow & { readonly last_seen_at: number | null };

/**
 * A keyset page of devices matching a filter and a further SQL condition (a condition's
 * pushed-down part), each with its last-seen time for the part evaluated in process.
 */
export function scanDevices(
  store: Store,
  tenantId: string,
  filter: DeviceFilter,
  where: Expression<SqlBool>,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<ScannedDeviceRow[]> {
  return guarded(store, async () => {
    let query = store.db
      .selectFrom('devices as d')
      .selectAll('d')
      .select((eb) =>
        eb
          .selectFrom('device_state as s')
          .select('s.last_seen_at')
          .whereRef('s.tenant_id', '=', 'd.tenant_id')
          .whereRef('s.device_id', '=', 'd.id')
          .as('last_seen_at'),
      )
      .where((eb) => filterConditions(eb, store.dialect, tenantId, filter))
      .where(where);
    if (after !== undefined) query = query.where('d.id', '>', after);
    const rows = await query.orderBy('d.id').limit(limit).execute();
    // PostgreSQL's bigint arrives as a string.
    return rows.map((row) => ({
      ...row,
      last_seen_at: row.last_seen_at === null ? null : Number(row.last_seen_at),
    }));
  });
}

/** A keyset page of the ids of devices matching a filter and a further SQL condition: ids only. */
export function scanDeviceIds(
  store: Store,
  tenantId: string,
  filter: DeviceFilter,
  where: Expression<SqlBool>,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<string[]> {
  return guarded(store, async () => {
    let query = store.db
      .selectFrom('devices as d')
      .select('d.id')
      .where((eb) => filterConditions(eb, store.dialect, tenantId, filter))
      .where(where);
    if (after !== undefined) query = query.where('d.id', '>', after);
    const rows = await query.orderBy('d.id').limit(limit).execute();
    return rows.map((row) => row.id);
  });
}

export function countDevices(store: Store, tenantId: string, filter: DeviceFilter): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('devices as d')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => filterConditions(eb, store.dialect, tenantId, filter))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

/** Compare-and-set on `version`; tags are rewritten in the same transaction when given. */
export function updateDevice(
  store: Store,
  tenantId: string,
  id: string,
  expectedVersion: number,
  changes: Partial<
    Pick<DeviceRow, 'type_id' | 'name' | 'tags' | 'attributes' | 'variables' | 'deleted_at'>
  > & {
    updated_at: number;
  },
): Promise<boolean> {
  return guarded(store, () =>
    transact(store, async ({ db: trx }) => {
      const result = await trx
        .updateTable('devices')
        .set({ ...changes, version: expectedVersion + 1 })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      if (changes.tags !== undefined) {
        await writeTags(trx, tenantId, id, JSON.parse(changes.tags) as Record<string, string>, true);
      }
      return true;
    }),
  );
}

export function insertCredential(store: Store, row: CredentialRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('device_credentials').values(row).execute();
  });
}

export function listCredentials(store: Store, tenantId: string, deviceId: string): Promise<CredentialRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_credentials')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  );
}

export function deleteCredential(
  store: Store,
  tenantId: string,
  deviceId: string,
  id: string,
): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .deleteFrom('device_credentials')
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  });
}
