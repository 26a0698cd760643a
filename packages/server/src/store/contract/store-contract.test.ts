import { beforeAll, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { AppError } from '../../kernel/errors.js';
import { migrateToLatest } from '../migrate.js';
import type { Store } from '../store.js';
import { guarded } from '../store.js';

/**
 * The store contract: every dialect passes the same suite against a real database.
 * Repository behaviour (tenant scoping, keyset pages, compare-and-set) is covered by the
 * module suites, which run on both dialects too.
 */
describeEachDialect('store contract', (dialect) => {
  const suite = suiteStore(dialect);
  let store: Store;

  beforeAll(async () => {
    store = suite.store;
    await store.db
      .insertInto('tenants')
      .values({ id: 't1', name: 'T1', created_at: 1, updated_at: 1 })
      .execute();
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('applies migrations once: a second run applies nothing', async () => {
    const report = await migrateToLatest(store.db);
    expect(report.applied).toEqual([]);
  });

  it('round-trips 64-bit millisecond timestamps as numbers', async () => {
    const big = 4_102_444_800_123; // 2100-01-01
    await store.db
      .insertInto('tenants')
      .values({ id: 't-time', name: 'x', created_at: big, updated_at: big })
      .execute();
    const row = await store.db
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', 't-time')
      .executeTakeFirstOrThrow();
    expect(row.created_at).toBe(big);
    expect(typeof row.created_at).toBe('number');
  });

  it('turns a unique violation into already_exists', async () => {
    const error = await guarded(store, () =>
      store.db
        .insertInto('tenants')
        .values({ id: 't1', name: 'again', created_at: 1, updated_at: 1 })
        .execute(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('already_exists');
  });

  it('turns a foreign-key violation into conflict', async () => {
    const error = await guarded(store, () =>
      store.db
        .insertInto('devices')
        .values({
          tenant_id: 't1',
          id: 'd1',
          type_id: 'missing-type',
          name: '',
          tags: '{}',
          attributes: '{}',
          version: 1,
          created_at: 1,
          updated_at: 1,
          deleted_at: null,
        })
        .execute(),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('conflict');
  });

  it('leaves other errors untouched', async () => {
    const error = await guarded(store, () =>
      store.db
        .selectFrom('tenants')
        .select('no_such_column' as 'id')
        .execute(),
    ).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(AppError);
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('tenants')
          .values({ id: 't-rollback', name: 'x', created_at: 1, updated_at: 1 })
          .execute();
        await trx
          .insertInto('tenants')
          .values({ id: 't1', name: 'dup', created_at: 1, updated_at: 1 })
          .execute();
      }),
    ).rejects.toThrow();
    const row = await store.db
      .selectFrom('tenants')
      .select('id')
      .where('id', '=', 't-rollback')
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('keeps text exactly, including quotes, emoji and SQL-looking strings', async () => {
    const hostile = `Robert'); DROP TABLE tenants;-- "x" 🚀 \\ %_`;
    await store.db
      .insertInto('tenants')
      .values({ id: 't-hostile', name: hostile, created_at: 1, updated_at: 1 })
      .execute();
    const row = await store.db
      .selectFrom('tenants')
      .select('name')
      .where('id', '=', 't-hostile')
      .executeTakeFirstOrThrow();
    expect(row.name).toBe(hostile);
  });
});
