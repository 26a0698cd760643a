import type { Kysely } from 'kysely';

/**
 * Device health (modules/health, docs/HEALTH.md).
 *
 * `health_samples` holds one row per uplink and per Sigfox SERVICE callback: the signal of
 * its receptions (best RSSI and SNR, number of base stations) and the health metrics the
 * device type maps from decoded fields (battery, temperature, reboots, shock). Keyed by
 * device and sample time, so a device's range is one index range scan and buckets are
 * computed when read; the message id in the key makes a re-decode overwrite its own row
 * rather than add a second sample. `live` marks live uplinks: only they count towards
 * the crazy-device threshold. Written by the durable feed consumer `health.samples`, never
 * by capture, so ingest does not wait for it.
 *
 * `device_type_health` is a type's health settings: which decoded fields are which metric,
 * the battery level that counts as empty, and the crazy-device threshold (uplinks within a
 * window, and the quiet time after which a quarantined device is released).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('health_samples')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('live', 'integer', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('rssi', 'real')
    .addColumn('snr', 'real')
    .addColumn('stations', 'integer')
    .addColumn('battery', 'real')
    .addColumn('temperature', 'real')
    .addColumn('reboots', 'real')
    .addColumn('shock', 'real')
    .addPrimaryKeyConstraint('health_samples_pkey', ['tenant_id', 'device_id', 'at', 'id'])
    .execute();

  await db.schema
    .createTable('device_type_health')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('battery_empty', 'real')
    .addColumn('crazy_uplinks', 'integer')
    .addColumn('crazy_window_s', 'integer')
    .addColumn('quiet_s', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_type_health_pkey', ['tenant_id', 'type_id'])
    .addForeignKeyConstraint(
      'device_type_health_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('device_type_health').execute();
  await db.schema.dropTable('health_samples').execute();
}
