import { createHash, randomBytes } from 'node:crypto';
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
import {
  accountKey,
  addressKey,
  clearAccount,
  DEFAULT_THROTTLE,
  recordFailure,
  refuseIfLocked,
  type ThrottleLimits,
} from './login-throttle.js';
import { checkPassword, hashPassword, verifyPassword } from './password.js';
import { matchTotp, newTotpSecret, otpauthUri } from './totp.js';
import type { CreateUserBody, LoginResult, Session, User } from './users-schemas.js';
import {
  countUsers,
  deleteUser,
  endSession,
  endUserSessions,
  findSessionByHash,
  findTokenByHash,
  findUser,
  findUserByEmail,
  insertSession,
  insertToken,
  insertUser,
  listUsers,
  type SessionRow,
  touchSession,
  type UserRow,
  updateUser,
  useToken,
} from './users-store.js';

/** Lifetimes of sessions and tokens; tests shorten nothing, they move a manual clock. */
export interface UsersPolicy {
  /** A session unused this long ends. */
  readonly sessionIdleMs: number;
  /** A session ends this long after login, used or not. */
  readonly sessionMaxMs: number;
  readonly resetTokenMs: number;
  readonly throttle: ThrottleLimits;
}

export const DEFAULT_USERS_POLICY: UsersPolicy = {
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 3_600_000,
  resetTokenMs: 24 * 3_600_000,
  throttle: DEFAULT_THROTTLE,
};

export interface UsersDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy?: UsersPolicy;
}

/** `last_seen_at` and the idle deadline move at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;
const RECOVERY_CODES = 10;
const TOTP_ISSUER = 'Fleetport';

const iso = (ms: number) => new Date(ms).toISOString();
const policyOf = (deps: UsersDeps) => deps.policy ?? DEFAULT_USERS_POLICY;
const normalEmail = (email: string) => email.trim().toLowerCase();

export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    name: row.name,
    scope: row.scope as Scope,
    system: row.is_system === 1,
    passwordSet: row.password_hash !== null,
    totpEnabled: row.totp_secret !== null,
    disabledAt: row.disabled_at === null ? null : iso(row.disabled_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The CSRF token of a session: derived from its secret, so nothing more is stored and nobody without the cookie can compute it. */
export function csrfTokenOf(secret: string): string {
  return createHash('sha256').update('fleetport csrf\0').update(secret).digest('base64url');
}

function presentSession(session: SessionRow, user: UserRow, secret: string): Session {
  return {
    id: session.id,
    user: presentUser(user),
    csrfToken: csrfTokenOf(secret),
    createdAt: iso(session.created_at),
    idleExpiresAt: iso(session.idle_until),
    expiresAt: iso(session.expires_at),
  };
}

function principalOfUser(user: UserRow, sessionId: string): Principal {
  return {
    keyId: user.id,
    tenantId: user.tenant_id,
    scope: user.scope as Scope,
    system: user.is_system === 1,
    user: { id: user.id, email: user.email, sessionId },
  };
}

function requireAdmin(principal: Principal, tenantId: string): void {
  if (!principal.system && principal.tenantId !== tenantId) throw notFound('tenant', tenantId);
  if (!scopeAllows(principal.scope, 'admin'))
    throw new AppError('forbidden', 'managing users needs scope admin');
}

async function visibleUser(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  userId: string,
): Promise<UserRow> {
  requireAdmin(principal, tenantId);
  const user = await findUser(deps.store, tenantId, userId);
  if (!user) throw notFound('user', userId);
  return user;
}

/** Makes a user in a tenant; with a password it must pass the policy, without one the user sets it with a reset token. */
export async function createUser(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  body: CreateUserBody,
): Promise<User> {
  requireAdmin(principal, tenantId);
  if (!scopeAllows(principal.scope, body.scope))
    throw new AppError('forbidden', `scope '${principal.scope}' cannot grant scope '${body.scope}'`);
  const email = normalEmail(body.email);
  if (body.password !== undefined) checkPassword(body.password, email);
  const now = deps.clock.now();
  const row: UserRow = {
    tenant_id: tenantId,
    id: prefixedId('usr'),
    email,
    name: body.name ?? email,
    password_hash: body.password === undefined ? null : await hashPassword(body.password),
    scope: body.scope,
    is_system: 0,
    totp_secret: null,
    totp_pending_secret: null,
    totp_last_step: null,
    recovery_codes: null,
    disabled_at: null,
    password_changed_at: body.password === undefined ? null : now,
    created_at: now,
    updated_at: now,
  };
  try {
    await insertUser(deps.store, row);
  } catch (error) {
    // E-mails are unique across tenants, since login names no tenant.
    if (error instanceof AppError && error.code === 'already_exists')
      throw new AppError('already_exists', `a user with e-mail '${email}' already exists`, { kind: 'user' });
    throw error;
  }
  return presentUser(row);
}

export async function listTenantUsers(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  page: { after?: string; limit: number },
): Promise<User[]> {
  requireAdmin(principal, tenantId);
  return (await listUsers(deps.store, tenantId, page)).map(presentUser);
}

export async function getUser(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  userId: string,
): Promise<User> {
  return presentUser(await visibleUser(deps, principal, tenantId, userId));
}

export async function removeUser(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  userId: string,
): Promise<void> {
  const user = await visibleUser(deps, principal, tenantId, userId);
  if (user.is_system === 1 && !principal.system)
    throw new AppError('forbidden', 'only the bootstrap key or a system user may remove a system user');
  await transact(deps.store, (tx) => deleteUser(tx, tenantId, userId));
}

/** A single-use token that sets the user's password; only its hash is stored. */
async function issueToken(deps: UsersDeps, user: UserRow): Promise<{ token: string; expiresAt: string }> {
  const token = newSecret('fpr');
  const now = deps.clock.now();
  const expiresAt = now + policyOf(deps).resetTokenMs;
  await insertToken(deps.store, {
    id: prefixedId('tok'),
    token_hash: hashSecret(token),
    purpose: 'password_reset',
    tenant_id: user.tenant_id,
    user_id: user.id,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
  });
  return { token, expiresAt: iso(expiresAt) };
}

export async function issueResetToken(
  deps: UsersDeps,
  principal: Principal,
  tenantId: string,
  userId: string,
): Promise<{ token: string; expiresAt: string }> {
  const user = await visibleUser(deps, principal, tenantId, userId);
  if (user.is_system === 1 && !principal.system)
    throw new AppError('forbidden', 'only the bootstrap key or a system user may reset a system user');
  return issueToken(deps, user);
}

/** Host-side: a reset token for the user with `email` (`fleetport users reset-password`). */
export async function resetTokenByEmail(
  deps: UsersDeps,
  email: string,
): Promise<{ token: string; expiresAt: string; user: User }> {
  const user = await findUserByEmail(deps.store, normalEmail(email));
  if (!user) throw notFound('user', normalEmail(email));
  return { ...(await issueToken(deps, user)), user: presentUser(user) };
}

/**
 * Sets a password with a reset token: the token must be unused and unexpired, the
 * password must pass the policy (a weak one leaves the token usable), and every session
 * of the user ends.
 */
export async function resetPassword(deps: UsersDeps, token: string, password: string): Promise<User> {
  const now = deps.clock.now();
  const invalid = () => new AppError('token_invalid', 'the reset token is unknown, used or expired');
  const found = await findTokenByHash(deps.store, hashSecret(token));
  if (found?.purpose !== 'password_reset' || found.used_at !== null || found.expires_at <= now)
    throw invalid();
  const user = await findUser(deps.store, found.tenant_id, found.user_id);
  if (!user) throw invalid();
  checkPassword(password, user.email);
  const passwordHash = await hashPassword(password);
  return transact(deps.store, async (tx) => {
    if (!(await useToken(tx, found.id, now))) throw invalid();
    await updateUser(tx, user.tenant_id, user.id, {
      password_hash: passwordHash,
      password_changed_at: now,
      updated_at: now,
    });
    await endUserSessions(tx, user.tenant_id, user.id, now);
    await clearAccount(tx, user.email);
    const after = await findUser(tx, user.tenant_id, user.id);
    if (!after) throw invalid();
    return presentUser(after);
  });
}

export interface LoginContext {
  readonly address: string;
  readonly userAgent?: string;
}

/**
 * Checks e-mail, password and (when enrolled) a TOTP or recovery code, then opens a
 * session. Every refusal of the credentials is the same `invalid_credentials`, after the
 * same argon2 work, whether the e-mail exists or not.
 */
export async function login(
  deps: UsersDeps,
  body: { email: string; password: string; code?: string },
  context: LoginContext,
): Promise<LoginResult> {
  const policy = policyOf(deps);
  const email = normalEmail(body.email);
  const now = deps.clock.now();
  const account = accountKey(email);
  const address = addressKey(context.address);
  await refuseIfLocked(deps.store, [account, address], now);
  const user = await findUserByEmail(deps.store, email);
  const passwordOk = await verifyPassword(user?.password_hash ?? null, body.password);
  const fail = async (error: AppError): Promise<never> => {
    await recordFailure(
      deps.store,
      [
        { key: account, limit: policy.throttle.accountFailures },
        { key: address, limit: policy.throttle.addressFailures },
      ],
      now,
      policy.throttle,
    );
    throw error;
  };
  const refused = new AppError('invalid_credentials', 'the e-mail or the password is wrong');
  if (!user || !passwordOk || user.disabled_at !== null) return fail(refused);
  let totpStep: number | null = user.totp_last_step;
  let recoveryCodes = user.recovery_codes;
  if (user.totp_secret !== null) {
    if (body.code === undefined)
      throw new AppError('totp_required', 'this account needs a TOTP code (or a recovery code) as `code`');
    const step = matchTotp(user.totp_secret, body.code, now, user.totp_last_step);
    if (step !== undefined) totpStep = step;
    else {
      const remaining = spendRecoveryCode(user.recovery_codes, body.code);
      if (remaining === undefined) return fail(new AppError('invalid_credentials', 'the TOTP code is wrong'));
      recoveryCodes = remaining;
    }
  }
  const secret = newSecret('fps');
  const session: SessionRow = {
    id: prefixedId('ses'),
    token_hash: hashSecret(secret),
    tenant_id: user.tenant_id,
    user_id: user.id,
    address: context.address,
    user_agent: context.userAgent?.slice(0, 400) ?? null,
    created_at: now,
    last_seen_at: now,
    idle_until: Math.min(now + policy.sessionIdleMs, now + policy.sessionMaxMs),
    expires_at: now + policy.sessionMaxMs,
    ended_at: null,
  };
  await transact(deps.store, async (tx) => {
    if (totpStep !== user.totp_last_step || recoveryCodes !== user.recovery_codes)
      await updateUser(tx, user.tenant_id, user.id, {
        totp_last_step: totpStep,
        recovery_codes: recoveryCodes,
      });
    await insertSession(tx, session);
    await clearAccount(tx, email);
  });
  return { ...presentSession(session, user, secret), secret };
}

/** The recovery-code list without `code`, or undefined when `code` is not one of them. */
function spendRecoveryCode(stored: string | null, code: string): string | null | undefined {
  if (stored === null) return undefined;
  const hashes = JSON.parse(stored) as string[];
  const hash = hashSecret(code.trim().toLowerCase());
  const index = hashes.indexOf(hash);
  if (index < 0) return undefined;
  hashes.splice(index, 1);
  return JSON.stringify(hashes);
}

/** Resolves a session cookie: `unauthenticated` for anything but a live session of an enabled user. */
export async function authenticateSession(
  deps: UsersDeps,
  secret: string,
): Promise<{ principal: Principal; csrfToken: string; session: Session }> {
  const now = deps.clock.now();
  const found = await findSessionByHash(deps.store, hashSecret(secret));
  if (!found) throw new AppError('unauthenticated', 'the session is not valid');
  const { session, user } = found;
  if (session.ended_at !== null) throw new AppError('unauthenticated', 'the session has ended');
  if (session.expires_at <= now || session.idle_until <= now)
    throw new AppError('unauthenticated', 'the session has expired');
  if (user.disabled_at !== null) throw new AppError('unauthenticated', 'the user is disabled');
  let current = session;
  if (now - session.last_seen_at >= TOUCH_INTERVAL_MS) {
    const idleUntil = Math.min(now + policyOf(deps).sessionIdleMs, session.expires_at);
    await touchSession(deps.store, session.id, now, idleUntil);
    current = { ...session, last_seen_at: now, idle_until: idleUntil };
  }
  return {
    principal: principalOfUser(user, session.id),
    csrfToken: csrfTokenOf(secret),
    session: presentSession(current, user, secret),
  };
}

export async function logout(deps: UsersDeps, principal: Principal): Promise<void> {
  if (!principal.user)
    throw new AppError('bad_request', 'only a console session logs out; revoke a key instead');
  await endSession(deps.store, principal.user.sessionId, deps.clock.now());
}

function sessionUser(principal: Principal): { tenantId: string; userId: string } {
  if (!principal.user) throw new AppError('bad_request', 'a second factor belongs to a user: sign in first');
  return { tenantId: principal.tenantId, userId: principal.user.id };
}

async function ownUser(deps: UsersDeps, principal: Principal): Promise<UserRow> {
  const { tenantId, userId } = sessionUser(principal);
  const user = await findUser(deps.store, tenantId, userId);
  if (!user) throw new AppError('unauthenticated', 'the user no longer exists');
  return user;
}

/** Starts TOTP enrolment: a new secret, pending until a code from it is confirmed. */
export async function enrolTotp(
  deps: UsersDeps,
  principal: Principal,
): Promise<{ secret: string; otpauthUri: string }> {
  const user = await ownUser(deps, principal);
  if (user.totp_secret !== null) throw new AppError('conflict', 'TOTP is already enabled: disable it first');
  const secret = newTotpSecret();
  await updateUser(deps.store, user.tenant_id, user.id, {
    totp_pending_secret: secret,
    updated_at: deps.clock.now(),
  });
  return { secret, otpauthUri: otpauthUri(TOTP_ISSUER, user.email, secret) };
}

/** Confirms enrolment with a code of the pending secret; answers the recovery codes, once. */
export async function confirmTotp(
  deps: UsersDeps,
  principal: Principal,
  code: string,
): Promise<{ recoveryCodes: string[] }> {
  const user = await ownUser(deps, principal);
  if (user.totp_pending_secret === null)
    throw new AppError('conflict', 'no TOTP enrolment is pending: start one first');
  const now = deps.clock.now();
  const step = matchTotp(user.totp_pending_secret, code, now, null);
  if (step === undefined) throw new AppError('totp_invalid', 'the code does not match the enrolled secret');
  const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => randomBytes(8).toString('hex'));
  await updateUser(deps.store, user.tenant_id, user.id, {
    totp_secret: user.totp_pending_secret,
    totp_pending_secret: null,
    totp_last_step: step,
    recovery_codes: JSON.stringify(recoveryCodes.map((c) => hashSecret(c))),
    updated_at: now,
  });
  return { recoveryCodes };
}

/** Turns TOTP off; needs a current code (or a recovery code), so a stolen session alone cannot. */
export async function disableTotp(deps: UsersDeps, principal: Principal, code: string): Promise<User> {
  const user = await ownUser(deps, principal);
  if (user.totp_secret === null) throw new AppError('conflict', 'TOTP is not enabled');
  const now = deps.clock.now();
  const step = matchTotp(user.totp_secret, code, now, user.totp_last_step);
  if (step === undefined && spendRecoveryCode(user.recovery_codes, code) === undefined)
    throw new AppError('totp_invalid', 'the code does not match');
  await updateUser(deps.store, user.tenant_id, user.id, {
    totp_secret: null,
    totp_pending_secret: null,
    totp_last_step: null,
    recovery_codes: null,
    updated_at: now,
  });
  const after = await findUser(deps.store, user.tenant_id, user.id);
  if (!after) throw notFound('user', user.id);
  return presentUser(after);
}

/**
 * First start: the first admin user of the default tenant, beside the bootstrap key, with
 * no password and a setup token (a reset token) to set it. Later starts change nothing.
 */
export async function bootstrapFirstAdmin(
  deps: UsersDeps,
  tenantId: string,
  email: string,
): Promise<{ user: User; setupToken: string; expiresAt: string } | undefined> {
  if ((await countUsers(deps.store)) > 0) return undefined;
  const now = deps.clock.now();
  const row: UserRow = {
    tenant_id: tenantId,
    id: prefixedId('usr'),
    email: normalEmail(email),
    name: 'First admin',
    password_hash: null,
    scope: 'admin',
    is_system: 1,
    totp_secret: null,
    totp_pending_secret: null,
    totp_last_step: null,
    recovery_codes: null,
    disabled_at: null,
    password_changed_at: null,
    created_at: now,
    updated_at: now,
  };
  await insertUser(deps.store, row);
  const { token, expiresAt } = await issueToken(deps, row);
  return { user: presentUser(row), setupToken: token, expiresAt };
}
