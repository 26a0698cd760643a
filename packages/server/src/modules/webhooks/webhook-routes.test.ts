import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';
import { matchingSignatures, WebhookReceiver } from '../../../test/support/webhook-receiver.js';

/**
 * Webhooks over HTTP on a real server: endpoints are checked (URL, target address, event
 * types, CEL filter) before anything is stored, a change reaches a real receiver signed,
 * the delivery log, retry, replay and test sends answer, and tenants stay apart.
 */
describeEachDialect('webhooks over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  let tenantAdminKey = '';
  let readerKey = '';
  let receiver: WebhookReceiver;

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' })).body
      .secret;
    tenantAdminKey = (await ok('POST', '/v1/keys', { name: 'admin', scope: 'admin' })).body.secret;
    readerKey = (await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' })).body.secret;
    await ok('POST', '/v1/device-types', { id: 'sensor', name: 'Sensor' });
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  const webhookCount = async () => (await ok('GET', '/v1/webhooks?limit=1000')).body.items.length;

  it('refuses bad endpoints with a problem document and stores nothing', async () => {
    await ok('PUT', '/v1/tenants/default/webhook-settings', { allowPrivateTargets: false });
    const before = await webhookCount();
    const cases: [unknown, number, string][] = [
      [{ url: 'not a url' }, 400, 'validation_failed'],
      [{ url: 'ftp://example.com/x' }, 400, 'validation_failed'],
      [{ url: 'http://user:pw@example.com/x' }, 400, 'validation_failed'],
      [{ url: receiver.url }, 422, 'webhook_target_refused'],
      [{ url: 'http://127.0.0.1.nip.invalid/x' }, 422, 'webhook_target_refused'],
      [{ url: 'https://example.com/x', eventTypes: ['device.exploded'] }, 400, 'validation_failed'],
      [{ url: 'https://example.com/x', filter: 'data.site ==' }, 400, 'invalid_condition'],
      [{ url: 'https://example.com/x', filter: 'type == 1' }, 400, 'invalid_condition'],
      [{ url: 'https://example.com/x', unknown: true }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const response = await ts.request('POST', '/v1/webhooks', { json: body });
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.code, JSON.stringify(body)).toBe(code);
    }
    const cel = await ts.request('POST', '/v1/webhooks', {
      json: { url: 'https://example.com/x', filter: 'type == "device.created" &&\n  data.x + ' },
    });
    expect(cel.body.data).toMatchObject({ field: 'filter', line: 2 });
    expect(cel.body.data.column).toBeGreaterThan(1);
    expect(await webhookCount()).toBe(before);
  });

  it('lets only the system key allow private targets', async () => {
    const refused = await ts.request('PUT', '/v1/tenants/default/webhook-settings', {
      key: tenantAdminKey,
      json: { allowPrivateTargets: true },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    const theirs = await ts.request('GET', '/v1/tenants/default/webhook-settings', { key: otherKey });
    expect(theirs.status).toBe(404);
    expect((await ok('GET', '/v1/tenants/default/webhook-settings', undefined, tenantAdminKey)).body).toEqual(
      {
        tenantId: 'default',
        allowPrivateTargets: false,
      },
    );
  });

  it('delivers a device change to a receiver, signed, with its log, retry, replay and test sends', async () => {
    await ok('PUT', '/v1/tenants/default/webhook-settings', { allowPrivateTargets: true });
    const created = await ok('POST', '/v1/webhooks', {
      url: receiver.url,
      eventTypes: ['device.created'],
      filter: 'data.name.startsWith("hook")',
    });
    expect(created.status).toBe(201);
    const { endpoint, secret } = created.body;
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${endpoint.id}`);
    expect(secret).toMatch(/^whsec_/);
    expect((await ok('GET', `/v1/webhooks/${endpoint.id}`)).body).not.toHaveProperty('secret');
    await ok('POST', '/v1/devices', { id: 'skipped-1', typeId: 'sensor', name: 'other' });
    await ok('POST', '/v1/devices', { id: 'hooked-1', typeId: 'sensor', name: 'hooked' });
    await receiver.waitFor(1);
    const [request] = receiver.received;
    if (request === undefined) throw new Error('a request expected');
    expect(request.json).toMatchObject({ type: 'device.created', tenant: 'default', entityId: 'hooked-1' });
    expect(matchingSignatures(request, [secret])).toEqual([secret]);

    const page = (await ok('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).body;
    expect(page.items).toHaveLength(1);
    const deliveryId = page.items[0].id;
    const log = (await ok('GET', `/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}`)).body;
    expect(log.delivery.status).toBe('delivered');
    expect(log.attempts[0]).toMatchObject({ attempt: 1, responseStatus: 204, error: null });
    expect(log.attempts[0].requestId).toEqual(expect.any(String));

    const retried = await ok('POST', `/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ origin: 'retry', messageId: log.delivery.messageId });
    await receiver.waitFor(2);
    expect(receiver.received[1]?.headers['webhook-id']).toBe(request.headers['webhook-id']);

    const replay = await ok('POST', `/v1/webhooks/${endpoint.id}/replay`, { since: '0' });
    expect(replay.body).toEqual({ queued: 1, nextCursor: null });
    await receiver.waitFor(3);
    const future = await ts.request('POST', `/v1/webhooks/${endpoint.id}/replay`, {
      json: { from: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('validation_failed');

    receiver.respond = () => ({ status: 418 });
    const test = await ok('POST', `/v1/webhooks/${endpoint.id}/test`, {});
    expect(test.body.delivery).toMatchObject({ origin: 'test', status: 'failed', lastStatus: 418 });
    expect(test.body.attempts[0]).toMatchObject({ responseStatus: 418, responseBody: 'answer body' });
    expect(matchingSignatures(receiver.received[3] ?? request, [secret])).toEqual([secret]);
    expect(receiver.received[3]?.json.type).toBe('webhook.test');

    const rotated = await ok('POST', `/v1/webhooks/${endpoint.id}/rotate-secret`, {});
    expect(rotated.body.secret).not.toBe(secret);
    expect(rotated.body.endpoint.rotating).toBe(true);
    const patched = await ok('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: false });
    expect(patched.body).toMatchObject({ enabled: false, disabledReason: 'manual' });
    await ok('DELETE', `/v1/webhooks/${endpoint.id}`);
    expect((await ts.request('GET', `/v1/webhooks/${endpoint.id}`)).status).toBe(404);
  });

  it("answers 404 for another tenant's endpoint on every route, and checks scopes", async () => {
    await ok('PUT', '/v1/tenants/default/webhook-settings', { allowPrivateTargets: true });
    const { endpoint } = (await ok('POST', '/v1/webhooks', { url: receiver.url })).body;
    const base = `/v1/webhooks/${endpoint.id}`;
    const calls: [string, string, unknown?][] = [
      ['GET', base],
      ['PATCH', base, { description: 'x' }],
      ['DELETE', base],
      ['POST', `${base}/rotate-secret`, {}],
      ['GET', `${base}/deliveries`],
      ['GET', `${base}/deliveries/1`],
      ['POST', `${base}/deliveries/1/retry`],
      ['POST', `${base}/replay`, { since: '0' }],
      ['POST', `${base}/test`, {}],
    ];
    for (const [method, path, json] of calls) {
      const response = await ts.request(method, path, {
        key: otherKey,
        ...(json === undefined ? {} : { json }),
      });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
    expect((await ts.request('GET', '/v1/webhooks', { key: otherKey })).body.items).toEqual([]);
    const reader = await ts.request('POST', '/v1/webhooks', { key: readerKey, json: { url: receiver.url } });
    expect(reader.status).toBe(403);
    expect((await ts.request('GET', base, { key: readerKey })).status).toBe(200);
    expect(receiver.received).toEqual([]);
  });
});
