import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { flushMarker } from '../../test/support/markers.js';
import type { BrokerOptions } from './broker.js';
import {
  collect,
  connectClient,
  endClient,
  eventually,
  RawClient,
  type Received,
  settle,
  startBroker,
  type TestBroker,
} from './test-support.js';

/** MQTT 5 features, over real sockets with the `mqtt` client or raw packets. */
describe('MQTT 5', () => {
  let server: TestBroker | undefined;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  async function start(options: BrokerOptions = {}): Promise<TestBroker> {
    server = await startBroker(options);
    return server;
  }

  async function connect(
    clientId: string,
    options: Parameters<typeof connectClient>[1] = {},
    into?: Received[],
  ) {
    if (server === undefined) throw new Error('no broker');
    const client = await connectClient(server.url, { protocolVersion: 5, clientId, ...options }, into);
    clients.push(client);
    return client;
  }

  async function raw(clientId: string, connectProperties: Record<string, unknown> = {}): Promise<RawClient> {
    if (server === undefined) throw new Error('no broker');
    const client = await RawClient.open(server.port, 5);
    raws.push(client);
    client.write({
      cmd: 'connect',
      clientId,
      protocolVersion: 5,
      keepalive: 0,
      clean: true,
      properties: connectProperties,
    });
    return client;
  }

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await Promise.all(clients.splice(0).map((c) => endClient(c, true)));
    await server?.broker.close();
    server = undefined;
  });

  it('announces its limits in CONNACK', async () => {
    await start({ limits: { receiveMaximum: 10, maxPacketSize: 5000, topicAliasMaximum: 7 } });
    const client = await raw('limits');
    const connack = await client.next('connack');
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties).toMatchObject({
      receiveMaximum: 10,
      maximumPacketSize: 5000,
      topicAliasMaximum: 7,
    });
  });

  it('assigns a client identifier to an empty one', async () => {
    await start();
    const client = await raw('');
    const connack = await client.next('connack');
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^fp-/);
  });

  it('refuses an enhanced authentication method with 0x8C', async () => {
    await start();
    const client = await raw('auth', {
      authenticationMethod: 'SCRAM-SHA-1',
      authenticationData: Buffer.from('x'),
    });
    expect((await client.next('connack')).reasonCode).toBe(0x8c);
    await client.waitClosed();
  });

  it('refuses Receive Maximum 0 with a protocol error', async () => {
    await start();
    const client = await raw('rm0', { receiveMaximum: 0 });
    expect((await client.next('connack')).reasonCode).toBe(0x82);
    await client.waitClosed();
  });

  it('tells the client a server keep-alive when it asks for none or too long', async () => {
    await start({ limits: { maxKeepAlive: 30 } });
    const client = await raw('ka');
    expect((await client.next('connack')).properties?.serverKeepAlive).toBe(30);
  });

  it('carries user properties, content type, payload format, response topic and correlation data', async () => {
    await start();
    const responder = await connect('responder');
    const received = collect(responder);
    await responder.subscribeAsync('req/+');
    const requester = await connect('requester');
    await requester.publishAsync('req/1', 'ping', {
      qos: 1,
      properties: {
        userProperties: { a: '1', b: ['x', 'y'] },
        contentType: 'text/plain',
        payloadFormatIndicator: true,
        responseTopic: 'resp/1',
        correlationData: Buffer.from('corr'),
      },
    });
    await eventually(() => expect(received).toHaveLength(1));
    const properties = received[0]?.packet.properties;
    expect(properties?.userProperties).toEqual({ a: '1', b: ['x', 'y'] });
    expect(properties?.contentType).toBe('text/plain');
    expect(properties?.payloadFormatIndicator).toBe(true);
    expect(properties?.responseTopic).toBe('resp/1');
    expect(properties?.correlationData?.toString()).toBe('corr');
  });

  it('answers PUBACK 0x10 when nobody is subscribed, and 0x99 for a payload that is not UTF-8', async () => {
    await start();
    const client = await raw('nosub');
    await client.next('connack');
    client.write({
      cmd: 'publish',
      topic: 'nobody',
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    });
    expect((await client.next('puback')).reasonCode).toBe(0x10);
    client.write({
      cmd: 'publish',
      topic: 'nobody',
      payload: Buffer.from([0xff, 0xfe]),
      qos: 1,
      messageId: 2,
      dup: false,
      retain: false,
      properties: { payloadFormatIndicator: true },
    });
    expect((await client.next('puback')).reasonCode).toBe(0x99);
  });

  it('sends one message with every matching subscription identifier for overlapping subscriptions', async () => {
    await start();
    const sub = await connect('ids');
    const received = collect(sub);
    await sub.subscribeAsync('s/+', { qos: 0, properties: { subscriptionIdentifier: 7 } });
    await sub.subscribeAsync('s/#', { qos: 1, properties: { subscriptionIdentifier: 9 } });
    const pub = await connect('idpub');
    await pub.publishAsync('s/x', 'm', { qos: 1 });
    await flushMarker(pub, received, 's/marker');
    expect(received).toHaveLength(1);
    expect(received[0]?.packet.qos).toBe(1);
    const ids = received[0]?.packet.properties?.subscriptionIdentifier;
    expect((Array.isArray(ids) ? ids : [ids]).sort()).toEqual([7, 9]);
  });

  it('does not send a client its own messages on a No Local subscription', async () => {
    await start();
    const client = await connect('self');
    const received = collect(client);
    await client.subscribeAsync('echo', { qos: 1, nl: true });
    const other = await connect('other');
    await client.publishAsync('echo', 'mine', { qos: 1 });
    await other.publishAsync('echo', 'theirs', { qos: 1 });
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['theirs']));
  });

  it('honours retain handling 0, 1 and 2 and Retain As Published', async () => {
    await start();
    const pub = await connect('rhpub');
    await pub.publishAsync('rh/t', 'kept', { qos: 1, retain: true });
    const sub = await connect('rhsub');
    const received = collect(sub);
    await sub.subscribeAsync('rh/t', { qos: 1, rh: 2 });
    await flushMarker(pub, received, 'rh/t');
    expect(received).toHaveLength(0);
    await sub.subscribeAsync('rh/#', { qos: 1, rh: 1 });
    await eventually(() => expect(received).toHaveLength(1));
    await sub.subscribeAsync('rh/#', { qos: 1, rh: 1 }); // not new: nothing sent
    await sub.subscribeAsync('rh/+', { qos: 1, rh: 0, rap: true });
    await eventually(() => expect(received).toHaveLength(2));
    await flushMarker(pub, received, 'rh/t');
    expect(received).toHaveLength(2);
    expect(received.every((m) => m.packet.retain)).toBe(true);
    // A live retained publish keeps its retain flag only through the Retain As Published subscription.
    await pub.publishAsync('rh/t', 'live', { qos: 1, retain: true });
    await eventually(() => expect(received).toHaveLength(3));
    expect(received[2]?.packet.retain).toBe(true);
  });

  it('does not deliver an expired message and counts down the expiry of queued ones', async () => {
    await start();
    const sub = await connect('exp', { clean: false, properties: { sessionExpiryInterval: 60 } });
    await sub.subscribeAsync('e/#', { qos: 1 });
    await endClient(sub);
    const pub = await connect('exppub');
    await pub.publishAsync('e/short', 'short', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('e/long', 'long', { qos: 1, properties: { messageExpiryInterval: 100 } });
    await settle(1100);
    const received: Received[] = [];
    await connect('exp', { clean: false, properties: { sessionExpiryInterval: 60 } }, received);
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['long']));
    const remaining = received[0]?.packet.properties?.messageExpiryInterval ?? 0;
    expect(remaining).toBeGreaterThan(95);
    expect(remaining).toBeLessThan(100);
  });

  it('skips a long queue of expired messages on resume without recursing once per message', async () => {
    await start({ limits: { maxQueuedMessages: 50_000 } });
    const sub = await connect('many-exp', { clean: false, properties: { sessionExpiryInterval: 60 } });
    await sub.subscribeAsync('m/#', { qos: 1 });
    await endClient(sub);
    const pub = await connect('many-exp-pub');
    // In rounds below our Receive Maximum (64), which the npm client does not keep to itself.
    for (let round = 0; round < 250; round++)
      await Promise.all(
        Array.from({ length: 60 }, () =>
          pub.publishAsync('m/old', 'x', { qos: 1, properties: { messageExpiryInterval: 1 } }),
        ),
      );
    await settle(1100);
    await pub.publishAsync('m/new', 'fresh', { qos: 1 });
    const received: Received[] = [];
    await connect('many-exp', { clean: false, properties: { sessionExpiryInterval: 60 } }, received);
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['fresh']), 10_000);
  }, 30_000);

  it('resolves topic aliases the client sets, and refuses an alias beyond the maximum with 0x94', async () => {
    await start({ limits: { topicAliasMaximum: 2 } });
    const sub = await connect('aliassub');
    const received = collect(sub);
    await sub.subscribeAsync('alias/#');
    const client = await raw('aliaspub');
    await client.next('connack');
    client.write({
      cmd: 'publish',
      topic: 'alias/long/topic',
      payload: Buffer.from('1'),
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 1 },
    });
    client.write({
      cmd: 'publish',
      topic: '',
      payload: Buffer.from('2'),
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 1 },
    });
    await eventually(() =>
      expect(received.map((m) => `${m.topic}=${m.payload}`)).toEqual([
        'alias/long/topic=1',
        'alias/long/topic=2',
      ]),
    );
    client.write({
      cmd: 'publish',
      topic: 'alias/x',
      payload: Buffer.from('3'),
      qos: 0,
      dup: false,
      retain: false,
      properties: { topicAlias: 3 },
    });
    expect((await client.next('disconnect')).reasonCode).toBe(0x94);
    await client.waitClosed();
  });

  it('uses topic aliases towards a client that allows them', async () => {
    await start();
    const client = await raw('aliasrecv', { topicAliasMaximum: 5 });
    await client.next('connack');
    client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'to/#', qos: 0 }] });
    await client.next('suback');
    const pub = await connect('aliaspub2');
    await pub.publishAsync('to/client', 'a', { qos: 1 });
    await pub.publishAsync('to/client', 'b', { qos: 1 });
    const first = await client.next('publish');
    const second = await client.next('publish');
    expect(first.topic).toBe('to/client');
    expect(first.properties?.topicAlias).toBe(1);
    expect(second.topic).toBe('');
    expect(second.properties?.topicAlias).toBe(1);
  });

  it('sets a topic alias again when the packet that would have set it was too large to send', async () => {
    await start();
    const client = await raw('aliassmall', { topicAliasMaximum: 5, maximumPacketSize: 64 });
    await client.next('connack');
    client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'to/#', qos: 0 }] });
    await client.next('suback');
    const pub = await connect('aliaspub3');
    await pub.publishAsync('to/client', 'x'.repeat(100), { qos: 1 });
    await pub.publishAsync('to/client', 'small', { qos: 1 });
    const only = await client.next('publish');
    expect([only.topic, only.payload.toString(), only.properties?.topicAlias]).toEqual([
      'to/client',
      'small',
      1,
    ]);
  });

  it('never sends more unacknowledged messages than the client Receive Maximum', async () => {
    await start();
    const client = await raw('slowacker', { receiveMaximum: 2 });
    await client.next('connack');
    client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flow', qos: 1 }] });
    await client.next('suback');
    const pub = await connect('flowpub');
    for (let i = 0; i < 5; i++) await pub.publishAsync('flow', `${i}`, { qos: 1 });
    await settle(150);
    const publishes = client.packets.filter((p) => p.cmd === 'publish');
    expect(publishes).toHaveLength(2);
    client.packets.length = 0;
    for (const p of publishes) client.write({ cmd: 'puback', messageId: p.messageId ?? 0 });
    await eventually(() => expect(client.packets.filter((p) => p.cmd === 'publish')).toHaveLength(2));
  });

  it('never sends a packet larger than the client Maximum Packet Size', async () => {
    await start();
    const client = await raw('small', { maximumPacketSize: 100 });
    await client.next('connack');
    client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'big', qos: 1 }] });
    await client.next('suback');
    const pub = await connect('bigpub');
    await pub.publishAsync('big', Buffer.alloc(500, 1), { qos: 1 });
    await pub.publishAsync('big', 'small', { qos: 1 });
    const received = await client.next('publish');
    expect(received.payload.toString()).toBe('small');
  });

  it('delivers to one member of a shared subscription group, round robin', async () => {
    await start();
    const a = await connect('share-a');
    const b = await connect('share-b');
    const receivedA = collect(a);
    const receivedB = collect(b);
    await a.subscribeAsync('$share/g/jobs/#', { qos: 1 });
    await b.subscribeAsync('$share/g/jobs/#', { qos: 1 });
    const pub = await connect('sharepub');
    for (let i = 0; i < 10; i++) await pub.publishAsync(`jobs/${i}`, `${i}`, { qos: 1 });
    await eventually(() => expect(receivedA.length + receivedB.length).toBe(10));
    expect(receivedA.length).toBe(5);
    expect(receivedB.length).toBe(5);
  });

  it('refuses No Local on a shared subscription as a protocol error', async () => {
    await start();
    const client = await raw('sharenl');
    await client.next('connack');
    client.write({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: '$share/g/x', qos: 0, nl: true }],
    });
    expect((await client.next('disconnect')).reasonCode).toBe(0x82);
  });

  it('answers invalid filters with 0x8F in SUBACK', async () => {
    await start();
    const client = await raw('badfilter');
    await client.next('connack');
    client.write({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'a/#/b', qos: 0 },
        { topic: 'ok', qos: 1 },
      ],
    });
    expect((await client.next('suback')).granted).toEqual([0x8f, 1]);
  });

  it('sends DISCONNECT 0x8E to the connection whose session is taken over', async () => {
    await start();
    const first = await raw('taken');
    await first.next('connack');
    const second = await raw('taken');
    await second.next('connack');
    expect((await first.next('disconnect')).reasonCode).toBe(0x8e);
    await first.waitClosed();
  });

  it('delays the will, and drops it when the client comes back in time', async () => {
    await start();
    const watcher = await connect('willwatch');
    const received = collect(watcher);
    await watcher.subscribeAsync('will/#');
    const willOptions = {
      clean: false,
      properties: { sessionExpiryInterval: 60 },
      will: {
        topic: 'will/late',
        payload: Buffer.from('late'),
        qos: 1 as const,
        retain: false,
        properties: { willDelayInterval: 1 },
      },
    };
    const first = await connect('delayed', willOptions);
    first.stream.destroy();
    await settle(300);
    expect(received).toHaveLength(0);
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['late']), 2000);
    const back = await connect('comeback', willOptions);
    back.stream.destroy();
    await settle(200);
    await connect('comeback', { clean: false, properties: { sessionExpiryInterval: 60 } });
    await settle(1200);
    expect(received.map((m) => m.payload)).toEqual(['late']);
  });

  it('sends DISCONNECT with reason 0x04 will: the will is published', async () => {
    await start();
    const watcher = await connect('w4');
    const received = collect(watcher);
    await watcher.subscribeAsync('w4/#');
    const client = await connect('w4client', {
      will: { topic: 'w4/will', payload: Buffer.from('bye'), qos: 0, retain: false },
    });
    await new Promise<void>((resolve) => client.end(false, { reasonCode: 0x04 }, () => resolve()));
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['bye']));
  });

  it('ends a session after its expiry interval', async () => {
    await start();
    const client = await connect('expiring', { clean: false, properties: { sessionExpiryInterval: 1 } });
    await client.subscribeAsync('x/#', { qos: 1 });
    await endClient(client);
    const broker = server?.broker;
    expect(broker?.metrics.sessions).toBe(1);
    await eventually(() => expect(broker?.metrics.sessions).toBe(0), 2500);
    expect(broker?.metrics.subscriptions).toBe(0);
  });

  it('refuses to raise the session expiry from 0 at DISCONNECT', async () => {
    await start();
    const client = await raw('zeroexp');
    await client.next('connack');
    client.write({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 30 } });
    expect((await client.next('disconnect')).reasonCode).toBe(0x82);
  });

  it('sends DISCONNECT 0x8B to v5 clients when the server shuts down', async () => {
    const { broker } = await start();
    const client = await raw('shutdown');
    await client.next('connack');
    await broker.close();
    expect((await client.next('disconnect')).reasonCode).toBe(0x8b);
    server = undefined;
  });

  it('disconnects a client on request with 0x98 and lists connected clients', async () => {
    const { broker } = await start();
    const client = await raw('admin-me');
    await client.next('connack');
    expect(broker.clients().map((c) => c.clientId)).toEqual(['admin-me']);
    expect(broker.disconnect('default', 'admin-me')).toBe(true);
    expect((await client.next('disconnect')).reasonCode).toBe(0x98);
    expect(broker.disconnect('default', 'nobody')).toBe(false);
  });
});
