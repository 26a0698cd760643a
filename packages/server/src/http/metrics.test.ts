import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../test/support/databases.js';
import { provisionDevices } from '../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';

const sqlite = dialectCases()[0];
const TOKEN = 'metrics-token-for-the-scraper-0123';

/** Label names a metric may carry: none of them names a tenant, a device or a key. */
const ALLOWED_LABELS = new Set([
  'method',
  'route',
  'status',
  'le',
  'transport',
  'outcome',
  'reason',
  'kind',
  'version',
  'major',
  'minor',
  'patch',
  'type',
  'space',
  'code',
  'consumer',
  'job',
]);

describe('/metrics', () => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    server = await startTestServer(database, { 'metrics-token': TOKEN });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('asks for the metrics token when one is set', async () => {
    expectProblem(await server.request('GET', '/metrics', { key: null }), 401, 'unauthenticated');
    expectProblem(await server.request('GET', '/metrics', { key: `${TOKEN}x` }), 401, 'unauthenticated');
    // An API key, even the admin's, is not the metrics token.
    expectProblem(await server.request('GET', '/metrics'), 401, 'unauthenticated');
    const response = await server.request('GET', '/metrics', { key: TOKEN });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(/fleetport_http_requests_total/);
  });

  it('names no tenant, device or key in any metric, whatever the tenants did', async () => {
    const ids: string[] = [];
    for (const tenantId of ['metrics-tenant-a', 'metrics-tenant-b']) {
      expect(
        (await server.request('POST', '/v1/tenants', { json: { id: tenantId, name: tenantId } })).status,
      ).toBe(201);
      const key = await server.request('POST', `/v1/tenants/${tenantId}/keys`, {
        json: { name: 'admin', scope: 'admin' },
      });
      const secret = mustBeString(key.body.secret, 'secret');
      const typeId = `${tenantId}-type`;
      const deviceId = `${tenantId}-device`;
      const [device] = await provisionDevices(server.url, secret, { typeId, deviceIds: [deviceId] });
      const ingest = await server.request('POST', '/v1/ingest', {
        key: device?.token ?? '',
        json: { hex: '0102', messageId: `${tenantId}-message` },
      });
      expect(ingest.status, ingest.text).toBeLessThan(300);
      await server.request('GET', `/v1/devices/${deviceId}`, { key: secret });
      await server.request('GET', `/v1/devices/${deviceId}-missing`, { key: secret });
      ids.push(tenantId, typeId, deviceId, String(key.body.id), `${tenantId}-message`);
    }
    const response = await server.request('GET', '/metrics', { key: TOKEN });
    expect(response.status).toBe(200);
    for (const id of ids) expect(response.text, id).not.toContain(id);
    const labelNames = new Set<string>();
    for (const line of response.text.split('\n')) {
      if (line.startsWith('#')) continue;
      for (const match of line.matchAll(/[{,]([a-zA-Z_][a-zA-Z0-9_]*)="/g))
        if (match[1]) labelNames.add(match[1]);
    }
    expect([...labelNames].filter((name) => !ALLOWED_LABELS.has(name))).toEqual([]);
    expect(response.text).toMatch(/route="\/v1\/devices\/:deviceId"/);
  });
});
