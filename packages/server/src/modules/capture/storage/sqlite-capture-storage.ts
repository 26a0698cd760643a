import type SqliteDatabase from 'better-sqlite3';
import { storedChangeData } from '../../changes/index.js';
import {
  type CaptureStorage,
  type CaptureWrites,
  type DeviceStateRow,
  INDEXED_IDENTITY,
  type StoredDelivery,
  type StoredIdentity,
} from './capture-storage.js';

const MESSAGE_COLUMNS = [
  'id',
  'tenant_id',
  'device_id',
  'type_id',
  'transport',
  'dedup_key',
  'received_at',
  'device_time',
  'seq',
  'message_id',
  'payload',
  'payload_json',
  'timeliness',
  'out_of_order',
  'sequence_event',
  'stored_at',
] as const;

const STATE_COLUMNS = [
  'tenant_id',
  'device_id',
  'last_seen_at',
  'last_message_id',
  'latest_message_id',
  'latest_device_time',
  'seq_max',
  'seq_time',
  'seq_resets',
  'message_count',
  'duplicate_count',
  'out_of_order_count',
] as const;

/** A device's state after its key, in STATE_COLUMNS' order (a raw row). */
type StateValues = [
  number,
  string,
  string | null,
  number | null,
  number | null,
  number | null,
  number,
  number,
  number,
  number,
];

/** A stored identity by (tenant, device, key), through the partial identity index. */
export const SQLITE_IDENTITY_LOOKUP = `select id, timeliness, payload from messages where tenant_id = ? and device_id = ? and dedup_key = ? and ${INDEXED_IDENTITY}`;

/**
 * Capture storage over one better-sqlite3 connection with statements prepared once: the
 * SQLite capture writer's path. Statements are single-row ones run in a loop inside the
 * caller's transaction, which SQLite executes as fast as multi-row SQL, but for `changes`
 * (see `insertChanges`). The caller owns the transaction (`BEGIN IMMEDIATE` … `COMMIT`).
 */
export function sqliteCaptureStorage(database: SqliteDatabase.Database): CaptureStorage {
  const statements = {
    typeSettings: database.prepare<[string, string], { id: string; capture: string }>(
      'select id, capture from device_types where tenant_id = ? and id = ?',
    ),
    // Raw rows (arrays), turned into objects here: better-sqlite3 builds an object a row
    // through V8's API, which cost a state read about as much as its B-tree lookup.
    deviceState: database
      .prepare<[string, string], StateValues>(
        `select ${STATE_COLUMNS.slice(2).join(', ')} from device_state where tenant_id = ? and device_id = ?`,
      )
      .raw(true),
    identity: database
      .prepare<[string, string, string], [string, string, Buffer]>(SQLITE_IDENTITY_LOOKUP)
      .raw(true),
    delivery: database
      .prepare<[string, string, string, number], [string, string, Buffer | null, string | null]>(
        'select d.connection, d.message_id, m.payload, m.timeliness from capture_deliveries d left join messages m on m.id = d.message_id where d.tenant_id = ? and d.device_id = ? and d.session = ? and d.packet_id = ?',
      )
      .raw(true),
    upsertDelivery: database.prepare(
      'insert into capture_deliveries (tenant_id, device_id, session, packet_id, connection, message_id) values (?, ?, ?, ?, ?, ?) on conflict (tenant_id, device_id, session, packet_id) do update set connection = excluded.connection, message_id = excluded.message_id',
    ),
    forgetDeliveries: database.prepare(
      'delete from capture_deliveries where tenant_id = ? and device_id = ? and session = ? and connection <> ?',
    ),
    openGaps: database.prepare<[string, string], { id: string; from_seq: number; to_seq: number }>(
      'select id, from_seq, to_seq from sequence_gaps where tenant_id = ? and device_id = ? and closed_at is null',
    ),
    // Positional: binding sixteen named parameters from an object costs about as much as
    // one of the insert's index updates.
    insertMessage: database.prepare(
      `insert into messages (${MESSAGE_COLUMNS.join(', ')}) values (${MESSAGE_COLUMNS.map(() => '?').join(', ')})`,
    ),
    insertReception: database.prepare(
      'insert into receptions (message_id, station, tenant_id, received_at, rssi, snr, lat, lng, data) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (message_id, station) do nothing',
    ),
    upsertState: database.prepare(
      `insert into device_state (${STATE_COLUMNS.join(', ')}) values (${STATE_COLUMNS.map(() => '?').join(', ')}) on conflict (tenant_id, device_id) do update set ${STATE_COLUMNS.slice(
        2,
      )
        .map((c) => `${c} = excluded.${c}`)
        .join(', ')}`,
    ),
    insertGap: database.prepare(
      'insert into sequence_gaps (id, tenant_id, device_id, from_seq, to_seq, opened_at) values (@id, @tenant_id, @device_id, @from_seq, @to_seq, @opened_at)',
    ),
    closeGap: database.prepare('update sequence_gaps set closed_at = ?, closed_by = ? where id = ?'),
    // A run of changes of one kind and data in one statement, their entity ids a JSON array:
    // SQLite walks the array, so the rows cost no binding each (about 1.8 → 0.9 µs a row,
    // 1,000-row batches), and AUTOINCREMENT's counter is updated once. Rows are inserted,
    // and so take their positions, in the array's order.
    insertChanges: database.prepare(
      'insert into changes (tenant_id, kind, entity_id, data, created_at) select ?, ?, value, ?, ? from json_each(?)',
    ),
    resizeGap: database.prepare('update sequence_gaps set from_seq = ?, to_seq = ? where id = ?'),
  };
  return {
    async typeSettings(tenantId, typeIds) {
      return typeIds.flatMap((id) => statements.typeSettings.get(tenantId, id) ?? []);
    },
    async lockDevices() {
      // One writer: SQLite's write lock, taken by BEGIN IMMEDIATE, serialises batches.
    },
    async deviceStates(tenantId, deviceIds) {
      const rows: DeviceStateRow[] = [];
      for (const deviceId of deviceIds) {
        const v = statements.deviceState.get(tenantId, deviceId);
        if (v === undefined) continue;
        rows.push({
          tenant_id: tenantId,
          device_id: deviceId,
          last_seen_at: v[0],
          last_message_id: v[1],
          latest_message_id: v[2],
          latest_device_time: v[3],
          seq_max: v[4],
          seq_time: v[5],
          seq_resets: v[6],
          message_count: v[7],
          duplicate_count: v[8],
          out_of_order_count: v[9],
        });
      }
      return rows;
    },
    async storedIdentities(lookups) {
      const rows: StoredIdentity[] = [];
      for (const { tenantId, deviceId, key } of lookups) {
        const v = statements.identity.get(tenantId, deviceId, key);
        if (v !== undefined)
          rows.push({
            id: v[0],
            tenant_id: tenantId,
            device_id: deviceId,
            dedup_key: key,
            timeliness: v[1],
            payload: v[2],
          });
      }
      return rows;
    },
    async storedDeliveries(lookups) {
      const rows: StoredDelivery[] = [];
      for (const lookup of lookups) {
        const v = statements.delivery.get(lookup.tenantId, lookup.deviceId, lookup.session, lookup.packetId);
        if (v !== undefined)
          rows.push({
            ...lookup,
            connection: v[0],
            messageId: v[1],
            payload: v[2] ?? undefined,
            timeliness: v[3] ?? undefined,
          });
      }
      return rows;
    },
    async openGaps(tenantId, deviceId) {
      return statements.openGaps.all(tenantId, deviceId);
    },
    async apply(writes: CaptureWrites, now: number) {
      const insertMessage = statements.insertMessage;
      for (const m of writes.messages) {
        // In MESSAGE_COLUMNS' order (keep them together), each read by name: mapping the
        // column list over the row read it by key and cost about 0.2 µs a message.
        insertMessage.run(
          m.id,
          m.tenant_id,
          m.device_id,
          m.type_id,
          m.transport,
          m.dedup_key,
          m.received_at,
          m.device_time,
          m.seq,
          m.message_id,
          m.payload,
          m.payload_json,
          m.timeliness,
          m.out_of_order,
          m.sequence_event,
          m.stored_at,
        );
      }
      // Positional, like the messages: named parameters are bound from an object by key.
      for (const r of writes.receptions)
        statements.insertReception.run(
          r.message_id,
          r.station,
          r.tenant_id,
          r.received_at,
          r.rssi,
          r.snr,
          r.lat,
          r.lng,
          r.data,
        );
      for (const s of writes.states) {
        // In STATE_COLUMNS' order.
        statements.upsertState.run(
          s.tenant_id,
          s.device_id,
          s.last_seen_at,
          s.last_message_id,
          s.latest_message_id,
          s.latest_device_time,
          s.seq_max,
          s.seq_time,
          s.seq_resets,
          s.message_count,
          s.duplicate_count,
          s.out_of_order_count,
        );
      }
      for (const f of writes.forgets)
        statements.forgetDeliveries.run(f.tenantId, f.deviceId, f.session, f.connection);
      for (const d of writes.deliveries)
        statements.upsertDelivery.run(
          d.tenantId,
          d.deviceId,
          d.session,
          d.packetId,
          d.connection,
          d.messageId,
        );
      for (const gap of writes.gapInserts) statements.insertGap.run(gap);
      for (const [id, update] of writes.gapUpdates) {
        if ('closed_by' in update) statements.closeGap.run(now, update.closed_by, id);
        else statements.resizeGap.run(update.from_seq, update.to_seq, id);
      }
      // SQLite has one writer, so positions are handed out and become visible in order; an
      // insert from json_each takes them in the array's order, the last one last.
      const positions = new Map<string, number>();
      for (const [tenantId, entries] of writes.changes) {
        let last = 0;
        for (let from = 0; from < entries.length; ) {
          const first = entries[from];
          if (first === undefined) break;
          const data = storedChangeData(first);
          const ids: string[] = [];
          let next = from;
          for (; next < entries.length; next += 1) {
            const entry = entries[next];
            if (entry === undefined || entry.kind !== first.kind || storedChangeData(entry) !== data) break;
            ids.push(entry.entityId);
          }
          const run = statements.insertChanges.run(tenantId, first.kind, data, now, JSON.stringify(ids));
          last = Number(run.lastInsertRowid);
          from = next;
        }
        positions.set(tenantId, last);
      }
      return positions;
    },
  };
}
