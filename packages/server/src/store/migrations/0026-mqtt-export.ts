import type { Kysely } from 'kysely';

/**
 * MQTT export (modules/mqtt-export, docs/INTEGRATIONS.md): whether a tenant's changes are
 * published on the broker's `$fleetport/…` topics, and the feed position at which the
 * export was last turned on (older changes are not published).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('mqtt_export_settings')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('start_after', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('mqtt_export_settings').execute();
}
