import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../../test/support/databases.js';
import type { Store } from '../../../store/store.js';
import { storedIdentitiesQuery } from './kysely-capture-storage.js';
import { SQLITE_IDENTITY_LOOKUP } from './sqlite-capture-storage.js';

/**
 * The identity index is partial (it leaves out `u:` keys, migration 0008): a lookup that
 * did not name its predicate would scan every message of the table on every batch, which
 * no functional test would notice. The plans must name the index.
 */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`identity lookups (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('probe the partial identity index', async () => {
      let plan: string;
      if (store.dialect === 'sqlite') {
        const connection = new SqliteDatabase(store.location, { readonly: true });
        try {
          const rows = connection
            .prepare<[string, string, string], { detail: string }>(
              `explain query plan ${SQLITE_IDENTITY_LOOKUP}`,
            )
            .all('t', 'd', 'seq:1:2');
          plan = rows.map((row) => row.detail).join('\n');
        } finally {
          connection.close();
        }
      } else {
        plan = await store.db.transaction().execute(async (tx) => {
          // A tiny table is cheaper to scan: forbid that, so the plan shows whether the index can serve.
          await sql`set local enable_seqscan = off`.execute(tx);
          const query = storedIdentitiesQuery([
            { tenantId: 't', deviceId: 'd', key: 'seq:1:2' },
            { tenantId: 't', deviceId: 'e', key: 'mid:x' },
          ]);
          const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(tx);
          return rows.map((row) => row['QUERY PLAN']).join('\n');
        });
      }
      expect(plan).toContain('messages_identity');
    });
  });
}
