import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { bootstrapAccess, resetBootstrapKey } from './access-service.js';
import { countTenants, listSystemKeys } from './access-store.js';
import { ApiKeyAuthenticator } from './api-key-auth.js';

const GIVEN = 'fpk_bootstrap_test_given_0123456789abcdefghij';
const OTHER = 'fpk_bootstrap_test_other_0123456789abcdefghij';

describe.each(dialectCases())('bootstrap key on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let deps: { store: Store; clock: { now: () => number }; logger: typeof silentLogger; bus: EventBus };

  beforeEach(async () => {
    database = await dialect.create();
    store = await openTestStore(database);
    deps = { store, clock: { now: () => Date.UTC(2026, 11, 7) }, logger: silentLogger, bus: new EventBus() };
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
  });

  it('ignores FLEETPORT_ADMIN_KEY on later starts, and says so only when it is not the bootstrap key', async () => {
    expect(await bootstrapAccess(deps, GIVEN)).toEqual({
      generatedKey: undefined,
      created: true,
      adminKeyIgnored: false,
    });
    expect((await bootstrapAccess(deps, GIVEN)).adminKeyIgnored).toBe(false);
    expect((await bootstrapAccess(deps, undefined)).adminKeyIgnored).toBe(false);
    const other = await bootstrapAccess(deps, OTHER);
    expect(other).toEqual({ generatedKey: undefined, created: false, adminKeyIgnored: true });
    await expect(new ApiKeyAuthenticator(deps).authenticate(OTHER)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('reset revokes the bootstrap key and makes a working one; a revoked key given again is ignored', async () => {
    await bootstrapAccess(deps, GIVEN);
    const reset = await resetBootstrapKey(deps);
    expect(reset.revokedKeyIds).toHaveLength(1);
    const auth = new ApiKeyAuthenticator(deps);
    await expect(auth.authenticate(GIVEN)).rejects.toMatchObject({ code: 'unauthenticated' });
    expect(await auth.authenticate(reset.secret)).toMatchObject({ keyId: reset.keyId, system: true });
    expect((await bootstrapAccess(deps, GIVEN)).adminKeyIgnored).toBe(true);
    expect((await bootstrapAccess(deps, reset.secret)).adminKeyIgnored).toBe(false);
    const keys = await listSystemKeys(store);
    expect(keys.map((k) => k.revoked_at === null)).toEqual([false, true]);
  });

  it('reset on a database that never served bootstraps it', async () => {
    const reset = await resetBootstrapKey(deps);
    expect(reset.revokedKeyIds).toEqual([]);
    expect(await countTenants(store)).toBe(1);
    expect(await new ApiKeyAuthenticator(deps).authenticate(reset.secret)).toMatchObject({
      tenantId: 'default',
      system: true,
    });
    // The next start finds it bootstrapped and makes no second key.
    expect((await bootstrapAccess(deps, undefined)).created).toBe(false);
    expect(await listSystemKeys(store)).toHaveLength(1);
  });
});
