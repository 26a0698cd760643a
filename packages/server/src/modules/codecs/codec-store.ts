import { type Selectable, sql } from 'kysely';
import type { CodecVersionTable, JobTable, MessageDecodeTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

export type CodecVersionRow = Selectable<CodecVersionTable>;
export type MessageDecodeRow = Selectable<MessageDecodeTable>;
export type JobRow = Selectable<JobTable>;

/** A device type's codec and variables, as decoding needs them. */
export interface TypeCodecRow {
  readonly tenant_id: string;
  readonly id: string;
  readonly codec_kind: string | null;
  readonly codec_source: string | null;
  readonly codec_version: number;
  readonly codec_updated_at: number | null;
  readonly variables: string;
  readonly version: number;
}

/** The parts of a stored message decoding reads. */
export interface UndecodedMessage {
  readonly id: string;
  readonly tenant_id: string;
  readonly device_id: string;
  readonly type_id: string;
  readonly received_at: number;
  readonly payload: Uint8Array;
}

const typeCodecColumns = [
  'tenant_id',
  'id',
  'codec_kind',
  'codec_source',
  'codec_version',
  'codec_updated_at',
  'variables',
  'version',
] as const;

/** One device type's codec columns, or undefined when the tenant has no such type. */
export function findTypeCodec(
  store: Store,
  tenantId: string,
  typeId: string,
): Promise<TypeCodecRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_types')
      .select(typeCodecColumns)
      .where('tenant_id', '=', tenantId)
      .where('id', '=', typeId)
      .executeTakeFirst(),
  );
}

/** The codec columns of several types of one tenant. */
export function findTypeCodecs(
  store: Store,
  tenantId: string,
  typeIds: readonly string[],
): Promise<TypeCodecRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_types')
      .select(typeCodecColumns)
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...typeIds])
      .execute(),
  );
}

/** The variables of several devices of one tenant (deleted ones included: their history stays). */
export function findDeviceVariables(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<{ id: string; variables: string }[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('devices')
      .select(['id', 'variables'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...deviceIds])
      .execute(),
  );
}

/** The type of a live device of the tenant. */
export async function deviceTypeOf(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<string | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('devices')
      .select('type_id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  );
  return row?.type_id;
}

/** Whether the tenant has this device (deleted or not). */
export async function deviceExists(store: Store, tenantId: string, deviceId: string): Promise<boolean> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('devices')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .executeTakeFirst(),
  );
  return row !== undefined;
}

/** Compare-and-set of a type's codec; false when its codec version moved meanwhile. */
export async function updateTypeCodec(
  store: Store,
  current: TypeCodecRow,
  codec: { kind: string; source: string } | null,
  now: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable('device_types')
    .set({
      codec_kind: codec?.kind ?? null,
      codec_source: codec?.source ?? null,
      codec_version: current.codec_version + 1,
      codec_updated_at: now,
      version: current.version + 1,
      updated_at: now,
    })
    .where('tenant_id', '=', current.tenant_id)
    .where('id', '=', current.id)
    .where('codec_version', '=', current.codec_version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertCodecVersion(store: Store, row: CodecVersionRow): Promise<void> {
  await store.db.insertInto('codec_versions').values(row).execute();
}

/** A type's codec history, newest first. */
export function listCodecVersions(
  store: Store,
  tenantId: string,
  typeId: string,
): Promise<CodecVersionRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('codec_versions')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .orderBy('version', 'desc')
      .execute(),
  );
}

const messageColumns = ['id', 'tenant_id', 'device_id', 'type_id', 'received_at', 'payload'] as const;

/** Messages by id (any tenant: ids come from the bus, which already knows them). */
export function findMessagesById(store: Store, ids: readonly string[]): Promise<UndecodedMessage[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return guarded(store, () =>
    store.db
      .selectFrom('messages')
      .select(messageColumns)
      .where('id', 'in', [...ids])
      .execute(),
  );
}

/** Messages joined to their type where it has a codec, with what decoding reads of them. */
function codecMessages(store: Store) {
  return store.db
    .selectFrom('messages as m')
    .innerJoin('device_types as t', (join) =>
      join.onRef('t.tenant_id', '=', 'm.tenant_id').onRef('t.id', '=', 'm.type_id'),
    )
    .select(['m.id', 'm.tenant_id', 'm.device_id', 'm.type_id', 'm.received_at', 'm.payload'])
    .where('t.codec_kind', 'is not', null);
}

/**
 * Messages after `afterId` (ids are UUIDv7, so this is a time range on the primary key)
 * whose type has a codec and that have no decode yet: what the decoder missed.
 */
export function findUndecoded(store: Store, afterId: string, limit: number): Promise<UndecodedMessage[]> {
  return guarded(store, () =>
    codecMessages(store)
      .where('m.id', '>', afterId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('message_decodes as d')
              .select('d.message_id')
              .whereRef('d.message_id', '=', 'm.id'),
          ),
        ),
      )
      .orderBy('m.id')
      .limit(limit)
      .execute(),
  );
}

/**
 * The messages of `ids` (of one tenant) whose type has a codec, with their payloads. A
 * retired device's messages are stored but not processed (docs/LIFECYCLE.md): they are
 * left out, so nothing that follows decoding (reported properties) sees them either.
 */
export function findCodecMessages(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<UndecodedMessage[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return guarded(store, () =>
    codecMessages(store)
      .where('m.tenant_id', '=', tenantId)
      .where('m.id', 'in', [...ids])
      .where('t.codec_source', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('devices as d')
              .select('d.id')
              .whereRef('d.tenant_id', '=', 'm.tenant_id')
              .whereRef('d.id', '=', 'm.device_id')
              .where('d.lifecycle', '=', 'retired'),
          ),
        ),
      )
      .execute(),
  );
}

/** Whether any type of the tenant has a codec. */
export function tenantHasCodec(store: Store, tenantId: string): Promise<boolean> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('device_types')
      .select(sql<number>`1`.as('one'))
      .where('tenant_id', '=', tenantId)
      .where('codec_kind', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  });
}

/** Inserts or replaces decodes (a re-decode overwrites), in the caller's transaction. */
export async function upsertDecodes(store: Store, rows: readonly MessageDecodeRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 500) {
    await store.db
      .insertInto('message_decodes')
      .values(rows.slice(start, start + 500))
      .onConflict((oc) =>
        oc.column('message_id').doUpdateSet((eb) => ({
          codec_version: eb.ref('excluded.codec_version'),
          data: eb.ref('excluded.data'),
          warnings: eb.ref('excluded.warnings'),
          errors: eb.ref('excluded.errors'),
          decoded_at: eb.ref('excluded.decoded_at'),
        })),
      )
      .execute();
  }
}

/** The decodes of these messages of a tenant. */
export function findDecodes(
  store: Store,
  tenantId: string,
  ids: readonly string[],
): Promise<MessageDecodeRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return guarded(store, () =>
    store.db
      .selectFrom('message_decodes')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('message_id', 'in', [...ids])
      .execute(),
  );
}

export function readCodecState(store: Store, name: string): Promise<string | undefined> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('codec_state')
      .select('value')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.value;
  });
}

export function writeCodecState(store: Store, name: string, value: string): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .insertInto('codec_state')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
  });
}

// ---- jobs -------------------------------------------------------------------------------

export function insertJob(store: Store, row: JobRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('jobs').values(row).execute();
  });
}

export function updateJob(
  store: Store,
  id: string,
  changes: Partial<Pick<JobRow, 'state' | 'total' | 'done' | 'failed' | 'error' | 'finished_at'>> & {
    updated_at: number;
  },
): Promise<void> {
  return guarded(store, async () => {
    await store.db.updateTable('jobs').set(changes).where('id', '=', id).execute();
  });
}

export function findJob(store: Store, tenantId: string, id: string): Promise<JobRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('jobs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

/** Marks jobs a previous process left running or queued as interrupted; returns how many. */
export function interruptUnfinishedJobs(store: Store, now: number): Promise<number> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('jobs')
      .set({
        state: 'interrupted',
        updated_at: now,
        finished_at: now,
        error: 'the server stopped during the job',
      })
      .where('state', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
}

/** The ids of a type's devices, deleted ones included (their history stays). */
export function listDeviceIdsOfType(store: Store, tenantId: string, typeId: string): Promise<string[]> {
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('devices')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('type_id', '=', typeId)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  });
}

export interface DeviceMessageRange {
  readonly tenantId: string;
  readonly deviceId: string;
  /** Only messages captured under this type, when given. */
  readonly typeId: string | undefined;
  readonly from: number | undefined;
  readonly to: number | undefined;
}

/** How many messages of a device lie in the range (walks the history index). */
export function countDeviceMessages(store: Store, range: DeviceMessageRange): Promise<number> {
  return guarded(store, async () => {
    let query = store.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', range.tenantId)
      .where('device_id', '=', range.deviceId);
    if (range.typeId !== undefined) query = query.where('type_id', '=', range.typeId);
    if (range.from !== undefined) query = query.where('received_at', '>=', range.from);
    if (range.to !== undefined) query = query.where('received_at', '<', range.to);
    const row = await query.executeTakeFirst();
    return Number(row?.n ?? 0);
  });
}

/** The next page of a device's messages in the range, after the keyset `(receivedAt, id)`. */
export function pageDeviceMessages(
  store: Store,
  range: DeviceMessageRange,
  after: { receivedAt: number; id: string } | undefined,
  limit: number,
): Promise<UndecodedMessage[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('messages')
      .select(messageColumns)
      .where('tenant_id', '=', range.tenantId)
      .where('device_id', '=', range.deviceId);
    if (range.typeId !== undefined) query = query.where('type_id', '=', range.typeId);
    if (range.from !== undefined) query = query.where('received_at', '>=', range.from);
    if (range.to !== undefined) query = query.where('received_at', '<', range.to);
    if (after) {
      query = query
        .where('received_at', '>=', after.receivedAt)
        .where((eb) => eb.or([eb('received_at', '>', after.receivedAt), eb('id', '>', after.id)]));
    }
    return query.orderBy('received_at').orderBy('id').limit(limit).execute();
  });
}
