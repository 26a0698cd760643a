import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type App, cookieOf, principalOf, SESSION_COOKIE } from '../../http/index.js';
import { AppError } from '../../kernel/errors.js';
import type { Principal } from '../../kernel/principal.js';
import { TenantId } from '../access/index.js';
import {
  CreateUserBody,
  LoginBody,
  LoginResult,
  PasswordResetBody,
  RecoveryCodes,
  ResetToken,
  Session,
  TotpCodeBody,
  TotpEnrolment,
  User,
  UserId,
} from './users-schemas.js';
import {
  authenticateSession,
  confirmTotp,
  createUser,
  disableTotp,
  enrolTotp,
  getUser,
  issueResetToken,
  listTenantUsers,
  login,
  logout,
  removeUser,
  resetPassword,
  type UsersDeps,
} from './users-service.js';

const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
};
/** Routes anyone may call: they authenticate with what their body carries. */
const PUBLIC = { security: [] };
/** Routes of the signed-in user: a console session, not an API key. */
const SESSION_ONLY = { security: [{ session: [] }] };

const UserPage = Type.Object({
  items: Type.Array(User),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
const PageQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), after: Type.Optional(UserId) },
  { additionalProperties: false },
);

/**
 * The session cookie: HTTP-only (no script reads it), SameSite=Lax (not sent by
 * cross-site subresources or forms that post), Secure when the request came over TLS,
 * and scoped to the API. Its lifetime is the session's absolute expiry.
 */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

function requireSession(principal: Principal): void {
  if (!principal.user)
    throw new AppError('forbidden', 'this operation belongs to a console session, not an API key');
}

/** Users (`/v1/users`, `/v1/tenants/{tenantId}/users`) and console sessions (`/v1/auth/…`). */
export function registerUsersRoutes(app: App, deps: UsersDeps): void {
  registerUserManagement(app, deps);
  registerAuthRoutes(app, deps);
}

function registerUserManagement(app: App, deps: UsersDeps): void {
  const listRoute = async (
    principal: Principal,
    tenantId: string,
    query: { limit: number; after?: string },
  ) => {
    const items = await listTenantUsers(deps, principal, tenantId, {
      limit: query.limit,
      ...(query.after ? { after: query.after } : {}),
    });
    return { items, nextCursor: items.length === query.limit ? (items.at(-1)?.id ?? null) : null };
  };
  app.get(
    '/v1/users',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary: "The caller's tenant's users",
        querystring: PageQuery,
        response: { 200: UserPage, ...problems },
      },
    },
    async function listUsersRoute(request) {
      const principal = principalOf(request);
      return listRoute(principal, principal.tenantId, request.query);
    },
  );
  app.get(
    '/v1/tenants/:tenantId/users',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary: "A tenant's users (the caller's own, or any for the bootstrap key)",
        params: Type.Object({ tenantId: TenantId }),
        querystring: PageQuery,
        response: { 200: UserPage, ...problems },
      },
    },
    async function listTenantUsersRoute(request) {
      return listRoute(principalOf(request), request.params.tenantId, request.query);
    },
  );
  const createSchema = {
    tags: ['users'],
    description:
      'E-mails are unique across tenants. Without `password` the user cannot sign in until it is set with a reset token. A password must pass the policy (`weak_password`, docs/ACCESS.md).',
    body: CreateUserBody,
    response: { 201: User, ...problems, 409: { $ref: 'Problem#' } },
  };
  app.post(
    '/v1/users',
    {
      config: { scope: 'admin' },
      schema: { ...createSchema, summary: "Create a user in the caller's tenant" },
    },
    async function createUserRoute(request, reply) {
      const principal = principalOf(request);
      const user = await createUser(deps, principal, principal.tenantId, request.body);
      return reply.status(201).header('location', `/v1/users/${user.id}`).send(user);
    },
  );
  app.post(
    '/v1/tenants/:tenantId/users',
    {
      config: { scope: 'admin' },
      schema: {
        ...createSchema,
        summary: "Create a user in a tenant (the caller's own, or any for the bootstrap key)",
        params: Type.Object({ tenantId: TenantId }),
      },
    },
    async function createTenantUserRoute(request, reply) {
      const user = await createUser(deps, principalOf(request), request.params.tenantId, request.body);
      return reply.status(201).send(user);
    },
  );
  app.get(
    '/v1/users/:userId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'One user',
        params: Type.Object({ userId: UserId }),
        response: { 200: User, ...problems },
      },
    },
    async function getUserRoute(request) {
      const principal = principalOf(request);
      return getUser(deps, principal, principal.tenantId, request.params.userId);
    },
  );
  app.delete(
    '/v1/users/:userId',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Remove a user; its sessions end',
        params: Type.Object({ userId: UserId }),
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function removeUserRoute(request, reply) {
      const principal = principalOf(request);
      await removeUser(deps, principal, principal.tenantId, request.params.userId);
      return reply.status(204).send(null);
    },
  );
  app.post(
    '/v1/users/:userId/reset-token',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['users'],
        summary:
          "A single-use token that sets the user's password (POST /v1/auth/password-reset); shown once",
        params: Type.Object({ userId: UserId }),
        response: { 201: ResetToken, ...problems },
      },
    },
    async function resetTokenRoute(request, reply) {
      const principal = principalOf(request);
      return reply
        .status(201)
        .send(await issueResetToken(deps, principal, principal.tenantId, request.params.userId));
    },
  );
}

function registerAuthRoutes(app: App, deps: UsersDeps): void {
  app.post(
    '/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with e-mail and password (and a TOTP code when enrolled); sets the session cookie',
        description:
          'Wrong e-mail and wrong password answer the same `invalid_credentials`. Repeated failures lock the account and the address for a while (`login_locked`, 429, with Retry-After).',
        ...PUBLIC,
        body: LoginBody,
        response: { 200: LoginResult, ...problems, 429: { $ref: 'Problem#' } },
      },
    },
    async function loginRoute(request, reply) {
      const context = {
        address: request.ip,
        ...(typeof request.headers['user-agent'] === 'string'
          ? { userAgent: request.headers['user-agent'] }
          : {}),
      };
      const result = await login(deps, request.body, context).catch((error: unknown) => {
        const retry =
          error instanceof AppError && error.code === 'login_locked'
            ? error.data?.retryAfterSeconds
            : undefined;
        if (typeof retry === 'number') reply.header('retry-after', String(retry));
        throw error;
      });
      const maxAge = Math.max(
        0,
        Math.floor((Date.parse(result.expiresAt) - Date.parse(result.createdAt)) / 1000),
      );
      return reply.header('set-cookie', sessionCookie(request, result.secret, maxAge)).send(result);
    },
  );
  app.post(
    '/v1/auth/logout',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['auth'],
        summary: 'End the calling console session and clear its cookie',
        ...SESSION_ONLY,
        response: { 204: Type.Null(), ...problems },
      },
    },
    async function logoutRoute(request, reply) {
      const principal = principalOf(request);
      requireSession(principal);
      await logout(deps, principal);
      return reply
        .status(204)
        .header('set-cookie', sessionCookie(request, '', 0))
        .send(null);
    },
  );
  app.get(
    '/v1/auth/session',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['auth'],
        summary: 'The calling console session, its user and CSRF token',
        ...SESSION_ONLY,
        response: { 200: Session, ...problems },
      },
    },
    async function sessionRoute(request) {
      requireSession(principalOf(request));
      return currentSession(deps, request);
    },
  );
  app.post(
    '/v1/auth/password-reset',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Set a password with a reset token (single use); every session of the user ends',
        ...PUBLIC,
        body: PasswordResetBody,
        response: { 200: User, ...problems },
      },
    },
    async function passwordResetRoute(request) {
      return resetPassword(deps, request.body.token, request.body.password);
    },
  );
  app.post(
    '/v1/auth/totp',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP enrolment: a secret and its otpauth URI, pending until confirmed',
        ...SESSION_ONLY,
        response: { 201: TotpEnrolment, ...problems, 409: { $ref: 'Problem#' } },
      },
    },
    async function enrolTotpRoute(request, reply) {
      const principal = principalOf(request);
      requireSession(principal);
      return reply.status(201).send(await enrolTotp(deps, principal));
    },
  );
  app.post(
    '/v1/auth/totp/confirm',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['auth'],
        summary:
          'Confirm TOTP with a code of the new secret: later logins need a code; answers recovery codes once',
        ...SESSION_ONLY,
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, ...problems, 409: { $ref: 'Problem#' } },
      },
    },
    async function confirmTotpRoute(request) {
      const principal = principalOf(request);
      requireSession(principal);
      return confirmTotp(deps, principal, request.body.code);
    },
  );
  app.post(
    '/v1/auth/totp/disable',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['auth'],
        summary: 'Turn TOTP off with a current code or a recovery code',
        ...SESSION_ONLY,
        body: TotpCodeBody,
        response: { 200: User, ...problems, 409: { $ref: 'Problem#' } },
      },
    },
    async function disableTotpRoute(request) {
      const principal = principalOf(request);
      requireSession(principal);
      return disableTotp(deps, principal, request.body.code);
    },
  );
}

/** Re-reads the session of the request's cookie for presentation (the auth hook checked it). */
async function currentSession(deps: UsersDeps, request: FastifyRequest) {
  const secret = cookieOf(request, SESSION_COOKIE);
  if (secret === undefined) throw new AppError('unauthenticated', 'no session cookie');
  return (await authenticateSession(deps, secret)).session;
}
