import type { Kysely } from 'kysely';

/**
 * Durable timed work (modules/scheduler). One row per key: the handler's name, when it
 * runs next, its period when it repeats, and its failures. `version` changes at every
 * schedule and claim, so a run that finishes after its job was rescheduled, cancelled or
 * claimed again (its lease ran out) changes nothing. `lease_until` keeps other runners off
 * a job while one runs it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('scheduled_jobs')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('handler', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('every_ms', 'bigint')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('last_failed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scheduled_jobs_due').on('scheduled_jobs').columns(['run_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('scheduled_jobs').ifExists().execute();
}
