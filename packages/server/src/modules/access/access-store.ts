import type { Selectable } from 'kysely';
import type { ApiKeyTable, TenantTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';

export type TenantRow = Selectable<TenantTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;

export function insertTenant(store: Store, row: TenantRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('tenants').values(row).execute();
  });
}

export function findTenant(store: Store, id: string): Promise<TenantRow | undefined> {
  return guarded(store, () =>
    store.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst(),
  );
}

export function listTenants(
  store: Store,
  { after, limit }: { after?: string; limit: number },
): Promise<TenantRow[]> {
  return guarded(store, () => {
    let query = store.db.selectFrom('tenants').selectAll().orderBy('id').limit(limit);
    if (after !== undefined) query = query.where('id', '>', after);
    return query.execute();
  });
}

export function countTenants(store: Store): Promise<number> {
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('tenants')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

export function insertApiKey(store: Store, row: ApiKeyRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('api_keys').values(row).execute();
  });
}

export function findApiKeyByHash(store: Store, keyHash: string): Promise<ApiKeyRow | undefined> {
  return guarded(store, () =>
    store.db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst(),
  );
}

export function findApiKey(store: Store, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
  return guarded(store, () =>
    store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst(),
  );
}

export function listApiKeys(store: Store, tenantId: string): Promise<ApiKeyRow[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('api_keys')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .execute(),
  );
}

/** The system (bootstrap) keys of every tenant, revoked ones too, oldest first. */
export function listSystemKeys(store: Store): Promise<ApiKeyRow[]> {
  return guarded(store, () =>
    store.db.selectFrom('api_keys').selectAll().where('is_system', '=', 1).orderBy('created_at').execute(),
  );
}

/** Marks a key revoked; returns false when the tenant has no such key. */
export function revokeApiKey(store: Store, tenantId: string, id: string, now: number): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('api_keys')
      .set({ revoked_at: now })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export function touchApiKey(store: Store, id: string, now: number): Promise<void> {
  return guarded(store, async () => {
    await store.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
  });
}
