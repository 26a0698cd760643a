import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../test/support/databases.js';
import { describeEachDialect } from '../../test/support/dialect-suites.js';
import { openPostgresStore } from './dialects/postgres/postgres-store.js';
import { openSqliteStore } from './dialects/sqlite/sqlite-store.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';
import type { Store } from './store.js';

describeEachDialect('migrations', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await dialect.create();
    store = database.databaseUrl
      ? openPostgresStore({ url: database.databaseUrl, poolSize: 2 })
      : openSqliteStore({ file: `${database.dataDir}/fleetport.db` });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('applies a migration numbered before one already applied: changes developed side by side land in either order', async () => {
    // A database that ran 0013 (commands) while 0012 (twins) was still on its branch
    // (with 0016, which builds on 0012's tables).
    const { '0012-twins': twins, '0016-twin-downlinks': downlinks, ...without } = migrations;
    expect(twins).toBeDefined();
    expect(downlinks).toBeDefined();
    const first = await migrateToLatest(store.db, without);
    expect(first.applied).toContain('0013-commands');
    expect(first.applied).not.toContain('0012-twins');
    const second = await migrateToLatest(store.db);
    expect(second.applied).toEqual(['0012-twins', '0016-twin-downlinks']);
    expect((await migrateToLatest(store.db)).applied).toEqual([]);
  });
});
