import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * The MQTT broker's durable state: persistent sessions with their subscriptions, the
 * messages on their way to each session (queued or in flight), incoming QoS 2 packet ids
 * and retained messages. Keys lead with the tenant; there are no secondary indexes: every
 * read is by primary-key prefix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const blob = postgres ? 'bytea' : 'blob';

  await db.schema
    .createTable('mqtt_sessions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('expiry_interval', 'bigint', (c) => c.notNull())
    .addColumn('disconnected_at', 'bigint')
    .addColumn('protocol_version', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mqtt_sessions_pk', ['tenant_id', 'client_id'])
    .execute();

  await db.schema
    .createTable('mqtt_subscriptions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('filter', 'text', (c) => c.notNull())
    .addColumn('qos', 'integer', (c) => c.notNull())
    .addColumn('no_local', 'integer', (c) => c.notNull())
    .addColumn('retain_as_published', 'integer', (c) => c.notNull())
    .addColumn('retain_handling', 'integer', (c) => c.notNull())
    .addColumn('subscription_id', 'integer')
    .addPrimaryKeyConstraint('mqtt_subscriptions_pk', ['tenant_id', 'client_id', 'filter'])
    .execute();

  await db.schema
    .createTable('mqtt_outgoing')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('packet_id', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('qos', 'integer', (c) => c.notNull())
    .addColumn('retain', 'integer', (c) => c.notNull())
    .addColumn('subscription_ids', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', blob, (c) => c.notNull())
    .addColumn('message_qos', 'integer', (c) => c.notNull())
    .addColumn('message_retain', 'integer', (c) => c.notNull())
    .addColumn('properties', 'text')
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('mqtt_outgoing_pk', ['tenant_id', 'client_id', 'seq'])
    .execute();

  await db.schema
    .createTable('mqtt_incoming')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('packet_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mqtt_incoming_pk', ['tenant_id', 'client_id', 'packet_id'])
    .execute();

  await db.schema
    .createTable('mqtt_retained')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('payload', blob, (c) => c.notNull())
    .addColumn('qos', 'integer', (c) => c.notNull())
    .addColumn('properties', 'text')
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('mqtt_retained_pk', ['tenant_id', 'topic'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'mqtt_retained',
    'mqtt_incoming',
    'mqtt_outgoing',
    'mqtt_subscriptions',
    'mqtt_sessions',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
