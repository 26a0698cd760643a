import { type Expression, type Selectable, type SqlBool, sql } from 'kysely';
import type { ConfigurationTable } from '../../store/schema.js';
import type { Store } from '../../store/store.js';

export type ConfigurationRow = Selectable<ConfigurationTable>;

/** A device as conditions see it (no `lastSeen`: targets cannot name it). */
export interface DeviceFactsRow {
  readonly id: string;
  readonly type_id: string;
  readonly name: string;
  readonly tags: string;
  readonly attributes: string;
  readonly lifecycle: string;
  readonly last_seen_at: number | null;
}

/** One configuration of the tenant; deleted ones only with `withDeleted`. */
export function findConfiguration(
  store: Store,
  tenantId: string,
  id: string,
  withDeleted = false,
): Promise<ConfigurationRow | undefined> {
  return store.db
    .selectFrom('configurations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .$if(!withDeleted, (query) => query.where('deleted_at', 'is', null))
    .executeTakeFirst();
}

/** Every configuration of the tenant, deleted ones included (the applier still has work with them). */
export function allConfigurations(store: Store, tenantId: string): Promise<ConfigurationRow[]> {
  return store.db.selectFrom('configurations').selectAll().where('tenant_id', '=', tenantId).execute();
}

export async function countConfigurations(store: Store, tenantId: string): Promise<number> {
  const row = await store.db
    .selectFrom('configurations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listConfigurations(
  store: Store,
  tenantId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<ConfigurationRow[]> {
  return store.db
    .selectFrom('configurations')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .$if(after !== undefined, (query) => query.where('id', '>', after ?? ''))
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function insertConfiguration(store: Store, row: ConfigurationRow): Promise<void> {
  await store.db.insertInto('configurations').values(row).execute();
}

export async function updateConfiguration(
  store: Store,
  tenantId: string,
  id: string,
  set: Partial<Omit<ConfigurationRow, 'tenant_id' | 'id'>>,
): Promise<void> {
  await store.db
    .updateTable('configurations')
    .set(set)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/** Records that `version` went over every device (never moving back). */
export async function markApplied(
  store: Store,
  tenantId: string,
  id: string,
  version: number,
): Promise<void> {
  await store.db
    .updateTable('configurations')
    .set({ applied_version: version })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('applied_version', '<', version)
    .execute();
}

export async function removeConfiguration(store: Store, tenantId: string, id: string): Promise<void> {
  await store.db
    .deleteFrom('configurations')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute();
}

/**
 * A page of the tenant's live devices after `after` in id order that `where` (a push-down
 * over `devices as d`) lets through; with `configurationId`, only devices it targets.
 * Retired devices are not live here: configurations neither target nor count them.
 */
export async function scanDeviceFacts(
  store: Store,
  tenantId: string,
  where: Expression<SqlBool>,
  { after, limit, configurationId }: { after?: string | undefined; limit: number; configurationId?: string },
): Promise<DeviceFactsRow[]> {
  const rows = await store.db
    .selectFrom('devices as d')
    .select(['d.id', 'd.type_id', 'd.name', 'd.tags', 'd.attributes', 'd.lifecycle'])
    .select((eb) =>
      eb
        .selectFrom('device_state as s')
        .select('s.last_seen_at')
        .whereRef('s.tenant_id', '=', 'd.tenant_id')
        .whereRef('s.device_id', '=', 'd.id')
        .as('last_seen_at'),
    )
    .where('d.tenant_id', '=', tenantId)
    .where('d.deleted_at', 'is', null)
    .where('d.lifecycle', '<>', 'retired')
    .$if(configurationId !== undefined, (query) =>
      query.where(
        'd.id',
        'in',
        sql<string>`(SELECT ct.device_id FROM configuration_targets ct WHERE ct.tenant_id = ${tenantId} AND ct.configuration_id = ${configurationId ?? ''})`,
      ),
    )
    .where(where)
    .$if(after !== undefined, (query) => query.where('d.id', '>', after ?? ''))
    .orderBy('d.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    ...row,
    last_seen_at: row.last_seen_at === null ? null : Number(row.last_seen_at),
  }));
}

/** The listed devices that are live (not deleted, not retired), as conditions see them. */
export async function readDeviceFacts(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<DeviceFactsRow[]> {
  if (ids.length === 0) return [];
  return scanDeviceFacts(store, tenantId, sql<SqlBool>`d.id IN (${sql.join(ids)})`, { limit: ids.length });
}

/** A configuration's targeted devices in `(after, upTo]` (upTo absent: to the end). */
export async function targetsInRange(
  store: Store,
  tenantId: string,
  configurationId: string,
  after: string | undefined,
  upTo: string | undefined,
): Promise<string[]> {
  const rows = await store.db
    .selectFrom('configuration_targets')
    .select('device_id')
    .where('tenant_id', '=', tenantId)
    .where('configuration_id', '=', configurationId)
    .$if(after !== undefined, (query) => query.where('device_id', '>', after ?? ''))
    .$if(upTo !== undefined, (query) => query.where('device_id', '<=', upTo ?? ''))
    .orderBy('device_id')
    .execute();
  return rows.map((row) => row.device_id);
}

/** A page of a configuration's targeted devices after `after`. */
export async function targetsPage(
  store: Store,
  tenantId: string,
  configurationId: string,
  after: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await store.db
    .selectFrom('configuration_targets')
    .select('device_id')
    .where('tenant_id', '=', tenantId)
    .where('configuration_id', '=', configurationId)
    .$if(after !== undefined, (query) => query.where('device_id', '>', after ?? ''))
    .orderBy('device_id')
    .limit(limit)
    .execute();
  return rows.map((row) => row.device_id);
}

/**
 * `column BETWEEN` the smallest and greatest of `ids`: with it PostgreSQL reads a chunk's
 * range of the index instead of the tenant's every row when its statistics lag a rollout.
 */
function inRange(store: Store, column: 'device_id', ids: readonly string[]): Expression<SqlBool> {
  let low = ids[0] ?? '';
  let high = low;
  for (const id of ids) {
    if (id < low) low = id;
    if (id > high) high = id;
  }
  // On PostgreSQL the database takes the bounds, in the column's collation (twin-desired-batch.ts says why).
  if (store.dialect === 'postgres') {
    const list = sql`unnest(CAST(${[...ids]} AS text[]))`;
    return sql<SqlBool>`${sql.ref(column)} BETWEEN (SELECT min(x) FROM ${list} AS u(x)) AND (SELECT max(x) FROM ${list} AS u(x))`;
  }
  return sql<SqlBool>`${sql.ref(column)} BETWEEN ${low} AND ${high}`;
}

/** Which configurations target each listed device, by device id. */
export async function targetsOfDevices(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (let start = 0; start < deviceIds.length; start += 1000) {
    const part = deviceIds.slice(start, start + 1000);
    const rows = await store.db
      .selectFrom('configuration_targets')
      .select(['device_id', 'configuration_id'])
      .where('tenant_id', '=', tenantId)
      .where(inRange(store, 'device_id', part))
      .where('device_id', 'in', part)
      .execute();
    for (const row of rows) {
      const set = out.get(row.device_id) ?? new Set<string>();
      out.set(row.device_id, set);
      set.add(row.configuration_id);
    }
  }
  return out;
}

export async function addTargets(
  store: Store,
  tenantId: string,
  pairs: readonly { configurationId: string; deviceId: string }[],
  now: number,
): Promise<void> {
  for (let start = 0; start < pairs.length; start += 1000) {
    await store.db
      .insertInto('configuration_targets')
      .values(
        pairs.slice(start, start + 1000).map((pair) => ({
          tenant_id: tenantId,
          configuration_id: pair.configurationId,
          device_id: pair.deviceId,
          error: null,
          since: now,
        })),
      )
      .onConflict((conflict) => conflict.columns(['tenant_id', 'configuration_id', 'device_id']).doNothing())
      .execute();
  }
}

export async function dropTargets(
  store: Store,
  tenantId: string,
  pairs: readonly { configurationId: string; deviceId: string }[],
): Promise<void> {
  for (let start = 0; start < pairs.length; start += 1000) {
    const rows = pairs.slice(start, start + 1000).map((p) => sql`(${p.configurationId}, ${p.deviceId})`);
    await sql`DELETE FROM configuration_targets WHERE tenant_id = ${tenantId}
      AND (configuration_id, device_id) IN (VALUES ${sql.join(rows)})`.execute(store.db);
  }
}

/**
 * Records why the last apply to each listed device failed (null: it did not), on every
 * target row of those devices: the device's whole desired document is what broke.
 */
export async function setTargetErrors(
  store: Store,
  tenantId: string,
  errors: ReadonlyMap<string, string | null>,
): Promise<void> {
  const failing = [...errors].filter(([, error]) => error !== null);
  const clean = [...errors].filter(([, error]) => error === null).map(([id]) => id);
  for (let start = 0; start < clean.length; start += 1000) {
    const part = clean.slice(start, start + 1000);
    await store.db
      .updateTable('configuration_targets')
      .set({ error: null })
      .where('tenant_id', '=', tenantId)
      .where(inRange(store, 'device_id', part))
      .where('device_id', 'in', part)
      .where('error', 'is not', null)
      .execute();
  }
  for (const [deviceId, error] of failing) {
    await store.db
      .updateTable('configuration_targets')
      .set({ error })
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .execute();
  }
}

/**
 * Targeted, failed, pending and applied devices of a configuration, from its targets and
 * the current parameter rows it set (of the properties it has): one pass over its targets.
 */
export async function statusCounts(
  store: Store,
  tenantId: string,
  configurationId: string,
  setBy: string,
  names: readonly string[],
): Promise<{ targeted: number; failed: number; pending: number; applied: number }> {
  const nameFilter = names.length === 0 ? sql`1 = 0` : sql`p.name IN (${sql.join(names)})`;
  const result = await sql<{
    targeted: number | string;
    failed: number | string;
    pending: number | string;
    applied: number | string;
  }>`
    SELECT COUNT(*) AS targeted,
      COALESCE(SUM(CASE WHEN x.failed > 0 OR x.broken > 0 THEN 1 ELSE 0 END), 0) AS failed,
      COALESCE(SUM(CASE WHEN x.failed = 0 AND x.broken = 0 AND x.pending > 0 THEN 1 ELSE 0 END), 0) AS pending,
      COALESCE(SUM(CASE WHEN x.owned > 0 AND x.failed = 0 AND x.broken = 0 AND x.pending = 0 THEN 1 ELSE 0 END), 0) AS applied
    FROM (
      SELECT ct.device_id,
        CASE WHEN ct.error IS NULL THEN 0 ELSE 1 END AS broken,
        (SELECT COUNT(*) FROM twin_parameters p WHERE p.tenant_id = ct.tenant_id AND p.device_id = ct.device_id
          AND p.set_by = ${setBy} AND ${nameFilter} AND p.status = 'failed'
          AND p.version = (SELECT MAX(q.version) FROM twin_parameters q WHERE q.tenant_id = p.tenant_id
            AND q.device_id = p.device_id AND q.name = p.name)) AS failed,
        (SELECT COUNT(*) FROM twin_parameters p WHERE p.tenant_id = ct.tenant_id AND p.device_id = ct.device_id
          AND p.set_by = ${setBy} AND ${nameFilter} AND p.status IN ('pending', 'sent')
          AND p.version = (SELECT MAX(q.version) FROM twin_parameters q WHERE q.tenant_id = p.tenant_id
            AND q.device_id = p.device_id AND q.name = p.name)) AS pending,
        (SELECT COUNT(*) FROM twin_parameters p WHERE p.tenant_id = ct.tenant_id AND p.device_id = ct.device_id
          AND p.set_by = ${setBy} AND ${nameFilter} AND p.status IN ('pending', 'sent', 'applied', 'failed')
          AND p.version = (SELECT MAX(q.version) FROM twin_parameters q WHERE q.tenant_id = p.tenant_id
            AND q.device_id = p.device_id AND q.name = p.name)) AS owned
      FROM configuration_targets ct
      WHERE ct.tenant_id = ${tenantId} AND ct.configuration_id = ${configurationId}
    ) x`.execute(store.db);
  const row = result.rows[0];
  return {
    targeted: Number(row?.targeted ?? 0),
    failed: Number(row?.failed ?? 0),
    pending: Number(row?.pending ?? 0),
    applied: Number(row?.applied ?? 0),
  };
}

export async function insertSnapshot(
  store: Store,
  row: { tenant_id: string; configuration_id: string; at: number; metrics: string },
): Promise<void> {
  await store.db
    .insertInto('configuration_metrics')
    .values(row)
    .onConflict((conflict) => conflict.columns(['tenant_id', 'configuration_id', 'at']).doNothing())
    .execute();
}

/** The latest `limit` snapshots of a configuration, oldest first. */
export async function readSnapshots(
  store: Store,
  tenantId: string,
  configurationId: string,
  limit: number,
): Promise<{ at: number; metrics: string }[]> {
  if (limit === 0) return [];
  const rows = await store.db
    .selectFrom('configuration_metrics')
    .select(['at', 'metrics'])
    .where('tenant_id', '=', tenantId)
    .where('configuration_id', '=', configurationId)
    .orderBy('at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ at: Number(row.at), metrics: row.metrics })).reverse();
}

export async function pruneSnapshots(store: Store, before: number): Promise<void> {
  await store.db.deleteFrom('configuration_metrics').where('at', '<', before).execute();
}

/** Every tenant's live configurations (for the snapshot job). */
export function liveConfigurations(store: Store): Promise<ConfigurationRow[]> {
  return store.db.selectFrom('configurations').selectAll().where('deleted_at', 'is', null).execute();
}
