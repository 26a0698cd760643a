import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';

const sqlite = dialectCases()[0];
const APP = 'https://console.example.com';

/** Real requests as a browser sends them: an Origin header, and a preflight before writes. */
describe('CORS', () => {
  let database: TestDatabase;
  let open: TestServer;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    open = await startTestServer(database, { 'cors-origins': `${APP},http://localhost:5173` });
  });
  afterAll(async () => {
    await open?.close();
    await database?.drop();
  });

  it('answers the preflight of a listed origin with the methods and headers it may use', async () => {
    const response = await fetch(`${open.url}/v1/devices`, {
      method: 'OPTIONS',
      headers: {
        origin: APP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a listed origin read answers, refusals included, and their request ids', async () => {
    const ok = await open.request('GET', '/v1/devices', { headers: { origin: APP } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    const refused = await open.request('GET', '/v1/devices', { key: null, headers: { origin: APP } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('gives an origin that is not listed no CORS headers, whatever it resembles', async () => {
    for (const origin of [
      'https://evil.example.com',
      `${APP}.evil.com`,
      'null',
      'https://console.example.co',
    ]) {
      const response = await open.request('GET', '/v1/devices', { headers: { origin } });
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      const preflight = await fetch(`${open.url}/v1/devices`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'DELETE' },
      });
      expect(preflight.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});

describe('CORS by default', () => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    server = await startTestServer(database);
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('is off: no CORS headers, and a preflight finds no route', async () => {
    const response = await server.request('GET', '/v1/devices', { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${server.url}/v1/devices`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.status).toBe(404);
  });
});
