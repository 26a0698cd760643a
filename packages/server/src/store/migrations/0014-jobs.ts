import { type Kysely, sql } from 'kysely';

/**
 * Fleet jobs (modules/jobs): one row per job with its settings and its progress counts,
 * and one row per targeted device with its execution. `fleet_` because `jobs` holds the
 * codecs' re-decode jobs. The devices' status index serves "the next pending devices of a
 * job" and the per-status listing; the deadline index finds timed-out executions; the
 * partial index on executions in progress finds the ones a twin change may finish.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fleet_jobs')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('target_where', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('rate_per_minute', 'integer')
    .addColumn('max_concurrency', 'integer')
    .addColumn('timeout_ms', 'bigint')
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('abort_failed_percent', 'real')
    .addColumn('abort_min_finished', 'integer')
    .addColumn('resolved', 'integer', (c) => c.notNull())
    .addColumn('resolve_cursor', 'text')
    .addColumn('next_slot_at', 'bigint', (c) => c.notNull())
    .addColumn('targeted', 'integer', (c) => c.notNull())
    .addColumn('pending', 'integer', (c) => c.notNull())
    .addColumn('in_progress', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addColumn('failed', 'integer', (c) => c.notNull())
    .addColumn('timed_out', 'integer', (c) => c.notNull())
    .addColumn('cancelled', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('fleet_jobs_pkey', ['tenant_id', 'id'])
    .execute();
  await db.schema
    .createTable('fleet_job_devices')
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('command_id', 'text')
    .addColumn('twin_version', 'bigint')
    .addColumn('deadline_at', 'bigint')
    .addColumn('error', 'text')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('fleet_job_devices_pkey', ['tenant_id', 'job_id', 'device_id'])
    .execute();
  await db.schema
    .createIndex('fleet_job_devices_status')
    .on('fleet_job_devices')
    .columns(['tenant_id', 'job_id', 'status', 'device_id'])
    .execute();
  await db.schema
    .createIndex('fleet_job_devices_deadline')
    .on('fleet_job_devices')
    .columns(['tenant_id', 'job_id', 'deadline_at'])
    .where(sql<boolean>`deadline_at is not null`)
    .execute();
  await db.schema
    .createIndex('fleet_job_devices_running')
    .on('fleet_job_devices')
    .columns(['tenant_id', 'device_id'])
    .where(sql<boolean>`status = 'in_progress'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('fleet_job_devices').ifExists().execute();
  await db.schema.dropTable('fleet_jobs').ifExists().execute();
}
