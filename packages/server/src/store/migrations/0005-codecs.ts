import type { Kysely } from 'kysely';

/**
 * Codecs: a device type's codec (kind, source, version) and its history, codec variables
 * on device types and devices, what decoding made of each message, re-decode jobs, and
 * the decoder's checkpoint for catching up after a restart.
 *
 * Decodes live in their own table rather than in columns of `messages`: capture writes a
 * message once, in its hot transaction, and decoding comes later; an UPDATE of `messages`
 * would rewrite the whole row (payload included) and touch every index of that table
 * (on PostgreSQL a new tuple version, i.e. bloat), while an insert here is append-only,
 * narrow and has one index. A re-decode overwrites its row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('device_types').addColumn('codec_kind', 'text').execute();
  await db.schema.alterTable('device_types').addColumn('codec_source', 'text').execute();
  await db.schema
    .alterTable('device_types')
    .addColumn('codec_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('device_types').addColumn('codec_updated_at', 'bigint').execute();
  await db.schema
    .alterTable('device_types')
    .addColumn('variables', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .alterTable('devices')
    .addColumn('variables', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();

  // One row per codec change: the audit trail (who, when, from which version to which).
  await db.schema
    .createTable('codec_versions')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('previous_version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text')
    .addColumn('source', 'text')
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('codec_versions_pk', ['tenant_id', 'type_id', 'version'])
    .addForeignKeyConstraint(
      'codec_versions_type_fk',
      ['tenant_id', 'type_id'],
      'device_types',
      ['tenant_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('message_decodes')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('codec_version', 'integer', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('warnings', 'text', (c) => c.notNull())
    .addColumn('errors', 'text', (c) => c.notNull())
    .addColumn('decoded_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('total', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('done', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();

  // Named values the decoder keeps between runs (its catch-up checkpoint).
  await db.schema
    .createTable('codec_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['codec_state', 'jobs', 'message_decodes', 'codec_versions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await db.schema.alterTable('devices').dropColumn('variables').execute();
  for (const column of ['variables', 'codec_updated_at', 'codec_version', 'codec_source', 'codec_kind']) {
    await db.schema.alterTable('device_types').dropColumn(column).execute();
  }
}
