import { sql } from 'kysely';
import { lockKeys, type Store } from '../../../store/store.js';
import { appendChanges } from '../../changes/index.js';
import {
  type CaptureStorage,
  type CaptureWrites,
  type IdentityLookup,
  INDEXED_IDENTITY,
  type StoredDelivery,
  type StoredIdentity,
} from './capture-storage.js';

/** The stored identities among `lookups`, as (tenant, device, key) row values: one index probe each. */
export function storedIdentitiesQuery(lookups: readonly IdentityLookup[]) {
  return sql<StoredIdentity>`
    select id, tenant_id, device_id, dedup_key, timeliness, payload from messages
    where (tenant_id, device_id, dedup_key) in (values ${sql.join(lookups.map((l) => sql`(${l.tenantId}, ${l.deviceId}, ${l.key})`))})
    and ${sql.raw(INDEXED_IDENTITY)}`;
}

/** Capture storage over Kysely, in the caller's transaction `tx` (PostgreSQL's path). */
export function kyselyCaptureStorage(tx: Store): CaptureStorage {
  const db = tx.db;
  return {
    async typeSettings(tenantId, typeIds) {
      return db
        .selectFrom('device_types')
        .select(['id', 'capture'])
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', [...typeIds])
        .execute();
    },

    async lockDevices(keys) {
      // Several writers (worker processes) may share the database: each batch holds its
      // devices' locks until commit, so that device state, gaps and identities are read
      // and written by one batch at a time. Sorted by the caller, so that two batches
      // never wait on each other in a cycle.
      await lockKeys(tx, keys);
    },

    async deviceStates(tenantId, deviceIds) {
      return db
        .selectFrom('device_state')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('device_id', 'in', [...deviceIds])
        .execute();
    },

    async storedIdentities(lookups: readonly IdentityLookup[]) {
      const found: StoredIdentity[] = [];
      // Row values, not an IN list per column (that would probe the cross product).
      for (let start = 0; start < lookups.length; start += 2000) {
        const chunk = lookups.slice(start, start + 2000);
        const rows = await storedIdentitiesQuery(chunk).execute(db);
        found.push(...rows.rows);
      }
      return found;
    },

    async storedDeliveries(lookups) {
      const found: StoredDelivery[] = [];
      for (const lookup of lookups) {
        // The table is not in the typed schema: capture owns it alone (migration 0011).
        const { rows } = await sql<{
          connection: string;
          message_id: string;
          payload: Buffer | null;
          timeliness: string | null;
        }>`select d.connection, d.message_id, m.payload, m.timeliness from capture_deliveries d left join messages m on m.id = d.message_id
          where d.tenant_id = ${lookup.tenantId} and d.device_id = ${lookup.deviceId} and d.session = ${lookup.session} and d.packet_id = ${lookup.packetId}`.execute(
          db,
        );
        const row = rows[0];
        if (row)
          found.push({
            ...lookup,
            connection: row.connection,
            messageId: row.message_id,
            payload: row.payload ?? undefined,
            timeliness: row.timeliness ?? undefined,
          });
      }
      return found;
    },

    async openGaps(tenantId, deviceId) {
      const rows = await db
        .selectFrom('sequence_gaps')
        .select(['id', 'from_seq', 'to_seq'])
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .where('closed_at', 'is', null)
        .execute();
      return rows.map((g) => ({ id: g.id, from_seq: Number(g.from_seq), to_seq: Number(g.to_seq) }));
    },

    async apply(writes: CaptureWrites, now: number) {
      for (let start = 0; start < writes.messages.length; start += 200) {
        await db
          .insertInto('messages')
          .values(writes.messages.slice(start, start + 200))
          .execute();
      }
      for (let start = 0; start < writes.receptions.length; start += 300) {
        await db
          .insertInto('receptions')
          .values(writes.receptions.slice(start, start + 300))
          .onConflict((oc) => oc.columns(['message_id', 'station']).doNothing())
          .execute();
      }
      // One multi-row upsert for the states of every device the batch touched.
      for (let start = 0; start < writes.states.length; start += 200) {
        await db
          .insertInto('device_state')
          .values(writes.states.slice(start, start + 200))
          .onConflict((oc) =>
            oc.columns(['tenant_id', 'device_id']).doUpdateSet((eb) => ({
              last_seen_at: eb.ref('excluded.last_seen_at'),
              last_message_id: eb.ref('excluded.last_message_id'),
              latest_message_id: eb.ref('excluded.latest_message_id'),
              latest_device_time: eb.ref('excluded.latest_device_time'),
              seq_max: eb.ref('excluded.seq_max'),
              seq_time: eb.ref('excluded.seq_time'),
              seq_resets: eb.ref('excluded.seq_resets'),
              message_count: eb.ref('excluded.message_count'),
              duplicate_count: eb.ref('excluded.duplicate_count'),
              out_of_order_count: eb.ref('excluded.out_of_order_count'),
            })),
          )
          .execute();
      }
      for (const f of writes.forgets)
        await sql`delete from capture_deliveries where tenant_id = ${f.tenantId} and device_id = ${f.deviceId} and session = ${f.session} and connection <> ${f.connection}`.execute(
          db,
        );
      for (let start = 0; start < writes.deliveries.length; start += 200) {
        const rows = writes.deliveries.slice(start, start + 200);
        await sql`insert into capture_deliveries (tenant_id, device_id, session, packet_id, connection, message_id)
          values ${sql.join(rows.map((d) => sql`(${d.tenantId}, ${d.deviceId}, ${d.session}, ${d.packetId}, ${d.connection}, ${d.messageId})`))}
          on conflict (tenant_id, device_id, session, packet_id) do update set connection = excluded.connection, message_id = excluded.message_id`.execute(
          db,
        );
      }
      if (writes.gapInserts.length > 0)
        await db
          .insertInto('sequence_gaps')
          .values([...writes.gapInserts])
          .execute();
      for (const [id, update] of writes.gapUpdates) {
        if ('closed_by' in update) {
          await db
            .updateTable('sequence_gaps')
            .set({ closed_at: now, closed_by: update.closed_by })
            .where('id', '=', id)
            .execute();
        } else {
          await db.updateTable('sequence_gaps').set(update).where('id', '=', id).execute();
        }
      }
      const positions = new Map<string, number>();
      for (const [tenantId, entries] of writes.changes)
        positions.set(tenantId, await appendChanges(tx, tenantId, entries, now));
      return positions;
    },
  };
}
