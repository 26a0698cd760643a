import { type Kysely, sql } from 'kysely';

/**
 * The identity index leaves out the messages whose identity is their own id (dedup key
 * `u:<id>`: an MQTT publish without DUP, new by the protocol's word): nothing looks them
 * up, and indexing them cost every such uplink a B-tree insert and about a sixth of its
 * commit's WAL pages. Lookups name the same predicate, so that both SQLite and PostgreSQL
 * use the index (see `INDEXED_IDENTITY` in the capture storage).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_identity').execute();
  await sql`create unique index messages_identity on messages (tenant_id, device_id, dedup_key) where dedup_key not like 'u:%'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('messages_identity').execute();
  await db.schema
    .createIndex('messages_identity')
    .on('messages')
    .columns(['tenant_id', 'device_id', 'dedup_key'])
    .unique()
    .execute();
}
