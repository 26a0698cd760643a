import type { Kysely } from 'kysely';

/**
 * Desired state for devices without a session (modules/twins, docs/TWINS.md).
 *
 * `twin_delivery` is a device type's choice of how desired values reach its devices:
 * `mqtt` (the default, no row: deltas to a session, the twin read over HTTP) or as
 * downlinks on the command queue (`sigfox`, `http`), with the groups of properties one
 * downlink carries together and the retry policy of those downlinks (JSON).
 *
 * `twin_parameters.command_id` links a parameter to the downlink that carries it (several
 * parameters of a group share one); `error_code` says why a parameter failed, beside the
 * human `error`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('twin_delivery')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('delivery', 'text', (c) => c.notNull())
    .addColumn('downlink', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('twin_delivery_pk', ['tenant_id', 'type_id'])
    .addForeignKeyConstraint(
      'twin_delivery_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.alterTable('twin_parameters').addColumn('command_id', 'text').execute();
  await db.schema.alterTable('twin_parameters').addColumn('error_code', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('twin_parameters').dropColumn('error_code').execute();
  await db.schema.alterTable('twin_parameters').dropColumn('command_id').execute();
  await db.schema.dropTable('twin_delivery').ifExists().execute();
}
