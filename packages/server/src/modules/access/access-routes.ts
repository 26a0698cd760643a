import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import {
  ApiKey,
  CreateApiKeyBody,
  CreatedApiKey,
  CreateTenantBody,
  Tenant,
  TenantId,
  WhoAmI,
} from './access-schemas.js';
import {
  type AccessDeps,
  createApiKey,
  createTenant,
  getTenant,
  listKeys,
  listVisibleTenants,
  revokeKey,
} from './access-service.js';

const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
};
const KeyId = Type.String({ pattern: '^key_[A-Za-z0-9_-]{1,64}$' });

/** Tenants, API keys and `GET /v1/me`. */
export function registerAccessRoutes(app: App, deps: AccessDeps): void {
  app.get(
    '/v1/me',
    {
      config: { scope: 'reader' },
      schema: { tags: ['access'], summary: 'The calling key', response: { 200: WhoAmI } },
    },
    async function whoAmI(request) {
      return principalOf(request);
    },
  );

  app.get(
    '/v1/tenants',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['access'],
        summary: 'Tenants visible to the key (all of them for the bootstrap key)',
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            after: Type.Optional(TenantId),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Tenant),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems,
        },
      },
    },
    async function listTenantsRoute(request) {
      const { limit, after } = request.query;
      const items = await listVisibleTenants(deps, principalOf(request), {
        limit,
        ...(after ? { after } : {}),
      });
      return { items, nextCursor: items.length === limit ? (items.at(-1)?.id ?? null) : null };
    },
  );

  app.post(
    '/v1/tenants',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: 'Create a tenant (bootstrap key only)',
        body: CreateTenantBody,
        response: { 201: Tenant, ...problems },
      },
    },
    async function createTenantRoute(request, reply) {
      const tenant = await createTenant(deps, principalOf(request), request.body);
      return reply.status(201).header('location', `/v1/tenants/${tenant.id}`).send(tenant);
    },
  );

  app.get(
    '/v1/tenants/:tenantId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['access'],
        summary: 'One tenant',
        params: Type.Object({ tenantId: TenantId }),
        response: { 200: Tenant, ...problems },
      },
    },
    async function getTenantRoute(request) {
      return getTenant(deps, principalOf(request), request.params.tenantId);
    },
  );

  app.post(
    '/v1/tenants/:tenantId/keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: "Create an API key in a tenant (the caller's own, or any for the bootstrap key)",
        params: Type.Object({ tenantId: TenantId }),
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problems },
      },
    },
    async function createTenantKeyRoute(request, reply) {
      const key = await createApiKey(deps, principalOf(request), request.params.tenantId, request.body);
      return reply.status(201).send(key);
    },
  );

  app.get(
    '/v1/keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: "The caller's tenant's API keys",
        response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...problems },
      },
    },
    async function listKeysRoute(request) {
      const principal = principalOf(request);
      return { items: await listKeys(deps, principal, principal.tenantId) };
    },
  );

  app.post(
    '/v1/keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: "Create an API key in the caller's tenant; the secret is shown once",
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problems },
      },
    },
    async function createKeyRoute(request, reply) {
      const principal = principalOf(request);
      return reply.status(201).send(await createApiKey(deps, principal, principal.tenantId, request.body));
    },
  );

  app.delete(
    '/v1/keys/:keyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: 'Revoke an API key',
        params: Type.Object({ keyId: KeyId }),
        response: { 200: ApiKey, ...problems },
      },
    },
    async function revokeKeyRoute(request) {
      const principal = principalOf(request);
      return revokeKey(deps, principal, principal.tenantId, request.params.keyId);
    },
  );

  app.get(
    '/v1/tenants/:tenantId/keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: "A tenant's API keys (the caller's own tenant, or any for the bootstrap key)",
        params: Type.Object({ tenantId: TenantId }),
        response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...problems },
      },
    },
    async function listTenantKeysRoute(request) {
      return { items: await listKeys(deps, principalOf(request), request.params.tenantId) };
    },
  );

  app.delete(
    '/v1/tenants/:tenantId/keys/:keyId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['access'],
        summary: "Revoke an API key of a tenant (the caller's own, or any for the bootstrap key)",
        params: Type.Object({ tenantId: TenantId, keyId: KeyId }),
        response: { 200: ApiKey, ...problems },
      },
    },
    async function revokeTenantKeyRoute(request) {
      return revokeKey(deps, principalOf(request), request.params.tenantId, request.params.keyId);
    },
  );
}
