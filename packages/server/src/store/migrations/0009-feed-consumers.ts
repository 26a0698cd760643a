import type { Kysely } from 'kysely';

/**
 * Durable followers of the change feed (modules/changes/feed-consumer.ts). One row per
 * named consumer holds its lease: who runs it, until when, and a fence that every
 * takeover increments, so that a holder that lost the lease can no longer move a cursor.
 * Cursors are kept per tenant: a tenant's positions become visible in order, all tenants'
 * together do not (see the consumer).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('feed_consumers')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .addColumn('fence', 'bigint', (c) => c.notNull())
    // Where a tenant without a cursor starts: 0, or the newest position when the consumer was created.
    .addColumn('start_after', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('feed_cursors')
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_cursors_pk', ['consumer', 'tenant_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('feed_cursors').ifExists().execute();
  await db.schema.dropTable('feed_consumers').ifExists().execute();
}
