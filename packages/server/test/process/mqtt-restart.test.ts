import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Received } from '../../src/mqtt/test-support.js';
import { type ChildServer, freePort, spawnServer } from '../support/child-server.js';
import { dialectCases, type TestDatabase } from '../support/databases.js';
import { provisionDevices } from '../support/provision-devices.js';

/**
 * Persistent MQTT sessions survive a restart of the server process: QoS 1 messages queued
 * for an offline subscriber (device uplinks through capture, and application publishes)
 * are delivered after SIGTERM and a fresh start, to MQTT 5 and 3.1.1 sessions alike.
 */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`mqtt sessions across a restart: ${dialect.name}`, () => {
    let database: TestDatabase;
    const running: ChildServer[] = [];

    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      for (const server of running) server.process.kill('SIGKILL');
      await database?.drop();
    });

    async function connect(port: number, options: IClientOptions, into?: Received[]): Promise<MqttClient> {
      const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...options,
      });
      if (into !== undefined)
        client.on('message', (topic, payload, packet) =>
          into.push({ topic, payload: payload.toString(), packet }),
        );
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
      });
      return client;
    }

    it('delivers queued QoS 1 messages to persistent sessions after SIGTERM and a new start', async () => {
      const port = await freePort();
      const env = { FLEETPORT_MQTT_PORT: String(port) };
      const first = await spawnServer(database, { env });
      running.push(first);
      const key = first.adminKey;
      const [device] = await provisionDevices(first.url, key, { typeId: 'meter', deviceIds: ['p1'] });
      if (device === undefined) throw new Error('no device');

      const v5 = {
        clientId: 'watcher-5',
        protocolVersion: 5,
        clean: false,
        username: 'apikey',
        password: key,
        properties: { sessionExpiryInterval: 3600 },
      } as const;
      const v4 = {
        clientId: 'watcher-4',
        protocolVersion: 4,
        clean: false,
        username: 'apikey',
        password: key,
      } as const;
      for (const options of [v5, v4]) {
        const watcher = await connect(port, options);
        await watcher.subscribeAsync(['devices/+/up', 'alerts/#'], { qos: 1 });
        await watcher.endAsync();
      }

      const sender = await connect(port, {
        clientId: 'p1',
        protocolVersion: 5,
        username: 'p1',
        password: device.token,
      });
      for (const n of [1, 2, 3]) await sender.publishAsync('devices/p1/up', `uplink ${n}`, { qos: 1 });
      await sender.endAsync();
      const app = await connect(port, {
        clientId: 'alerter',
        protocolVersion: 5,
        username: 'apikey',
        password: key,
      });
      await app.publishAsync('alerts/door', 'open', { qos: 1 });
      await app.endAsync();

      first.process.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      expect(first.output()).not.toMatch(/"level":(50|60)/);

      const second = await spawnServer(database, { adminKey: key, env });
      running.push(second);
      const expected = ['uplink 1', 'uplink 2', 'uplink 3', 'open'];
      for (const options of [v5, v4]) {
        const received: Received[] = [];
        const watcher = await connect(port, options, received);
        await eventually(() => expect(received.map((m) => m.payload)).toEqual(expected), 10_000);
        expect(received.map((m) => m.packet.qos)).toEqual([1, 1, 1, 1]);
        await watcher.endAsync();
        // Acknowledged: a second reconnect gets nothing again.
        const again: Received[] = [];
        const back = await connect(port, options, again);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(again).toEqual([]);
        await back.endAsync();
      }
      // The uplinks were captured once, before the restart.
      const messages = await fetch(`${second.url}/v1/devices/p1/messages`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(((await messages.json()) as { items: unknown[] }).items).toHaveLength(3);

      second.process.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    }, 60_000);
  });
}
