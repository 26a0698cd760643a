import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { brokerFixture } from '../../test/support/broker-fixture.js';
import { Broker } from './broker.js';
import type { BrokerHooks, ConnectedEvent, DisconnectedEvent, Principal } from './hooks.js';
import { openHooks } from './hooks.js';
import { eventually } from './test-support.js';
import { TLS_SERVER_CERT, TLS_SERVER_KEY } from './tls-fixtures.js';

type Seen =
  | { readonly hook: 'connected'; readonly principal: Principal; readonly event: ConnectedEvent }
  | { readonly hook: 'disconnected'; readonly principal: Principal; readonly event: DisconnectedEvent };

/** Open hooks that record every `connected` / `disconnected` call, in order. */
function recordingHooks(): { hooks: BrokerHooks; seen: Seen[] } {
  const seen: Seen[] = [];
  const hooks: BrokerHooks = {
    ...openHooks('t1'),
    connected: (principal, event) => {
      seen.push({ hook: 'connected', principal, event });
    },
    disconnected: (principal, event) => {
      seen.push({ hook: 'disconnected', principal, event });
    },
  };
  return { hooks, seen };
}

/** What a test compares: hook, client id, connection id, and the reason of a disconnection. */
function summary(seen: readonly Seen[]): string[] {
  return seen.map((s) =>
    s.hook === 'connected'
      ? `connected ${s.event.clientId} ${s.event.connectionId.slice(0, 8)}`
      : `disconnected ${s.event.clientId} ${s.event.connectionId.slice(0, 8)} ${s.event.reason}`,
  );
}

describe('connection hooks over TCP', () => {
  const { hooks, seen } = recordingHooks();
  const server = brokerFixture({ hooks });

  // Before, not after: the fixture's broker closes after each test and announces its
  // connections' ends into the same list.
  beforeEach(() => {
    seen.length = 0;
  });

  it('fires connected with the principal, then disconnected for a clean DISCONNECT', async () => {
    const client = await server.connect('c1', { protocolVersion: 5 });
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]).toMatchObject({
      hook: 'connected',
      principal: { tenantId: 't1', kind: 'anonymous', id: 'c1' },
      event: { clientId: 'c1', listener: 'tcp', protocolVersion: 5, sessionPresent: false },
    });
    await client.endAsync();
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toMatchObject({
      hook: 'disconnected',
      principal: { tenantId: 't1', id: 'c1' },
      event: { clientId: 'c1', reason: 'client_disconnect', reasonCode: 0 },
    });
    expect(seen[1]?.event.connectionId).toBe(seen[0]?.event.connectionId);
  });

  it('on a takeover, the old connection is announced gone before the new one is announced', async () => {
    const first = await server.connect('same', {
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    const gone = new Promise<void>((resolve) => first.once('disconnect', () => resolve()));
    await eventually(() => expect(seen).toHaveLength(1));
    await server.connect('same', {
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 60 },
    });
    await gone;
    await eventually(() => expect(seen).toHaveLength(3));
    const [a, b, c] = seen;
    expect([a?.hook, b?.hook, c?.hook]).toEqual(['connected', 'disconnected', 'connected']);
    expect(b?.event).toMatchObject({ reason: 'taken_over', reasonCode: 0x8e });
    expect(b?.event.connectionId).toBe(a?.event.connectionId);
    expect(c?.event.connectionId).not.toBe(a?.event.connectionId);
    expect(c?.event).toMatchObject({ sessionPresent: true });
    // The old socket's close, which comes later, announces nothing more.
    await server.connect('marker', { protocolVersion: 5 });
    await eventually(() => expect(seen).toHaveLength(4));
    expect(summary(seen).filter((line) => line.startsWith('disconnected'))).toHaveLength(1);
  });

  it('tells a lost connection, a keep-alive timeout and a protocol error apart', async () => {
    const lost = await server.connect('lost', { protocolVersion: 4 });
    lost.stream.destroy();
    const idle = await server.raw(4);
    idle.write(
      { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'idle', clean: true, keepalive: 1 },
      4,
    );
    await idle.next('connack');
    const rude = await server.raw(5);
    rude.write({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'rude',
      clean: true,
      keepalive: 0,
    });
    await rude.next('connack');
    // A second CONNECT is a protocol error [MQTT-3.1.0-2].
    rude.write({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clientId: 'rude',
      clean: true,
      keepalive: 0,
    });
    await rude.waitClosed();
    await idle.waitClosed(5000);
    await eventually(() => expect(seen.filter((s) => s.hook === 'disconnected')).toHaveLength(3));
    const reasons = Object.fromEntries(
      seen.flatMap((s) => (s.hook === 'disconnected' ? [[s.event.clientId, s.event.reason]] : [])),
    );
    expect(reasons).toEqual({ lost: 'connection_lost', idle: 'keep_alive_timeout', rude: 'protocol_error' });
  });

  it('announces nothing for a refused connection, and every connection once when the broker closes', async () => {
    const refusing = recordingHooks();
    const broker = new Broker({
      hooks: {
        ...refusing.hooks,
        authenticate: async (input) =>
          input.clientId === 'nobody'
            ? { reasonCode: 0x87 }
            : { tenantId: 't1', kind: 'anonymous', id: input.clientId },
      },
    });
    const { tcp } = await broker.listen({ tcp: { port: 0, host: '127.0.0.1' } });
    const url = `mqtt://127.0.0.1:${tcp?.port}`;
    try {
      await expect(
        mqtt.connectAsync(url, { clientId: 'nobody', protocolVersion: 5, reconnectPeriod: 0 }),
      ).rejects.toMatchObject({ code: 0x87 });
      const a = await mqtt.connectAsync(url, { clientId: 'a', protocolVersion: 5, reconnectPeriod: 0 });
      const b = await mqtt.connectAsync(url, { clientId: 'b', protocolVersion: 4, reconnectPeriod: 0 });
      await eventually(() => expect(refusing.seen).toHaveLength(2));
      await broker.close();
      a.end(true);
      b.end(true);
    } finally {
      await broker.close();
    }
    const ends = refusing.seen.filter((s) => s.hook === 'disconnected');
    expect(ends.map((s) => [s.event.clientId, s.event.reason]).sort()).toEqual([
      ['a', 'server_shutdown'],
      ['b', 'server_shutdown'],
    ]);
    expect(refusing.seen.some((s) => s.event.clientId === 'nobody')).toBe(false);
  });

  it('a hook that throws or rejects harms neither the connection nor the broker', async () => {
    const broker = new Broker({
      hooks: {
        ...openHooks('t1'),
        connected: () => {
          throw new Error('connected hook failed');
        },
        disconnected: async () => {
          throw new Error('disconnected hook failed');
        },
      },
    });
    const { tcp } = await broker.listen({ tcp: { port: 0, host: '127.0.0.1' } });
    const url = `mqtt://127.0.0.1:${tcp?.port}`;
    try {
      const client = await mqtt.connectAsync(url, { clientId: 'x', protocolVersion: 5, reconnectPeriod: 0 });
      await client.subscribeAsync('x/#', { qos: 1 });
      const received = new Promise<string>((resolve) =>
        client.once('message', (_t, p) => resolve(p.toString())),
      );
      await client.publishAsync('x/1', 'still here', { qos: 1 });
      expect(await received).toBe('still here');
      await client.endAsync();
      const again = await mqtt.connectAsync(url, { clientId: 'x', protocolVersion: 5, reconnectPeriod: 0 });
      await again.endAsync();
    } finally {
      await broker.close();
    }
  });
});

describe('connection hooks over TLS and WebSocket', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('fire once each, in order, for a TLS connection', async () => {
    const { hooks, seen } = recordingHooks();
    const broker = new Broker({ hooks });
    cleanups.push(() => broker.close());
    const { tls } = await broker.listen({
      tls: { port: 0, host: '127.0.0.1', cert: TLS_SERVER_CERT, key: TLS_SERVER_KEY },
    });
    const client = await mqtt.connectAsync(`mqtts://127.0.0.1:${tls?.port}`, {
      protocolVersion: 5,
      clientId: 'tls-1',
      ca: TLS_SERVER_CERT,
      reconnectPeriod: 0,
    });
    await client.endAsync();
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen.map((s) => [s.hook, s.event.listener, s.event.clientId])).toEqual([
      ['connected', 'tls', 'tls-1'],
      ['disconnected', 'tls', 'tls-1'],
    ]);
    expect(seen[1]?.event).toMatchObject({ reason: 'client_disconnect' });
  });

  it('fire once each, in order, for a WebSocket connection', async () => {
    const { hooks, seen } = recordingHooks();
    const broker = new Broker({ hooks });
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
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, {
      protocolVersion: 4,
      clientId: 'ws-1',
      reconnectPeriod: 0,
    });
    await client.endAsync();
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen.map((s) => [s.hook, s.event.listener, s.event.clientId])).toEqual([
      ['connected', 'ws', 'ws-1'],
      ['disconnected', 'ws', 'ws-1'],
    ]);
    expect(seen[1]?.event).toMatchObject({ reason: 'client_disconnect', protocolVersion: 4 });
  });
});

describe('the subscribed hook', () => {
  const seen: { clientId: string; filters: readonly string[] }[] = [];
  let broker: Broker | undefined;
  const server = brokerFixture({
    hooks: {
      ...openHooks('t1'),
      subscribed: (principal, event) => {
        // What is published from inside the hook must reach the new subscription.
        seen.push({ clientId: principal.id, filters: event.filters });
        void broker?.publish('t1', { topic: 'news/inside-hook', payload: 'hi', qos: 1 });
      },
    },
  });

  beforeEach(() => {
    seen.length = 0;
    broker = server.broker;
  });

  it('is told the granted filters after SUBACK, and a publish from it reaches the subscriber', async () => {
    const client = await server.connect('s1', { protocolVersion: 5 });
    const got: string[] = [];
    client.on('message', (topic) => got.push(topic));
    await client.subscribeAsync(['news/#', 'other/+'], { qos: 1 });
    await eventually(() => expect(got).toEqual(['news/inside-hook']));
    expect(seen).toEqual([{ clientId: 's1', filters: ['news/#', 'other/+'] }]);
  });
});
