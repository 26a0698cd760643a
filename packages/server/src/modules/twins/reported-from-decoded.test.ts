import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

/** Retries `check` until it passes, for up to 10 s (decoding and reporting follow capture). */
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

/** Reports only the bytes that are not 0, so that an uplink can leave a property out. */
const CODEC = `
function decodeUplink(input) {
  var b = input.bytes;
  if (b[0] === 255) throw new Error('bad frame');
  var data = {};
  if (b[0]) data.temperature = b[0];
  if (b[1]) data.config = { interval: b[1] * 10 };
  if (b[2]) data.battery = b[2];
  return { data: data };
}`;

/**
 * Decoded uplinks update reported on a real server: the type declares which decoded
 * fields are reported properties; an uplink older than what is stored (late, replayed)
 * never overwrites a newer value, property by property; failed decodes report nothing.
 */
describeEachDialect('reported from decoded uplinks', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let token = '';

  async function ok(method: string, path: string, json?: unknown) {
    const response = await ts.request(method, path, { json });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  async function ingest(hex: string, at: number) {
    const response = await ts.request('POST', '/v1/ingest', {
      key: token,
      json: { hex, time: new Date(at).toISOString() },
    });
    expect(response.status, response.text).toBe(201);
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    const [device] = await provisionDevices(ts.url, ts.adminKey, { typeId: 'th', deviceIds: ['th-1'] });
    token = device?.token ?? '';
    await ok('PUT', '/v1/device-types/th/codec', { kind: 'javascript', source: CODEC });
    await ok('PUT', '/v1/device-types/th/twin', {
      reportedFields: { temperature: 'temperature', interval: 'config.interval', battery: 'battery' },
    });
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('reports declared fields, applies the parameter, and never lets a late uplink overwrite a newer value', async () => {
    await ok('PATCH', '/v1/devices/th-1/twin/desired', { interval: 100 });
    const now = Date.now();
    await ingest('150a50', now - 60_000); // 21 °C, interval 100, battery 80
    await until(async () => {
      const twin = (await ok('GET', '/v1/devices/th-1/twin')).body;
      expect(twin.reported).toEqual({ temperature: 21, interval: 100, battery: 80 });
      expect(twin.parameters.interval.status).toBe('applied');
      expect(twin.metadata.reported.temperature.updatedAt).toBe(new Date(now - 60_000).toISOString());
    });

    // Late: an hour old. Then a failed decode, then a newer uplink with the battery alone.
    await ingest('120532', now - 3_600_000);
    await ingest('ff0101', now - 30_000);
    await ingest('000046', now - 10_000);
    await until(async () =>
      expect((await ok('GET', '/v1/devices/th-1/twin')).body.reported.battery).toBe(70),
    );
    const twin = (await ok('GET', '/v1/devices/th-1/twin')).body;
    expect(twin.reported).toEqual({ temperature: 21, interval: 100, battery: 70 });
    expect(twin.reportedVersion).toBe(2);
    expect(twin.metadata.reported.battery.updatedAt).toBe(new Date(now - 10_000).toISOString());

    const feed = await ok('GET', '/v1/changes?limit=1000');
    const reported = feed.body.items.filter((c: { kind: string }) => c.kind === 'twin.reported.changed');
    expect(
      reported.map((c: { data: { source: string; patch: unknown } }) => [c.data.source, c.data.patch]),
    ).toEqual([
      ['decoded', { temperature: 21, interval: 100, battery: 80 }],
      ['decoded', { battery: 70 }],
    ]);
  });

  it('reports nothing once the type declares no fields', async () => {
    await ok('PUT', '/v1/device-types/th/twin', { reportedFields: {} });
    await ingest('1e0000', Date.now()); // 30 °C, now
    // A marker: the feed consumer runs in order, so once a decoded uplink of another
    // declaring type is reported, this one was passed over.
    await ok('POST', '/v1/device-types', { id: 'marker', name: 'marker' });
    await ok('PUT', '/v1/device-types/marker/codec', { kind: 'javascript', source: CODEC });
    await ok('PUT', '/v1/device-types/marker/twin', { reportedFields: { temperature: 'temperature' } });
    await ok('POST', '/v1/devices', { id: 'mk-1', typeId: 'marker' });
    const credential = await ok('POST', '/v1/devices/mk-1/credentials', { kind: 'token' });
    const response = await ts.request('POST', '/v1/ingest', {
      key: credential.body.token,
      json: { hex: '070000', time: new Date().toISOString() },
    });
    expect(response.status, response.text).toBe(201);
    await until(async () =>
      expect((await ok('GET', '/v1/devices/mk-1/twin')).body.reported).toEqual({ temperature: 7 }),
    );
    expect((await ok('GET', '/v1/devices/th-1/twin')).body.reported.temperature).toBe(21);
  });
});
