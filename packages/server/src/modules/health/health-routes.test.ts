import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/** Retries `check` until it passes, for up to 15 s (samples come from a feed consumer). */
async function until(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Battery in tenths of a volt, temperature, boot counter, a shock flag, and a level for the twin. */
const CODEC = `function decodeUplink(input) {
  var b = input.bytes;
  return { data: { power: { batt: b[0] / 10 }, temp: b[1] - 40, boots: b[2], shock: b[3] === 1, level: b[4] } };
}`;
const DAY = 86_400_000;
const hex = (...bytes: number[]) => Buffer.from(bytes).toString('hex');

/**
 * Device health on a real server: samples from decoded fields a type maps and from Sigfox
 * receptions and SERVICE callbacks, buckets, the battery's drain and projected empty
 * date, crazy devices quarantined with their later uplinks skipping processing until a
 * person releases them, and bad ranges, unknown and other tenants' devices refused.
 */
describeEachDialect('device health over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  let readerKey = '';
  let sigfoxSecret = '';
  const tokens = new Map<string, string>();
  let n = 0;

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

  async function uplinks(deviceId: string, messages: { hex: string; time?: string }[]): Promise<void> {
    const response = await ts.request('POST', '/v1/ingest', {
      key: tokens.get(deviceId) ?? '',
      json: {
        messages: messages.map((message) => {
          n += 1;
          return { ...message, messageId: `m${n}` };
        }),
      },
    });
    expect(response.status, response.text).toBeLessThan(300);
  }

  const stateOf = async (id: string) => (await ok('GET', `/v1/devices/${id}/lifecycle`)).body.state;
  const levelOf = async (id: string) => (await ok('GET', `/v1/devices/${id}/twin`)).body.reported?.level;

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    for (const id of ['meter', 'wild']) {
      await ok('POST', '/v1/device-types', { id, name: id });
      await ok('PUT', `/v1/device-types/${id}/codec`, { kind: 'javascript', source: CODEC });
      await ok('PUT', `/v1/device-types/${id}/twin`, { reportedFields: { level: 'level' } });
    }
    await ok('PUT', '/v1/device-types/meter/health', {
      fields: { battery: 'power.batt', temperature: 'temp', reboots: 'boots', shock: 'shock' },
      batteryEmpty: 2,
    });
    await ok('PUT', '/v1/device-types/wild/health', {
      crazy: { uplinks: 5, windowSeconds: 3600, quietSeconds: 3600 },
    });
    await ok('POST', '/v1/device-types', { id: 'sfx', name: 'sigfox' });
    sigfoxSecret = (await ok('POST', '/v1/device-types/sfx/callback-secrets', { name: 'sigfox' })).body
      .secret;
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' })).body
      .secret;
    readerKey = (await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' })).body.secret;
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('keeps the decoded fields a type maps as series: buckets, drain per day and the projected empty date', async () => {
    await device('m1', 'meter');
    const now = Date.now();
    const first = Math.floor((now - 10 * DAY) / DAY) * DAY + 3_600_000;
    // Eleven daily uplinks, the battery falling 0.1 V a day from 3.6 V; a reboot on day 4, a shock on day 7.
    await uplinks(
      'm1',
      Array.from({ length: 11 }, (_, day) => ({
        hex: hex(36 - day, 60 + day, day < 4 ? 1 : 2, day === 7 ? 1 : 0, day),
        time: new Date(first + day * DAY).toISOString(),
      })),
    );
    const query = `from=${new Date(first - DAY).toISOString()}&to=${new Date(first + 11 * DAY).toISOString()}&bucket=1d`;
    let health: TestResponse | undefined;
    await until(async () => {
      health = await ok('GET', `/v1/devices/m1/health?${query}`);
      expect(health.body.buckets.filter((b: { battery: unknown }) => b.battery !== null)).toHaveLength(11);
    });
    const body = health?.body;
    expect(body).toMatchObject({
      deviceId: 'm1',
      bucket: '1d',
      bucketSeconds: 86_400,
      messages: { total: 11 },
    });
    // Daily buckets aligned on midnight UTC: the day before the first sample, then one a day.
    expect(body.buckets).toHaveLength(13);
    expect(body.buckets[0]).toMatchObject({ messages: 0, battery: null, rssi: null });
    expect(body.buckets[1]).toMatchObject({
      messages: 1,
      battery: { min: 3.6, max: 3.6, avg: 3.6, last: 3.6, count: 1 },
      temperature: { last: 20 },
      reboots: { last: 1 },
      shock: { last: 0 },
      // No receptions over HTTP ingest.
      rssi: null,
      stations: null,
    });
    expect(body.buckets[5].reboots.last).toBe(2);
    expect(body.buckets[8].shock.last).toBe(1);
    expect(body.battery.drainPerDay).toBeCloseTo(0.1, 6);
    expect(body.battery.empty).toBe(2);
    // 3.6 V to 2.0 V at 0.1 V a day: 16 days after the first sample.
    expect(Math.abs(Date.parse(body.battery.projectedEmptyAt) - (first + 16 * DAY))).toBeLessThan(60_000);
    expect(body.lastSeenAt).not.toBeNull();

    // Larger buckets (aligned on the epoch, so eleven days span two) agree with the samples.
    const wide = await ok(
      'GET',
      `/v1/devices/m1/health?from=${new Date(first).toISOString()}&to=${new Date(first + 11 * DAY).toISOString()}&bucket=11d`,
    );
    const full = wide.body.buckets.filter((b: { battery: unknown }) => b.battery !== null);
    const stats = full.map(
      (b: { battery: { min: number; max: number; avg: number; last: number; count: number } }) => b.battery,
    );
    expect(Math.min(...stats.map((s: { min: number }) => s.min))).toBeCloseTo(2.6, 9);
    expect(Math.max(...stats.map((s: { max: number }) => s.max))).toBeCloseTo(3.6, 9);
    expect(stats.reduce((sum: number, s: { count: number }) => sum + s.count, 0)).toBe(11);
    expect(
      stats.reduce((sum: number, s: { avg: number; count: number }) => sum + s.avg * s.count, 0) / 11,
    ).toBeCloseTo(3.1, 9);
    expect(stats.at(-1).last).toBeCloseTo(2.6, 9);
  });

  it('takes signal from Sigfox receptions and battery and temperature from SERVICE callbacks', async () => {
    await ok('POST', '/v1/devices', { id: 'ABC123', typeId: 'sfx' });
    const time = Math.floor(Date.now() / 1000) - 60;
    const callback = (body: unknown) =>
      ts.request('POST', '/v1/callbacks/sigfox/sfx', {
        key: null,
        json: body,
        headers: { 'x-fleetport-secret': sigfoxSecret },
      });
    const data = await callback({
      device: 'ABC123',
      time: String(time),
      data: '0102',
      seqNumber: '7',
      lqi: 'Good',
      duplicates: [
        { bsId: 'B1', rssi: -120, snr: 8, nbRep: 3 },
        { bsId: 'B2', rssi: -105.5, snr: 14, nbRep: 3 },
        { bsId: 'B3', rssi: -131, snr: 5, nbRep: 1 },
      ],
    });
    expect(data.status, data.text).toBe(200);
    const service = await callback({ device: 'ABC123', time: String(time + 30), batt: '3.42', temp: '18.5' });
    expect(service.status, service.text).toBe(204);
    // A SERVICE callback of a device the tenant does not have is answered and kept nowhere.
    expect((await callback({ device: 'FFFF01', time: String(time), batt: '3.0' })).status).toBe(204);

    await until(async () => {
      const health = await ok('GET', '/v1/devices/ABC123/health?bucket=1h');
      const bucket = health.body.buckets.find(
        (b: { messages: number; battery: unknown }) => b.messages > 0 || b.battery !== null,
      );
      expect(bucket).toMatchObject({
        messages: 1,
        rssi: { max: -105.5, count: 1 },
        snr: { max: 14 },
        stations: { last: 3 },
        battery: { last: 3.42, count: 1 },
        temperature: { last: 18.5 },
      });
    });
    const stored = await ts.request('GET', '/v1/devices/FFFF01/health');
    expect(stored.status).toBe(404);
  });

  it("refuses bad ranges and buckets with invalid_range, and unknown or other tenants' devices with 404", async () => {
    await device('m2', 'meter');
    const refused = async (query: string, code: string, field?: string) => {
      const response = await ts.request('GET', `/v1/devices/m2/health?${query}`);
      expect(response.status, `${query}: ${response.text}`).toBe(400);
      expect(response.body.code).toBe(code);
      if (field !== undefined) expect(response.body.data.field).toBe(field);
    };
    await refused('bucket=10s', 'invalid_range', 'bucket');
    await refused('bucket=1w', 'invalid_range', 'bucket');
    await refused('bucket=0m', 'invalid_range', 'bucket');
    await refused('from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'invalid_range', 'from');
    await refused('from=2026-03-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'invalid_range', 'from');
    await refused('from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&bucket=1m', 'invalid_range', 'bucket');
    await refused('from=yesterday', 'validation_failed');
    await refused('color=blue', 'validation_failed');

    expect((await ts.request('GET', '/v1/devices/nope/health')).body.code).toBe('not_found');
    const foreign = await ts.request('GET', '/v1/devices/m2/health', { key: otherKey });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
  });

  it('keeps type settings per tenant and refuses bad ones, changing nothing', async () => {
    const before = (await ok('GET', '/v1/device-types/meter/health')).body;
    expect(before).toEqual({
      typeId: 'meter',
      fields: { battery: 'power.batt', temperature: 'temp', reboots: 'boots', shock: 'shock' },
      batteryEmpty: 2,
      crazy: null,
    });
    for (const body of [
      { fields: { battery: 'power batt' } },
      { fields: { voltage: 'v' } },
      { crazy: { uplinks: 0, windowSeconds: 60, quietSeconds: 60 } },
      { crazy: { uplinks: 5, windowSeconds: 60 } },
    ]) {
      const response = await ts.request('PUT', '/v1/device-types/meter/health', { json: body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.code).toBe('validation_failed');
    }
    expect(
      (await ts.request('PUT', '/v1/device-types/meter/health', { json: {}, key: readerKey })).status,
    ).toBe(403);
    for (const method of ['GET', 'PUT']) {
      const response = await ts.request(method, '/v1/device-types/meter/health', {
        key: otherKey,
        ...(method === 'PUT' ? { json: { batteryEmpty: 9 } } : {}),
      });
      expect(response.status, method).toBe(404);
    }
    expect((await ts.request('GET', '/v1/device-types/nope/health')).status).toBe(404);
    expect((await ok('GET', '/v1/device-types/meter/health')).body).toEqual(before);
  });

  it('quarantines a crazy device, whose later uplinks are stored and decoded but reach no reported twin, until a person releases it', async () => {
    await device('w1', 'wild');
    await device('w2', 'wild');
    await uplinks('w1', [{ hex: hex(30, 60, 1, 0, 1) }]);
    await uplinks('w2', [{ hex: hex(30, 60, 1, 0, 1) }]);
    await until(async () => {
      expect(await stateOf('w1')).toBe('activated');
      expect(await stateOf('w2')).toBe('activated');
    });
    // Six more within the hour: seven live uplinks, over the threshold of five.
    await uplinks(
      'w1',
      Array.from({ length: 6 }, (_, i) => ({ hex: hex(30, 60, 1, 0, 10 + i) })),
    );
    await until(async () => expect(await stateOf('w1')).toBe('quarantined'));
    const history = await ok('GET', '/v1/devices/w1/lifecycle/history');
    expect(history.body.items[0]).toMatchObject({
      from: 'activated',
      to: 'quarantined',
      actor: { kind: 'platform', id: 'crazy_device' },
    });
    expect(history.body.items[0].reason).toMatch(/7 live uplinks within 3600 s, over the threshold of 5/);
    const feed = await ok('GET', '/v1/changes?limit=1000');
    expect(
      feed.body.items.some(
        (c: { kind: string; entityId: string; data: { to: string } }) =>
          c.kind === 'device.lifecycle_changed' && c.entityId === 'w1' && c.data.to === 'quarantined',
      ),
    ).toBe(true);

    // Quarantined: stored, decoded, shown; not reported. w2's uplink after it is the marker.
    await uplinks('w1', [{ hex: hex(30, 60, 1, 0, 99) }]);
    await uplinks('w2', [{ hex: hex(30, 60, 1, 0, 7) }]);
    await until(async () => expect(await levelOf('w2')).toBe(7));
    expect(await levelOf('w1')).not.toBe(99);
    await until(async () => {
      const messages = await ok('GET', '/v1/devices/w1/messages?limit=1&order=desc');
      expect(messages.body.items[0].decoded?.data?.level).toBe(99);
    });
    // The peer is not affected and its health counts its own uplinks only.
    expect(await stateOf('w2')).toBe('activated');

    // Released by a person: processed again, and counting starts over from the release.
    await ok('POST', '/v1/devices/w1/lifecycle', { state: 'activated', reason: 'firmware fixed' });
    await uplinks('w1', [{ hex: hex(30, 60, 1, 0, 42) }]);
    await until(async () => expect(await levelOf('w1')).toBe(42));
    expect(await stateOf('w1')).toBe('activated');
  });
});
