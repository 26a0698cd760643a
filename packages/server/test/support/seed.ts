import type { Store } from '../../src/store/store.js';

/**
 * Writes a tenant and its device types straight into a store, for tests below the HTTP
 * layer (the pipeline, store functions) that need a registry to stand on.
 */
export async function seedTenantWithTypes(
  store: Store,
  tenantId: string,
  types: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): Promise<void> {
  await store.db
    .insertInto('tenants')
    .values({ id: tenantId, name: tenantId, created_at: 1, updated_at: 1 })
    .execute();
  for (const [id, capture] of Object.entries(types)) {
    await store.db
      .insertInto('device_types')
      .values({
        tenant_id: tenantId,
        id,
        name: id,
        description: '',
        expected_uplink_interval_s: null,
        settings: '{}',
        capture: JSON.stringify(capture),
        version: 1,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
  }
}
