import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const PASSWORD = 'correct horse battery staple';

/**
 * Console sessions over real HTTP: the cookie, CSRF on writes, the same principal as a
 * key, tenant isolation, and keys unaffected by a cookie.
 */
describeEachDialect('console sessions over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;

  /** A request carrying a session cookie (and a CSRF token when given), without a key. */
  function asSession(
    method: string,
    path: string,
    cookie: string,
    options: { csrf?: string; json?: unknown } = {},
  ): Promise<TestResponse> {
    return ts.request(method, path, {
      key: null,
      headers: { cookie, ...(options.csrf === undefined ? {} : { 'x-csrf-token': options.csrf }) },
      ...(options.json === undefined ? {} : { json: options.json }),
    });
  }

  async function signIn(
    email: string,
    password = PASSWORD,
  ): Promise<{ cookie: string; csrf: string; body: TestResponse['body'] }> {
    const response = await ts.request('POST', '/v1/auth/login', { key: null, json: { email, password } });
    expect(response.status, response.text).toBe(200);
    const setCookie = mustBeString(response.headers.get('set-cookie'), 'set-cookie');
    return {
      cookie: setCookie.split(';')[0] ?? '',
      csrf: mustBeString(response.body.csrfToken, 'csrf'),
      body: response.body,
    };
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    const first = ts.server.firstAdmin;
    expect(first?.email).toBe('admin@localhost');
    const set = await ts.request('POST', '/v1/auth/password-reset', {
      key: null,
      json: { token: first?.setupToken, password: PASSWORD },
    });
    expect(set.status, set.text).toBe(200);
    expect((await ts.request('POST', '/v1/tenants', { json: { id: 'acme', name: 'Acme' } })).status).toBe(
      201,
    );
    const acmeUser = await ts.request('POST', '/v1/tenants/acme/users', {
      json: { email: 'ops@acme.example', scope: 'operator', password: PASSWORD },
    });
    expect(acmeUser.status, acmeUser.text).toBe(201);
    expect(
      (await ts.request('POST', '/v1/device-types', { json: { id: 'sensor', name: 'Sensor' } })).status,
    ).toBe(201);
    expect(
      (await ts.request('POST', '/v1/devices', { json: { id: 'default-dev', typeId: 'sensor' } })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('signs in with an HTTP-only SameSite cookie (no Secure over plain HTTP) holding a secret stored only hashed', async () => {
    const response = await ts.request('POST', '/v1/auth/login', {
      key: null,
      json: { email: 'Admin@Localhost', password: PASSWORD },
    });
    expect(response.status, response.text).toBe(200);
    const cookie = mustBeString(response.headers.get('set-cookie'), 'set-cookie');
    expect(cookie).toMatch(
      /^fleetport_session=fps_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
    );
    expect(response.body.user).toMatchObject({ email: 'admin@localhost', system: true, scope: 'admin' });
    const secret = cookie.split(';')[0]?.split('=')[1] ?? '';
    const rows = await ts.server.store.db.selectFrom('user_sessions').select('token_hash').execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(secret);
  });

  it('gives a session the same principal as a key: /v1/me, /v1/auth/session, reads', async () => {
    const { cookie, csrf, body } = await signIn('admin@localhost');
    const me = await asSession('GET', '/v1/me', cookie);
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ keyId: body.user.id, tenantId: 'default', scope: 'admin', system: true });
    const session = await asSession('GET', '/v1/auth/session', cookie);
    expect(session.body).toMatchObject({ id: body.id, csrfToken: csrf, user: { id: body.user.id } });
    const devices = await asSession('GET', '/v1/devices', cookie);
    expect(devices.body.items.map((d: { id: string }) => d.id)).toEqual(['default-dev']);
  });

  it('refuses a session write without its CSRF token (403 csrf_failed, nothing stored) and accepts it with the token', async () => {
    const { cookie, csrf } = await signIn('admin@localhost');
    const body = { json: { id: 'csrf-dev', typeId: 'sensor' } };
    expectProblem(await asSession('POST', '/v1/devices', cookie, body), 403, 'csrf_failed');
    expectProblem(
      await asSession('POST', '/v1/devices', cookie, { ...body, csrf: `${csrf}x` }),
      403,
      'csrf_failed',
    );
    const other = await signIn('admin@localhost');
    expectProblem(
      await asSession('POST', '/v1/devices', cookie, { ...body, csrf: other.csrf }),
      403,
      'csrf_failed',
    );
    expectProblem(await ts.request('GET', '/v1/devices/csrf-dev'), 404, 'not_found');
    const made = await asSession('POST', '/v1/devices', cookie, { ...body, csrf });
    expect(made.status, made.text).toBe(201);
  });

  it('answers 401 to a forged, a malformed and a logged-out session', async () => {
    for (const cookie of [
      'fleetport_session=fps_forgedforgedforgedforgedforgedforgedforged',
      'fleetport_session=',
      'fleetport_session=%00;',
    ]) {
      expectProblem(await asSession('GET', '/v1/devices', cookie), 401, 'unauthenticated');
    }
    const { cookie, csrf } = await signIn('admin@localhost');
    expectProblem(await asSession('POST', '/v1/auth/logout', cookie), 403, 'csrf_failed');
    const out = await asSession('POST', '/v1/auth/logout', cookie, { csrf });
    expect(out.status, out.text).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^fleetport_session=; .*Max-Age=0/);
    expectProblem(await asSession('GET', '/v1/auth/session', cookie), 401, 'unauthenticated');
  });

  it('keeps API keys as they were: a key wins over a cookie and needs no CSRF token', async () => {
    const { cookie } = await signIn('ops@acme.example');
    const made = await ts.request('POST', '/v1/devices', {
      headers: { cookie },
      json: { id: 'key-dev', typeId: 'sensor' },
    });
    expect(made.status, made.text).toBe(201);
    expect((await ts.request('GET', '/v1/me', { headers: { cookie } })).body.tenantId).toBe('default');
    expectProblem(await ts.request('POST', '/v1/auth/logout'), 403, 'forbidden');
  });

  it('keeps tenants apart: a user of acme sees none of default, and its users look absent', async () => {
    const { cookie, csrf, body } = await signIn('ops@acme.example');
    expect(body.user.tenantId).toBe('acme');
    expect((await asSession('GET', '/v1/devices', cookie)).body.items).toEqual([]);
    expectProblem(await asSession('GET', '/v1/devices/default-dev', cookie), 404, 'not_found');
    // An operator cannot manage users, and cannot reach another tenant's at all.
    expectProblem(await asSession('GET', '/v1/users', cookie), 403, 'forbidden');
    const admins = await ts.request('GET', '/v1/users');
    const adminId = admins.body.items[0].id;
    expectProblem(await asSession('GET', `/v1/users/${adminId}`, cookie), 403, 'forbidden');
    expectProblem(
      await asSession('POST', '/v1/tenants/default/users', cookie, {
        csrf,
        json: { email: 'sneaky@example.com', scope: 'admin', password: PASSWORD },
      }),
      403,
      'forbidden',
    );
    const acmeAdmin = await ts.request('POST', '/v1/tenants/acme/keys', {
      json: { name: 'acme admin', scope: 'admin' },
    });
    expectProblem(
      await ts.request('GET', `/v1/users/${adminId}`, { key: acmeAdmin.body.secret }),
      404,
      'not_found',
    );
    expectProblem(
      await ts.request('GET', '/v1/tenants/default/users', { key: acmeAdmin.body.secret }),
      404,
      'not_found',
    );
  });

  it('refuses a weak password with weak_password and stores no user', async () => {
    const before = (await ts.request('GET', '/v1/users')).body.items.length;
    const response = await ts.request('POST', '/v1/users', {
      json: { email: 'weak@example.com', scope: 'reader', password: 'password1234' },
    });
    expectProblem(response, 400, 'weak_password');
    expect(response.body.data.problems).toContain('a commonly used password');
    expect((await ts.request('GET', '/v1/users')).body.items.length).toBe(before);
    expectProblem(
      await ts.request('POST', '/v1/users', { json: { email: 'ops@acme.example', scope: 'reader' } }),
      409,
      'already_exists',
    );
  });

  it('answers the same 401 for an unknown e-mail and a wrong password, and 429 with Retry-After when locked', async () => {
    const unknown = await ts.request('POST', '/v1/auth/login', {
      key: null,
      json: { email: 'no@example.com', password: PASSWORD },
    });
    const wrong = await ts.request('POST', '/v1/auth/login', {
      key: null,
      json: { email: 'ops@acme.example', password: 'wrong wrong' },
    });
    expectProblem(unknown, 401, 'invalid_credentials');
    expectProblem(wrong, 401, 'invalid_credentials');
    expect(unknown.body.detail).toBe(wrong.body.detail);
    for (let i = 0; i < 5; i++)
      await ts.request('POST', '/v1/auth/login', {
        key: null,
        json: { email: 'locked@example.com', password: 'x' },
      });
    const locked = await ts.request('POST', '/v1/auth/login', {
      key: null,
      json: { email: 'locked@example.com', password: 'x' },
    });
    expectProblem(locked, 429, 'login_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
  });
});
