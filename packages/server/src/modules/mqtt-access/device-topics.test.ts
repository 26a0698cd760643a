import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { flushMarker } from '../../../test/support/markers.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { collect, connectClient, eventually, type Received } from '../../mqtt/test-support.js';
import type { DevicePublish } from './index.js';

/**
 * The device-topic router and server-side publishing, on a real server with real mqtt.js
 * clients: a module registered on a device subtree gets the device's publishes there and
 * decides their acknowledgement; an unregistered subtree is routed as before and stored
 * nowhere; a module's message to a device reaches it online, or its persistent session
 * when it comes back.
 */
const sqlite = dialectCases().find((dialect) => dialect.name === 'sqlite');
if (sqlite === undefined) throw new Error('no SQLite dialect case');

describe('device topics', () => {
  let database: TestDatabase;
  let ts: TestServer;
  let url = '';
  const tokens: Record<string, string> = {};
  const clients: MqttClient[] = [];
  const handled: DevicePublish[] = [];

  async function connect(password: string, options: IClientOptions, into?: Received[]): Promise<MqttClient> {
    const client = await connectClient(
      url,
      { protocolVersion: 5, username: 'fleetport', password, ...options },
      into,
    );
    clients.push(client);
    return client;
  }

  async function storedMessages(deviceId: string): Promise<number> {
    const response = await ts.request('GET', `/v1/devices/${deviceId}/messages`);
    expect(response.status, response.text).toBe(200);
    return response.body.items.length;
  }

  beforeAll(async () => {
    database = await sqlite.create();
    ts = await startTestServer(database);
    url = `mqtt://127.0.0.1:${ts.server.mqtt.tcpPort}`;
    for (const device of await provisionDevices(ts.url, ts.adminKey, {
      typeId: 'sensor',
      deviceIds: ['t1', 't2', 't3'],
    }))
      tokens[device.deviceId] = device.token;
    // A module's subtree: it keeps what it is given, and refuses one payload with 0x97.
    ts.server.mqtt.deviceTopics.register('probe', async (input) => {
      handled.push(input);
      if (input.publish.payload.toString() === 'too much') return { duplicate: false, reasonCode: 0x97 };
      return { duplicate: false };
    });
  });
  beforeEach(() => {
    handled.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it("hands a device's publishes on a registered subtree to its module, which decides the PUBACK", async () => {
    const app = await connect(ts.adminKey, { clientId: 'probe-app' });
    const seen = collect(app);
    await app.subscribeAsync('devices/t1/#', { qos: 1 });
    const device = await connect(tokens.t1 ?? '', { clientId: 'probe-t1' });
    await device.publishAsync('devices/t1/probe/reported', '{"fw":"1.2"}', {
      qos: 1,
      properties: {
        contentType: 'application/json',
        userProperties: { version: '7' },
        messageExpiryInterval: 600,
        responseTopic: 'devices/t1/probe/response',
        correlationData: Buffer.from('req-1'),
      },
    });
    await expect(
      device.publishAsync('devices/t1/probe/reported', 'too much', { qos: 1 }),
    ).rejects.toMatchObject({
      code: 0x97,
    });
    await flushMarker(device, seen, 'devices/t1/probe/marker');

    expect(handled.map((h) => [h.subtree, h.rest, h.publish.payload.toString()])).toEqual([
      ['probe', 'reported', '{"fw":"1.2"}'],
      ['probe', 'reported', 'too much'],
      ['probe', 'marker', expect.stringMatching(/^marker-/)],
    ]);
    expect(handled[0]).toMatchObject({
      device: { tenantId: 'default', deviceId: 't1', typeId: 'sensor' },
      publish: {
        topic: 'devices/t1/probe/reported',
        qos: 1,
        properties: {
          contentType: 'application/json',
          userProperties: { version: '7' },
          messageExpiryInterval: 600,
          responseTopic: 'devices/t1/probe/response',
          correlationData: Buffer.from('req-1'),
        },
      },
    });
    // What the module accepted is routed to subscribers; what it refused is not.
    expect(seen.map((m) => [m.topic, m.payload])).toEqual([['devices/t1/probe/reported', '{"fw":"1.2"}']]);
    expect(await storedMessages('t1')).toBe(0);
  });

  it('routes an unregistered subtree as before: to subscribers, stored nowhere, no module asked', async () => {
    const app = await connect(ts.adminKey, { clientId: 'state-app' });
    const seen = collect(app);
    await app.subscribeAsync('devices/t2/#', { qos: 1 });
    const device = await connect(tokens.t2 ?? '', { clientId: 'state-t2' });
    const before = await storedMessages('t2');
    await device.publishAsync('devices/t2/state', 'online', { qos: 1 });
    await device.publishAsync('devices/t2/probe/', 'empty level', { qos: 1 });
    await device.publishAsync('devices/t2/up', 'an uplink', { qos: 1 });
    await eventually(() =>
      expect(seen.map((m) => [m.topic, m.payload])).toEqual([
        ['devices/t2/state', 'online'],
        ['devices/t2/probe/', 'empty level'],
        ['devices/t2/up', 'an uplink'],
      ]),
    );
    expect(handled).toEqual([]);
    // Only the uplink went to capture.
    expect(await storedMessages('t2')).toBe(before + 1);
    expect(ts.server.mqtt.deviceTopics.subtrees).toEqual(['up', 'ack', 'twin', 'probe']);
    expect(() => ts.server.mqtt.deviceTopics.register('up', async () => ({ duplicate: false }))).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
  });

  it('publishes to an online device with QoS 1 and MQTT 5 properties', async () => {
    const received: Received[] = [];
    const device = await connect(tokens.t3 ?? '', { clientId: 'down-t3' }, received);
    await device.subscribeAsync('devices/t3/down/#', { qos: 1 });
    await ts.server.mqtt.devices.publish('default', 't3', {
      subtopic: 'down/reboot',
      payload: '{"delay":5}',
      qos: 1,
      responseTopic: 'devices/t3/ack/reboot',
      correlationData: Buffer.from('cmd-42'),
      userProperties: { command: 'reboot' },
      contentType: 'application/json',
      messageExpiryInterval: 120,
    });
    await eventually(() => expect(received).toHaveLength(1));
    const packet = received[0]?.packet;
    expect(packet).toMatchObject({ topic: 'devices/t3/down/reboot', qos: 1 });
    expect(packet?.payload.toString()).toBe('{"delay":5}');
    expect(packet?.properties).toMatchObject({
      responseTopic: 'devices/t3/ack/reboot',
      correlationData: Buffer.from('cmd-42'),
      userProperties: { command: 'reboot' },
      contentType: 'application/json',
    });
    expect(packet?.properties?.messageExpiryInterval).toBeGreaterThan(110);
    expect(packet?.properties?.messageExpiryInterval).toBeLessThanOrEqual(120);
  });

  it("queues a message for an offline device's persistent session and delivers it on reconnect", async () => {
    const session = { clientId: 'offline-t3', clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connect(tokens.t3 ?? '', session);
    await first.subscribeAsync('devices/t3/down/#', { qos: 1 });
    await first.endAsync();
    await ts.server.mqtt.devices.publish('default', 't3', {
      subtopic: 'down/config',
      payload: 'interval=60',
      qos: 1,
      correlationData: Buffer.from('cfg-1'),
    });
    const received: Received[] = [];
    await connect(tokens.t3 ?? '', session, received);
    await eventually(() =>
      expect(received.map((m) => [m.topic, m.payload])).toEqual([['devices/t3/down/config', 'interval=60']]),
    );
    expect(received[0]?.packet.properties?.correlationData).toEqual(Buffer.from('cfg-1'));
  });

  it('refuses topics no device may be sent: uplinks, wildcards, another level for the id', async () => {
    const devices = ts.server.mqtt.devices;
    await expect(devices.publish('default', 't3', { subtopic: 'up', payload: 'x' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(
      devices.publish('default', 't3', { subtopic: 'down/#', payload: 'x' }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(
      devices.publish('default', 't3/x', { subtopic: 'down', payload: 'x' }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
