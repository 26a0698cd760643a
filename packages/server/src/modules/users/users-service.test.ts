import { beforeAll, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { hashSecret } from '../../kernel/ids.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Principal } from '../../kernel/principal.js';
import { bootstrapAccess } from '../access/index.js';
import { TOTP_STEP_SECONDS, totpCode } from './totp.js';
import {
  authenticateSession,
  bootstrapFirstAdmin,
  confirmTotp,
  createUser,
  DEFAULT_USERS_POLICY,
  enrolTotp,
  getUser,
  issueResetToken,
  login,
  logout,
  resetPassword,
  type UsersDeps,
} from './users-service.js';
import { countUsers, findTokenByHash } from './users-store.js';

const ADMIN: Principal = { keyId: 'key_admin', tenantId: 'default', scope: 'admin', system: true };
const GOOD = 'correct horse battery staple';
const MINUTE = 60_000;
const { throttle, sessionIdleMs, sessionMaxMs, resetTokenMs } = DEFAULT_USERS_POLICY;

describeEachDialect('users and sessions', (dialect) => {
  const db = suiteStore(dialect);
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12));
  let deps: UsersDeps;
  let n = 0;
  /** A fresh user with the good password, and its e-mail. */
  async function newUser(password: string | null = GOOD) {
    n += 1;
    const email = `user${n}@example.com`;
    const user = await createUser(deps, ADMIN, 'default', {
      email,
      scope: 'operator',
      ...(password === null ? {} : { password }),
    });
    return { user, email };
  }
  /** A login that must fail: its error code. */
  async function refusal(body: { email: string; password: string; code?: string }, address = '192.0.2.1') {
    return login(deps, body, { address }).then(
      () => 'accepted',
      (error: { code: string }) => error.code,
    );
  }

  beforeAll(async () => {
    deps = { store: db.store, clock, logger: silentLogger };
    await bootstrapAccess({ ...deps }, undefined);
  });

  it('makes the first admin once, without a password, with a setup token that sets one', async () => {
    const first = await bootstrapFirstAdmin(deps, 'default', 'Root@Example.com');
    expect(first?.user).toMatchObject({
      email: 'root@example.com',
      scope: 'admin',
      system: true,
      passwordSet: false,
    });
    expect(await bootstrapFirstAdmin(deps, 'default', 'other@example.com')).toBeUndefined();
    expect(await refusal({ email: 'root@example.com', password: GOOD })).toBe('invalid_credentials');
    const set = await resetPassword(deps, first?.setupToken ?? '', GOOD);
    expect(set.passwordSet).toBe(true);
    const session = await login(
      deps,
      { email: 'ROOT@example.com', password: GOOD },
      { address: '192.0.2.9' },
    );
    const auth = await authenticateSession(deps, session.secret);
    expect(auth.principal).toMatchObject({
      tenantId: 'default',
      scope: 'admin',
      system: true,
      keyId: set.id,
    });
    expect(auth.principal.user).toEqual({ id: set.id, email: 'root@example.com', sessionId: session.id });
  });

  it('refuses a weak password with weak_password and stores nothing', async () => {
    const before = await countUsers(db.store);
    for (const password of ['short', 'aaaaaaaaaaaaaaaa', 'password1234', 'weakling-weakling-1']) {
      await expect(
        createUser(deps, ADMIN, 'default', { email: 'weakling@example.com', scope: 'reader', password }),
      ).rejects.toMatchObject({ code: 'weak_password' });
    }
    expect(await countUsers(db.store)).toBe(before);
  });

  it('answers the same invalid_credentials for a wrong password and an unknown e-mail', async () => {
    const { email } = await newUser();
    expect(await refusal({ email, password: 'not the password at all' })).toBe('invalid_credentials');
    expect(await refusal({ email: 'nobody@example.com', password: GOOD })).toBe('invalid_credentials');
    expect(await refusal({ email, password: GOOD })).toBe('accepted');
  });

  it('locks an account after N failures, also for the right password, until the lock ends', async () => {
    const { email } = await newUser();
    for (let i = 1; i < throttle.accountFailures; i++)
      expect(await refusal({ email, password: `wrong password ${i}` }, `198.51.100.${i}`)).toBe(
        'invalid_credentials',
      );
    expect(await refusal({ email, password: 'wrong password last' }, '198.51.100.99')).toBe(
      'invalid_credentials',
    );
    // From any address, even with the right password.
    expect(await refusal({ email, password: GOOD }, '203.0.113.7')).toBe('login_locked');
    // An unknown e-mail locks the same way: a lock says nothing about who exists.
    for (let i = 0; i < throttle.accountFailures; i++)
      await refusal({ email: 'ghost@example.com', password: 'wrong' }, `198.51.100.${i}`);
    expect(await refusal({ email: 'ghost@example.com', password: 'wrong' }, '203.0.113.8')).toBe(
      'login_locked',
    );
    clock.advance(throttle.lockMs - 1);
    expect(await refusal({ email, password: GOOD }, '203.0.113.7')).toBe('login_locked');
    clock.advance(1);
    expect(await refusal({ email, password: GOOD }, '203.0.113.7')).toBe('accepted');
  });

  it('locks an address after its own limit across accounts', async () => {
    const address = '192.0.2.200';
    for (let i = 0; i < throttle.addressFailures; i++)
      expect(await refusal({ email: `spray${i}@example.com`, password: 'wrong' }, address)).toBe(
        'invalid_credentials',
      );
    const { email } = await newUser();
    expect(await refusal({ email, password: GOOD }, address)).toBe('login_locked');
    expect(await refusal({ email, password: GOOD }, '192.0.2.201')).toBe('accepted');
    clock.advance(throttle.lockMs);
    expect(await refusal({ email, password: GOOD }, address)).toBe('accepted');
  });

  it('ends a session when it is idle too long, and at its absolute expiry while in use', async () => {
    const { email } = await newUser();
    const idle = await login(deps, { email, password: GOOD }, { address: '192.0.2.2' });
    clock.advance(sessionIdleMs - MINUTE);
    await authenticateSession(deps, idle.secret);
    // Use moved the idle deadline: another almost-idle period is fine.
    clock.advance(sessionIdleMs - MINUTE);
    await authenticateSession(deps, idle.secret);
    clock.advance(sessionIdleMs);
    await expect(authenticateSession(deps, idle.secret)).rejects.toMatchObject({ code: 'unauthenticated' });

    const busy = await login(deps, { email, password: GOOD }, { address: '192.0.2.2' });
    const started = clock.now();
    while (clock.now() + sessionIdleMs / 2 < started + sessionMaxMs) {
      clock.advance(sessionIdleMs / 2);
      await authenticateSession(deps, busy.secret);
    }
    clock.set(started + sessionMaxMs);
    await expect(authenticateSession(deps, busy.secret)).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'the session has expired',
    });
  });

  it('refuses a forged session and one that logged out', async () => {
    await expect(authenticateSession(deps, `fps_${'A'.repeat(43)}`)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const { email } = await newUser();
    const session = await login(deps, { email, password: GOOD }, { address: '192.0.2.3' });
    const { principal } = await authenticateSession(deps, session.secret);
    await logout(deps, principal);
    await expect(authenticateSession(deps, session.secret)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('enrols TOTP with a real code, then needs one at login; a code and a recovery code work once', async () => {
    const { email, user } = await newUser();
    const first = await login(deps, { email, password: GOOD }, { address: '192.0.2.4' });
    const { principal } = await authenticateSession(deps, first.secret);
    const enrolment = await enrolTotp(deps, principal);
    expect(enrolment.otpauthUri).toMatch(
      /^otpauth:\/\/totp\/Fleetport:user\d+%40example\.com\?secret=[A-Z2-7]{32}&/,
    );
    await expect(confirmTotp(deps, principal, '000000')).rejects.toMatchObject({ code: 'totp_invalid' });
    const { recoveryCodes } = await confirmTotp(deps, principal, totpCode(enrolment.secret, clock.now()));
    expect(recoveryCodes).toHaveLength(10);
    expect((await getUser(deps, ADMIN, 'default', user.id)).totpEnabled).toBe(true);

    clock.advance(TOTP_STEP_SECONDS * 1000);
    expect(await refusal({ email, password: GOOD })).toBe('totp_required');
    expect(await refusal({ email, password: 'wrong password!', code: '123456' })).toBe('invalid_credentials');
    const code = totpCode(enrolment.secret, clock.now());
    expect(await refusal({ email, password: GOOD, code })).toBe('accepted');
    // The same code again, within its step: refused (RFC 6238 §5.2).
    expect(await refusal({ email, password: GOOD, code })).toBe('invalid_credentials');
    const recovery = recoveryCodes[0] ?? '';
    expect(await refusal({ email, password: GOOD, code: recovery })).toBe('accepted');
    expect(await refusal({ email, password: GOOD, code: recovery })).toBe('invalid_credentials');
  });

  it('uses a reset token once, refuses it when expired, and a weak password leaves it usable', async () => {
    const { user, email } = await newUser(null);
    const reset = await issueResetToken(deps, ADMIN, 'default', user.id);
    const stored = await findTokenByHash(db.store, hashSecret(reset.token));
    expect(stored?.token_hash).not.toContain(reset.token);
    await expect(resetPassword(deps, reset.token, 'tiny')).rejects.toMatchObject({ code: 'weak_password' });
    expect((await getUser(deps, ADMIN, 'default', user.id)).passwordSet).toBe(false);
    await resetPassword(deps, reset.token, GOOD);
    await expect(resetPassword(deps, reset.token, `${GOOD} again`)).rejects.toMatchObject({
      code: 'token_invalid',
    });
    expect(await refusal({ email, password: GOOD })).toBe('accepted');

    const session = await login(deps, { email, password: GOOD }, { address: '192.0.2.5' });
    const late = await issueResetToken(deps, ADMIN, 'default', user.id);
    clock.advance(resetTokenMs);
    await expect(resetPassword(deps, late.token, `${GOOD} later`)).rejects.toMatchObject({
      code: 'token_invalid',
    });
    const fresh = await issueResetToken(deps, ADMIN, 'default', user.id);
    await resetPassword(deps, fresh.token, 'a brand new passphrase');
    // A new password ends the sessions opened with the old one.
    await expect(authenticateSession(deps, session.secret)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('keeps tenants apart: another tenant looks absent, and a non-admin cannot manage users', async () => {
    const { user } = await newUser();
    const other: Principal = { keyId: 'key_other', tenantId: 'acme', scope: 'admin', system: false };
    await expect(getUser(deps, other, 'default', user.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(getUser(deps, other, 'acme', user.id)).rejects.toMatchObject({ code: 'not_found' });
    const reader: Principal = { keyId: 'key_reader', tenantId: 'default', scope: 'reader', system: false };
    await expect(getUser(deps, reader, 'default', user.id)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
