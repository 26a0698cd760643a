import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { collect, eventually } from '../../mqtt/test-support.js';
import { TLS_DEVICE_CERT, TLS_DEVICE_KEY, TLS_SERVER_CERT, TLS_SERVER_KEY } from '../../mqtt/tls-fixtures.js';

/**
 * The listeners the composition root opens — TCP, TLS with client certificates, WebSocket
 * at /mqtt on the HTTP port — the anonymous tenant, and the broker's counters in /metrics.
 */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`mqtt listeners: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    let certDir: string;
    let tcpUrl: string;
    let tlsUrl: string;
    let wsUrl: string;
    let token = '';
    const clients: MqttClient[] = [];

    async function connect(url: string, options: IClientOptions): Promise<MqttClient> {
      const client = await mqtt.connectAsync(url, {
        protocolVersion: 5,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...options,
      });
      clients.push(client);
      return client;
    }

    beforeAll(async () => {
      certDir = mkdtempSync(path.join(tmpdir(), 'fleetport-mqtt-tls-'));
      writeFileSync(path.join(certDir, 'server.pem'), TLS_SERVER_CERT);
      writeFileSync(path.join(certDir, 'server.key'), TLS_SERVER_KEY);
      database = await dialect.create();
      ts = await startTestServer(database, {
        'mqtt-tls-port': 0,
        'mqtt-tls-cert': path.join(certDir, 'server.pem'),
        'mqtt-tls-key': path.join(certDir, 'server.key'),
        'mqtt-tls-request-cert': 'true',
        'mqtt-anonymous-tenant': 'default',
      });
      tcpUrl = `mqtt://127.0.0.1:${ts.server.mqtt.tcpPort}`;
      tlsUrl = `mqtts://127.0.0.1:${ts.server.mqtt.tlsPort}`;
      wsUrl = `${ts.url.replace(/^http/, 'ws')}/mqtt`;
      const [device] = await provisionDevices(ts.url, ts.adminKey, { typeId: 'sensor', deviceIds: ['t1'] });
      token = device?.token ?? '';
      await provisionDevices(ts.url, ts.adminKey, { typeId: 'meter', deviceIds: ['c1'] });
      const credential = await ts.request('POST', '/v1/devices/c1/credentials', {
        json: { kind: 'x509', certificate: TLS_DEVICE_CERT },
      });
      expect(credential.status, credential.text).toBe(201);
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
      rmSync(certDir, { recursive: true, force: true });
    });

    it('authenticates a device by its registered TLS client certificate and captures its uplink', async () => {
      const device = await connect(tlsUrl, {
        clientId: 'cert-c1',
        ca: TLS_SERVER_CERT,
        cert: TLS_DEVICE_CERT,
        key: TLS_DEVICE_KEY,
      });
      await device.publishAsync('devices/c1/up', 'over tls', { qos: 1 });
      const messages = await ts.request('GET', '/v1/devices/c1/messages');
      expect(messages.body.items).toHaveLength(1);
      expect(messages.body.items[0]).toMatchObject({ transport: 'mqtt', payload: { size: 8 } });
      const shown = await ts.request('GET', '/v1/mqtt/clients/cert-c1');
      expect(shown.body).toMatchObject({ listener: 'tls', principal: { kind: 'device', deviceId: 'c1' } });
      // The certificate names c1 only: its subtree is all it may use.
      await expect(device.publishAsync('devices/t1/up', 'forged', { qos: 1 })).rejects.toMatchObject({
        code: 0x87,
      });
    });

    it('refuses an unregistered client certificate with 0x86, even with an anonymous tenant set', async () => {
      await expect(
        connect(tlsUrl, {
          clientId: 'cert-x',
          ca: TLS_SERVER_CERT,
          cert: TLS_SERVER_CERT,
          key: TLS_SERVER_KEY,
        }),
      ).rejects.toMatchObject({ code: 0x86 });
    });

    it('takes a device token over TLS without a client certificate', async () => {
      const device = await connect(tlsUrl, {
        clientId: 'tls-t1',
        ca: TLS_SERVER_CERT,
        username: 't1',
        password: token,
      });
      expect(device.connected).toBe(true);
    });

    it('serves MQTT over WebSocket at /mqtt on the HTTP port, and nothing on other paths', async () => {
      const app = await connect(wsUrl, { clientId: 'ws-app', username: 'apikey', password: ts.adminKey });
      const received = collect(app);
      await app.subscribeAsync('devices/+/up', { qos: 1 });
      const device = await connect(tcpUrl, {
        clientId: 'tcp-t1',
        username: 't1',
        password: token,
        protocolVersion: 4,
      });
      await device.publishAsync('devices/t1/up', 'hello', { qos: 1 });
      await eventually(() => expect(received.map((m) => m.payload)).toEqual(['hello']));
      const shown = await ts.request('GET', '/v1/mqtt/clients/ws-app');
      expect(shown.body).toMatchObject({ listener: 'ws', principal: { kind: 'application' } });
      const elsewhere = new WebSocket(`${ts.url.replace(/^http/, 'ws')}/elsewhere`, 'mqtt');
      const refusal = await new Promise<number>((resolve, reject) => {
        elsewhere.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        elsewhere.once('open', () => reject(new Error('upgraded on /elsewhere')));
        elsewhere.once('error', reject);
      });
      elsewhere.terminate();
      expect(refusal).toBe(404);
      // The HTTP API still answers on the same port.
      expect((await ts.request('GET', '/v1/me')).status).toBe(200);
    });

    it('lets clients without credentials in as anonymous clients of the configured tenant', async () => {
      const anonymous = await connect(tcpUrl, { clientId: 'anon-1', protocolVersion: 4 });
      const received = collect(anonymous);
      await anonymous.subscribeAsync('interop/#', { qos: 1 });
      const app = await connect(tcpUrl, { clientId: 'anon-app', username: 'apikey', password: ts.adminKey });
      await app.publishAsync('interop/a', 'in the default tenant', { qos: 1 });
      await eventually(() => expect(received.map((m) => m.topic)).toEqual(['interop/a']));
      const shown = await ts.request('GET', '/v1/mqtt/clients/anon-1');
      expect(shown.body.principal).toMatchObject({ kind: 'anonymous', id: 'anon-1' });
      // Anonymous clients are not devices: publishing on an uplink topic captures nothing.
      await anonymous.publishAsync('devices/t1/up', 'not captured', { qos: 1 });
      const messages = await ts.request('GET', '/v1/devices/t1/messages');
      expect(messages.body.items.some((m: { payload: { size: number } }) => m.payload.size === 12)).toBe(
        false,
      );
    });

    it('exposes connection and message counters in /metrics', async () => {
      await connect(tcpUrl, { clientId: 'metrics-t1', username: 't1', password: token });
      const metrics = await ts.request('GET', '/metrics', { key: null });
      expect(metrics.status).toBe(200);
      const value = (name: string) => {
        const line = metrics.text.split('\n').find((l) => l.startsWith(`${name} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      expect(value('fleetport_mqtt_connections')).toBeGreaterThanOrEqual(1);
      expect(value('fleetport_mqtt_connections_total')).toBeGreaterThanOrEqual(1);
      expect(value('fleetport_mqtt_connections_refused_total')).toBeGreaterThanOrEqual(1);
      expect(value('fleetport_mqtt_messages_received_total')).toBeGreaterThanOrEqual(1);
      expect(value('fleetport_mqtt_sent_bytes_total')).toBeGreaterThan(0);
      // A second scrape does not count the same totals twice.
      const again = await ts.request('GET', '/metrics', { key: null });
      const total = (text: string) =>
        Number(
          text
            .split('\n')
            .find((l) => l.startsWith('fleetport_mqtt_connections_total '))
            ?.split(' ')[1],
        );
      expect(total(again.text)).toBe(total(metrics.text));
    });
  });
}

describe('mqtt start-up', () => {
  it('refuses to start when the anonymous tenant does not exist', async () => {
    const [sqlite] = dialectCases();
    if (sqlite === undefined) throw new Error('no sqlite');
    const database = await sqlite.create();
    try {
      await expect(startTestServer(database, { 'mqtt-anonymous-tenant': 'nobody' })).rejects.toMatchObject({
        code: 'validation_failed',
      });
    } finally {
      await database.drop();
    }
  });
});
