import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Commands (modules/commands): one row per command or direct-method call with its current
 * status, and one row per status transition (`command_events`), written in the transaction
 * of the transition with its change. `idempotency_key` is unique per device, so a retried
 * create finds the first command. The queue index serves "the next commands of a device
 * over a transport": queued ones by priority (urgent first), then age.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('commands')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', postgres ? 'bytea' : 'blob')
    .addColumn('data', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('qos', 'integer', (c) => c.notNull())
    .addColumn('confirmed', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('backoff_ms', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('idempotency_key', 'text')
    .addColumn('twin_parameter', 'text')
    .addColumn('delivery_ref', 'text')
    .addColumn('result', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('commands_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('commands_device_queue')
    .on('commands')
    .columns(['tenant_id', 'device_id', 'transport', 'status', 'priority', 'created_at'])
    .execute();
  await db.schema
    .createIndex('commands_device_history')
    .on('commands')
    .columns(['tenant_id', 'device_id', 'id'])
    .execute();
  await db.schema
    .createIndex('commands_idempotency')
    .on('commands')
    .columns(['tenant_id', 'device_id', 'idempotency_key'])
    // NULLs are distinct in a unique index (both dialects): commands without a key never clash.
    .unique()
    .execute();
  await db.schema
    .createTable('command_events')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('command_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('command_events_pkey', ['tenant_id', 'command_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('command_events_device')
    .on('command_events')
    .columns(['tenant_id', 'device_id', 'at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('command_events').ifExists().execute();
  await db.schema.dropTable('commands').ifExists().execute();
}
