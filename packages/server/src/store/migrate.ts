import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export interface MigrationReport {
  readonly applied: readonly string[];
}

/** Applies every pending migration (`all`: tests give a subset); throws when one fails, naming it. */
export async function migrateToLatest(
  db: Kysely<Database>,
  all: Readonly<Record<string, Migration>> = migrations,
): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => all },
    migrationTableName: 'fleetport_migrations',
    migrationLockTableName: 'fleetport_migrations_lock',
    // Numbers are taken by changes developed side by side: a database that ran 0013 before
    // 0012 existed must still take 0012 when it arrives, not refuse to start.
    allowUnorderedMigrations: true,
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(result.error)}`, {
      cause: result.error,
    });
  }
  return {
    applied: (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
  };
}
