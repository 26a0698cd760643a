import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';
import type { Principal, Scope } from '../modules/access/index.js';
import { scopeAllows } from '../modules/access/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The least scope a key needs for this route; routes that say nothing need `admin`. */
    scope?: Scope;
    /** Routes that answer without a key (health, docs). */
    public?: boolean;
  }
}

export type Authenticate = (bearer: string) => Promise<Principal>;

/**
 * Every `/v1/` route is authenticated unless it is marked public: a missing or bad key is
 * `unauthenticated` (401), a key without the route's scope is `forbidden` (403).
 */
export function installAuth(app: FastifyInstance, authenticate: Authenticate): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async function authenticateRequest(request) {
    const config = request.routeOptions.config;
    const url = request.routeOptions.url;
    if (config.public || url === undefined || !url.startsWith('/v1/')) return;
    const header = request.headers.authorization;
    if (!header) throw new AppError('unauthenticated', 'an API key is required: Authorization: Bearer <key>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw new AppError('unauthenticated', 'the Authorization header must be "Bearer <key>"');
    const principal = await authenticate(match[1]);
    const required = config.scope ?? 'admin';
    if (!scopeAllows(principal.scope, required)) {
      throw new AppError('forbidden', `this operation needs a key with scope '${required}'`, {
        required,
        held: principal.scope,
      });
    }
    request.principal = principal;
  });
}

/** The principal of an authenticated route; a route that runs without one is a wiring bug. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'an API key is required');
  return request.principal;
}
