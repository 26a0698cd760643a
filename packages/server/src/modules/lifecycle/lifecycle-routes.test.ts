import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/** Retries `check` until it passes, for up to 10 s (the uplink consumer follows capture). */
async function until(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const CODEC = 'function decodeUplink(input) { return { data: { level: input.bytes[0] } }; }';

/**
 * The lifecycle on a real server: uplinks move devices through a durable feed consumer,
 * retired devices leave the default lists and their uplinks are stored but not decoded,
 * devices move between types in bulk, types clone with new callback secrets, and every
 * route keeps tenants apart and checks scopes.
 */
describeEachDialect('lifecycle over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  let readerKey = '';
  const tokens = new Map<string, string>();

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  async function device(id: string, typeId: string): Promise<void> {
    await ok('POST', '/v1/devices', { id, typeId });
    const credential = await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' });
    tokens.set(id, credential.body.token);
  }

  async function uplink(deviceId: string, hex: string): Promise<string> {
    const response = await ts.request('POST', '/v1/ingest', {
      key: tokens.get(deviceId) ?? '',
      json: { hex },
    });
    expect(response.status, response.text).toBe(201);
    return response.body.id;
  }

  const stateOf = async (id: string) => (await ok('GET', `/v1/devices/${id}/lifecycle`)).body.state;

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    for (const [id, stage] of [
      ['proto', 'test'],
      ['prod', 'production'],
      ['plain', undefined],
      ['manual', 'none'],
    ] as const) {
      await ok('POST', '/v1/device-types', { id, name: id });
      await ok('PUT', `/v1/device-types/${id}/codec`, { kind: 'javascript', source: CODEC });
      if (stage !== undefined) await ok('PUT', `/v1/device-types/${id}/lifecycle`, { stage });
    }
    const tenant = await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    expect(tenant.status).toBe(201);
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' })).body
      .secret;
    readerKey = (await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' })).body.secret;
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('serves the graph and type stages, production by default', async () => {
    const graph = (await ok('GET', '/v1/lifecycle')).body;
    expect(graph.states[0]).toBe('manufactured');
    expect(graph.transitions.retired).toEqual(['manufactured']);
    expect(graph.automatic.map((r: { rule: string }) => r.rule)).toContain('first_production_uplink');
    expect((await ok('GET', '/v1/device-types/plain/lifecycle')).body).toEqual({
      typeId: 'plain',
      stage: 'production',
    });
    expect((await ok('GET', '/v1/device-types/proto/lifecycle')).body.stage).toBe('test');
    const unknown = await ts.request('PUT', '/v1/device-types/proto/lifecycle', { json: { stage: 'beta' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    expect((await ts.request('GET', '/v1/device-types/ghost/lifecycle')).status).toBe(404);
  });

  it('tests a device on a test type, activates it after a move to production, and leaves a none type alone', async () => {
    await device('u-1', 'proto');
    await device('u-2', 'manual');
    const first = await uplink('u-1', '01');
    await until(async () => expect(await stateOf('u-1')).toBe('tested'));
    await uplink('u-2', '01');
    // Moved in bulk to the production type, its next uplink activates it.
    const moved = await ok('POST', '/v1/devices/move-type', { deviceIds: ['u-1'], typeId: 'prod' });
    expect(moved.body).toEqual({ typeId: 'prod', moved: ['u-1'], unchanged: [] });
    const second = await uplink('u-1', '02');
    await until(async () => expect(await stateOf('u-1')).toBe('activated'));
    // The consumer handles a tenant's uplinks in order: u-2's came before, and moved nothing.
    expect(await stateOf('u-2')).toBe('manufactured');

    const history = (await ok('GET', '/v1/devices/u-1/lifecycle/history')).body.items;
    expect(history.map((t: { from: string; to: string; actor: unknown }) => [t.from, t.to, t.actor])).toEqual(
      [
        ['tested', 'activated', { kind: 'platform', id: 'first_production_uplink' }],
        ['manufactured', 'tested', { kind: 'platform', id: 'first_uplink_on_test_type' }],
      ],
    );
    expect(history[0].reason).toContain(second);
    expect(history[1].reason).toContain(first);
    const message = (await ok('GET', `/v1/messages/${second}`)).body;
    const lifecycle = (await ok('GET', '/v1/devices/u-1/lifecycle')).body;
    expect(lifecycle.activatedAt).toBe(message.receivedAt);
    const shown = (await ok('GET', '/v1/devices/u-1')).body;
    expect(shown).toMatchObject({ typeId: 'prod', lifecycle: 'activated', activatedAt: message.receivedAt });
  });

  it('refuses a transition with the allowed states, and unknown states, storing nothing', async () => {
    await device('r-1', 'manual');
    const refused = await ts.request('POST', '/v1/devices/r-1/lifecycle', { json: { state: 'suspended' } });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({
      code: 'lifecycle_transition_refused',
      data: { from: 'manufactured', to: 'suspended', allowed: ['tested', 'activated', 'retired'] },
    });
    const unknown = await ts.request('POST', '/v1/devices/r-1/lifecycle', { json: { state: 'zombie' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    expect((await ok('GET', '/v1/devices/r-1/lifecycle/history')).body.items).toEqual([]);
    const set = await ok('POST', '/v1/devices/r-1/lifecycle', {
      state: 'activated',
      reason: 'field test done',
    });
    expect(set.body).toMatchObject({ state: 'activated', allowed: expect.arrayContaining(['retired']) });
    const [transition] = (await ok('GET', '/v1/devices/r-1/lifecycle/history')).body.items;
    expect(transition.actor.kind).toBe('principal');
    expect(transition.actor.id).toMatch(/^key_/);
  });

  it("stores a retired device's uplinks without decoding them, and leaves it out of default lists", async () => {
    await device('ret-1', 'manual');
    await device('live-1', 'manual');
    await ok('POST', '/v1/devices/ret-1/lifecycle', { state: 'retired', reason: 'end of life' });
    const retiredMessage = await uplink('ret-1', '07');
    const liveMessage = await uplink('live-1', '08');
    // The decoder works through a tenant's uplinks in order: once live-1's is decoded, ret-1's was passed over.
    await until(async () =>
      expect((await ok('GET', `/v1/messages/${liveMessage}`)).body.decoded?.data).toEqual({ level: 8 }),
    );
    const stored = (await ok('GET', `/v1/messages/${retiredMessage}`)).body;
    expect(stored.payload.hex).toBe('07');
    expect(stored.decoded).toBeNull();

    const ids = async (query: string) =>
      (await ok('GET', `/v1/devices?limit=1000${query}`)).body.items.map((d: { id: string }) => d.id);
    expect(await ids('')).not.toContain('ret-1');
    expect(await ids('')).toContain('live-1');
    expect(await ids('&lifecycle=retired')).toEqual(['ret-1']);
    expect(await ids('&lifecycle=any')).toContain('ret-1');
    expect(await ids('&lifecycle=retired&lifecycle=activated')).toEqual(
      expect.arrayContaining(['ret-1', 'u-1']),
    );
    expect(await ids(`&where=${encodeURIComponent('lifecycle == "retired"')}&lifecycle=any`)).toEqual([
      'ret-1',
    ]);
    const bad = await ts.request('GET', '/v1/devices?lifecycle=zombie');
    expect(bad.status).toBe(400);
    const exported = (await ok('GET', '/v1/devices/export')).text;
    expect(exported).not.toContain('ret-1');
  });

  it('clones a type with its codec, stage and new callback secrets', async () => {
    const secret = await ok('POST', '/v1/device-types/proto/callback-secrets', { name: 'sigfox backend' });
    const clone = await ts.request('POST', '/v1/device-types/proto/clone', {
      json: { id: 'proto-v2', name: 'Proto v2', stage: 'production' },
    });
    expect(clone.status, clone.text).toBe(201);
    expect(clone.body.deviceType).toMatchObject({
      id: 'proto-v2',
      name: 'Proto v2',
      codec: { kind: 'javascript', source: CODEC, version: 1 },
    });
    expect(clone.body.stage).toBe('production');
    expect(clone.body.callbackSecrets).toHaveLength(1);
    expect(clone.body.callbackSecrets[0].name).toBe('sigfox backend');
    expect(clone.body.callbackSecrets[0].secret).not.toBe(secret.body.secret);
    expect((await ok('GET', '/v1/device-types/proto-v2/lifecycle')).body.stage).toBe('production');
    expect((await ok('GET', '/v1/device-types/proto/lifecycle')).body.stage).toBe('test');
    const listed = (await ok('GET', '/v1/device-types/proto-v2/callback-secrets')).body;
    expect(JSON.stringify(listed)).toContain(clone.body.callbackSecrets[0].id);
    expect((await ok('GET', '/v1/device-types/proto-v2/codec/versions')).body.items).toHaveLength(1);

    const again = await ts.request('POST', '/v1/device-types/proto/clone', { json: { id: 'proto-v2' } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_exists');
    expect((await ts.request('POST', '/v1/device-types/ghost/clone', { json: { id: 'x' } })).status).toBe(
      404,
    );
  });

  it("answers 404 for another tenant's devices, types and contracts, and checks scopes", async () => {
    const contract = await ok('POST', '/v1/contracts', {
      provider: 'sigfox',
      tokens: 2,
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const id = contract.body.id;
    for (const [method, path, json] of [
      ['GET', '/v1/devices/r-1/lifecycle', undefined],
      ['POST', '/v1/devices/r-1/lifecycle', { state: 'retired' }],
      ['GET', '/v1/devices/r-1/lifecycle/history', undefined],
      ['GET', '/v1/device-types/proto/lifecycle', undefined],
      ['PUT', '/v1/device-types/proto/lifecycle', { stage: 'none' }],
      ['POST', '/v1/device-types/proto/clone', { id: 'stolen' }],
      ['POST', '/v1/devices/move-type', { deviceIds: ['r-1'], typeId: 'prod' }],
      ['GET', `/v1/contracts/${id}`, undefined],
      ['PATCH', `/v1/contracts/${id}`, { tokens: 5 }],
      ['POST', `/v1/contracts/${id}/devices`, { deviceIds: ['r-1'] }],
      ['GET', '/v1/devices/r-1/subscription', undefined],
      [
        'PUT',
        '/v1/devices/r-1/subscription',
        { plan: 'x', startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' },
      ],
    ] as const) {
      const response = await ts.request(method, path, { key: otherKey, json });
      // The move names a type the other tenant lacks: 400 before it looks for the device.
      const expected = path === '/v1/devices/move-type' ? [400, 404] : [404];
      expect(expected, `${method} ${path}: ${response.text}`).toContain(response.status);
    }
    expect(await stateOf('r-1')).toBe('activated');
    expect((await ok('GET', '/v1/device-types/proto/lifecycle')).body.stage).toBe('test');
    expect((await ok('GET', `/v1/contracts/${id}`)).body.tokens).toBe(2);
    expect((await ts.request('GET', '/v1/contracts', { key: otherKey })).body.items).toEqual([]);

    expect((await ts.request('GET', '/v1/devices/r-1/lifecycle', { key: readerKey })).status).toBe(200);
    const forbidden = await ts.request('POST', '/v1/devices/r-1/lifecycle', {
      key: readerKey,
      json: { state: 'retired' },
    });
    expect(forbidden.status).toBe(403);
    expect((await ts.request('POST', '/v1/contracts', { key: readerKey, json: {} })).status).toBe(403);
  });

  it('applies a fleet configuration that targets a lifecycle state once a device enters it', async () => {
    await device('cfg-1', 'manual');
    const created = await ts.request('POST', '/v1/configurations', {
      json: {
        id: 'active-only',
        target: 'lifecycle == "activated" && id == "cfg-1"',
        priority: 1,
        content: { mode: 'on' },
      },
    });
    expect(created.status, created.text).toBe(201);
    await ok('POST', '/v1/devices/cfg-1/lifecycle', { state: 'activated' });
    await until(async () => {
      const twin = await ts.request('GET', '/v1/devices/cfg-1/twin');
      expect(twin.body?.desired).toEqual({ mode: 'on' });
    });
  });

  it('assigns devices to a contract over HTTP and refuses to over-assign it', async () => {
    const contract = await ok('POST', '/v1/contracts', {
      provider: 'sigfox',
      tokens: 1,
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const id = contract.body.id;
    const over = await ts.request('POST', `/v1/contracts/${id}/devices`, {
      json: { deviceIds: ['r-1', 'u-1'] },
    });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ code: 'contract_tokens_exhausted', data: { free: 1, requested: 2 } });
    expect((await ok('POST', `/v1/contracts/${id}/devices`, { deviceIds: ['r-1'] })).body).toMatchObject({
      used: 1,
      free: 0,
    });
    expect((await ok('GET', '/v1/devices/r-1/lifecycle')).body.contractId).toBe(id);
    expect(
      (await ok('GET', `/v1/contracts/${id}/devices`)).body.items.map(
        (d: { deviceId: string }) => d.deviceId,
      ),
    ).toEqual(['r-1']);
    const wrongOrder = await ts.request('POST', '/v1/contracts', {
      json: {
        provider: 'sigfox',
        tokens: 1,
        startsAt: '2027-01-01T00:00:00Z',
        endsAt: '2026-01-01T00:00:00Z',
      },
    });
    expect(wrongOrder.status).toBe(400);
    expect(wrongOrder.body).toMatchObject({ code: 'validation_failed', data: { field: 'endsAt' } });
  });
});
