import type { Selectable } from 'kysely';
import type { DeviceStateTable, SequenceGapTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';
import type { MessageRow, ReceptionRow } from './present-message.js';

export type DeviceStateRow = Selectable<DeviceStateTable>;
export type SequenceGapRow = Selectable<SequenceGapTable>;

/** A position in a device's history: the keyset `(received_at, id)`. */
export interface HistoryKey {
  readonly receivedAt: number;
  readonly id: string;
}

export interface HistoryRange {
  /** Inclusive lower bound on `received_at`, Unix ms. */
  readonly from: number | undefined;
  /** Exclusive upper bound on `received_at`, Unix ms. */
  readonly to: number | undefined;
  readonly order: 'asc' | 'desc';
  /** The last key of the previous page: the page starts strictly after it, in `order`. */
  readonly after: HistoryKey | undefined;
  readonly limit: number;
}

/**
 * One page of a device's messages, walking the `messages_history` index
 * `(tenant_id, device_id, received_at, id)` forwards or backwards.
 */
export function listDeviceMessages(
  store: Store,
  tenantId: string,
  deviceId: string,
  range: HistoryRange,
): Promise<MessageRow[]> {
  return guarded(store, () => {
    let query = store.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId);
    if (range.from !== undefined) query = query.where('received_at', '>=', range.from);
    if (range.to !== undefined) query = query.where('received_at', '<', range.to);
    const after = range.after;
    if (after) {
      // `received_at <= r and (received_at < r or id < i)` rather than a row-value
      // comparison: the first conjunct is a plain range both planners use on the index.
      const [bound, before] = range.order === 'asc' ? (['>=', '>'] as const) : (['<=', '<'] as const);
      query = query
        .where('received_at', bound, after.receivedAt)
        .where((eb) => eb.or([eb('received_at', before, after.receivedAt), eb('id', before, after.id)]));
    }
    return query.orderBy('received_at', range.order).orderBy('id', range.order).limit(range.limit).execute();
  });
}

export function findMessage(store: Store, tenantId: string, id: string): Promise<MessageRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst(),
  );
}

/** The tenant's messages of these ids (those that exist), in no particular order. */
export function findMessages(store: Store, tenantId: string, ids: readonly string[]): Promise<MessageRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return guarded(store, () =>
    store.db
      .selectFrom('messages')
      .selectAll()
      .where('id', 'in', [...ids])
      .where('tenant_id', '=', tenantId)
      .execute(),
  );
}

/** The receptions of these messages, by message then station. */
export async function listReceptions(
  store: Store,
  tenantId: string,
  messageIds: readonly string[],
): Promise<ReceptionRow[]> {
  if (messageIds.length === 0) return [];
  return guarded(store, () =>
    store.db
      .selectFrom('receptions')
      .selectAll()
      .where('message_id', 'in', [...messageIds])
      .where('tenant_id', '=', tenantId)
      .orderBy('message_id')
      .orderBy('station')
      .execute(),
  );
}

export function findDeviceState(
  store: Store,
  tenantId: string,
  deviceId: string,
): Promise<DeviceStateRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('device_state')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .executeTakeFirst(),
  );
}

/** The device's gaps that no frame has filled yet, oldest first. */
export function listOpenGaps(store: Store, tenantId: string, deviceId: string): Promise<SequenceGapRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('sequence_gaps')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('closed_at', 'is', null)
      .orderBy('opened_at')
      .orderBy('from_seq')
      .execute(),
  );
}
