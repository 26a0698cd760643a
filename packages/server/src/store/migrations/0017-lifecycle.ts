import type { Kysely } from 'kysely';

/**
 * Device lifecycle, network contracts and service subscriptions (modules/lifecycle).
 *
 * `devices.lifecycle` is the device's state (docs/LIFECYCLE.md), on the device row so that
 * lists, conditions and the decoder read it without a join; `lifecycle_at` is when it was
 * entered (null: since the device was created) and `activated_at` the first activation,
 * kept through later states. Devices that existed before this migration start in
 * `manufactured`; their next uplink on a production type activates them.
 *
 * `lifecycle_transitions` is the audit trail: one row per transition, who or what made it
 * (a principal's key id, or `platform` with its rule) and why, numbered per device (`seq`). `device_type_lifecycle`
 * holds a type's stage (test, production, none), which decides its automatic transitions;
 * a type without a row is a production type.
 *
 * `network_contracts` hold tokens; a device uses one token of the contract it is assigned
 * to (`contract_devices`, one contract per device). `service_subscriptions` are per device.
 * The `*_warned_at` columns make each warning once; end dates are scheduler jobs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('devices')
    .addColumn('lifecycle', 'text', (c) => c.notNull().defaultTo('manufactured'))
    .execute();
  await db.schema.alterTable('devices').addColumn('lifecycle_at', 'bigint').execute();
  await db.schema.alterTable('devices').addColumn('activated_at', 'bigint').execute();
  await db.schema
    .createIndex('devices_lifecycle')
    .on('devices')
    .columns(['tenant_id', 'lifecycle', 'id'])
    .execute();

  await db.schema
    .createTable('lifecycle_transitions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('lifecycle_transitions_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createIndex('lifecycle_transitions_device')
    .on('lifecycle_transitions')
    .columns(['tenant_id', 'device_id', 'seq'])
    // One writer per device at a time (the state's compare-and-set) takes the next seq.
    .unique()
    .execute();

  await db.schema
    .createTable('device_type_lifecycle')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_type_lifecycle_pkey', ['tenant_id', 'type_id'])
    .addForeignKeyConstraint(
      'device_type_lifecycle_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('network_contracts')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('tokens', 'integer', (c) => c.notNull())
    .addColumn('low_tokens', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('warn_days', 'integer', (c) => c.notNull())
    .addColumn('ending_warned_at', 'bigint')
    .addColumn('low_warned_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_contracts_pkey', ['tenant_id', 'id'])
    .execute();

  await db.schema
    .createTable('contract_devices')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('contract_id', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_devices_pkey', ['tenant_id', 'device_id'])
    .addForeignKeyConstraint(
      'contract_devices_contract_fk',
      ['tenant_id', 'contract_id'],
      'network_contracts',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'contract_devices_device_fk',
      ['tenant_id', 'device_id'],
      'devices',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('contract_devices_contract')
    .on('contract_devices')
    .columns(['tenant_id', 'contract_id', 'device_id'])
    .execute();

  await db.schema
    .createTable('service_subscriptions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('warn_days', 'integer', (c) => c.notNull())
    .addColumn('ending_warned_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_subscriptions_pkey', ['tenant_id', 'device_id'])
    .addForeignKeyConstraint(
      'service_subscriptions_device_fk',
      ['tenant_id', 'device_id'],
      'devices',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'service_subscriptions',
    'contract_devices',
    'network_contracts',
    'device_type_lifecycle',
    'lifecycle_transitions',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.dropIndex('devices_lifecycle').ifExists().execute();
  await db.schema.alterTable('devices').dropColumn('activated_at').execute();
  await db.schema.alterTable('devices').dropColumn('lifecycle_at').execute();
  await db.schema.alterTable('devices').dropColumn('lifecycle').execute();
}
