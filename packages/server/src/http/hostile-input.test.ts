import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../test/support/databases.js';
import { provisionDevices } from '../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';
import { MAX_JSON_DEPTH } from './json-body.js';

const sqlite = dialectCases()[0];

interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

/** A request sent exactly as written: no URL normalisation (`..` stays), any bytes as body. */
function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Readonly<Record<string, string>> = {},
  body?: string | Buffer,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, method, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      // An event stream never ends by itself: its status and headers are the answer.
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        response.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: '' });
        return;
      }
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Path parameter values that name nothing, escape, overflow or are not text. */
const HOSTILE_PARAMS = [
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '..%5c..%5cwindows',
  '%ED%A0%80',
  '%FF',
  '__proto__',
  'constructor',
  'a'.repeat(1100),
  '%20',
  '-1',
  '99999999999999999999999999',
  '%F0%9F%9A%80',
];

/** Query strings with wrong types, out-of-range numbers, prototype keys and broken escapes. */
const HOSTILE_QUERIES = [
  '?since=99999999999999999999',
  '?since=9007199254740993',
  '?limit=-1&since=-1',
  '?limit=1e309&cursor=%00',
  '?__proto__[x]=1&constructor[prototype][x]=1',
  '?tag=%FF',
  '?tag=%ED%A0%80&typeId=%ED%A0%80',
  `?cursor=${'A'.repeat(5000)}`,
  '?wait=-1&deleted=maybe&format=xml',
  '?wait=abc',
  `?${'a=1&'.repeat(1000)}`,
  '?q=100%',
];

const JSON_TYPE = { 'content-type': 'application/json' };

/** Bodies that are not what any route takes. */
const HOSTILE_BODIES: ReadonlyArray<{ headers: Record<string, string>; body: string | Buffer }> = [
  { headers: JSON_TYPE, body: deepArray(5000) },
  { headers: JSON_TYPE, body: `{"attributes":{"a":${deepArray(8000)}},"json":${deepArray(8000)}}` },
  { headers: JSON_TYPE, body: '{"__proto__":{"polluted":true},"name":"x"}' },
  { headers: JSON_TYPE, body: '{"constructor":{"prototype":{"polluted":true}}}' },
  { headers: JSON_TYPE, body: '{"id":"\\ud800","name":"\\udc00x","json":"\\ud800"}' },
  { headers: JSON_TYPE, body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  { headers: JSON_TYPE, body: '[]' },
  { headers: JSON_TYPE, body: 'null' },
  { headers: JSON_TYPE, body: '"text"' },
  { headers: JSON_TYPE, body: '{"n":1e309,"seq":-1,"time":"yesterday"}' },
  { headers: JSON_TYPE, body: '{' },
  { headers: JSON_TYPE, body: '' },
  { headers: { 'content-type': 'text/plain' }, body: '{"name":"x"}' },
  { headers: { 'content-type': 'text/csv' }, body: 'id,typeId\n"unterminated\n' },
  {
    headers: { 'content-type': 'application/x-ndjson' },
    body: `{"id":"x","attributes":${deepArray(8000)}}\n`,
  },
  {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=%FF&__proto__=1&data=%ED%A0%80',
  },
  { headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]) },
  {
    // Sigfox forms carry JSON variables as text: the same limits hold inside them.
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `device=1A2B3C&time=1700000000&data=0102&seqNumber=7&duplicates=${encodeURIComponent(deepArray(8000))}`,
  },
];

describe('hostile input', () => {
  let database: TestDatabase;
  let server: TestServer;
  let deviceToken = '';
  let callbackSecret = '';

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    server = await startTestServer(database);
    const [device] = await provisionDevices(server.url, server.adminKey, {
      typeId: 'walk-type',
      deviceIds: ['walk-dev'],
    });
    deviceToken = device?.token ?? '';
    const secret = await server.request('POST', '/v1/device-types/walk-type/callback-secrets', {
      json: { name: 'walk' },
    });
    expect(secret.status, secret.text).toBe(201);
    callbackSecret = mustBeString(secret.body.secret, 'callback secret');
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels with json_too_deep`, async () => {
    const deep = await rawRequest(
      server.url,
      'POST',
      '/v1/devices',
      { ...JSON_TYPE, authorization: `Bearer ${server.adminKey}` },
      `{"id":"deep-1","typeId":"walk-type","attributes":{"a":${deepArray(8000)}}}`,
    );
    expect(deep.status, deep.text).toBe(400);
    expect(JSON.parse(deep.text)).toMatchObject({
      code: 'json_too_deep',
      data: { maxDepth: MAX_JSON_DEPTH },
    });
    const ingest = await rawRequest(
      server.url,
      'POST',
      '/v1/ingest',
      { ...JSON_TYPE, authorization: `Bearer ${deviceToken}` },
      `{"json":${deepArray(5000)}}`,
    );
    expect(ingest.status, ingest.text).toBe(400);
    expect(JSON.parse(ingest.text).code).toBe('json_too_deep');
    // At the limit is fine: {"attributes": …} is one level, the array the rest.
    const atLimit = await server.request('POST', '/v1/devices', {
      body: `{"id":"deep-2","typeId":"walk-type","attributes":{"a":${deepArray(MAX_JSON_DEPTH - 2)}}}`,
      headers: JSON_TYPE,
    });
    expect(atLimit.status, atLimit.text).toBe(201);
    const overLimit = await server.request('POST', '/v1/devices', {
      body: `{"id":"deep-3","typeId":"walk-type","attributes":{"a":${deepArray(MAX_JSON_DEPTH - 1)}}}`,
      headers: JSON_TYPE,
    });
    expectProblem(overLimit, 400, 'json_too_deep');
  });

  it('answers 404 to paths that climb out of the docs, however they are spelled', async () => {
    for (const path of [
      '/docs/static/../../etc/passwd',
      '/docs/static/%2e%2e/%2e%2e/etc/passwd',
      '/docs/static/..%2f..%2fetc%2fpasswd',
      '/docs/static/..%5c..%5cetc%5cpasswd',
      '/docs/static/index.html%00',
      '/docs/static/%00',
      '/docs/%2e%2e/package.json',
    ]) {
      const response = await rawRequest(server.url, 'GET', path);
      expect(response.status, `${path}: ${response.text}`).toBe(404);
      expect(response.headers['content-type'], path).toMatch(/^application\/problem\+json/);
      expect(response.text).not.toMatch(/root:/);
    }
    expect((await rawRequest(server.url, 'GET', '/docs/static/swagger-ui.css')).status).toBe(200);
  });

  it('refuses __proto__ and constructor.prototype keys with forbidden_key, anywhere in the body', async () => {
    const proto = await server.request('POST', '/v1/devices', {
      body: '{"id":"proto-1","typeId":"walk-type","attributes":{"a":[{"__proto__":{"polluted":true}}]}}',
      headers: JSON_TYPE,
    });
    expectProblem(proto, 400, 'forbidden_key');
    expect(proto.body.detail).toMatch(/__proto__/);
    const prototypeKey = await server.request('PATCH', '/v1/devices/walk-dev', {
      body: '{"attributes":{"constructor":{"prototype":{"polluted":true}}}}',
      headers: JSON_TYPE,
    });
    expectProblem(prototypeKey, 400, 'forbidden_key');
    // A key merely named constructor is data like any other.
    const plain = await server.request('PATCH', '/v1/devices/walk-dev', {
      json: { attributes: { constructor: 'ACME' } },
    });
    expect(plain.status, plain.text).toBe(200);
  });

  it('refuses lone surrogates and bytes that are not UTF-8 with invalid_text', async () => {
    const lone = await server.request('POST', '/v1/devices', {
      body: '{"id":"text-1","typeId":"walk-type","name":"half \\ud800 a pair"}',
      headers: JSON_TYPE,
    });
    expectProblem(lone, 400, 'invalid_text');
    const key = await server.request('PATCH', '/v1/devices/walk-dev', {
      body: '{"attributes":{"\\udc00":1}}',
      headers: JSON_TYPE,
    });
    expectProblem(key, 400, 'invalid_text');
    const bytes = await server.request('POST', '/v1/devices', {
      body: Buffer.concat([
        Buffer.from('{"id":"text-2","typeId":"walk-type","name":"'),
        Buffer.from([0xff]),
        Buffer.from('"}'),
      ]),
      headers: JSON_TYPE,
    });
    expectProblem(bytes, 400, 'invalid_text');
    const pair = await server.request('POST', '/v1/devices', {
      body: '{"id":"text-3","typeId":"walk-type","name":"rocket \\ud83d\\ude80"}',
      headers: JSON_TYPE,
    });
    expect(pair.status, pair.text).toBe(201);
    expect(pair.body.name).toBe('rocket 🚀');
    for (const query of ['?tag=%FF', '?tag=%ED%A0%80', '?tag=100%']) {
      expectProblem(await server.request('GET', `/v1/devices${query}`), 400, 'invalid_text');
    }
    expect((await server.request('GET', '/v1/devices?tag=site=%F0%9F%9A%80')).status).toBe(200);
  });

  it('tells a sender of a bare array to the ingest route which shapes it takes', async () => {
    const response = await server.request('POST', '/v1/ingest', {
      key: deviceToken,
      json: [{ hex: '01' }, { hex: '02' }],
    });
    expectProblem(response, 400, 'validation_failed');
    expect(response.body.detail).toMatch(/\{"messages": \[ … \]\} for a batch/);
    expect(response.body.detail).not.toMatch(/anyOf/);
  });

  it('answers headers that are too large with a 431 problem document', async () => {
    const response = await rawRequest(server.url, 'GET', '/healthz', { 'x-large': 'a'.repeat(20_000) });
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.text)).toMatchObject({ status: 431, code: 'headers_too_large' });
  });

  it('answers every route with no 5xx to hostile params, query strings and bodies', async () => {
    const openapi = await server.request('GET', '/openapi.json', { key: null });
    const routes: Array<{ method: string; path: string; security: string }> = [];
    for (const [path, operations] of Object.entries(
      openapi.body.paths as Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>,
    )) {
      for (const [method, operation] of Object.entries(operations)) {
        routes.push({
          method: method.toUpperCase(),
          path,
          security: Object.keys(operation.security?.[0] ?? { apiKey: [] })[0] ?? 'apiKey',
        });
      }
    }
    // The routes OpenAPI leaves out, and the docs' files.
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/', '/docs/static/{file}'])
      routes.push({ method: 'GET', path, security: 'none' });
    expect(routes.length).toBeGreaterThan(40);

    const valid: Readonly<Record<string, string>> = {
      deviceId: 'walk-dev',
      typeId: 'walk-type',
      deviceTypeId: 'walk-type',
      tenantId: 'default',
      file: 'swagger-ui.css',
    };
    const credentials: Readonly<Record<string, Record<string, string>>> = {
      apiKey: { authorization: `Bearer ${server.adminKey}` },
      deviceToken: { authorization: `Bearer ${deviceToken}` },
      callbackSecret: { 'x-fleetport-secret': callbackSecret },
      none: {},
    };
    const failures: string[] = [];
    async function attempt(
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: string | Buffer,
    ): Promise<void> {
      const response = await rawRequest(server.url, method, path, headers, body);
      const what = `${method} ${path.slice(0, 120)} ${JSON.stringify(headers['content-type'] ?? '')}`;
      if (response.status >= 500)
        failures.push(`${what} → ${response.status} ${response.text.slice(0, 200)}`);
      else if (response.status >= 400 && !String(response.headers['content-type']).includes('problem+json'))
        failures.push(`${what} → ${response.status} without a problem document`);
    }
    const fill = (path: string, value: (name: string) => string) =>
      path.replace(/\{(\w+)\}/g, (_match, name: string) => value(name));

    for (const { method, path, security } of routes) {
      const auth = credentials[security] ?? {};
      const withValid = fill(path, (name) => valid[name] ?? 'none-such');
      // Deleting with valid ids would remove what the other attempts need.
      const bodyPath = method === 'DELETE' ? fill(path, () => 'none-such') : withValid;
      if (path.includes('{')) {
        for (const hostile of HOSTILE_PARAMS)
          await attempt(
            method,
            fill(path, () => hostile),
            auth,
          );
      }
      for (const query of HOSTILE_QUERIES) await attempt(method, `${bodyPath}${query}`, auth);
      if (method !== 'GET') {
        for (const { headers, body } of HOSTILE_BODIES)
          await attempt(method, bodyPath, { ...auth, ...headers }, body);
      }
    }
    expect(failures).toEqual([]);
    expect((await server.request('GET', '/readyz', { key: null })).status).toBe(200);
  }, 300_000);
});
