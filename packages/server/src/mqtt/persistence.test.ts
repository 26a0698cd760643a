import { openTestStore } from '../../test/support/databases.js';
import { describeEachDialect } from '../../test/support/dialect-suites.js';
import { MemoryPersistence } from './memory-persistence.js';
import { describePersistenceContract } from './persistence-contract.js';
import { SqlPersistence } from './sql-persistence.js';

describePersistenceContract('memory', async () => {
  const persistence = new MemoryPersistence();
  return { persistence, reopen: async () => persistence, dispose: async () => {} };
});

describeEachDialect('broker persistence', (dialect) =>
  describePersistenceContract(`sql (${dialect.name})`, async () => {
    const database = await dialect.create();
    const stores = [await openTestStore(database)];
    const first = stores[0];
    if (first === undefined) throw new Error('no store');
    return {
      persistence: new SqlPersistence(first),
      // A restart: a new connection to the same database.
      async reopen() {
        const store = await openTestStore(database);
        stores.push(store);
        return new SqlPersistence(store);
      },
      async dispose() {
        for (const store of stores) await store.close();
        await database.drop();
      },
    };
  }),
);
