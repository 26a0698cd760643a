import type { Selectable } from 'kysely';
import type {
  LifecycleTransitionTable,
  NetworkContractTable,
  ServiceSubscriptionTable,
} from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';
import { type LifecycleState, PROCESSING_SKIPPED_STATES } from './lifecycle-graph.js';

export type TransitionRow = Selectable<LifecycleTransitionTable>;
export type ContractRow = Selectable<NetworkContractTable>;
export type SubscriptionRow = Selectable<ServiceSubscriptionTable>;

/** What a transition reads of a device. */
export interface LifecycleDeviceRow {
  readonly id: string;
  readonly type_id: string;
  readonly lifecycle: string;
  readonly lifecycle_at: number | null;
  readonly activated_at: number | null;
}

/** Every query takes the tenant and filters on it: another tenant's rows are not found. */

const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

/** A device that is not deleted, as a transition reads it. */
export function findLifecycleDevice(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<LifecycleDeviceRow | undefined> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('devices')
      .select(['id', 'type_id', 'lifecycle', 'lifecycle_at', 'activated_at'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { ...row, lifecycle_at: num(row.lifecycle_at), activated_at: num(row.activated_at) };
  });
}

/** Devices of `ids` that exist and are not deleted, by id. */
export async function findLifecycleDevices(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, LifecycleDeviceRow>> {
  const found = new Map<string, LifecycleDeviceRow>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('devices')
        .select(['id', 'type_id', 'lifecycle', 'lifecycle_at', 'activated_at'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', ids.slice(start, start + 500))
        .where('deleted_at', 'is', null)
        .execute(),
    );
    for (const row of rows)
      found.set(row.id, { ...row, lifecycle_at: num(row.lifecycle_at), activated_at: num(row.activated_at) });
  }
  return found;
}

/**
 * Moves a device from `from` to `to` (compare-and-set on the state, so of two concurrent
 * transitions one fails) and bumps its version; false when the state was not `from`.
 */
export async function updateDeviceState(
  tx: Store,
  tenantId: string,
  deviceId: string,
  change: { from: string; to: string; at: number; activatedAt: number | null; now: number },
): Promise<boolean> {
  const result = await tx.db
    .updateTable('devices')
    .set((eb) => ({
      lifecycle: change.to,
      lifecycle_at: change.at,
      activated_at: change.activatedAt,
      version: eb('version', '+', 1),
      updated_at: change.now,
    }))
    .where('tenant_id', '=', tenantId)
    .where('id', '=', deviceId)
    .where('lifecycle', '=', change.from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Appends a transition with the device's next seq; call it after `updateDeviceState` won. */
export async function insertTransition(tx: Store, row: Omit<TransitionRow, 'seq'>): Promise<TransitionRow> {
  const last = await tx.db
    .selectFrom('lifecycle_transitions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('tenant_id', '=', row.tenant_id)
    .where('device_id', '=', row.device_id)
    .executeTakeFirst();
  const full = { ...row, seq: Number(last?.seq ?? 0) + 1 };
  await tx.db.insertInto('lifecycle_transitions').values(full).execute();
  return full;
}

/** A device's transitions, newest first, before `beforeSeq`. */
export function listTransitions(
  store: Store,
  tenantId: string,
  deviceId: string,
  { beforeSeq, limit }: { beforeSeq?: number | undefined; limit: number },
): Promise<TransitionRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('lifecycle_transitions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .$if(beforeSeq !== undefined, (q) => q.where('seq', '<', beforeSeq ?? 0))
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute(),
  );
}

/** The stage of a type; undefined when none was set (the default applies). */
export async function findTypeStage(
  store: Store,
  tenantId: string,
  typeId: string,
): Promise<string | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('device_type_lifecycle')
      .select('stage')
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .executeTakeFirst(),
  );
  return row?.stage;
}

export async function upsertTypeStage(
  tx: Store,
  tenantId: string,
  typeId: string,
  stage: string,
  now: number,
): Promise<void> {
  await tx.db
    .insertInto('device_type_lifecycle')
    .values({ tenant_id: tenantId, type_id: typeId, stage, updated_at: now })
    .onConflict((oc) => oc.columns(['tenant_id', 'type_id']).doUpdateSet({ stage, updated_at: now }))
    .execute();
}

/** An uplink that may move its device automatically: the device is manufactured or tested. */
export interface UplinkCandidate {
  readonly messageId: string;
  readonly deviceId: string;
  /** The type the uplink was captured under. */
  readonly typeId: string;
  readonly receivedAt: number;
  /** That type's stage, when one was set. */
  readonly stage: string | null;
}

/**
 * Of the messages `ids`, those of devices still manufactured or tested: the only ones an
 * uplink can move. Most devices are past that, so this usually returns nothing.
 */
export function findUplinkCandidates(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<UplinkCandidate[]> {
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('messages as m')
      .innerJoin('devices as d', (join) =>
        join.onRef('d.tenant_id', '=', 'm.tenant_id').onRef('d.id', '=', 'm.device_id'),
      )
      .leftJoin('device_type_lifecycle as s', (join) =>
        join.onRef('s.tenant_id', '=', 'm.tenant_id').onRef('s.type_id', '=', 'm.type_id'),
      )
      .select(['m.id', 'm.device_id', 'm.type_id', 'm.received_at', 's.stage'])
      .where('m.tenant_id', '=', tenantId)
      .where('m.id', 'in', [...ids])
      .where('d.lifecycle', 'in', ['manufactured', 'tested'])
      .where('d.deleted_at', 'is', null)
      .orderBy('m.id')
      .execute();
    return rows.map((row) => ({
      messageId: row.id,
      deviceId: row.device_id,
      typeId: row.type_id,
      receivedAt: Number(row.received_at),
      stage: row.stage,
    }));
  });
}

/**
 * Of the devices `ids`, those whose uplinks skip processing now (quarantined, retired), with
 * their state: one indexed query per batch of a consumer, by primary key.
 */
export async function findDevicesSkippingProcessing(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, LifecycleState>> {
  const found = new Map<string, LifecycleState>();
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += 500) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('devices')
        .select(['id', 'lifecycle'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', unique.slice(start, start + 500))
        .where('lifecycle', 'in', [...PROCESSING_SKIPPED_STATES])
        .execute(),
    );
    for (const row of rows) found.set(row.id, row.lifecycle as LifecycleState);
  }
  return found;
}

// ---- contracts ----------------------------------------------------------------------------

export function findContract(store: Store, tenantId: string, id: string): Promise<ContractRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('network_contracts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

export function listContracts(
  store: Store,
  tenantId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<ContractRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('network_contracts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .$if(after !== undefined, (q) => q.where('id', '>', after ?? ''))
      .orderBy('id')
      .limit(limit)
      .execute(),
  );
}

/** Tokens in use per contract of `ids`. */
export async function countUsed(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const used = new Map<string, number>();
  if (ids.length === 0) return used;
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('contract_devices')
      .select(['contract_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('contract_id', 'in', [...ids])
      .groupBy('contract_id')
      .execute(),
  );
  for (const row of rows) used.set(row.contract_id, Number(row.n));
  return used;
}

/** The contract of each device of `ids` that has one. */
export async function contractsOfDevices(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < ids.length; start += 500) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('contract_devices')
        .select(['device_id', 'contract_id'])
        .where('tenant_id', '=', tenantId)
        .where('device_id', 'in', ids.slice(start, start + 500))
        .execute(),
    );
    for (const row of rows) found.set(row.device_id, row.contract_id);
  }
  return found;
}

export function listContractDevices(
  store: Store,
  tenantId: string,
  contractId: string,
  { after, limit }: { after?: string | undefined; limit: number },
): Promise<{ device_id: string; assigned_at: number }[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('contract_devices')
      .select(['device_id', 'assigned_at'])
      .where('tenant_id', '=', tenantId)
      .where('contract_id', '=', contractId)
      .$if(after !== undefined, (q) => q.where('device_id', '>', after ?? ''))
      .orderBy('device_id')
      .limit(limit)
      .execute(),
  );
}

// ---- subscriptions ------------------------------------------------------------------------

export function findSubscription(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<SubscriptionRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('service_subscriptions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst(),
  );
}
