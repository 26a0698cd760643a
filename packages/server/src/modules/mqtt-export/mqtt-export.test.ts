import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';
import type { FeedChange } from '../changes/index.js';
import { exportEnvelope, exportTopic } from './export-topics.js';

interface Got {
  readonly topic: string;
  // biome-ignore lint/suspicious/noExplicitAny: envelopes are read as JSON
  readonly json: any;
  readonly contentType: string | undefined;
}

/**
 * The MQTT export on a real server with real mqtt.js subscribers: what goes out on which
 * topic, in commit order, QoS 1 kept for a persistent session across a restart; nobody
 * but the server publishes there; tenants, disabled tenants and quarantined devices'
 * uplinks stay out.
 */
describeEachDialect('mqtt export', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  let readerKey = '';
  const tokens = new Map<string, string>();
  const clients: MqttClient[] = [];
  let n = 0;

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  async function device(id: string, key?: string): Promise<void> {
    await ok('POST', '/v1/devices', { id, typeId: 'sensor' }, key);
    tokens.set(id, (await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' }, key)).body.token);
  }

  async function uplink(deviceId: string, hex = '01'): Promise<string> {
    n += 1;
    const response = await ts.request('POST', '/v1/ingest', {
      key: tokens.get(deviceId) ?? '',
      json: { messages: [{ hex, messageId: `x${n}` }] },
    });
    expect(response.status, response.text).toBeLessThan(300);
    return `x${n}`;
  }

  async function subscriber(
    key: string,
    filters: string[],
    options: IClientOptions = {},
  ): Promise<{ client: MqttClient; got: Got[] }> {
    const port = ts.server.mqtt.tcpPort;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      username: 'app',
      password: key,
      ...options,
    });
    clients.push(client);
    const got: Got[] = [];
    client.on('message', (topic, payload, packet) => {
      got.push({
        topic,
        json: JSON.parse(payload.toString('utf8')),
        contentType: packet.properties?.contentType,
      });
    });
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual(filters.map(() => 1));
    return { client, got };
  }

  async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'sensor', name: 'Sensor' });
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'other', scope: 'admin' })).body.secret;
    await ok('POST', '/v1/device-types', { id: 'sensor', name: 'Sensor' }, otherKey);
    readerKey = (await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' })).body.secret;
    for (const id of ['s1', 's2', 'wild']) await device(id);
    await device('o1', otherKey);
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.endAsync(true).catch(() => {});
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('is off until an admin turns it on, and refuses bad bodies and reader keys', async () => {
    expect((await ok('GET', '/v1/mqtt/export', undefined, readerKey)).body).toEqual({
      enabled: false,
      root: '$fleetport',
      startAfter: null,
      updatedAt: null,
    });
    for (const body of [{ enabled: 'yes' }, {}, { enabled: true, extra: 1 }]) {
      const refused = await ts.request('PUT', '/v1/mqtt/export', { json: body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
    }
    const reader = await ts.request('PUT', '/v1/mqtt/export', { json: { enabled: true }, key: readerKey });
    expect(reader.status).toBe(403);
    expect((await ok('GET', '/v1/mqtt/export')).body.enabled).toBe(false);
    const on = await ok('PUT', '/v1/mqtt/export', { enabled: true });
    expect(on.body).toMatchObject({ enabled: true, root: '$fleetport' });
    expect(Number(on.body.startAfter)).toBeGreaterThan(0);
    // Idempotent: turning it on again keeps where it started.
    expect((await ok('PUT', '/v1/mqtt/export', { enabled: true })).body.startAfter).toBe(on.body.startAfter);
    expect((await ok('GET', '/v1/mqtt/export', undefined, otherKey)).body.enabled).toBe(false);
  });

  it('publishes uplinks, twin changes and command statuses in commit order, as JSON envelopes', async () => {
    await ok('PUT', '/v1/mqtt/export', { enabled: true });
    const { got } = await subscriber(ts.adminKey, [
      '$fleetport/devices/+/uplinks',
      '$fleetport/devices/s2/#',
    ]);
    // A `#` subscriber sees none of it: `$` topics are outside wildcards at the first level.
    const { got: everything } = await subscriber(ts.adminKey, ['#']);
    const first = await uplink('s1', 'cafe');
    const patched = await ts.request('PATCH', '/v1/devices/s2/twin/desired', {
      body: JSON.stringify({ interval: 60 }),
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect(patched.status, patched.text).toBe(200);
    const command = (await ok('POST', '/v1/devices/s2/commands', { hex: 'BEEF' })).body;
    const second = await uplink('s2', 'babe');
    await until('four exported changes', () => got.length >= 4);
    expect(got.map((g) => g.topic)).toEqual([
      '$fleetport/devices/s1/uplinks',
      '$fleetport/devices/s2/twin/desired',
      '$fleetport/devices/s2/commands',
      '$fleetport/devices/s2/uplinks',
    ]);
    expect(got.every((g) => g.contentType === 'application/json')).toBe(true);
    const [up, twin, queued, up2] = got.map((g) => g.json);
    expect(up).toMatchObject({
      type: 'message.created',
      tenant: 'default',
      data: { deviceId: 's1', messageId: first, payload: { hex: 'cafe', size: 2 }, transport: 'http' },
    });
    expect(up.id).toBe(`evt_${up.cursor}`);
    expect(twin).toMatchObject({
      type: 'twin.desired.changed',
      entityId: 's2',
      data: { patch: { interval: 60 } },
    });
    expect(queued).toMatchObject({
      type: 'command.created',
      entityId: command.id,
      data: { status: 'queued' },
    });
    expect(up2.data.messageId).toBe(second);
    const cursors = got.map((g) => Number(g.json.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => a - b));
    // The `#` subscriber: a marker of its own proves nothing else reached it before.
    const marker = await subscriber(ts.adminKey, ['marker/#']);
    await marker.client.publishAsync('marker/1', '{}', { qos: 1 });
    await until('the marker', () => everything.some((g) => g.topic === 'marker/1'));
    expect(everything.map((g) => g.topic)).toEqual(['marker/1']);
  });

  it('refuses every client that publishes on the export topics', async () => {
    const { client } = await subscriber(ts.adminKey, ['$fleetport/#']);
    const reasonOf = (topic: string) =>
      client.publishAsync(topic, '{"forged":true}', { qos: 1 }).then(
        (packet) => (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0,
        (error: { code?: number }) => error.code,
      );
    expect(await reasonOf('$fleetport/devices/s1/uplinks')).toBe(0x87);
    expect(await reasonOf('$fleetport')).toBe(0x87);
    // A neighbour of the root is not the root.
    expect(await reasonOf('$fleetportal/x')).toBe(0);
  });

  it("leaves out quarantined devices' uplinks, other tenants and tenants with the export off", async () => {
    await ok('PUT', '/v1/mqtt/export', { enabled: true });
    await ok('POST', '/v1/devices/wild/lifecycle', { state: 'activated' });
    await ok('POST', '/v1/devices/wild/lifecycle', { state: 'quarantined' });
    const mine = await subscriber(ts.adminKey, ['$fleetport/devices/+/uplinks']);
    const theirs = await subscriber(otherKey, ['$fleetport/#', 'marker/#']);
    await uplink('wild');
    await uplink('o1');
    const calm = await uplink('s1');
    // Commit order: once the calm uplink is here, the quarantined one before it was passed over.
    await until('the calm uplink', () => mine.got.length >= 1);
    expect(mine.got.map((g) => g.json.data.messageId)).toEqual([calm]);
    // The other tenant has the export off: its uplink and the default tenant's reach nobody there.
    await theirs.client.publishAsync('marker/o', '{}', { qos: 1 });
    await until('the marker', () => theirs.got.some((g) => g.topic === 'marker/o'));
    expect(theirs.got.map((g) => g.topic)).toEqual(['marker/o']);
  });

  it('stops when turned off, and starts after the moment it is turned on again', async () => {
    const sub = await subscriber(ts.adminKey, ['$fleetport/devices/s1/uplinks']);
    await ok('PUT', '/v1/mqtt/export', { enabled: false });
    await uplink('s1');
    const on = await ok('PUT', '/v1/mqtt/export', { enabled: true });
    const after = await uplink('s1');
    await until('the uplink after', () => sub.got.length >= 1);
    expect(sub.got.map((g) => g.json.data.messageId)).toEqual([after]);
    expect(Number(sub.got[0]?.json.cursor)).toBeGreaterThan(Number(on.body.startAfter));
  });

  it('keeps what a persistent session missed while away, across a restart of the server', async () => {
    await ok('PUT', '/v1/mqtt/export', { enabled: true });
    const options = {
      clientId: 'export-consumer',
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    };
    const first = await subscriber(ts.adminKey, ['$fleetport/devices/s1/uplinks'], options);
    await first.client.endAsync();
    const sent: string[] = [];
    for (let i = 0; i < 20; i += 1) sent.push(await uplink('s1', i.toString(16).padStart(2, '0')));
    // A graceful stop after the uplinks: the export's cursor and the session's queue are stored.
    const key = ts.adminKey;
    await ts.close();
    ts = await startTestServer(database, { 'admin-key': key });
    const port = ts.server.mqtt.tcpPort;
    const got: Got[] = [];
    // Listening before CONNACK: the queued messages follow it in the same read.
    const again = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: 'app',
      password: key,
      ...options,
    });
    clients.push(again);
    again.on('message', (topic, payload) =>
      got.push({ topic, json: JSON.parse(payload.toString('utf8')), contentType: undefined }),
    );
    await until(`every missed uplink (${got.length} of ${sent.length})`, () => got.length >= sent.length);
    // At least once: a republished batch would repeat ids; each arrives, in order.
    const ids = [...new Set(got.map((g) => g.json.data.messageId as string))];
    expect(ids).toEqual(sent);
  });
});

describe('export topics', () => {
  const change = (kind: string, data: unknown, entityId = 'e1'): FeedChange =>
    ({ position: 7, tenantId: 't', kind, entityId, at: 0, data }) as FeedChange;

  it('files each exported kind under its topic, and nothing else', () => {
    expect(exportTopic(change('message.decoded', { deviceId: 'd1' }))).toBe('$fleetport/devices/d1/decoded');
    expect(exportTopic(change('twin.reported.changed', {}, 'd2'))).toBe(
      '$fleetport/devices/d2/twin/reported',
    );
    expect(exportTopic(change('command.status_changed', { deviceId: 'd3' }))).toBe(
      '$fleetport/devices/d3/commands',
    );
    expect(exportTopic(change('alert.cleared', { type: 'device_silent' }))).toBe(
      '$fleetport/alerts/device_silent',
    );
    expect(exportTopic(change('device.created', { id: 'd1' }))).toBeUndefined();
    // A value that cannot be one topic level is never spliced into one.
    expect(exportTopic(change('message.created', { deviceId: 'a/#' }))).toBeUndefined();
    expect(exportTopic(change('message.created', {}))).toBeUndefined();
  });

  it('gives the same id to every publish of one change', () => {
    const text = exportEnvelope('t', change('alert.raised', { type: 'x' }));
    expect(JSON.parse(text)).toEqual({
      id: 'evt_7',
      type: 'alert.raised',
      timestamp: '1970-01-01T00:00:00.000Z',
      tenant: 't',
      cursor: '7',
      entityId: 'e1',
      data: { type: 'x' },
    });
  });
});
