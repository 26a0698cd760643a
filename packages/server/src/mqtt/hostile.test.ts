import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { generate, type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerOptions } from './broker.js';
import type { BrokerHooks, CaptureVerdict } from './hooks.js';
import {
  collect,
  connectClient,
  endClient,
  eventually,
  RawClient,
  settle,
  startBroker,
  type TestBroker,
} from './test-support.js';

/** Malformed, oversized, greedy and slow clients: each may only harm its own connection. */
describe('hostile and heavy clients', () => {
  let server: TestBroker | undefined;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  async function start(options: BrokerOptions = {}): Promise<TestBroker> {
    server = await startBroker(options);
    return server;
  }

  async function raw(version: 3 | 4 | 5 = 5): Promise<RawClient> {
    if (server === undefined) throw new Error('no broker');
    const client = await RawClient.open(server.port, version);
    raws.push(client);
    return client;
  }

  async function connected(clientId: string, version: 4 | 5 = 5, properties?: Record<string, unknown>) {
    const client = await raw(version);
    client.write(
      { cmd: 'connect', clientId, protocolVersion: version, keepalive: 0, clean: true, properties },
      version,
    );
    await client.next('connack');
    return client;
  }

  /** A normal client still works: the broker was not harmed. */
  async function stillServes(): Promise<void> {
    if (server === undefined) throw new Error('no broker');
    const client = await connectClient(server.url, {
      protocolVersion: 5,
      clientId: `healthy-${Math.random()}`,
    });
    clients.push(client);
    const received = collect(client);
    await client.subscribeAsync('health', { qos: 1 });
    await client.publishAsync('health', 'ok', { qos: 1 });
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['ok']));
  }

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await Promise.all(clients.splice(0).map((c) => endClient(c, true)));
    await server?.broker.close();
    server = undefined;
  });

  it('closes a connection whose first packet is not CONNECT', async () => {
    await start();
    const client = await raw();
    client.write({ cmd: 'pingreq' });
    await client.waitClosed();
    await stillServes();
  });

  it('closes a connection that sends a second CONNECT (v5: DISCONNECT 0x82)', async () => {
    await start();
    const client = await connected('twice');
    client.write({ cmd: 'connect', clientId: 'twice', protocolVersion: 5, keepalive: 0, clean: true });
    expect((await client.next('disconnect')).reasonCode).toBe(0x82);
    await client.waitClosed();
  });

  it('ends a connection with DISCONNECT 0x81 on a malformed packet (reserved flags of SUBSCRIBE)', async () => {
    await start();
    const client = await connected('malformed');
    // SUBSCRIBE with header flags 0000 instead of 0010 [MQTT-3.8.1-1].
    client.write(Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61]));
    expect((await client.next('disconnect')).reasonCode).toBe(0x81);
    await client.waitClosed();
    expect(server?.broker.metrics.malformedPackets).toBe(1);
    await stillServes();
  });

  it('ends a connection that announces a packet beyond the maximum size (0x95), before buffering it', async () => {
    await start({ limits: { maxPacketSize: 1024 } });
    const client = await connected('huge');
    // PUBLISH announcing 200,000 bytes; only the first few are sent.
    client.write(Buffer.from([0x30, 0xc0, 0x9a, 0x0c, 0x00, 0x01, 0x61]));
    expect((await client.next('disconnect')).reasonCode).toBe(0x95);
    await client.waitClosed();
    await stillServes();
  });

  it('leaves a truncated packet waiting without harming anyone, and drops it when the socket ends', async () => {
    await start();
    const client = await connected('truncated');
    const full = generate(
      { cmd: 'publish', topic: 't', payload: Buffer.alloc(100), qos: 0, dup: false, retain: false },
      { protocolVersion: 5 },
    );
    client.write(full.subarray(0, 20));
    await stillServes();
    client.close();
    await settle(50);
    await stillServes();
  });

  it('refuses bad client identifiers with the right codes', async () => {
    await start({ limits: { maxClientIdLength: 10 } });
    const v311 = await raw(4);
    // CONNECT 3.1.1, clean session 0, empty client id (mqtt-packet refuses to encode it).
    v311.write(
      Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]),
    );
    expect((await v311.next('connack')).returnCode).toBe(2);
    await v311.waitClosed();
    const v31 = await raw(3);
    // CONNECT 3.1 (MQIsdp), clean session, empty client id.
    v31.write(
      Buffer.from([
        0x10, 0x0e, 0x00, 0x06, 0x4d, 0x51, 0x49, 0x73, 0x64, 0x70, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00,
      ]),
    );
    expect((await v31.next('connack')).returnCode).toBe(2);
    const long = await raw(5);
    long.write({ cmd: 'connect', clientId: 'x'.repeat(11), protocolVersion: 5, keepalive: 0, clean: true });
    expect((await long.next('connack')).reasonCode).toBe(0x85);
    const ok = await raw(4);
    ok.write({ cmd: 'connect', clientId: '', protocolVersion: 4, keepalive: 0, clean: true }, 4);
    expect((await ok.next('connack')).returnCode).toBe(0);
  });

  it('refuses a topic name with wildcards (v5: DISCONNECT 0x90)', async () => {
    await start();
    const client = await connected('wild-pub');
    client.write({
      cmd: 'publish',
      topic: 'a/+',
      payload: Buffer.from('x'),
      qos: 0,
      dup: false,
      retain: false,
    });
    expect((await client.next('disconnect')).reasonCode).toBe(0x90);
  });

  it('disconnects a client that exceeds the server Receive Maximum with 0x93', async () => {
    // A capture that never finishes keeps every QoS 1 message unacknowledged.
    const hooks: BrokerHooks = {
      authenticate: async (input) => ({
        tenantId: 't',
        kind: 'device',
        deviceId: input.clientId,
        id: input.clientId,
      }),
      authorizePublish: () => true,
      authorizeSubscribe: () => true,
      capture: () => new Promise<CaptureVerdict>(() => {}),
    };
    await start({ hooks, limits: { receiveMaximum: 3 } });
    const client = await connected('greedy');
    for (let id = 1; id <= 4; id++) {
      client.write({
        cmd: 'publish',
        topic: 'devices/greedy/up',
        payload: Buffer.from('x'),
        qos: 1,
        messageId: id,
        dup: false,
        retain: false,
      });
    }
    expect((await client.next('disconnect')).reasonCode).toBe(0x93);
  });

  it('refuses connections beyond the maximum (0x89) and beyond the connection rate (0x9F)', async () => {
    await start({ limits: { maxConnections: 2 } });
    await connected('c1');
    await connected('c2');
    const third = await raw(5);
    third.write({ cmd: 'connect', clientId: 'c3', protocolVersion: 5, keepalive: 0, clean: true });
    expect((await third.next('connack')).reasonCode).toBe(0x89);
    await server?.broker.close();
    await start({ limits: { connectionsPerSecond: 1 } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await raw(5);
      client.write({ cmd: 'connect', clientId: `r${i}`, protocolVersion: 5, keepalive: 0, clean: true });
      codes.push((await client.next('connack')).reasonCode ?? -1);
    }
    // The bucket holds two tokens (burst = 2 × rate).
    expect(codes).toEqual([0, 0, 0x9f, 0x9f]);
  });

  it('a subscriber that does not read loses QoS 0 messages without stalling a fast subscriber', async () => {
    await start({ limits: { maxBufferedBytes: 64 * 1024 } });
    const slow = await connected('slow');
    slow.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'firehose', qos: 0 }] });
    await slow.next('suback');
    slow.socket.pause();
    if (server === undefined) throw new Error('no broker');
    const fast = await connectClient(server.url, { protocolVersion: 5, clientId: 'fast' });
    clients.push(fast);
    let fastCount = 0;
    fast.on('message', () => fastCount++);
    // The fast subscriber takes QoS 1, which is queued rather than dropped under a burst.
    await fast.subscribeAsync('firehose', { qos: 1 });
    const pub = await connectClient(server.url, { protocolVersion: 5, clientId: 'firehose-pub' });
    clients.push(pub);
    const payload = randomBytes(32 * 1024);
    await Promise.all(Array.from({ length: 400 }, () => pub.publishAsync('firehose', payload, { qos: 1 })));
    await eventually(() => expect(fastCount).toBe(400), 10_000);
    expect(server.broker.metrics.messagesDropped).toBeGreaterThan(0);
  });

  it('holds a QoS 0 publisher while a reading subscriber catches up, instead of dropping', async () => {
    const { url, broker } = await start({ limits: { maxBufferedBytes: 256 * 1024 } });
    const sub = await connectClient(url, { protocolVersion: 5, clientId: 'catching-up' });
    clients.push(sub);
    let count = 0;
    sub.on('message', () => count++);
    await sub.subscribeAsync('burst', { qos: 0 });
    const pub = await connectClient(url, { protocolVersion: 4, clientId: 'burster' });
    clients.push(pub);
    // The subscriber stops reading for a while (well inside the grace period), then reads on.
    sub.stream.pause();
    let sawPause = false;
    const watch = setInterval(() => {
      sawPause ||= broker.clients().some((c) => c.clientId === 'burster' && c.paused);
    }, 5);
    const payload = randomBytes(16 * 1024);
    for (let i = 0; i < 300; i++) pub.publish('burst', payload, { qos: 0 });
    setTimeout(() => sub.stream.resume(), 300);
    await eventually(() => expect(count).toBe(300), 10_000);
    clearInterval(watch);
    expect(broker.metrics.messagesDropped).toBe(0);
    expect(sawPause).toBe(true);
  });

  it('routes what a held publisher sent before it closed, and honours its DISCONNECT (no will)', async () => {
    // Long grace: the subscriber holds the publishers for the whole test, never drops.
    const { url, broker } = await start({
      limits: { maxBufferedBytes: 32 * 1024, slowSubscriberGraceMs: 30_000 },
    });
    const sub = await connectClient(url, { protocolVersion: 5, clientId: 'late-reader' });
    clients.push(sub);
    const received: string[] = [];
    sub.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await sub.subscribeAsync('fan/+', { qos: 0 });
    await sub.subscribeAsync('wills', { qos: 0 });
    sub.stream.pause();
    const perPublisher = 3000;
    const publishers = await Promise.all(
      [0, 1].map(async (p) => {
        const client = await raw(4);
        client.write(
          {
            cmd: 'connect',
            clientId: `closer-${p}`,
            protocolVersion: 4,
            keepalive: 0,
            clean: true,
            will: { topic: 'wills', payload: Buffer.from(`will of ${p}`), qos: 0, retain: false },
          },
          4,
        );
        await client.next('connack');
        return client;
      }),
    );
    // Each sends its messages and a DISCONNECT in one go, then closes its side at once, as
    // `mosquitto_pub -l` does at the end of its input: most bytes wait while it is held.
    for (const [p, client] of publishers.entries()) {
      const packets = Array.from({ length: perPublisher }, (_, i) =>
        generate(
          {
            cmd: 'publish',
            topic: `fan/${p}`,
            payload: Buffer.from(`m${i}`),
            qos: 0,
            retain: false,
            dup: false,
          },
          { protocolVersion: 4 },
        ),
      );
      packets.push(generate({ cmd: 'disconnect' }, { protocolVersion: 4 }));
      client.socket.end(Buffer.concat(packets));
    }
    await settle(300);
    sub.stream.resume();
    await eventually(() => expect(received.length).toBe(2 * perPublisher), 10_000);
    await eventually(() => expect(broker.clients().map((c) => c.clientId)).toEqual(['late-reader']));
    for (const p of [0, 1]) {
      const own = received.filter((line) => line.startsWith(`fan/${p} `));
      expect(own).toEqual(Array.from({ length: perPublisher }, (_, i) => `fan/${p} m${i}`));
    }
    await settle(100);
    expect(received.filter((line) => line.startsWith('wills'))).toEqual([]);
    expect(broker.metrics.messagesDropped).toBe(0);
  });

  it('slows down a QoS 1 publisher that outruns its subscriber instead of losing messages', async () => {
    const { url, broker } = await start({ limits: { maxQueuedMessages: 100, maxInflight: 10 } });
    const sub = await connectClient(url, { protocolVersion: 4, clientId: 'steady' });
    clients.push(sub);
    let count = 0;
    sub.on('message', () => count++);
    await sub.subscribeAsync('stream', { qos: 1 });
    const pub = await connectClient(url, { protocolVersion: 4, clientId: 'torrent' });
    clients.push(pub);
    let sawPause = false;
    const watch = setInterval(() => {
      sawPause ||= broker.clients().some((c) => c.clientId === 'torrent' && c.paused);
    }, 5);
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) => pub.publishAsync('stream', `m${i}`, { qos: 1 })),
    );
    await eventually(() => expect(count).toBe(5000), 10_000);
    clearInterval(watch);
    expect(broker.metrics.messagesDropped).toBe(0);
    expect(sawPause).toBe(true);
  });

  it('disconnects an online subscriber whose QoS 1 queue overflows with 0x97', async () => {
    await start({ limits: { maxInflight: 2, maxQueuedMessages: 3, slowSubscriberGraceMs: 50 } });
    const lazy = await connected('lazy');
    lazy.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 1 }] });
    await lazy.next('suback');
    if (server === undefined) throw new Error('no broker');
    const pub = await connectClient(server.url, { protocolVersion: 5, clientId: 'qpub' });
    clients.push(pub);
    for (let i = 0; i < 6; i++) await pub.publishAsync('q', `${i}`, { qos: 1 });
    expect((await lazy.next('disconnect')).reasonCode).toBe(0x97);
    expect(server.broker.metrics.messagesDropped).toBe(1);
  });

  it('survives a few seconds of random and mutated packets, then still serves', async () => {
    const { port } = await start({ limits: { connectTimeoutMs: 500 } });
    const samples: Packet[] = [
      {
        cmd: 'connect',
        clientId: 'fuzz',
        protocolVersion: 5,
        keepalive: 10,
        clean: true,
        properties: { sessionExpiryInterval: 10, receiveMaximum: 5 },
      },
      {
        cmd: 'publish',
        topic: 'fuzz/a',
        payload: Buffer.from('hello'),
        qos: 1,
        messageId: 3,
        dup: false,
        retain: true,
        properties: { topicAlias: 1, userProperties: { a: 'b' } },
      },
      {
        cmd: 'subscribe',
        messageId: 4,
        subscriptions: [{ topic: 'fuzz/#', qos: 2, nl: true, rap: true, rh: 1 }],
        properties: { subscriptionIdentifier: 3 },
      },
      { cmd: 'unsubscribe', messageId: 5, unsubscriptions: ['fuzz/#'] },
      { cmd: 'pubrel', messageId: 3 },
      { cmd: 'puback', messageId: 9 },
      { cmd: 'disconnect', reasonCode: 4 },
      { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'x' } },
    ];
    const encoded = samples.map((p) => generate(p, { protocolVersion: 5 }));
    const connect = encoded[0] ?? Buffer.alloc(0);
    const mutate = (buffer: Buffer): Buffer => {
      const copy = Buffer.from(buffer);
      const flips = 1 + Math.floor(Math.random() * 4);
      for (let i = 0; i < flips; i++)
        copy[Math.floor(Math.random() * copy.length)] = Math.floor(Math.random() * 256);
      return Math.random() < 0.3 ? copy.subarray(0, Math.floor(Math.random() * copy.length)) : copy;
    };
    const deadline = Date.now() + 2500;
    let connections = 0;
    while (Date.now() < deadline) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {});
      connections++;
      const mode = Math.random();
      if (mode < 0.3) socket.write(randomBytes(1 + Math.floor(Math.random() * 64)));
      else if (mode < 0.6) socket.write(mutate(connect));
      else {
        socket.write(connect);
        for (let i = 0; i < 8; i++) {
          const sample = encoded[Math.floor(Math.random() * encoded.length)] ?? connect;
          socket.write(Math.random() < 0.7 ? mutate(sample) : sample);
        }
      }
      setTimeout(() => socket.destroy(), 50 + Math.random() * 100);
      await settle(3);
    }
    expect(connections).toBeGreaterThan(100);
    await settle(300);
    await stillServes();
    await eventually(() => expect(server?.broker.metrics.connections).toBe(1));
  });
});
