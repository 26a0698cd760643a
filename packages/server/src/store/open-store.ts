import path from 'node:path';
import type { Config } from '../config.js';
import { openPostgresStore } from './dialects/postgres/postgres-store.js';
import { openSqliteStore } from './dialects/sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the embedded store keeps its database inside the data dir. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'fleetport.db');
}

/** The composition root's choice of dialect: PostgreSQL when a URL is set, else SQLite. */
export function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'sqliteSynchronous' | 'databasePoolSize'>,
): Store {
  if (config.databaseUrl) {
    return openPostgresStore({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  }
  return openSqliteStore({
    file: sqliteFile(config.dataDir),
    synchronous: config.sqliteSynchronous,
  });
}
