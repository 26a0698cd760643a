import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * The change feed. `position` is a database-assigned, ever-increasing number; writers take
 * a per-tenant lock before taking a position (see modules/changes/change-store.ts), so that
 * positions become visible in the order they were handed out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('changes')
    .addColumn('position', postgres ? 'bigserial' : 'integer', (c) =>
      // AUTOINCREMENT: SQLite never hands out a position again, even after deletes.
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('changes_tenant_position')
    .on('changes')
    .columns(['tenant_id', 'position'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('changes').ifExists().execute();
}
