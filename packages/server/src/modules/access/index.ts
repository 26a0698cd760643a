export {
  type CallbackPrincipal,
  type DevicePrincipal,
  type Principal,
  type Scope,
  scopeAllows,
  scopes,
} from '../../kernel/principal.js';
export { registerAccessRoutes } from './access-routes.js';
export type { ApiKey, CreatedApiKey, Tenant } from './access-schemas.js';
export { TenantId } from './access-schemas.js';
export {
  type AccessDeps,
  type BootstrapResult,
  bootstrapAccess,
  createApiKey,
  createTenant,
  DEFAULT_TENANT_ID,
  resetBootstrapKey,
} from './access-service.js';
export { type ApiKeyAuthDeps, ApiKeyAuthenticator } from './api-key-auth.js';
