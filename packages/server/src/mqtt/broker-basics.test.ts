import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { brokerFixture } from '../../test/support/broker-fixture.js';
import { flushMarker } from '../../test/support/markers.js';
import { collect, endClient, eventually, type Received } from './test-support.js';

/** The features both protocol versions share, run once with 3.1.1 and once with 5.0. */
describe.each([4, 5] as const)('MQTT protocol version %i', (protocolVersion) => {
  const server = brokerFixture();

  function connect(
    clientId: string,
    options: Parameters<typeof server.connect>[1] = {},
  ): Promise<MqttClient> {
    return server.connect(clientId, { protocolVersion, ...options });
  }

  it('delivers QoS 0, 1 and 2 messages to a subscriber with the granted QoS', async () => {
    const sub = await connect('sub');
    const received = collect(sub);
    const granted = await sub.subscribeAsync('a/b', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const pub = await connect('pub');
    await pub.publishAsync('a/b', 'zero', { qos: 0 });
    await pub.publishAsync('a/b', 'one', { qos: 1 });
    await pub.publishAsync('a/b', 'two', { qos: 2 });
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['zero', 'one', 'two']));
    expect(received.map((m) => m.packet.qos)).toEqual([0, 1, 1]);
  });

  it('delivers QoS 2 end to end with PUBREC/PUBREL/PUBCOMP to a QoS 2 subscriber', async () => {
    const sub = await connect('sub2');
    const received = collect(sub);
    await sub.subscribeAsync('q2/#', { qos: 2 });
    const pub = await connect('pub2');
    for (let i = 0; i < 20; i++) await pub.publishAsync(`q2/${i}`, `m${i}`, { qos: 2 });
    await eventually(() => expect(received).toHaveLength(20));
    expect(received.every((m) => m.packet.qos === 2)).toBe(true);
    expect(received.map((m) => m.payload)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    await eventually(() => expect(server.broker.clients().every((c) => c.inflight === 0)).toBe(true));
  });

  it('matches + and # wildcards, and never matches $ topics with a leading wildcard', async () => {
    const sub = await connect('wild');
    const received = collect(sub);
    await sub.subscribeAsync(['sport/+/score', 'sport/#', '#', '+/x']);
    const dollar = await connect('dollar');
    const dollarReceived = collect(dollar);
    await dollar.subscribeAsync('$SYS/#');
    const pub = await connect('pub3');
    await pub.publishAsync('sport/tennis/score', '1', { qos: 1 });
    await pub.publishAsync('$SYS/x', '2', { qos: 1 });
    await pub.publishAsync('sport', '3', { qos: 1 });
    await eventually(() => expect(dollarReceived.map((m) => m.payload)).toEqual(['2']));
    await flushMarker(pub, received, 'sport/marker');
    // One delivery per matching message despite overlapping subscriptions; `$SYS/x` matches neither `#` nor `+/x`.
    expect(received.map((m) => m.payload)).toEqual(['1', '3']);
  });

  it('stores, delivers and clears retained messages', async () => {
    const pub = await connect('rpub');
    await pub.publishAsync('r/a', 'A', { qos: 1, retain: true });
    await pub.publishAsync('r/b', 'B', { qos: 0, retain: true });
    await pub.publishAsync('r/b/c', 'C', { qos: 1, retain: true });
    const sub = await connect('rsub');
    const received = collect(sub);
    await sub.subscribeAsync('r/+', { qos: 1 });
    await eventually(() => expect(received.map((m) => m.payload).sort()).toEqual(['A', 'B']));
    expect(received.every((m) => m.packet.retain)).toBe(true);
    // A retained message published while subscribed arrives without the retain flag [MQTT-3.3.1-12].
    await pub.publishAsync('r/a', 'A2', { qos: 1, retain: true });
    await eventually(() => expect(received).toHaveLength(3));
    expect(received[2]?.packet.retain).toBe(false);
    // An empty retained payload clears it.
    await pub.publishAsync('r/a', '', { qos: 1, retain: true });
    const late = await connect('rlate');
    const lateReceived = collect(late);
    await late.subscribeAsync('r/#');
    await eventually(() => expect(lateReceived.map((m) => m.payload).sort()).toEqual(['B', 'C']));
    expect(server.broker.metrics.retained).toBe(2);
  });

  it('keeps a persistent session: subscriptions and QoS 1 messages queued while offline', async () => {
    const options =
      protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const first = await connect('persist', options);
    await first.subscribeAsync('p/#', { qos: 1 });
    await endClient(first);
    const pub = await connect('ppub');
    await pub.publishAsync('p/1', 'while-away-1', { qos: 1 });
    await pub.publishAsync('p/2', 'while-away-2', { qos: 1 });
    await pub.publishAsync('p/3', 'qos0-dropped', { qos: 0 });
    const received: Received[] = [];
    await server.connect('persist', { protocolVersion, ...options }, received);
    // The queue is delivered before anything published after the reconnection.
    await flushMarker(pub, received, 'p/marker');
    expect(received.map((m) => m.payload)).toEqual(['while-away-1', 'while-away-2']);
  });

  it('reports session present only for a resumed persistent session', async () => {
    const raw = await server.raw(protocolVersion);
    raw.write(
      {
        cmd: 'connect',
        clientId: 'sp',
        clean: false,
        protocolVersion,
        keepalive: 0,
        properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined,
      },
      protocolVersion,
    );
    expect((await raw.next('connack')).sessionPresent).toBe(false);
    raw.write({ cmd: 'disconnect' }, protocolVersion);
    await raw.waitClosed();
    const again = await server.raw(protocolVersion);
    again.write(
      {
        cmd: 'connect',
        clientId: 'sp',
        clean: false,
        protocolVersion,
        keepalive: 0,
        properties: protocolVersion === 5 ? { sessionExpiryInterval: 60 } : undefined,
      },
      protocolVersion,
    );
    expect((await again.next('connack')).sessionPresent).toBe(true);
    again.close();
    const clean = await server.raw(protocolVersion);
    clean.write(
      { cmd: 'connect', clientId: 'sp', clean: true, protocolVersion, keepalive: 0 },
      protocolVersion,
    );
    expect((await clean.next('connack')).sessionPresent).toBe(false);
    clean.close();
  });

  it('discards the session of a clean connection when it ends', async () => {
    const first = await connect('cleaner', { clean: true });
    await first.subscribeAsync('c/#', { qos: 1 });
    await endClient(first);
    await eventually(() => expect(server.broker.metrics.sessions).toBe(0));
    expect(server.broker.metrics.subscriptions).toBe(0);
  });

  it('publishes the will when a client vanishes, not when it disconnects', async () => {
    const watcher = await connect('watcher');
    const received = collect(watcher);
    await watcher.subscribeAsync('wills/#');
    const polite = await connect('polite', {
      will: { topic: 'wills/polite', payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await endClient(polite);
    const rude = await connect('rude', {
      will: { topic: 'wills/rude', payload: Buffer.from('vanished'), qos: 1, retain: false },
    });
    rude.stream.destroy();
    await eventually(() => expect(received.map((m) => m.topic)).toEqual(['wills/rude']));
    expect(received[0]?.payload).toBe('vanished');
  });

  it('takes over a session: the older connection is closed', async () => {
    const first = await connect('twin');
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await connect('twin');
    await closed;
    expect(second.connected).toBe(true);
    await eventually(() => expect(server.broker.clients().map((c) => c.clientId)).toEqual(['twin']));
  });

  it('answers PINGREQ and closes a silent client after 1.5 times its keep-alive', async () => {
    const raw = await server.raw(protocolVersion);
    raw.write(
      { cmd: 'connect', clientId: 'sleepy', protocolVersion, keepalive: 1, clean: true },
      protocolVersion,
    );
    await raw.next('connack');
    raw.write({ cmd: 'pingreq' }, protocolVersion);
    await raw.next('pingresp');
    const started = Date.now();
    await raw.waitClosed(3000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1300);
    if (protocolVersion === 5) expect((await raw.next('disconnect')).reasonCode).toBe(0x8d);
  });

  it('closes a connection whose client half-closes its socket, and publishes its will', async () => {
    const watcher = await connect('will-watcher');
    const received = collect(watcher);
    await watcher.subscribeAsync('wills/#');
    const raw = await server.raw(protocolVersion);
    const will = { topic: 'wills/fin', payload: Buffer.from('gone'), qos: 0 as const, retain: false };
    raw.write(
      { cmd: 'connect', clientId: 'fin', protocolVersion, keepalive: 0, clean: true, will },
      protocolVersion,
    );
    await raw.next('connack');
    raw.socket.end(); // FIN without DISCONNECT: the broker must end its side too
    await raw.waitClosed();
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['gone']));
    await eventually(() => expect(server.broker.metrics.connections).toBe(1));
  });

  it('unsubscribes', async () => {
    const sub = await connect('unsub');
    const received = collect(sub);
    await sub.subscribeAsync(['u/1', 'u/marker']);
    await sub.unsubscribeAsync('u/1');
    const pub = await connect('upub');
    await pub.publishAsync('u/1', 'x', { qos: 1 });
    await flushMarker(pub, received, 'u/marker');
    expect(received).toHaveLength(0);
  });

  it('refuses an unknown protocol level with return code 1 / 0x84', async () => {
    const raw = await server.raw(4);
    // CONNECT, protocol name MQTT, level 6.
    raw.write(
      Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x06, 0x02, 0x00, 0x3c, 0x00, 0x00]),
    );
    await raw.waitClosed();
    expect(raw.packets[0]?.cmd).toBe('connack');
  });
});
