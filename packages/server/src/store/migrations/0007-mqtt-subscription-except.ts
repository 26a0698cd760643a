import type { Kysely } from 'kysely';

/**
 * A subscription granted without some of its topics (a tenant policy denies part of
 * it): the excepted filters, as a JSON array, so that they still hold after a restart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mqtt_subscriptions').addColumn('except_filters', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mqtt_subscriptions').dropColumn('except_filters').execute();
}
