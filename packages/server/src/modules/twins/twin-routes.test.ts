import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';
import { MAX_TWIN_BYTES } from './twin-document.js';

/**
 * Twins over real HTTP with API keys: ETag and If-Match, merge patches under their own
 * media type, problems with stable codes that store nothing, another tenant's device, the
 * fleet-wide list of open parameters, a resend, and a type's reported fields.
 */
describeEachDialect('twin routes', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';

  async function ok(method: string, path: string, json?: unknown, headers?: Record<string, string>) {
    const response = await ts.request(method, path, { json, ...(headers ? { headers } : {}) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  const patch = (deviceId: string, body: unknown, headers: Record<string, string> = {}) =>
    ts.request('PATCH', `/v1/devices/${deviceId}/twin/desired`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/merge-patch+json', ...headers },
    });

  async function twinChanges(deviceId: string): Promise<number> {
    const feed = await ok('GET', '/v1/changes?limit=1000');
    return feed.body.items.filter(
      (change: { kind: string; entityId: string }) =>
        change.kind.startsWith('twin.') && change.entityId === deviceId,
    ).length;
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'tracker', name: 'Tracker' });
    for (const id of ['a1', 'a2', 'a3']) await ok('POST', '/v1/devices', { id, typeId: 'tracker' });
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    const key = await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' });
    otherKey = mustBeString(key.body.secret, 'secret');
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('answers a twin with its desired version as ETag, and changes it with If-Match', async () => {
    const empty = await ok('GET', '/v1/devices/a1/twin');
    expect(empty.headers.get('etag')).toBe('"0"');
    expect(empty.body).toMatchObject({ desired: {}, desiredVersion: 0, delta: {} });

    const first = await patch('a1', { interval: 600, alarm: { high: 30, low: 5 } }, { 'if-match': '"0"' });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.body).toMatchObject({
      desired: { interval: 600, alarm: { high: 30, low: 5 } },
      delta: { interval: 600, alarm: { high: 30, low: 5 } },
      parameters: { interval: { status: 'pending', attempts: 0 }, alarm: { status: 'pending' } },
    });

    // application/json is a merge patch too; null removes.
    const second = await ts.request('PATCH', '/v1/devices/a1/twin/desired', {
      json: { alarm: { low: null } },
      headers: { 'if-match': '"1"' },
    });
    expect(second.status, second.text).toBe(200);
    expect(second.body.desired).toEqual({ interval: 600, alarm: { high: 30 } });
    expect(second.headers.get('etag')).toBe('"2"');

    expectProblem(await patch('a1', { interval: 900 }, { 'if-match': '"1"' }), 412, 'precondition_failed');
    expectProblem(
      await patch('a1', { interval: 900 }, { 'if-match': 'nonsense' }),
      412,
      'precondition_failed',
    );
    const fetched = await ok('GET', '/v1/devices/a1/twin');
    expect(fetched.body.desired).toEqual({ interval: 600, alarm: { high: 30 } });
    expect(fetched.headers.get('etag')).toBe('"2"');
    expect(await twinChanges('a1')).toBe(2);
  });

  it('refuses bad patches with stable codes and stores nothing', async () => {
    const cases: [unknown, number, string][] = [
      [{ blob: 'x'.repeat(MAX_TWIN_BYTES) }, 400, 'twin_too_large'],
      [{ a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } }, 400, 'twin_too_deep'],
      [[1, 2], 400, 'validation_failed'],
      [{ $version: 1 }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) expectProblem(await patch('a2', body), status, code);
    expectProblem(
      await ts.request('PATCH', '/v1/devices/a2/twin/desired', {
        body: '{"a":',
        headers: { 'content-type': 'application/merge-patch+json' },
      }),
      400,
      'malformed_body',
    );
    expect((await ok('GET', '/v1/devices/a2/twin')).body.desiredVersion).toBe(0);
    expect(await twinChanges('a2')).toBe(0);
  });

  it("answers 404 for another tenant's device and an unknown one, on every twin route", async () => {
    await ok('PATCH', '/v1/devices/a3/twin/desired', { led: 'on' });
    const attempts: [string, string, unknown][] = [
      ['GET', '/v1/devices/a3/twin', undefined],
      ['PATCH', '/v1/devices/a3/twin/desired', { led: 'off' }],
      ['POST', '/v1/devices/a3/twin/parameters/led/resend', undefined],
      ['GET', '/v1/device-types/tracker/twin', undefined],
      ['PUT', '/v1/device-types/tracker/twin', { reportedFields: { led: 'led' } }],
    ];
    for (const [method, path, json] of attempts) {
      expectProblem(await ts.request(method, path, { key: otherKey, json }), 404, 'not_found');
    }
    expectProblem(await ts.request('GET', '/v1/devices/nobody/twin'), 404, 'not_found');
    const list = await ts.request('GET', '/v1/twin-parameters', { key: otherKey });
    expect(list.body.items).toEqual([]);
    expect((await ok('GET', '/v1/devices/a3/twin')).body.desired).toEqual({ led: 'on' });
  });

  it('lists open parameters fleet-wide and resends one', async () => {
    const listed = await ok('GET', '/v1/twin-parameters?status=pending&limit=2');
    expect(
      listed.body.items.map((item: { deviceId: string; name: string }) => `${item.deviceId}/${item.name}`),
    ).toEqual(['a1/alarm', 'a1/interval']);
    const next = await ok(
      'GET',
      `/v1/twin-parameters?status=pending&limit=2&cursor=${listed.body.nextCursor}`,
    );
    expect(next.body.items.map((item: { deviceId: string }) => item.deviceId)).toEqual(['a3']);
    expect(next.body.nextCursor).toBeNull();
    expectProblem(await ts.request('GET', '/v1/twin-parameters?status=applied'), 400, 'validation_failed');

    const resent = await ok('POST', '/v1/devices/a3/twin/parameters/led/resend');
    expect(resent.body).toMatchObject({ status: 'pending', value: 'on' });
    expectProblem(await ts.request('POST', '/v1/devices/a3/twin/parameters/nope/resend'), 404, 'not_found');
  });

  it("sets and reads a device type's reported fields, refusing bad ones", async () => {
    expect((await ok('GET', '/v1/device-types/tracker/twin')).body).toMatchObject({
      reportedFields: {},
      delivery: 'mqtt',
    });
    const put = await ok('PUT', '/v1/device-types/tracker/twin', {
      reportedFields: { interval: 'config.interval', battery: 'battery' },
    });
    expect(put.body.reportedFields).toEqual({ interval: 'config.interval', battery: 'battery' });
    expect((await ok('GET', '/v1/device-types/tracker/twin')).body.reportedFields).toEqual({
      interval: 'config.interval',
      battery: 'battery',
    });
    for (const body of [{ reportedFields: { $x: 'a' } }, { reportedFields: { x: 'a..b' } }, { fields: {} }]) {
      const response: TestResponse = await ts.request('PUT', '/v1/device-types/tracker/twin', { json: body });
      expectProblem(response, 400, 'validation_failed');
    }
    expectProblem(await ts.request('GET', '/v1/device-types/nope/twin'), 404, 'not_found');
  });
});
