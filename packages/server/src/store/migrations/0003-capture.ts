import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Capture: messages with their receptions, per-device sequence state and gaps, the
 * capture settings of device types and the secrets network servers call back with.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema
    .alterTable('device_types')
    .addColumn('capture', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();

  await db.schema
    .createTable('callback_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addForeignKeyConstraint(
      'callback_secrets_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  // One row per frame, whatever number of base stations heard it. Deliberately few
  // indexes: every index costs on the ingest path.
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('device_time', 'bigint')
    .addColumn('seq', 'bigint')
    .addColumn('message_id', 'text')
    .addColumn('payload', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('payload_json', 'text')
    .addColumn('timeliness', 'text', (c) => c.notNull())
    .addColumn('out_of_order', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sequence_event', 'text')
    .addColumn('stored_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('messages_identity')
    .on('messages')
    .columns(['tenant_id', 'device_id', 'dedup_key'])
    .unique()
    .execute();
  await db.schema
    .createIndex('messages_history')
    .on('messages')
    .columns(['tenant_id', 'device_id', 'received_at', 'id'])
    .execute();

  await db.schema
    .createTable('receptions')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('station', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('rssi', 'real')
    .addColumn('snr', 'real')
    .addColumn('lat', 'real')
    .addColumn('lng', 'real')
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addPrimaryKeyConstraint('receptions_pk', ['message_id', 'station'])
    .execute();

  await db.schema
    .createTable('device_state')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_message_id', 'text', (c) => c.notNull())
    .addColumn('latest_message_id', 'text')
    .addColumn('latest_device_time', 'bigint')
    .addColumn('seq_max', 'bigint')
    .addColumn('seq_time', 'bigint')
    .addColumn('seq_resets', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicate_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('out_of_order_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('device_state_pk', ['tenant_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('sequence_gaps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('from_seq', 'bigint', (c) => c.notNull())
    .addColumn('to_seq', 'bigint', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by', 'text')
    .execute();
  await db.schema
    .createIndex('sequence_gaps_device')
    .on('sequence_gaps')
    .columns(['tenant_id', 'device_id', 'closed_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['sequence_gaps', 'device_state', 'receptions', 'messages', 'callback_secrets']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.alterTable('device_types').dropColumn('capture').execute();
}
