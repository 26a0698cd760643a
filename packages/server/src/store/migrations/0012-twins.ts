import { type Kysely, sql } from 'kysely';

/**
 * Device twins (modules/twins). `twins` holds one row per device that has one: the desired
 * and reported documents (JSON text), each with its version and its per-property
 * metadata (last update time and version of each top-level property).
 *
 * `twin_parameters` tracks the delivery of each desired property: one row per value set
 * (`version` is the desired version that set it), pending → sent → applied | failed |
 * superseded. A new value supersedes the previous unfinished row and older rows are
 * pruned, so a parameter has at most two rows. `set_by` records who set the value ('api'
 * today; a fleet configuration's id later), so configurations can own properties.
 *
 * `twin_parameters_open` is partial: it holds only the rows still open (pending, sent,
 * failed), usually a small part of the table, keyed so that "devices of a tenant with
 * pending or failed parameters" is a range scan of this index in device order.
 *
 * `twin_reported_fields` is what a device type declares: which decoded uplink fields are
 * reported properties.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('twins')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('desired', 'text', (c) => c.notNull())
    .addColumn('desired_meta', 'text', (c) => c.notNull())
    .addColumn('desired_version', 'bigint', (c) => c.notNull())
    .addColumn('reported', 'text', (c) => c.notNull())
    .addColumn('reported_meta', 'text', (c) => c.notNull())
    .addColumn('reported_version', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twins_pk', ['tenant_id', 'device_id'])
    .addForeignKeyConstraint(
      'twins_device_fk',
      ['tenant_id', 'device_id'],
      'devices',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('twin_parameters')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull())
    .addColumn('pending_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addColumn('applied_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('superseded_at', 'bigint')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twin_parameters_pk', ['tenant_id', 'device_id', 'name', 'version'])
    .addForeignKeyConstraint(
      'twin_parameters_twin_fk',
      ['tenant_id', 'device_id'],
      'twins',
      ['tenant_id', 'device_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('twin_parameters_open')
    .on('twin_parameters')
    .columns(['tenant_id', 'device_id', 'name', 'status'])
    .where(sql<boolean>`status in ('pending', 'sent', 'failed')`)
    .execute();

  await db.schema
    .createTable('twin_reported_fields')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twin_reported_fields_pk', ['tenant_id', 'type_id'])
    .addForeignKeyConstraint(
      'twin_reported_fields_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('twin_reported_fields').ifExists().execute();
  await db.schema.dropTable('twin_parameters').ifExists().execute();
  await db.schema.dropTable('twins').ifExists().execute();
}
