import type { EventBus } from '../../bus/event-bus.js';
import {
  AppError,
  type Clock,
  hashSecret,
  type Logger,
  newSecret,
  notFound,
  prefixedId,
} from '../../kernel/index.js';
import { type Principal, type Scope, scopeAllows } from '../../kernel/principal.js';
import { type Store, transact } from '../../store/store.js';
import type { ApiKey, CreateApiKeyBody, CreatedApiKey, CreateTenantBody, Tenant } from './access-schemas.js';
import {
  type ApiKeyRow,
  countTenants,
  findApiKey,
  findApiKeyByHash,
  findTenant,
  insertApiKey,
  insertTenant,
  listApiKeys,
  listSystemKeys,
  listTenants,
  revokeApiKey,
  type TenantRow,
} from './access-store.js';

export interface AccessDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Tells other modules about revoked keys; absent in store-level tests. */
  readonly bus?: EventBus;
}

export const DEFAULT_TENANT_ID = 'default';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function presentTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

export function presentApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    scope: row.scope as Scope,
    system: row.is_system === 1,
    expiresAt: isoOrNull(row.expires_at),
    revokedAt: isoOrNull(row.revoked_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    createdAt: iso(row.created_at),
  };
}

export interface BootstrapResult {
  /** The admin key in clear text when this start generated it; shown once. */
  readonly generatedKey: string | undefined;
  readonly created: boolean;
  /** `adminKey` was given, but the database already has a bootstrap key that is not it. */
  readonly adminKeyIgnored: boolean;
}

/**
 * First start: creates the `default` tenant and the bootstrap (system) key, from
 * `adminKey` when given, otherwise generated. Later starts change nothing.
 */
export async function bootstrapAccess(
  deps: AccessDeps,
  adminKey: string | undefined,
): Promise<BootstrapResult> {
  if ((await countTenants(deps.store)) > 0) {
    const given =
      adminKey === undefined ? undefined : await findApiKeyByHash(deps.store, hashSecret(adminKey));
    const adminKeyIgnored = adminKey !== undefined && (given?.is_system !== 1 || given.revoked_at !== null);
    return { generatedKey: undefined, created: false, adminKeyIgnored };
  }
  const secret = adminKey ?? newSecret('fpk');
  await transact(deps.store, async (store) => {
    await insertDefaultTenant(store, deps.clock.now());
    await insertSystemKey(store, DEFAULT_TENANT_ID, secret, deps.clock.now());
  });
  return { generatedKey: adminKey ? undefined : secret, created: true, adminKeyIgnored: false };
}

/**
 * The owner lost the bootstrap key: revokes every system key and makes a new one in the
 * same tenant (bootstrapping first on a database that never served). Run on the host.
 */
export async function resetBootstrapKey(
  deps: AccessDeps,
): Promise<{ readonly secret: string; readonly keyId: string; readonly revokedKeyIds: readonly string[] }> {
  const secret = newSecret('fpk');
  return transact(deps.store, async (store) => {
    const now = deps.clock.now();
    const live = (await listSystemKeys(store)).filter((key) => key.revoked_at === null);
    if ((await countTenants(store)) === 0) await insertDefaultTenant(store, now);
    for (const key of live) await revokeApiKey(store, key.tenant_id, key.id, now);
    const keyId = await insertSystemKey(store, live[0]?.tenant_id ?? DEFAULT_TENANT_ID, secret, now);
    return { secret, keyId, revokedKeyIds: live.map((key) => key.id) };
  });
}

function insertDefaultTenant(store: Store, now: number): Promise<void> {
  return insertTenant(store, {
    id: DEFAULT_TENANT_ID,
    name: 'Default tenant',
    created_at: now,
    updated_at: now,
  });
}

async function insertSystemKey(store: Store, tenantId: string, secret: string, now: number): Promise<string> {
  const id = prefixedId('key');
  await insertApiKey(store, {
    id,
    tenant_id: tenantId,
    name: 'bootstrap admin',
    key_hash: hashSecret(secret),
    scope: 'admin',
    is_system: 1,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    created_at: now,
  });
  return id;
}

function requireSystem(principal: Principal): void {
  if (!principal.system)
    throw new AppError('forbidden', 'only the bootstrap (system) key may manage tenants');
}

/** The tenant a caller may act on: its own, or any for the system key; others look absent. */
async function visibleTenant(deps: AccessDeps, principal: Principal, tenantId: string): Promise<TenantRow> {
  if (!principal.system && principal.tenantId !== tenantId) throw notFound('tenant', tenantId);
  const tenant = await findTenant(deps.store, tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  return tenant;
}

export async function createTenant(
  deps: AccessDeps,
  principal: Principal,
  body: CreateTenantBody,
): Promise<Tenant> {
  requireSystem(principal);
  const now = deps.clock.now();
  const row: TenantRow = {
    id:
      body.id ??
      prefixedId('t', 6)
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '0'),
    name: body.name,
    created_at: now,
    updated_at: now,
  };
  try {
    await insertTenant(deps.store, row);
  } catch (error) {
    if (error instanceof AppError && error.code === 'already_exists') {
      throw new AppError('already_exists', `tenant '${row.id}' already exists`, {
        kind: 'tenant',
        id: row.id,
      });
    }
    throw error;
  }
  return presentTenant(row);
}

export async function getTenant(deps: AccessDeps, principal: Principal, tenantId: string): Promise<Tenant> {
  return presentTenant(await visibleTenant(deps, principal, tenantId));
}

export async function listVisibleTenants(
  deps: AccessDeps,
  principal: Principal,
  page: { after?: string; limit: number },
): Promise<Tenant[]> {
  if (!principal.system) {
    const own = await findTenant(deps.store, principal.tenantId);
    return own && (page.after === undefined || own.id > page.after) ? [presentTenant(own)] : [];
  }
  return (await listTenants(deps.store, page)).map(presentTenant);
}

export async function createApiKey(
  deps: AccessDeps,
  principal: Principal,
  tenantId: string,
  body: CreateApiKeyBody,
): Promise<CreatedApiKey> {
  await visibleTenant(deps, principal, tenantId);
  if (!scopeAllows(principal.scope, body.scope)) {
    throw new AppError(
      'forbidden',
      `a key with scope '${principal.scope}' cannot create a key with scope '${body.scope}'`,
    );
  }
  const now = deps.clock.now();
  let expiresAt: number | null = null;
  if (body.expiresAt !== undefined) {
    expiresAt = Date.parse(body.expiresAt);
    if (!Number.isFinite(expiresAt) || expiresAt <= now) {
      throw new AppError('validation_failed', 'expiresAt must be a date-time in the future', {
        field: 'expiresAt',
      });
    }
  }
  const secret = newSecret('fpk');
  const row: ApiKeyRow = {
    id: prefixedId('key'),
    tenant_id: tenantId,
    name: body.name,
    key_hash: hashSecret(secret),
    scope: body.scope,
    is_system: 0,
    expires_at: expiresAt,
    revoked_at: null,
    last_used_at: null,
    created_at: now,
  };
  await insertApiKey(deps.store, row);
  return { ...presentApiKey(row), secret };
}

export async function listKeys(deps: AccessDeps, principal: Principal, tenantId: string): Promise<ApiKey[]> {
  await visibleTenant(deps, principal, tenantId);
  return (await listApiKeys(deps.store, tenantId)).map(presentApiKey);
}

export async function revokeKey(
  deps: AccessDeps,
  principal: Principal,
  tenantId: string,
  keyId: string,
): Promise<ApiKey> {
  await visibleTenant(deps, principal, tenantId);
  const existing = await findApiKey(deps.store, tenantId, keyId);
  if (!existing) throw notFound('api key', keyId);
  if (existing.is_system === 1 && !principal.system) {
    throw new AppError('forbidden', 'only the bootstrap key may revoke a system key');
  }
  await revokeApiKey(deps.store, tenantId, keyId, deps.clock.now());
  deps.bus?.publish('api_key.revoked', { tenantId, keyId });
  const after = await findApiKey(deps.store, tenantId, keyId);
  if (!after) throw notFound('api key', keyId);
  return presentApiKey(after);
}
