import { type Kysely, sql } from 'kysely';

/**
 * Alerts and silent devices (modules/alerts, docs/ALERTS.md).
 *
 * `alerts` holds one row per alert. While an alert is not cleared it is the only one of
 * its tenant, type and subject (`dedup_key`: `d:<deviceId>` or `f:<subject>` for fleet
 * alerts): a partial unique index makes a repeated raise find it and count an occurrence
 * instead of opening another. Ids are UUIDv7 of the first occurrence, so the newest-first
 * keyset pages and the time filter both walk the primary key. `alert_events` is each
 * alert's history: transitions and comments, who and when, numbered per alert.
 *
 * `device_silence` watches a device once it has sent an uplink: `due_at` is when it
 * becomes silent, on the silence clock (wall time less the server's recorded downtimes,
 * see `silence_downtimes`), indexed so that a scan reads only the devices that are due.
 * `interval_s` overrides the type's expected uplink interval for that device.
 * `silence_clock` is one row: when a server last showed it was running.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alerts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('subject', 'text')
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('cleared_at', 'bigint')
    .addColumn('cleared_by', 'text')
    .addColumn('events', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alerts_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('alerts_active_dedup')
    .on('alerts')
    .columns(['tenant_id', 'type', 'dedup_key'])
    .unique()
    .where(sql.ref('state'), '<>', 'cleared')
    .execute();
  await db.schema.createIndex('alerts_state').on('alerts').columns(['tenant_id', 'state', 'id']).execute();
  await db.schema
    .createIndex('alerts_device')
    .on('alerts')
    .columns(['tenant_id', 'device_id', 'id'])
    .execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_events_pkey', ['tenant_id', 'alert_id', 'seq'])
    .execute();

  await db.schema
    .createTable('device_silence')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('silent_since', 'bigint')
    .addColumn('interval_s', 'integer')
    .addPrimaryKeyConstraint('device_silence_pkey', ['tenant_id', 'device_id'])
    .execute();
  await db.schema.createIndex('device_silence_due').on('device_silence').column('due_at').execute();

  await db.schema
    .createTable('silence_clock')
    .addColumn('id', 'integer', (c) => c.notNull().primaryKey())
    .addColumn('alive_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('silence_downtimes')
    .addColumn('from_at', 'bigint', (c) => c.notNull().primaryKey())
    .addColumn('to_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['silence_downtimes', 'silence_clock', 'device_silence', 'alert_events', 'alerts']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
