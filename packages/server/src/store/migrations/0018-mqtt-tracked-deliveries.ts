import type { Kysely } from 'kysely';

/**
 * A queued or in-flight message whose server-side sender wants to hear of its
 * acknowledgement (`StoredMessage.tracked`): the mark survives a restart, so a command
 * delivered when its device comes back to a stored session is still reported.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('mqtt_outgoing')
    .addColumn('tracked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mqtt_outgoing').dropColumn('tracked').execute();
}
