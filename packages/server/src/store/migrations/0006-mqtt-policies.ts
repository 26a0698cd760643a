import type { Kysely } from 'kysely';

/**
 * Per-tenant MQTT topic policies: allow or deny publish/subscribe on a topic filter,
 * optionally for one kind of client. Read whole per tenant (a handful of rows), so the
 * primary key `(tenant_id, id)` is the only index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mqtt_topic_policies')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('principal', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mqtt_topic_policies_pk', ['tenant_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mqtt_topic_policies').execute();
}
