import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/**
 * Authentication, scopes, tenants and API keys, over real HTTP on every dialect. The route
 * list comes from the server's own OpenAPI document, so a new route is covered by the
 * authentication checks the day it is added.
 */

interface Route {
  readonly method: string;
  /** The OpenAPI path with its parameters filled in. */
  readonly path: string;
  /**
   * Who authenticates: an API key (or a console session), a device token or callback
   * secret or a session alone (other), or nobody before the body is read (public: login).
   */
  readonly auth: 'api-key' | 'other' | 'public';
}

const PARAM_VALUES: Readonly<Record<string, string>> = {
  tenantId: 'acme',
  typeId: 'sensor',
  deviceId: 'dev-1',
  keyId: 'key_doesnotexist',
  credentialId: 'cred_doesnotexist',
  deviceTypeId: 'sensor',
  secretId: 'cbs_doesnotexist',
  messageId: '01a20000-0000-7000-8000-000000000000',
  jobId: 'job_doesnotexist',
  policyId: 'pol_doesnotexist',
  clientId: 'client-doesnotexist',
  commandId: 'cmd_doesnotexist',
  configurationId: 'cfg-doesnotexist',
  contractId: 'ctr_00000000000000000000000000000000',
  alertId: 'alr_00000000000000000000000000000000',
  webhookId: 'wh_doesnotexist',
  deliveryId: '1',
  channelId: 'nch_doesnotexist',
  recipientId: 'nrc_doesnotexist',
  notificationId: '1',
  userId: 'usr_doesnotexist',
  // A direct method's or a twin parameter's name.
  name: 'reboot',
};

async function v1Routes(ts: TestServer): Promise<Route[]> {
  const response = await ts.request('GET', '/openapi.json', { key: null });
  expect(response.status).toBe(200);
  const paths = response.body.paths as Record<string, Record<string, unknown>>;
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(paths)) {
    if (!template.startsWith('/v1/')) continue;
    const path = template.replace(/\{(\w+)\}/g, (_match, name: string) => {
      const value = PARAM_VALUES[name];
      if (value === undefined) throw new Error(`no test value for path parameter ${name}`);
      return value;
    });
    for (const [method, operation] of Object.entries(operations)) {
      const security = (operation as { security?: Record<string, unknown>[] }).security;
      const auth =
        security?.length === 0
          ? 'public'
          : security === undefined || security.some((s) => 'apiKey' in s)
            ? 'api-key'
            : 'other';
      routes.push({ method: method.toUpperCase(), path, auth });
    }
  }
  return routes;
}

/** Sends a plausible request to a route with the given Authorization header (or none). */
function callRoute(ts: TestServer, route: Route, authorization: string | null): Promise<TestResponse> {
  const headers: Record<string, string> = authorization === null ? {} : { authorization };
  if (route.path === '/v1/devices/import') {
    return ts.request(route.method, route.path, {
      key: null,
      body: 'id,typeId\nunauth-dev,sensor\n',
      headers: { ...headers, 'content-type': 'text/csv' },
    });
  }
  const withBody = route.method === 'POST' || route.method === 'PATCH';
  return ts.request(route.method, route.path, {
    key: null,
    headers,
    ...(withBody ? { json: { id: 'unauth-probe', typeId: 'sensor', name: 'probe', scope: 'reader' } } : {}),
  });
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`access over HTTP: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    let routes: Route[];
    /** Secrets of keys in tenant `acme`, by scope. */
    const acme = { admin: '', operator: '', reader: '' };
    let expiring: { secret: string; expiresAt: number };

    async function createKey(
      key: string,
      tenantId: string,
      body: Record<string, unknown>,
    ): Promise<{ id: string; secret: string }> {
      const response = await ts.request('POST', `/v1/tenants/${tenantId}/keys`, { key, json: body });
      expect(response.status, response.text).toBe(201);
      return {
        id: mustBeString(response.body.id, 'key id'),
        secret: mustBeString(response.body.secret, 'secret'),
      };
    }

    async function deviceCount(): Promise<number> {
      const response = await ts.request('GET', '/v1/devices?deleted=include&limit=1000', { key: acme.admin });
      expect(response.status).toBe(200);
      return (response.body.items as unknown[]).length;
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      const tenant = await ts.request('POST', '/v1/tenants', { json: { id: 'acme', name: 'Acme' } });
      expect(tenant.status, tenant.text).toBe(201);
      // Made first, so that its second of life passes while the rest is set up.
      const expiresAt = Date.now() + 1000;
      expiring = {
        expiresAt,
        secret: (
          await createKey(ts.adminKey, 'acme', {
            name: 'short-lived',
            scope: 'admin',
            expiresAt: new Date(expiresAt).toISOString(),
          })
        ).secret,
      };
      const me = await ts.request('GET', '/v1/me', { key: expiring.secret });
      expect(me.status, 'the expiring key works before it expires').toBe(200);
      for (const scope of ['admin', 'operator', 'reader'] as const) {
        acme[scope] = (await createKey(ts.adminKey, 'acme', { name: `acme ${scope}`, scope })).secret;
      }
      const type = await ts.request('POST', '/v1/device-types', {
        key: acme.admin,
        json: { id: 'sensor', name: 'Sensor' },
      });
      expect(type.status).toBe(201);
      routes = await v1Routes(ts);
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('lists every /v1 route in the OpenAPI document', () => {
      const listed = routes.map((r) => `${r.method} ${r.path}`);
      expect(listed).toEqual(
        expect.arrayContaining([
          'GET /v1/me',
          'POST /v1/tenants',
          'GET /v1/tenants/acme',
          'POST /v1/tenants/acme/keys',
          'DELETE /v1/keys/key_doesnotexist',
          'GET /v1/devices',
          'POST /v1/devices/import',
          'GET /v1/devices/export',
          'PATCH /v1/devices/dev-1',
          'POST /v1/devices/dev-1/restore',
          'DELETE /v1/devices/dev-1/credentials/cred_doesnotexist',
          'DELETE /v1/device-types/sensor',
        ]),
      );
      expect(routes.length).toBeGreaterThanOrEqual(22);
      // The only routes that take no credential: they check what their body carries.
      expect(routes.filter((r) => r.auth === 'public').map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /v1/auth/login',
        'POST /v1/auth/password-reset',
      ]);
    });

    async function expectEveryRouteUnauthenticated(authorization: string | null): Promise<void> {
      const before = await deviceCount();
      for (const route of routes.filter((r) => r.auth !== 'public')) {
        const response = await callRoute(ts, route, authorization);
        expect(response.status, `${route.method} ${route.path}: ${response.text}`).toBe(401);
        expect(response.headers.get('content-type'), `${route.method} ${route.path}`).toMatch(
          /^application\/problem\+json/,
        );
        expect(response.body.code, `${route.method} ${route.path}`).toBe('unauthenticated');
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect(await deviceCount()).toBe(before);
    }

    it('answers 401 on every /v1 route without a key', async () => {
      await expectEveryRouteUnauthenticated(null);
    });

    it('answers 401 on every /v1 route with a malformed Authorization header', async () => {
      for (const header of [
        `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        'Bearer',
        'Bearer ',
        `Bearer ${acme.admin} extra`,
        `Token ${acme.admin}`,
        acme.admin,
      ]) {
        await expectEveryRouteUnauthenticated(header);
      }
    });

    it('answers 401 on every /v1 route with an unknown key', async () => {
      await expectEveryRouteUnauthenticated(`Bearer fpk_${'x'.repeat(43)}`);
      await expectEveryRouteUnauthenticated(`Bearer ${acme.admin.slice(0, -1)}`);
    });

    it('answers 401 on every /v1 route with a revoked key', async () => {
      const key = await createKey(ts.adminKey, 'acme', { name: 'to revoke', scope: 'admin' });
      expect((await ts.request('GET', '/v1/me', { key: key.secret })).status).toBe(200);
      const revoked = await ts.request('DELETE', `/v1/keys/${key.id}`, { key: acme.admin });
      expect(revoked.status, revoked.text).toBe(200);
      await expectEveryRouteUnauthenticated(`Bearer ${key.secret}`);
    });

    it('answers 401 on every /v1 route with an expired key', async () => {
      const wait = expiring.expiresAt - Date.now() + 20;
      if (wait > 0) await sleep(wait);
      await expectEveryRouteUnauthenticated(`Bearer ${expiring.secret}`);
      const response = await ts.request('GET', '/v1/me', { key: expiring.secret });
      expect(response.body.detail).toMatch(/expired/);
    });

    it('serves /healthz, /readyz, /metrics, /openapi.json and /docs without a key', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
        const bare = await ts.request('GET', path, { key: null });
        expect(bare.status, path).toBe(200);
        const withBadKey = await ts.request('GET', path, { key: 'not-a-key' });
        expect(withBadKey.status, `${path} ignores a bad key`).toBe(200);
      }
    });

    it('refuses every write to a reader key with 403 forbidden and writes nothing', async () => {
      const before = await deviceCount();
      // Device and callback routes take no API key at all: the 401 tests cover them.
      for (const route of routes.filter((r) => r.method !== 'GET' && r.auth === 'api-key')) {
        const response = await callRoute(ts, route, `Bearer ${acme.reader}`);
        expect(response.status, `${route.method} ${route.path}: ${response.text}`).toBe(403);
        expect(response.body.code).toBe('forbidden');
      }
      expect(await deviceCount()).toBe(before);
      expect((await ts.request('GET', '/v1/devices', { key: acme.reader })).status).toBe(200);
      expect((await ts.request('GET', '/v1/device-types/sensor', { key: acme.reader })).status).toBe(200);
    });

    it('refuses key management to an operator key', async () => {
      const attempts: [string, string, unknown][] = [
        ['GET', '/v1/keys', undefined],
        ['POST', '/v1/keys', { name: 'mine', scope: 'reader' }],
        ['POST', '/v1/tenants/acme/keys', { name: 'mine', scope: 'reader' }],
        ['DELETE', '/v1/keys/key_doesnotexist', undefined],
      ];
      for (const [method, path, json] of attempts) {
        const response = await ts.request(method, path, { key: acme.operator, json });
        expectProblem(response, 403, 'forbidden');
      }
      const create = await ts.request('POST', '/v1/devices', {
        key: acme.operator,
        json: { id: 'operator-made', typeId: 'sensor' },
      });
      expect(create.status, 'an operator may write devices').toBe(201);
    });

    it('refuses tenant creation to an admin key that is not the bootstrap key', async () => {
      const before = await ts.request('GET', '/v1/tenants');
      const response = await ts.request('POST', '/v1/tenants', {
        key: acme.admin,
        json: { id: 'rogue', name: 'Rogue' },
      });
      expectProblem(response, 403, 'forbidden');
      expect((await ts.request('GET', '/v1/tenants')).body).toEqual(before.body);
      expectProblem(await ts.request('GET', '/v1/tenants/rogue'), 404, 'not_found');
    });

    it('refuses a key that tries to mint a key with a higher scope', async () => {
      for (const [holder, scope] of [
        [acme.reader, 'operator'],
        [acme.reader, 'admin'],
        [acme.operator, 'admin'],
      ] as const) {
        const response = await ts.request('POST', '/v1/keys', { key: holder, json: { name: 'up', scope } });
        expectProblem(response, 403, 'forbidden');
      }
      const keys = await ts.request('GET', '/v1/keys', { key: acme.admin });
      expect(keys.body.items.map((k: { name: string }) => k.name)).not.toContain('up');
      const lower = await ts.request('POST', '/v1/keys', {
        key: acme.admin,
        json: { name: 'down', scope: 'reader' },
      });
      expect(lower.status, 'an admin may mint a lower scope').toBe(201);
    });

    it('refuses a tenant admin key that tries to revoke the bootstrap key', async () => {
      const me = await ts.request('GET', '/v1/me');
      expect(me.body).toMatchObject({ tenantId: 'default', scope: 'admin', system: true });
      const defaultAdmin = await createKey(ts.adminKey, 'default', { name: 'default admin', scope: 'admin' });
      const response = await ts.request('DELETE', `/v1/keys/${me.body.keyId}`, { key: defaultAdmin.secret });
      expectProblem(response, 403, 'forbidden');
      expect((await ts.request('GET', '/v1/me')).status, 'the bootstrap key still works').toBe(200);
    });

    it('refuses a tenant admin key that tries to create keys in another tenant with 404', async () => {
      const other = await ts.request('POST', '/v1/tenants', { json: { id: 'other', name: 'Other' } });
      expect(other.status).toBe(201);
      const response = await ts.request('POST', '/v1/tenants/other/keys', {
        key: acme.admin,
        json: { name: 'sneaky', scope: 'admin' },
      });
      expectProblem(response, 404, 'not_found');
    });

    it("lets the bootstrap key list and revoke another tenant's keys", async () => {
      const tenant = await ts.request('POST', '/v1/tenants', { json: { id: 'managed', name: 'Managed' } });
      expect(tenant.status).toBe(201);
      const key = await ts.request('POST', '/v1/tenants/managed/keys', {
        json: { name: 'ops', scope: 'operator' },
      });
      expect(key.status).toBe(201);
      const listed = await ts.request('GET', '/v1/tenants/managed/keys');
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((k: { id: string }) => k.id)).toEqual([key.body.id]);
      expect(JSON.stringify(listed.body)).not.toContain(key.body.secret);
      const revoked = await ts.request('DELETE', `/v1/tenants/managed/keys/${key.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      expect((await ts.request('GET', '/v1/me', { key: key.body.secret })).status).toBe(401);
    });

    it('shows a new key secret once and never in the key list', async () => {
      const created = await ts.request('POST', '/v1/keys', {
        key: acme.admin,
        json: { name: 'shown once', scope: 'operator' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        tenantId: 'acme',
        name: 'shown once',
        scope: 'operator',
        system: false,
        revokedAt: null,
        lastUsedAt: null,
        expiresAt: null,
      });
      const secret = mustBeString(created.body.secret, 'secret');
      expect(secret).toMatch(/^fpk_/);
      const list = await ts.request('GET', '/v1/keys', { key: acme.admin });
      expect(list.status).toBe(200);
      const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(listed).toMatchObject({ id: created.body.id, name: 'shown once', scope: 'operator' });
      expect(listed).not.toHaveProperty('secret');
      expect(list.text).not.toContain(secret);
      expect(list.text).not.toContain(acme.admin);
      for (const item of list.body.items) expect(item.tenantId).toBe('acme');
    });

    it('authenticates a new key with its own tenant and scope', async () => {
      const created = await ts.request('POST', '/v1/keys', {
        key: acme.admin,
        json: { name: 'who', scope: 'reader' },
      });
      const me = await ts.request('GET', '/v1/me', { key: created.body.secret });
      expect(me.body).toEqual({ keyId: created.body.id, tenantId: 'acme', scope: 'reader', system: false });
    });

    it('revokes a key: it answers 401 afterwards and the list shows when', async () => {
      const created = await ts.request('POST', '/v1/keys', {
        key: acme.admin,
        json: { name: 'revoked soon', scope: 'reader' },
      });
      const secret = mustBeString(created.body.secret, 'secret');
      expect((await ts.request('GET', '/v1/devices', { key: secret })).status).toBe(200);
      const revoked = await ts.request('DELETE', `/v1/keys/${created.body.id}`, { key: acme.admin });
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      expectProblem(await ts.request('GET', '/v1/devices', { key: secret }), 401, 'unauthenticated');
      const list = await ts.request('GET', '/v1/keys', { key: acme.admin });
      const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
      expect(listed.revokedAt).toBe(revoked.body.revokedAt);
    });

    it('answers 404 when revoking a key that does not exist, 400 for a malformed key id', async () => {
      expectProblem(
        await ts.request('DELETE', '/v1/keys/key_doesnotexist', { key: acme.admin }),
        404,
        'not_found',
      );
      expectProblem(
        await ts.request('DELETE', '/v1/keys/not%20a%20key', { key: acme.admin }),
        400,
        'validation_failed',
      );
    });

    it('records when a key was last used', async () => {
      const created = await ts.request('POST', '/v1/keys', {
        key: acme.admin,
        json: { name: 'used', scope: 'reader' },
      });
      expect(created.body.lastUsedAt).toBeNull();
      const before = Date.now();
      expect((await ts.request('GET', '/v1/me', { key: created.body.secret })).status).toBe(200);
      let lastUsedAt: string | null = null;
      for (let attempt = 0; attempt < 50 && lastUsedAt === null; attempt += 1) {
        const list = await ts.request('GET', '/v1/keys', { key: acme.admin });
        lastUsedAt = list.body.items.find((k: { id: string }) => k.id === created.body.id).lastUsedAt;
        if (lastUsedAt === null) await sleep(20);
      }
      expect(lastUsedAt).not.toBeNull();
      expect(Date.parse(String(lastUsedAt))).toBeGreaterThanOrEqual(before - 5);
    });

    it('refuses a key whose expiresAt is in the past or not a date', async () => {
      for (const expiresAt of [new Date(Date.now() - 60_000).toISOString(), 'tomorrow']) {
        const response = await ts.request('POST', '/v1/keys', {
          key: acme.admin,
          json: { name: 'stale', scope: 'reader', expiresAt },
        });
        expectProblem(response, 400, 'validation_failed');
      }
    });

    it('answers 409 already_exists for a tenant id that is taken, 400 for a bad one', async () => {
      expectProblem(
        await ts.request('POST', '/v1/tenants', { json: { id: 'acme', name: 'Again' } }),
        409,
        'already_exists',
      );
      for (const id of ['Upper', '-dash', 'a b', 'x'.repeat(64), '']) {
        expectProblem(
          await ts.request('POST', '/v1/tenants', { json: { id, name: 'Bad' } }),
          400,
          'validation_failed',
        );
      }
      expectProblem(
        await ts.request('POST', '/v1/tenants', { json: { name: 'Bad\u0007bell' } }),
        400,
        'validation_failed',
      );
    });

    it('creates a tenant with a generated id when none is given', async () => {
      const response = await ts.request('POST', '/v1/tenants', { json: { name: 'Generated' } });
      expect(response.status).toBe(201);
      expect(response.body.id).toMatch(/^[a-z0-9][a-z0-9-]{0,62}$/);
      expect(response.headers.get('location')).toBe(`/v1/tenants/${response.body.id}`);
      expect((await ts.request('GET', `/v1/tenants/${response.body.id}`)).body.name).toBe('Generated');
    });

    it('lists every tenant to the bootstrap key and only its own to a tenant key', async () => {
      const all = await ts.request('GET', '/v1/tenants?limit=1000');
      const ids = all.body.items.map((t: { id: string }) => t.id);
      expect(ids).toEqual(expect.arrayContaining(['default', 'acme', 'other']));
      expect([...ids].sort()).toEqual(ids);
      const own = await ts.request('GET', '/v1/tenants', { key: acme.reader });
      expect(own.body.items.map((t: { id: string }) => t.id)).toEqual(['acme']);
      expect((await ts.request('GET', '/v1/tenants/acme', { key: acme.reader })).body.name).toBe('Acme');
    });

    it('pages through tenants with a cursor', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const query: string = after === null ? '' : `&after=${after}`;
        const page = await ts.request('GET', `/v1/tenants?limit=1${query}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((t: { id: string }) => t.id));
        after = page.body.nextCursor;
      } while (after !== null);
      const all = await ts.request('GET', '/v1/tenants?limit=1000');
      expect(seen).toEqual(all.body.items.map((t: { id: string }) => t.id));
    });
  });
}
