import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

const sqlite = dialectCases()[0];

describe('HTTP core', () => {
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

  it('answers /healthz without a key', async () => {
    const response = await server.request('GET', '/healthz', { key: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz when the database is reachable', async () => {
    const response = await server.request('GET', '/readyz', { key: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });
  });

  it('gives every response a request id, and keeps a well-formed incoming one', async () => {
    const generated = await server.request('GET', '/healthz', { key: null });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await server.request('GET', '/healthz', {
      key: null,
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const hostile = await server.request('GET', '/healthz', {
      key: null,
      headers: { 'x-request-id': 'a b\t<script>' },
    });
    expect(hostile.headers.get('x-request-id')).not.toBe('a b\t<script>');
  });

  it('answers an unknown route with a route_not_found problem document', async () => {
    const response = await server.request('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({
      status: 404,
      code: 'route_not_found',
      type: 'urn:fleetport:problem:route_not_found',
    });
    expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('asks for a bearer key with WWW-Authenticate on 401', async () => {
    const response = await server.request('GET', '/v1/devices', { key: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('serves an OpenAPI 3.1 document that lists the API and needs no key', async () => {
    const response = await server.request('GET', '/openapi.json', { key: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/devices',
        '/v1/devices/{deviceId}',
        '/v1/device-types',
        '/v1/tenants',
        '/v1/keys',
      ]),
    );
  });

  it('documents the import body types and a 413 and 415 answer for every route that takes a body', async () => {
    const response = await server.request('GET', '/openapi.json', { key: null });
    const paths = response.body.paths as Record<
      string,
      Record<
        string,
        { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }
      >
    >;
    expect(Object.keys(paths['/v1/devices/import']?.post?.requestBody?.content ?? {})).toEqual(
      expect.arrayContaining(['text/csv', 'application/x-ndjson']),
    );
    const withBody = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody !== undefined)
        .map(([method, operation]) => ({
          route: `${method} ${path}`,
          codes: Object.keys(operation.responses),
        })),
    );
    expect(withBody.length).toBeGreaterThan(10);
    for (const { route, codes } of withBody)
      expect(codes, route).toEqual(expect.arrayContaining(['413', '415']));
  });

  it('serves browsable docs at /docs', async () => {
    const response = await fetch(`${server.url}/docs/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/swagger/i);
  });

  it('exposes Prometheus metrics with per-route request counts', async () => {
    await server.request('GET', '/v1/devices');
    const response = await server.request('GET', '/metrics', { key: null });
    expect(response.status).toBe(200);
    expect(response.text).toMatch(
      /fleetport_http_requests_total\{method="GET",route="\/v1\/devices",status="200"\} \d+/,
    );
    expect(response.text).toMatch(/fleetport_process_resident_memory_bytes/);
  });

  it('answers an unsupported method on a known path with route_not_found', async () => {
    const response = await server.request('PUT', '/v1/devices');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('route_not_found');
  });
});

describe('HTTP core without its database', () => {
  it('answers /readyz with 503 unavailable when the database is gone', async () => {
    if (!sqlite) throw new Error('no sqlite case');
    const database = await sqlite.create();
    const server = await startTestServer(database);
    try {
      await server.server.store.close();
      const response = await server.request('GET', '/readyz', { key: null });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('unavailable');
      const liveness = await server.request('GET', '/healthz', { key: null });
      expect(liveness.status).toBe(200);
    } finally {
      await server.server.app.close();
      await database.drop();
    }
  });
});

describe('logging', () => {
  it('never writes an API key, a device token or the SMTP password into the log', async () => {
    if (!sqlite) throw new Error('no sqlite case');
    const database = await sqlite.create();
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    const adminKey = 'fpk_test_logging_0123456789abcdefghijklmnopqrstuv';
    const config = loadConfig({
      env: {},
      flags: {
        'data-dir': database.dataDir,
        'http-port': 0,
        'mqtt-port': 0,
        'log-level': 'trace',
        'admin-key': adminKey,
        // Nothing listens on port 9: the e-mail below fails, and its tries are logged.
        'smtp-host': '127.0.0.1',
        'smtp-port': 9,
        'smtp-security': 'none',
        'smtp-user': 'fleetport',
        'smtp-password': 'smtp-password-that-must-not-leak',
        'smtp-from': 'fleetport@example.com',
      },
    });
    const server = await startServer(config, pino({ level: 'trace' }, sink));
    try {
      const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
      await fetch(`${server.url}/v1/device-types`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 't', name: 'T' }),
      });
      await fetch(`${server.url}/v1/devices`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id: 'd', typeId: 't' }),
      });
      const token = (await (
        await fetch(`${server.url}/v1/devices/d/credentials`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ kind: 'token' }),
        })
      ).json()) as { token: string };
      await fetch(`${server.url}/v1/devices`, {
        headers: { authorization: 'Bearer wrong-key-that-must-not-leak' },
      });
      const channel = await fetch(`${server.url}/v1/notifications/channels`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'ops', kind: 'email', to: ['ops@example.com'] }),
      });
      expect(channel.status).toBe(201);
      expect(log).toMatch(/request completed/);
      expect(log).not.toContain('smtp-password-that-must-not-leak');
      expect(log).not.toContain(adminKey);
      expect(log).not.toContain(token.token);
      expect(log).not.toContain('wrong-key-that-must-not-leak');
    } finally {
      await server.close();
      await database.drop();
    }
  });
});

describe('URLs past every limit', () => {
  it('answers a path parameter longer than the router allows with a problem document', async () => {
    if (!sqlite) throw new Error('no sqlite case');
    const database = await sqlite.create();
    const server = await startTestServer(database);
    try {
      const response = await server.request('GET', `/v1/devices/${'x'.repeat(5000)}`);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(typeof response.body.code).toBe('string');
    } finally {
      await server.close();
      await database.drop();
    }
  });
});
