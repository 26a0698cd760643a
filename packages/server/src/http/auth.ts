import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';
import { constantTimeEqual } from '../kernel/ids.js';
import type { CallbackPrincipal, DevicePrincipal, Principal, Scope } from '../kernel/principal.js';
import { scopeAllows } from '../kernel/principal.js';

/** Who may call a route: an API key (the default), a device token, or a network-server callback secret. */
export type AuthKind = 'api-key' | 'device' | 'callback';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    device: DevicePrincipal | null;
    callback: CallbackPrincipal | null;
  }
  interface FastifyContextConfig {
    /** The least scope a key needs for this route; routes that say nothing need `admin`. */
    scope?: Scope;
    /** Routes that answer without a key (health, docs). */
    public?: boolean;
    /** Who authenticates to this route; `api-key` when unset. */
    auth?: AuthKind;
  }
}

export type Authenticate = (bearer: string) => Promise<Principal>;
export type AuthenticateDevice = (token: string) => Promise<DevicePrincipal>;
/** Resolves a callback secret for the device type named in the route. */
export type AuthenticateCallback = (secret: string, deviceTypeId: string) => Promise<CallbackPrincipal>;

/** The cookie that carries a console session's secret (HTTP-only). */
export const SESSION_COOKIE = 'fleetport_session';
/** The header a session-authenticated write must carry: the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

/** A console session resolved from its cookie: its principal and the CSRF token its writes carry. */
export interface SessionAuthentication {
  readonly principal: Principal;
  readonly csrfToken: string;
}
export type AuthenticateSession = (secret: string) => Promise<SessionAuthentication>;

export interface Authenticators {
  readonly apiKey: Authenticate;
  /** Console sessions; without it only API keys authenticate `api-key` routes. */
  readonly session?: AuthenticateSession;
  readonly device?: AuthenticateDevice;
  readonly callback?: AuthenticateCallback;
}

function bearerOf(request: FastifyRequest, what: string): string {
  const header = request.headers.authorization;
  if (!header) throw new AppError('unauthenticated', `${what} is required: Authorization: Bearer <${what}>`);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1])
    throw new AppError('unauthenticated', 'the Authorization header must be "Bearer <secret>"');
  return match[1];
}

/** The value of one cookie of the request, or undefined. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A key in `Authorization` wins; without one, a session cookie. A session's write must
 * carry its CSRF token in a header, which a cross-site form or script cannot set or read
 * (double submit: the token comes from the session, never from a second cookie alone).
 */
async function keyOrSession(request: FastifyRequest, authenticators: Authenticators): Promise<Principal> {
  const session = authenticators.session;
  const cookie =
    session && request.headers.authorization === undefined ? cookieOf(request, SESSION_COOKIE) : undefined;
  if (session === undefined || cookie === undefined)
    return authenticators.apiKey(bearerOf(request, 'API key'));
  const resolved = await session(cookie);
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (typeof header !== 'string' || !constantTimeEqual(header, resolved.csrfToken))
      throw new AppError('csrf_failed', `a console session's writes need its CSRF token in ${CSRF_HEADER}`);
  }
  return resolved.principal;
}

/**
 * Every `/v1/` route is authenticated unless it is marked public: a missing or bad key is
 * `unauthenticated` (401), a key (or session) without the route's scope is `forbidden` (403). Device
 * routes take a device token; callback routes a secret of the device type in their path,
 * as `X-Fleetport-Secret` (a custom header network servers can send) or a bearer token.
 */
export function installAuth(app: FastifyInstance, authenticators: Authenticators): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('device', null);
  app.decorateRequest('callback', null);
  app.addHook('onRequest', async function authenticateRequest(request) {
    const config = request.routeOptions.config;
    const url = request.routeOptions.url;
    if (config.public || url === undefined || !url.startsWith('/v1/')) return;
    switch (config.auth ?? 'api-key') {
      case 'device': {
        if (!authenticators.device) throw new AppError('internal', 'device authentication is not configured');
        request.device = await authenticators.device(bearerOf(request, 'device token'));
        return;
      }
      case 'callback': {
        if (!authenticators.callback)
          throw new AppError('internal', 'callback authentication is not configured');
        const header = request.headers['x-fleetport-secret'];
        const secret =
          typeof header === 'string' && header !== '' ? header : bearerOf(request, 'callback secret');
        const typeId = (request.params as { deviceTypeId?: unknown }).deviceTypeId;
        if (typeof typeId !== 'string')
          throw new AppError('internal', 'callback routes must name a device type');
        request.callback = await authenticators.callback(secret, typeId);
        return;
      }
      case 'api-key': {
        const principal = await keyOrSession(request, authenticators);
        const required = config.scope ?? 'admin';
        if (!scopeAllows(principal.scope, required)) {
          throw new AppError('forbidden', `this operation needs a key with scope '${required}'`, {
            required,
            held: principal.scope,
          });
        }
        request.principal = principal;
      }
    }
  });
}

/** The principal of an authenticated route; a route that runs without one is a wiring bug. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('unauthenticated', 'an API key is required');
  return request.principal;
}

export function deviceOf(request: FastifyRequest): DevicePrincipal {
  if (!request.device) throw new AppError('unauthenticated', 'a device token is required');
  return request.device;
}

export function callbackOf(request: FastifyRequest): CallbackPrincipal {
  if (!request.callback) throw new AppError('unauthenticated', 'a callback secret is required');
  return request.callback;
}
