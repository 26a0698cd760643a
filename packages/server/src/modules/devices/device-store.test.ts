import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import type { Store } from '../../store/store.js';
import { countDevices, insertDevicesIn, listDevices, type NewDeviceRow } from './device-store.js';

const FLEET = 2_500;

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`device store (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      await seedTenantWithTypes(store, 't', { x: {} });
      const rows: NewDeviceRow[] = Array.from({ length: FLEET }, (_, i) => ({
        tenant_id: 't',
        id: `d${String(i).padStart(5, '0')}`,
        type_id: 'x',
        name: '',
        tags: JSON.stringify({ n: String(i % 5), ...(i % 2 === 0 ? { even: 'yes' } : {}) }),
        attributes: '{}',
        version: 1,
        created_at: 1,
        updated_at: 1,
        deleted_at: null,
      }));
      await store.db.transaction().execute((trx) => insertDevicesIn(trx, rows));
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('pages a tag-filtered fleet larger than a page by cursor, each match exactly once', async () => {
      const filter = { tags: [{ key: 'n', value: '3' }, { key: 'even' }], deleted: 'exclude' as const };
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await listDevices(store, 't', filter, { after, limit: 100 });
        seen.push(...page.map((d) => d.id));
        if (page.length < 100) break;
        after = page.at(-1)?.id;
      }
      const expected = Array.from({ length: FLEET }, (_, i) => i)
        .filter((i) => i % 5 === 3 && i % 2 === 0)
        .map((i) => `d${String(i).padStart(5, '0')}`);
      expect(seen).toEqual(expected);
      expect(await countDevices(store, 't', filter)).toBe(expected.length);
    });

    it('finds nothing for a tag of another tenant or a missing value', async () => {
      expect(
        await listDevices(store, 'other', { tags: [{ key: 'n' }], deleted: 'exclude' }, { limit: 10 }),
      ).toEqual([]);
      expect(
        await listDevices(
          store,
          't',
          { tags: [{ key: 'n', value: 'nope' }], deleted: 'exclude' },
          { limit: 10 },
        ),
      ).toEqual([]);
    });
  });
}
