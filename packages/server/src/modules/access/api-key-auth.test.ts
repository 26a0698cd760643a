import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Principal } from '../../kernel/principal.js';
import type { Store } from '../../store/store.js';
import { bootstrapAccess, createApiKey, revokeKey } from './access-service.js';
import { findApiKey } from './access-store.js';
import { ApiKeyAuthenticator } from './api-key-auth.js';

const sqlite = dialectCases().find((d) => d.name === 'sqlite');
const ADMIN = 'fpk_api_key_auth_test_0123456789abcdefghijkl';

describe('API key authentication', () => {
  let database: TestDatabase;
  let store: Store;
  let now = Date.UTC(2026, 10, 23, 12);
  const clock = { now: () => now };
  const bus = new EventBus();
  let deps: { store: Store; clock: typeof clock; logger: typeof silentLogger; bus: EventBus };
  let admin: Principal;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    store = await openTestStore(database);
    deps = { store, clock, logger: silentLogger, bus };
    await bootstrapAccess(deps, ADMIN);
    admin = await new ApiKeyAuthenticator(deps).authenticate(ADMIN);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('refuses a cached key as soon as it is revoked in this process', async () => {
    const auth = new ApiKeyAuthenticator(deps);
    const key = await createApiKey(deps, admin, 'default', { name: 'app', scope: 'operator' });
    expect((await auth.authenticate(key.secret)).keyId).toBe(key.id);
    await revokeKey(deps, admin, 'default', key.id);
    await expect(auth.authenticate(key.secret)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('refuses a cached key once its expiry passes, without a database read', async () => {
    const auth = new ApiKeyAuthenticator(deps);
    const key = await createApiKey(deps, admin, 'default', {
      name: 'brief',
      scope: 'reader',
      expiresAt: new Date(now + 2000).toISOString(),
    });
    expect((await auth.authenticate(key.secret)).scope).toBe('reader');
    now += 2500;
    await expect(auth.authenticate(key.secret)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('reads a key again after the cache lifetime (a revocation by another process shows within seconds)', async () => {
    const auth = new ApiKeyAuthenticator(deps);
    const other = new ApiKeyAuthenticator({ ...deps, bus: new EventBus() }); // another process
    const key = await createApiKey(deps, admin, 'default', { name: 'shared', scope: 'operator' });
    await other.authenticate(key.secret);
    await revokeKey(deps, admin, 'default', key.id);
    await expect(auth.authenticate(key.secret)).rejects.toMatchObject({ code: 'unauthenticated' });
    now += 6000;
    await expect(other.authenticate(key.secret)).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it('records use at most once a minute', async () => {
    const auth = new ApiKeyAuthenticator(deps);
    const key = await createApiKey(deps, admin, 'default', { name: 'busy', scope: 'reader' });
    const used = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return (await findApiKey(store, 'default', key.id))?.last_used_at;
    };
    await auth.authenticate(key.secret);
    const first = await used();
    expect(first).toBe(now);
    now += 30_000;
    await auth.authenticate(key.secret);
    expect(await used()).toBe(first);
    now += 31_000;
    await auth.authenticate(key.secret);
    expect(await used()).toBe(now);
  });
});
