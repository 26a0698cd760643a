export { openPostgresStore } from './dialects/postgres/postgres-store.js';
export { openSqliteStore } from './dialects/sqlite/sqlite-store.js';
export { migrateToLatest } from './migrate.js';
export { openStore } from './open-store.js';
export type { Database } from './schema.js';
export {
  type DialectName,
  type EmbeddedConnection,
  type EmbeddedWorkerSpec,
  guarded,
  lockKeys,
  type Store,
  transact,
  transactSyncedAfter,
} from './store.js';
