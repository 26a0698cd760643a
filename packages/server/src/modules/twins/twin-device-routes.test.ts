import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

/**
 * The device's side of its twin over HTTP with its own token: reading (what it carries
 * counts as sent), the long poll for the next desired change, reporting, failures, and
 * refusals that store nothing.
 */
describeEachDialect('twins over HTTP for devices', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  const tokens: Record<string, string> = {};

  const asDevice = (deviceId: string, method: string, path: string, json?: unknown) =>
    ts.request(method, path, { key: tokens[deviceId] ?? '', json });

  async function setDesired(deviceId: string, patch: unknown) {
    const response = await ts.request('PATCH', `/v1/devices/${deviceId}/twin/desired`, { json: patch });
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    for (const device of await provisionDevices(ts.url, ts.adminKey, {
      typeId: 'meter',
      deviceIds: ['h1', 'h2', 'h3', 'h4'],
    }))
      tokens[device.deviceId] = device.token;
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('reads its twin; the delta it carries is sent', async () => {
    await setDesired('h1', { interval: 600 });
    const read = await asDevice('h1', 'GET', '/v1/device/twin');
    expect(read.status, read.text).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toMatchObject({
      deviceId: 'h1',
      delta: { interval: 600 },
      parameters: { interval: { status: 'sent', attempts: 1 } },
    });
  });

  it('long-polls: answers when desired passes `since`, at once when it already has', async () => {
    await setDesired('h2', { interval: 60 });
    // Already past version 0: no wait.
    const now = await asDevice('h2', 'GET', '/v1/device/twin?wait=20&since=0');
    expect(now.body.desiredVersion).toBe(1);

    const started = Date.now();
    const waiting = asDevice('h2', 'GET', '/v1/device/twin?wait=20&since=1');
    const other = asDevice('h3', 'GET', '/v1/device/twin?wait=1');
    // Another device's change does not wake it; its own does.
    await setDesired('h3', { led: 'on' });
    await setDesired('h2', { interval: 120 });
    const woken = await waiting;
    expect(woken.status, woken.text).toBe(200);
    expect(woken.body).toMatchObject({ desiredVersion: 2, delta: { interval: 120 } });
    expect(Date.now() - started).toBeLessThan(15_000);
    // Without since, it waits for the next change after the current one: h3 changed once, to version 1.
    expect((await other).body.desiredVersion).toBe(1);

    // Nothing comes: the twin as it is, after the wait.
    const quiet = await asDevice('h2', 'GET', '/v1/device/twin?wait=0.2&since=2');
    expect(quiet.status).toBe(200);
    expect(quiet.body.desiredVersion).toBe(2);
  });

  it('reports with a merge patch, which applies parameters, and says which it cannot apply', async () => {
    await setDesired('h4', { interval: 600, led: 'on' });
    const reported = await ts.request('PATCH', '/v1/device/twin/reported', {
      key: tokens.h4 ?? '',
      body: JSON.stringify({ interval: 600, fw: '2.1' }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(reported.status, reported.text).toBe(200);
    expect(reported.body).toMatchObject({
      reported: { interval: 600, fw: '2.1' },
      reportedVersion: 1,
      delta: { led: 'on' },
      parameters: { interval: { status: 'applied' }, led: { status: 'pending' } },
    });
    await asDevice('h4', 'GET', '/v1/device/twin');
    const failed = await asDevice('h4', 'POST', '/v1/device/twin/failed', { led: 'no led', nope: 'x' });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body).toEqual({ failed: ['led'] });
    const twin = await ts.request('GET', '/v1/devices/h4/twin');
    expect(twin.body.parameters.led).toMatchObject({ status: 'failed', error: 'no led' });
  });

  it("refuses bad reports, other tokens and other devices' twins, and stores nothing", async () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } };
    for (const [body, code] of [
      [[1], 'validation_failed'],
      [{ $x: 1 }, 'validation_failed'],
      [deep, 'twin_too_deep'],
    ] as const)
      expectProblem(await asDevice('h3', 'PATCH', '/v1/device/twin/reported', body), 400, code);
    expectProblem(
      await asDevice('h3', 'PATCH', '/v1/device/twin/reported', { big: 'x'.repeat(17_000) }),
      400,
      'twin_too_large',
    );
    expectProblem(await asDevice('h3', 'POST', '/v1/device/twin/failed', {}), 400, 'validation_failed');
    // A device token is not an API key: the operator routes, another device's twin among them, refuse it.
    expectProblem(await asDevice('h3', 'GET', '/v1/devices/h2/twin'), 401, 'unauthenticated');
    expectProblem(
      await asDevice('h3', 'PATCH', '/v1/devices/h2/twin/desired', { a: 1 }),
      401,
      'unauthenticated',
    );
    // An API key is not a device token.
    expectProblem(await ts.request('GET', '/v1/device/twin'), 401, 'unauthenticated');
    const h3 = await ts.request('GET', '/v1/devices/h3/twin');
    expect(h3.body).toMatchObject({ reported: {}, reportedVersion: 0 });
    expect((await ts.request('GET', '/v1/devices/h2/twin')).body.desired).toEqual({ interval: 120 });
  });
});
