import type { Selectable } from 'kysely';
import type { CommandEventTable, CommandTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';
import type { CommandStatus, Transport } from './command-schemas.js';

export type CommandRow = Selectable<CommandTable>;
export type CommandEventRow = Selectable<CommandEventTable>;

/** PostgreSQL answers bigint columns as text: numbers are made numbers here, once. */
function normalize(row: CommandRow): CommandRow {
  return {
    ...row,
    priority: Number(row.priority),
    qos: Number(row.qos),
    confirmed: Number(row.confirmed),
    max_attempts: Number(row.max_attempts),
    backoff_ms: Number(row.backoff_ms),
    attempts: Number(row.attempts),
    expires_at: row.expires_at === null ? null : Number(row.expires_at),
    version: Number(row.version),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function insertCommand(store: Store, row: CommandRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('commands').values(row).execute();
  });
}

export async function findCommand(
  store: Store,
  tenantId: string,
  commandId: string,
): Promise<CommandRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', commandId)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalize(row);
}

export async function findByIdempotencyKey(
  store: Store,
  tenantId: string,
  deviceId: string,
  key: string,
): Promise<CommandRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalize(row);
}

/** A device's commands, newest first, keyset-paged on id (ids sort by creation time). */
export async function listCommands(
  store: Store,
  tenantId: string,
  deviceId: string,
  options: { status?: CommandStatus | undefined; before?: string | undefined; limit: number },
): Promise<CommandRow[]> {
  const rows = await guarded(store, () => {
    let query = store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId);
    if (options.status !== undefined) query = query.where('status', '=', options.status);
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    return query.orderBy('id', 'desc').limit(options.limit).execute();
  });
  return rows.map(normalize);
}

/** The queued commands of a device over a transport, most urgent first, then oldest first. */
export async function queuedCommands(
  store: Store,
  tenantId: string,
  deviceId: string,
  transport: Transport,
  limit: number,
): Promise<CommandRow[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('transport', '=', transport)
      .where('status', '=', 'queued')
      .where('kind', '=', 'command')
      .orderBy('priority', 'desc')
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute(),
  );
  return rows.map(normalize);
}

/** The command a transport handed out under `ref` (a Sigfox uplink answered with it). */
export async function findByDeliveryRef(
  store: Store,
  tenantId: string,
  deviceId: string,
  ref: string,
): Promise<CommandRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('delivery_ref', '=', ref)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalize(row);
}

/** The latest command a transport handed out to a device (the one a Sigfox acknowledgement is about). */
export async function latestHandedOut(
  store: Store,
  tenantId: string,
  deviceId: string,
  transport: Transport,
): Promise<CommandRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('transport', '=', transport)
      .where('delivery_ref', 'is not', null)
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalize(row);
}

/** Compare-and-set on the row's version; false when another writer moved the command first. */
export async function updateCommand(
  store: Store,
  row: CommandRow,
  changes: Partial<Omit<CommandRow, 'tenant_id' | 'id' | 'version'>>,
): Promise<boolean> {
  const result = await guarded(store, () =>
    store.db
      .updateTable('commands')
      .set({ ...changes, version: row.version + 1 })
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .where('version', '=', row.version)
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) === 1;
}

/** Where a command is, for a transition that does not read it first. */
export interface CommandTarget {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly commandId: string;
}

/**
 * Moves a device's command when its status is one of `from`, in one statement (its version
 * counted up), instead of reading it and comparing its version. The command as moved, or
 * undefined when the device has no such command or it is in another status.
 */
export async function moveCommand(
  store: Store,
  target: CommandTarget,
  from: readonly CommandStatus[],
  changes: Partial<Omit<CommandRow, 'tenant_id' | 'id' | 'version'>>,
): Promise<CommandRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .updateTable('commands')
      .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', target.tenantId)
      .where('id', '=', target.commandId)
      .where('device_id', '=', target.deviceId)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalize(row);
}

export async function insertEvent(store: Store, row: CommandEventRow): Promise<void> {
  await guarded(store, async () => {
    await store.db.insertInto('command_events').values(row).execute();
  });
}

export async function commandEvents(
  store: Store,
  tenantId: string,
  commandId: string,
): Promise<CommandEventRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('command_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('command_id', '=', commandId)
      .orderBy('seq', 'asc')
      .execute(),
  );
}

/** A device's transitions of all its commands, newest first. */
export async function deviceEvents(
  store: Store,
  tenantId: string,
  deviceId: string,
  limit: number,
): Promise<CommandEventRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('command_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .orderBy('at', 'desc')
      .orderBy('command_id', 'desc')
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute(),
  );
}

/** The device's type, or undefined when the tenant has no such (live) device. */
export async function findLiveDevice(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<{ typeId: string; lifecycle: string } | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('devices')
      .select(['type_id', 'lifecycle'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : { typeId: row.type_id, lifecycle: row.lifecycle };
}

/** A device's commands with an idempotency key starting with `prefix` in one of `statuses`. */
export async function commandsByKeyPrefix(
  store: Store,
  tenantId: string,
  deviceId: string,
  prefix: string,
  statuses: readonly CommandStatus[],
): Promise<CommandRow[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('commands')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('status', 'in', statuses)
      // The prefix is a module's constant without LIKE wildcards (`%`, `_`).
      .where('idempotency_key', 'like', `${prefix}%`)
      .orderBy('id')
      .execute(),
  );
  // LIKE ignores ASCII case on SQLite: the prefix is matched exactly here.
  return rows.filter((row) => row.idempotency_key?.startsWith(prefix)).map(normalize);
}

/** Rows per multi-row INSERT: well under both dialects' limits on bound parameters. */
const INSERT_CHUNK = 500;

/** Inserts many commands in the caller's transaction, a few statements in all. */
export async function insertCommands(store: Store, rows: readonly CommandRow[]): Promise<void> {
  await guarded(store, async () => {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK)
      await store.db
        .insertInto('commands')
        .values(rows.slice(start, start + INSERT_CHUNK))
        .execute();
  });
}

/** Inserts history rows of many commands in the caller's transaction. */
export async function insertEvents(store: Store, rows: readonly CommandEventRow[]): Promise<void> {
  await guarded(store, async () => {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK)
      await store.db
        .insertInto('command_events')
        .values(rows.slice(start, start + INSERT_CHUNK))
        .execute();
  });
}

/** Which of `deviceIds` the tenant has, not deleted: their lifecycle states by id. */
export async function liveDevices(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<Map<string, string>> {
  const live = new Map<string, string>();
  for (let start = 0; start < deviceIds.length; start += INSERT_CHUNK) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('devices')
        .select(['id', 'lifecycle'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', deviceIds.slice(start, start + INSERT_CHUNK))
        .where('deleted_at', 'is', null)
        .execute(),
    );
    for (const row of rows) live.set(row.id, row.lifecycle);
  }
  return live;
}

/** The key of a device's idempotency key in maps. */
export const idempotencyEntry = (deviceId: string, key: string) => `${deviceId}\u0000${key}`;

/** The commands that hold some of these idempotency keys, by `idempotencyEntry`. */
export async function findByIdempotencyKeys(
  store: Store,
  tenantId: string,
  wanted: readonly { readonly deviceId: string; readonly key: string }[],
): Promise<Map<string, CommandRow>> {
  const found = new Map<string, CommandRow>();
  const asked = new Set(wanted.map((w) => idempotencyEntry(w.deviceId, w.key)));
  for (let start = 0; start < wanted.length; start += INSERT_CHUNK) {
    const chunk = wanted.slice(start, start + INSERT_CHUNK);
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('commands')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('device_id', 'in', [...new Set(chunk.map((w) => w.deviceId))])
        .where('idempotency_key', 'in', [...new Set(chunk.map((w) => w.key))])
        .execute(),
    );
    // Devices × keys reads a little more than asked: only the pairs asked for count.
    for (const row of rows) {
      const entry = idempotencyEntry(row.device_id, row.idempotency_key ?? '');
      if (asked.has(entry)) found.set(entry, normalize(row));
    }
  }
  return found;
}
