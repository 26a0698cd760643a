import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Notifications of alerts (modules/notifications, docs/NOTIFICATIONS.md).
 *
 * `notification_channels`: a tenant's ways out (an e-mail address list, a signed webhook
 * URL, an MQTT topic), their settings as JSON and, for webhooks, the signing secret.
 * `notification_recipients`: who is told what: alert types, severities and changes,
 * the channels (JSON ids), quiet hours and immediate or digest delivery.
 * `notifications`: one message to one channel of one recipient, gathering alerts until
 * it is sealed, then sent (numbered by `seq`, the message id). `notification_items` are
 * its alerts, one per feed change; `notification_attempts` the log of its tries.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const serial = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) =>
        postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
      );

  await db.schema
    .createTable('notification_channels')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_channels_pkey', ['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('notification_recipients')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('channel_ids', 'text', (c) => c.notNull())
    .addColumn('preferences', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_recipients_pkey', ['tenant_id', 'id'])
    .execute();

  await serial('notifications')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('items', 'integer', (c) => c.notNull())
    .addColumn('send_at', 'bigint', (c) => c.notNull())
    .addColumn('sealed_at', 'bigint')
    .addColumn('subject', 'text')
    .addColumn('body', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notifications_tenant')
    .on('notifications')
    .columns(['tenant_id', 'seq'])
    .execute();
  // The one message of a recipient's channel still gathering alerts, found per change.
  await db.schema
    .createIndex('notifications_gathering')
    .on('notifications')
    .columns(['tenant_id', 'recipient_id', 'channel_id'])
    .where(sql<boolean>`status = 'gathering'`)
    .execute();

  await db.schema
    .createTable('notification_items')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('notification_seq', 'bigint', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('alert', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_items_pkey', ['notification_seq', 'position'])
    .execute();

  await serial('notification_attempts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('notification_seq', 'bigint', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notification_attempts_notification')
    .on('notification_attempts')
    .columns(['notification_seq', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'notification_attempts',
    'notification_items',
    'notifications',
    'notification_recipients',
    'notification_channels',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
