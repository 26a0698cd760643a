import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { Broker } from './broker.js';
import type { AuthenticateInput, BrokerHooks } from './hooks.js';
import { eventually } from './test-support.js';
import { TLS_DEVICE_CERT, TLS_DEVICE_KEY, TLS_SERVER_CERT, TLS_SERVER_KEY } from './tls-fixtures.js';

const deviceFingerprint = new X509Certificate(TLS_DEVICE_CERT).fingerprint256
  .replaceAll(':', '')
  .toLowerCase();

/** The TLS and WebSocket entries, end to end with the `mqtt` client. */
describe('listeners', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('serves TLS and hands the client certificate fingerprint to authenticate', async () => {
    const seen: AuthenticateInput[] = [];
    const hooks: BrokerHooks = {
      async authenticate(input) {
        seen.push(input);
        if (input.certificateFingerprint !== deviceFingerprint) return { reasonCode: 0x86 };
        return { tenantId: 't', kind: 'device', deviceId: 'd1', id: 'd1' };
      },
      authorizePublish: () => true,
      authorizeSubscribe: () => true,
    };
    const broker = new Broker({ hooks });
    cleanups.push(() => broker.close());
    const { tls } = await broker.listen({
      tls: { port: 0, host: '127.0.0.1', cert: TLS_SERVER_CERT, key: TLS_SERVER_KEY, requestCert: true },
    });
    const url = `mqtts://127.0.0.1:${tls?.port}`;
    const device = await mqtt.connectAsync(url, {
      protocolVersion: 5,
      clientId: 'd1',
      ca: TLS_SERVER_CERT,
      cert: TLS_DEVICE_CERT,
      key: TLS_DEVICE_KEY,
      reconnectPeriod: 0,
    });
    cleanups.push(() => device.endAsync());
    expect(seen[0]).toMatchObject({
      listener: 'tls',
      certificateFingerprint: deviceFingerprint,
      clientId: 'd1',
    });
    await expect(
      mqtt.connectAsync(url, {
        protocolVersion: 5,
        clientId: 'anon',
        ca: TLS_SERVER_CERT,
        reconnectPeriod: 0,
      }),
    ).rejects.toMatchObject({ code: 0x86 });
  });

  it('serves MQTT over a WebSocket stream attached by the HTTP server', async () => {
    const broker = new Broker();
    await broker.start();
    cleanups.push(() => broker.close());
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/mqtt' });
    wss.on('connection', (socket, request) => {
      broker.attach(createWebSocketStream(socket), {
        listener: 'ws',
        remoteAddress: request.socket.remoteAddress,
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          wss.close();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const sub = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, {
      protocolVersion: 4,
      clientId: 'ws-sub',
      reconnectPeriod: 0,
    });
    cleanups.push(() => sub.endAsync());
    const received: string[] = [];
    sub.on('message', (_topic, payload) => received.push(payload.toString()));
    await sub.subscribeAsync('ws/#', { qos: 1 });
    const pub = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, {
      protocolVersion: 5,
      clientId: 'ws-pub',
      reconnectPeriod: 0,
    });
    cleanups.push(() => pub.endAsync());
    await pub.publishAsync('ws/x', 'over websocket', { qos: 1 });
    await eventually(() => expect(received).toEqual(['over websocket']));
    expect(broker.clients().map((c) => c.listener)).toEqual(['ws', 'ws']);
  });
});
