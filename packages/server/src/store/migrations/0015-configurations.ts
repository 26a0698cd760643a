import type { Kysely } from 'kysely';

/**
 * Fleet configurations (modules/configurations). `configurations` holds each one: its
 * target condition (CEL), priority, desired content, labels and custom metrics (JSON
 * text). `applied_version` is the last version the applier went over every device
 * with. A deleted one keeps its row, marked `deleted_at`, until the applier has taken
 * its properties off the devices it targeted; then the row goes.
 *
 * `configuration_targets` is the membership the applier maintains: one row per
 * (configuration, device) that the target matches now, with the reason the last apply to
 * that device failed (its desired document would break the twin limits), if it did. The
 * index by device serves "which configurations target this device".
 *
 * `configuration_metrics` keeps the periodic snapshots of each configuration's metrics.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('configurations')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('applied_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('configurations_pk', ['tenant_id', 'id'])
    .addForeignKeyConstraint('configurations_tenant_fk', ['tenant_id'], 'tenants', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('configuration_targets')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('configuration_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('configuration_targets_pk', ['tenant_id', 'configuration_id', 'device_id'])
    .addForeignKeyConstraint(
      'configuration_targets_configuration_fk',
      ['tenant_id', 'configuration_id'],
      'configurations',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'configuration_targets_device_fk',
      ['tenant_id', 'device_id'],
      'devices',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('configuration_targets_device')
    .on('configuration_targets')
    .columns(['tenant_id', 'device_id', 'configuration_id'])
    .execute();

  await db.schema
    .createTable('configuration_metrics')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('configuration_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('metrics', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('configuration_metrics_pk', ['tenant_id', 'configuration_id', 'at'])
    .addForeignKeyConstraint(
      'configuration_metrics_configuration_fk',
      ['tenant_id', 'configuration_id'],
      'configurations',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('configuration_metrics').ifExists().execute();
  await db.schema.dropTable('configuration_targets').ifExists().execute();
  await db.schema.dropTable('configurations').ifExists().execute();
}
