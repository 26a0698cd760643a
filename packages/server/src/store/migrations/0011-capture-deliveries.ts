import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * The packet ids of MQTT uplinks that are stored while their client may not have seen the
 * PUBACK (or PUBREC): one row per session and packet id, written in the transaction that
 * stores the message, so that a resend after a crash finds it (docs/MESSAGES.md, "MQTT
 * retransmissions"). A session holds at most 65,535 rows, and rows of its earlier
 * connections are deleted once a new connection is past its resends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('capture_deliveries')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('session', 'text', (c) => c.notNull())
    .addColumn('packet_id', 'integer', (c) => c.notNull())
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('capture_deliveries_pkey', ['tenant_id', 'device_id', 'session', 'packet_id'])
    // SQLite: the primary key is the table, so an upsert writes one B-tree, not two.
    .$call((table) => (postgres ? table : table.modifyEnd(sql`without rowid`)))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('capture_deliveries').execute();
}
