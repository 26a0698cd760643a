import { afterAll, beforeAll, describe } from 'vitest';
import type { DialectName, Store } from '../../src/store/store.js';
import { type DialectCase, dialectCases, openTestStore, type TestDatabase } from './databases.js';

/**
 * Declares a suite once per dialect, on a real SQLite file and on the run's throwaway
 * PostgreSQL, named `${name} (${dialect})`. Without PostgreSQL (outside CI only) its copy
 * of the suite is skipped, as every other dialect suite is.
 *
 * @example
 * describeEachDialect('device store', (dialect) => {
 *   const db = suiteStore(dialect);
 *   it('finds what it stored', async () => { await db.store.ping(); });
 * });
 */
export function describeEachDialect(name: string, fn: (dialect: DialectCase) => void): void {
  for (const dialect of dialectCases()) {
    describe.skipIf(!dialect.available)(`${name} (${dialect.name})`, () => fn(dialect));
  }
}

/** The database and migrated store of one suite; read them inside tests and hooks. */
export interface SuiteStore {
  readonly dialect: DialectName;
  readonly database: TestDatabase;
  readonly store: Store;
}

/**
 * A fresh database and migrated store for the enclosing suite: made before its first
 * test, closed and dropped after its last. Call it inside a `describe`.
 */
export function suiteStore(dialect: DialectCase): SuiteStore {
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    database = await dialect.create();
    store = await openTestStore(database);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });
  return {
    dialect: dialect.name,
    get database() {
      if (database === undefined) throw new Error('suiteStore: the database is made in beforeAll');
      return database;
    },
    get store() {
      if (store === undefined) throw new Error('suiteStore: the store is opened in beforeAll');
      return store;
    },
  };
}
