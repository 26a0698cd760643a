import type { IClientOptions, MqttClient } from 'mqtt';
import { generate, type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import {
  collect,
  connectClient,
  endClient,
  eventually,
  RawClient,
  type Received,
  settle,
} from '../../mqtt/test-support.js';

/**
 * What the Eclipse Paho interoperability suite (`interoperability/client_test.py` for
 * 3.1.1, `client_test5.py` for 5.0) asserts, one test per suite case, against a server
 * started as docs/MQTT.md describes for interoperability: the anonymous tenant, a
 * keep-alive cap of 60 s, and a policy refusing subscriptions to `test/nosubscribe`.
 * The suite's topics and client ids; shorter timings where the suite only waits (the
 * behaviour does not depend on the length of a will delay or a keep-alive).
 */

const topics = ['TopicA', 'TopicA/B', 'Topic/C', 'TopicA/C', '/TopicA'] as const;
const wildtopics = ['TopicA/+', '+/C', '#', '/#', '/+', '+/+', 'TopicA/#'] as const;
const nosubscribe = 'test/nosubscribe';

const [sqlite] = dialectCases();

describe('interoperability (Paho client_test.py and client_test5.py)', () => {
  let database: TestDatabase;
  let ts: TestServer;
  let url: string;
  let port: number;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    if (sqlite === undefined) throw new Error('no SQLite case');
    database = await sqlite.create();
    ts = await startTestServer(database, {
      'mqtt-anonymous-tenant': 'default',
      'mqtt-max-keep-alive': 60,
    });
    const tcp = ts.server.mqtt.tcpPort;
    if (tcp === undefined) throw new Error('no MQTT TCP listener');
    port = tcp;
    url = `mqtt://127.0.0.1:${port}`;
    const policy = await ts.request('POST', '/v1/mqtt/policies', {
      json: { effect: 'deny', action: 'subscribe', filter: nosubscribe, principal: 'anonymous' },
    });
    expect(policy.status, policy.text).toBe(201);
  });

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await Promise.all(clients.splice(0).map((c) => endClient(c, true)));
    // The suite's cleanup: clean sessions for its client ids, and no retained message left.
    for (const clientId of ['myclientid', 'myclientid2']) {
      const c = await connectClient(url, { clientId, clean: true, protocolVersion: 5 });
      await endClient(c);
    }
    const cleaner = await connectClient(url, { clientId: 'clean retained', protocolVersion: 5 });
    const retained = collect(cleaner);
    await cleaner.subscribeAsync('#', { qos: 0 });
    await settle(150);
    for (const message of retained) {
      if (message.packet.retain) await cleaner.publishAsync(message.topic, '', { qos: 1, retain: true });
    }
    await endClient(cleaner);
  });

  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  /** An `mqtt` client; like the Paho test client it sends no PINGREQ unless told (keep-alive 0). */
  async function connect(
    protocolVersion: 4 | 5,
    clientId: string,
    options: IClientOptions = {},
    into?: Received[],
  ): Promise<MqttClient> {
    const client = await connectClient(url, { protocolVersion, clientId, keepalive: 0, ...options }, into);
    clients.push(client);
    return client;
  }

  /** A raw connection that has sent CONNECT (with the given fields) and read CONNACK. */
  async function raw(
    protocolVersion: 4 | 5,
    connect: Partial<IConnectPacket> & { clientId: string },
  ): Promise<{ client: RawClient; connack: Extract<Packet, { cmd: 'connack' }> }> {
    const client = await RawClient.open(port, protocolVersion);
    raws.push(client);
    client.write({ cmd: 'connect', protocolVersion, keepalive: 0, clean: true, ...connect }, protocolVersion);
    const connack = await client.next('connack');
    return { client, connack };
  }

  function publishPacket(
    topic: string,
    payload: string,
    qos: 0 | 1 | 2,
    messageId?: number,
    extra: Partial<IPublishPacket> = {},
  ): IPublishPacket {
    return {
      cmd: 'publish',
      topic,
      payload: Buffer.from(payload),
      qos,
      dup: false,
      retain: false,
      ...(qos > 0 ? { messageId } : {}),
      ...extra,
    };
  }

  /** A 3.1.1 CONNECT built by hand, for what mqtt-packet refuses to encode. */
  function connectBytes(protocolName: string, clientId: string, clean: boolean): Buffer {
    const name = Buffer.from(protocolName);
    const id = Buffer.from(clientId);
    const body = Buffer.concat([
      Buffer.from([0, name.length]),
      name,
      Buffer.from([4, clean ? 0x02 : 0x00, 0, 0, 0, id.length]),
      id,
    ]);
    return Buffer.concat([Buffer.from([0x10, body.length]), body]);
  }

  function generatePublish(packet: IPublishPacket): Buffer {
    return generate(packet, { protocolVersion: 5 });
  }

  /** The payloads received, in order. */
  function payloads(received: readonly Received[]): string[] {
    return received.map((m) => m.payload);
  }

  describe('MQTT 3.1.1 (client_test.py)', () => {
    it('testBasic: QoS 0, 1 and 2 round trip on a clean session; a second CONNECT and a wrong protocol name end the connection', async () => {
      const first = await connect(4, 'myclientid');
      await endClient(first);
      const received: Received[] = [];
      const a = await connect(4, 'myclientid', {}, received);
      await a.subscribeAsync(topics[0], { qos: 2 });
      await a.publishAsync(topics[0], 'qos 0', { qos: 0 });
      await a.publishAsync(topics[0], 'qos 1', { qos: 1 });
      await a.publishAsync(topics[0], 'qos 2', { qos: 2 });
      await eventually(() => expect(payloads(received)).toEqual(['qos 0', 'qos 1', 'qos 2']));

      // [MQTT-3.1.0-2] a second CONNECT is a protocol violation: the connection is closed.
      const { client: twice, connack } = await raw(4, { clientId: 'myclientid' });
      expect(connack.sessionPresent).toBe(false);
      expect(connack.returnCode).toBe(0);
      twice.write(
        { cmd: 'connect', protocolVersion: 4, clientId: 'myclientid', keepalive: 0, clean: true },
        4,
      );
      await twice.waitClosed();

      // [MQTT-3.1.2-1] a wrong protocol name: the server may close without CONNACK.
      const wrong = await RawClient.open(port, 4);
      raws.push(wrong);
      wrong.write(connectBytes('hj', 'myclientid', true));
      await wrong.waitClosed();
      expect(wrong.packets.filter((p) => p.cmd === 'connack' && p.returnCode === 0)).toEqual([]);
    });

    it('test_retained_messages: retained messages of each QoS reach a later wildcard subscription, and empty ones clear them', async () => {
      const received: Received[] = [];
      const a = await connect(4, 'myclientid', { clean: true }, received);
      await a.publishAsync(topics[1], 'qos 0', { qos: 0, retain: true });
      await a.publishAsync(topics[2], 'qos 1', { qos: 1, retain: true });
      await a.publishAsync(topics[3], 'qos 2', { qos: 2, retain: true });
      await settle(50);
      await a.subscribeAsync(wildtopics[5], { qos: 2 });
      await eventually(() => expect(received).toHaveLength(3));
      expect(received.every((m) => m.packet.retain)).toBe(true); // [MQTT-3.3.1-8]
      expect(received.map((m) => m.packet.qos).sort()).toEqual([0, 1, 2]);
      await endClient(a);

      const again: Received[] = [];
      const b = await connect(4, 'myclientid', { clean: true }, again);
      await b.publishAsync(topics[1], '', { qos: 0, retain: true });
      await b.publishAsync(topics[2], '', { qos: 1, retain: true });
      await b.publishAsync(topics[3], '', { qos: 2, retain: true });
      await settle(50);
      await b.subscribeAsync(wildtopics[5], { qos: 2 });
      await settle(200);
      expect(again).toEqual([]); // [MQTT-3.3.1-10], [MQTT-3.3.1-11]
    });

    it('test_offline_message_queueing: a persistent session receives the QoS 1 and 2 messages published while it was away', async () => {
      const a = await connect(4, 'myclientid', { clean: false });
      await a.subscribeAsync(wildtopics[5], { qos: 2 });
      await endClient(a);

      const b = await connect(4, 'myclientid2', { clean: true });
      await b.publishAsync(topics[1], 'qos 0', { qos: 0 });
      await b.publishAsync(topics[2], 'qos 1', { qos: 1 });
      await b.publishAsync(topics[3], 'qos 2', { qos: 2 });
      await endClient(b);

      const received: Received[] = [];
      const back = await connect(4, 'myclientid', { clean: false }, received);
      expect(back.connected).toBe(true);
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(2));
      await settle(100);
      // QoS 0 is not queued for an offline client (the suite accepts 2 or 3).
      expect(payloads(received)).toEqual(['qos 1', 'qos 2']);
    });

    it('will_message_test (defined, not collected by unittest): the will goes out when the connection drops', async () => {
      const received: Received[] = [];
      const b = await connect(4, 'myclientid2', { clean: false }, received);
      await b.subscribeAsync(topics[2], { qos: 2 });
      const { client: a } = await raw(4, {
        clientId: 'myclientid',
        keepalive: 2,
        will: { topic: topics[2], payload: Buffer.from('client not disconnected'), qos: 2, retain: false },
      });
      a.close();
      await eventually(() => expect(payloads(received)).toEqual(['client not disconnected']));
    });

    it('test_zero_length_clientid: refused with a persistent session, accepted with a clean one', async () => {
      const zero = await RawClient.open(port, 4);
      raws.push(zero);
      zero.write(connectBytes('MQTT', '', false));
      expect((await zero.next('connack')).returnCode).toBe(2); // [MQTT-3.1.3-8]
      await zero.waitClosed();
      const { connack: accepted } = await raw(4, { clientId: '', clean: true });
      expect(accepted.returnCode).toBe(0); // [MQTT-3.1.3-6]
    });

    it('test_overlapping_subscriptions: one message at the highest QoS of the matching subscriptions', async () => {
      const received: Received[] = [];
      const a = await connect(4, 'myclientid', {}, received);
      await a.subscribeAsync({ [wildtopics[6]]: { qos: 2 }, [wildtopics[0]]: { qos: 1 } });
      await a.publishAsync(topics[3], 'overlapping topic filters', { qos: 2 });
      await eventually(() => expect(received).toHaveLength(1));
      await settle(200);
      expect(received).toHaveLength(1);
      expect(received[0]?.packet.qos).toBe(2);
    });

    it('test_keepalive: a client silent for 1.5 times its keep-alive is disconnected and its will published', async () => {
      const received: Received[] = [];
      const b = await connect(4, 'myclientid2', {}, received);
      await b.subscribeAsync(topics[4], { qos: 2 });
      const started = Date.now();
      // The suite uses 5 s; 1 s shows the same within 1.5 s [MQTT-3.1.2-24].
      const { client: a } = await raw(4, {
        clientId: 'myclientid',
        keepalive: 1,
        will: { topic: topics[4], payload: Buffer.from('keepalive expiry'), qos: 2, retain: false },
      });
      await a.waitClosed(4000);
      await eventually(() => expect(payloads(received)).toEqual(['keepalive expiry']));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1400);
      expect(elapsed).toBeLessThan(3000);
    });

    it('test_redelivery_on_reconnect: unacknowledged QoS 1 and 2 messages are sent again, DUP set, when the session resumes', async () => {
      const { client: b } = await raw(4, { clientId: 'myclientid2', clean: false });
      b.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: wildtopics[6], qos: 2 }] }, 4);
      await b.next('suback');
      // "pause": the client takes the messages but never acknowledges them.
      b.write(publishPacket(topics[1], '', 1, 2), 4);
      b.write(publishPacket(topics[3], '', 2, 3), 4);
      await b.next('puback');
      await b.next('pubrec');
      b.write({ cmd: 'pubrel', messageId: 3 }, 4);
      await b.next('pubcomp');
      const first = [await b.next('publish'), await b.next('publish')];
      expect(first.map((p) => [p.topic, p.qos, p.dup])).toEqual([
        [topics[1], 1, false],
        [topics[3], 2, false],
      ]);
      b.write({ cmd: 'disconnect' }, 4);
      await b.waitClosed();

      const { client: back, connack } = await raw(4, { clientId: 'myclientid2', clean: false });
      expect(connack.sessionPresent).toBe(true);
      const again = [await back.next('publish'), await back.next('publish')];
      // [MQTT-4.4.0-1] resent with their original packet ids and DUP set [MQTT-3.3.1-1].
      expect(again.map((p) => [p.topic, p.qos, p.dup, p.messageId])).toEqual([
        [topics[1], 1, true, first[0]?.messageId],
        [topics[3], 2, true, first[1]?.messageId],
      ]);
      back.write({ cmd: 'puback', messageId: again[0]?.messageId ?? 0 }, 4);
      back.write({ cmd: 'pubrec', messageId: again[1]?.messageId ?? 0 }, 4);
      expect((await back.next('pubrel')).messageId).toBe(again[1]?.messageId);
      back.write({ cmd: 'pubcomp', messageId: again[1]?.messageId ?? 0 }, 4);
      back.write({ cmd: 'disconnect' }, 4);
      await back.waitClosed();
    });

    it('test_subscribe_failure: a subscription refused by policy is answered 0x80', async () => {
      const { client } = await raw(4, { clientId: 'myclientid' });
      client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: nosubscribe, qos: 2 }] }, 4);
      expect((await client.next('suback')).granted).toEqual([0x80]); // [MQTT-3.9.3-…] 0x80 failure
    });

    it('test_dollar_topics: a filter starting with a wildcard does not match a topic starting with $', async () => {
      const received: Received[] = [];
      const b = await connect(4, 'myclientid2', {}, received);
      await b.subscribeAsync({ [wildtopics[5]]: { qos: 2 }, [wildtopics[2]]: { qos: 2 } });
      await settle(100);
      received.length = 0;
      await b.publishAsync(`$${topics[1]}`, '', { qos: 1 });
      await settle(200);
      expect(received).toEqual([]); // [MQTT-4.7.2-1]
    });

    it('test_unsubscribe: no more messages on a filter after UNSUBSCRIBE, the others still arrive', async () => {
      const received: Received[] = [];
      const b = await connect(4, 'myclientid2', { clean: true }, received);
      await b.subscribeAsync(topics[0], { qos: 2 });
      await b.subscribeAsync(topics[1], { qos: 2 });
      await b.subscribeAsync(topics[2], { qos: 2 });
      await b.unsubscribeAsync(topics[0]);
      const a = await connect(4, 'myclientid', { clean: true });
      await a.publishAsync(topics[0], 'topic 0', { qos: 1 });
      await a.publishAsync(topics[1], 'topic 1', { qos: 1 });
      await a.publishAsync(topics[2], 'topic 2', { qos: 1 });
      await eventually(() => expect(received).toHaveLength(2));
      await settle(100);
      expect(payloads(received)).toEqual(['topic 1', 'topic 2']);
    });
  });

  describe('MQTT 5.0 (client_test5.py)', () => {
    /** Waits for the broker's DISCONNECT and returns its reason code. */
    async function disconnectedWith(client: RawClient): Promise<number | undefined> {
      const packet = await client.next('disconnect');
      await client.waitClosed();
      return packet.reasonCode;
    }

    it('test_assigned_clientid: a client without id gets one in CONNACK', async () => {
      const { connack } = await raw(5, { clientId: '' });
      expect(connack.reasonCode).toBe(0);
      expect(connack.properties?.assignedClientIdentifier).toMatch(/.+/); // [MQTT-3.2.2-16]
    });

    it('test_basic: QoS 0, 1 and 2 round trip; a second CONNECT and a wrong protocol name end the connection', async () => {
      await endClient(await connect(5, 'myclientid'));
      const received: Received[] = [];
      const a = await connect(5, 'myclientid', {}, received);
      await a.subscribeAsync(topics[0], { qos: 2 });
      await a.publishAsync(topics[0], 'qos 0', { qos: 0 });
      await a.publishAsync(topics[0], 'qos 1', { qos: 1 });
      await a.publishAsync(topics[0], 'qos 2', { qos: 2 });
      await eventually(() => expect(payloads(received)).toEqual(['qos 0', 'qos 1', 'qos 2']));

      const { client: twice } = await raw(5, { clientId: 'myclientid' });
      twice.write({ cmd: 'connect', protocolVersion: 5, clientId: 'myclientid', keepalive: 0, clean: true });
      expect(await disconnectedWith(twice)).toBe(0x82); // [MQTT-3.1.0-2]

      const wrong = await RawClient.open(port, 5);
      raws.push(wrong);
      const name = Buffer.from('hj');
      const body = Buffer.concat([
        Buffer.from([0, 2]),
        name,
        Buffer.from([5, 0x02, 0, 0, 0, 0, 10]),
        Buffer.from('myclientid'),
      ]);
      wrong.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
      await wrong.waitClosed(); // [MQTT-3.1.2-1]
      expect(wrong.packets.filter((p) => p.cmd === 'connack' && p.reasonCode === 0)).toEqual([]);
    });

    it('test_client_topic_alias: alias 0 is refused with DISCONNECT 0x94; aliases work within a connection and end with it', async () => {
      const { client: zero } = await raw(5, { clientId: 'myclientid' });
      zero.write(publishPacket(topics[0], 'topic alias 0', 1, 1, { properties: { topicAlias: 0 } }));
      expect(await disconnectedWith(zero)).toBe(0x94); // [MQTT-3.3.2-8]

      const { client: a, connack } = await raw(5, {
        clientId: 'myclientid',
        properties: { topicAliasMaximum: 0, sessionExpiryInterval: 99999 },
      });
      const maximum = connack.properties?.topicAliasMaximum ?? 0;
      expect(maximum).toBeGreaterThan(0);
      a.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
      await a.next('suback');
      a.write(publishPacket(topics[0], 'topic alias 1', 1, 2, { properties: { topicAlias: 1 } }));
      const first = await a.next('publish');
      expect(first.payload.toString()).toBe('topic alias 1');
      a.write(publishPacket('', 'topic alias 2', 1, 3, { properties: { topicAlias: 1 } }));
      const second = await a.next('publish');
      expect([second.topic, second.payload.toString()]).toEqual([topics[0], 'topic alias 2']);
      // The client sent Topic Alias Maximum 0: the server uses no alias towards it [MQTT-3.3.2-9].
      expect(second.properties?.topicAlias).toBeUndefined();
      for (const p of [first, second]) a.write({ cmd: 'puback', messageId: p.messageId, reasonCode: 0 });
      a.write({ cmd: 'disconnect', reasonCode: 0 });
      await a.waitClosed();

      // A new connection of the same session: the aliases are gone, the subscription is not [MQTT-3.3.2-7].
      const { client: back, connack: again } = await raw(5, { clientId: 'myclientid', clean: false });
      expect(again.sessionPresent).toBe(true);
      back.write(publishPacket(topics[0], 'topic alias 3', 1, 4));
      expect((await back.next('publish')).payload.toString()).toBe('topic alias 3');
      back.write(publishPacket('', 'topic alias 4', 1, 5, { properties: { topicAlias: 1 } }));
      expect(await disconnectedWith(back)).toBe(0x82);
    });

    it('test_dollar_topics: a filter starting with a wildcard does not match a topic starting with $', async () => {
      const received: Received[] = [];
      const b = await connect(5, 'myclientid2', {}, received);
      await b.subscribeAsync({ [wildtopics[5]]: { qos: 2 }, [wildtopics[2]]: { qos: 2 } });
      await settle(100);
      received.length = 0;
      await b.publishAsync(`$${topics[1]}`, '', { qos: 1 });
      await settle(200);
      expect(received).toEqual([]); // [MQTT-4.7.2-1]
    });

    it('test_flow_control1: no more QoS 1 messages in flight than the client Receive Maximum', async () => {
      const { client } = await raw(5, {
        clientId: 'myclientid',
        properties: { receiveMaximum: 2, sessionExpiryInterval: 0 },
      });
      client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
      await client.next('suback');
      for (let i = 1; i <= 3; i++) client.write(publishPacket(topics[0], `message ${i}`, 1, 10 + i));
      const first = await client.next('publish');
      const second = await client.next('publish');
      for (let i = 0; i < 3; i++) await client.next('puback');
      expect([first.qos, second.qos]).toEqual([1, 1]);
      await settle(500); // the suite waits for a socket timeout of 0.5 s
      expect(client.packets.filter((p) => p.cmd === 'publish')).toEqual([]); // [MQTT-3.3.4-9]
      client.write({ cmd: 'puback', messageId: first.messageId, reasonCode: 0 });
      const third = await client.next('publish');
      expect([third.qos, third.payload.toString()]).toEqual([1, 'message 3']);
      client.write({ cmd: 'puback', messageId: second.messageId, reasonCode: 0 });
      client.write({ cmd: 'puback', messageId: third.messageId, reasonCode: 0 });
    });

    it('test_flow_control2: a client that exceeds the server Receive Maximum is disconnected with 0x93', async () => {
      const { client, connack } = await raw(5, { clientId: 'myclientid' });
      const receiveMaximum = connack.properties?.receiveMaximum ?? 65_535;
      expect(receiveMaximum).toBeLessThan(65_535);
      // QoS 2 messages count until PUBREL; the client never sends one.
      const packets: Buffer[] = [];
      for (let i = 1; i <= receiveMaximum + 1; i++) {
        packets.push(generatePublish(publishPacket(topics[0], `message ${i}`, 2, i)));
      }
      client.write(Buffer.concat(packets));
      expect(await disconnectedWith(client)).toBe(0x93); // [MQTT-3.3.4-7]
    });

    it('test_keepalive: a client silent for 1.5 times its keep-alive is disconnected and its will published', async () => {
      const received: Received[] = [];
      const b = await connect(5, 'myclientid2', {}, received);
      await b.subscribeAsync(topics[4], { qos: 2 });
      const started = Date.now();
      const { client: a, connack } = await raw(5, {
        clientId: 'myclientid',
        keepalive: 1,
        will: { topic: topics[4], payload: Buffer.from('keepalive expiry'), qos: 2, retain: false },
      });
      // A keep-alive below the cap is the client's own: no Server Keep Alive.
      expect(connack.properties?.serverKeepAlive).toBeUndefined();
      expect(await disconnectedWith(a)).toBe(0x8d);
      await eventually(() => expect(payloads(received)).toEqual(['keepalive expiry']));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1400); // [MQTT-3.1.2-22]
      expect(elapsed).toBeLessThan(3000);
    });

    it('test_maximum_packet_size: nothing larger than the client Maximum Packet Size is sent to it', async () => {
      const { client: a, connack } = await raw(5, {
        clientId: 'myclientid',
        properties: { maximumPacketSize: 64 },
      });
      // The server's own maximum is above 65535 here, so the suite does not test it.
      expect(connack.properties?.maximumPacketSize ?? 2 ** 28 - 1).toBeGreaterThanOrEqual(65_535);
      a.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
      await a.next('suback');
      a.write(publishPacket(topics[0], '.'.repeat(32), 0));
      expect((await a.next('publish')).payload.length).toBe(32);
      a.write(publishPacket(topics[0], '.'.repeat(64), 1, 2));
      await a.next('puback');
      await settle(300);
      expect(a.packets.filter((p) => p.cmd === 'publish')).toEqual([]); // [MQTT-3.1.2-24], [MQTT-3.1.2-25]
      // It was treated as delivered: the next message still arrives.
      a.write(publishPacket(topics[0], 'small', 1, 3));
      expect((await a.next('publish')).payload.toString()).toBe('small');
    });

    it('test_offline_message_queueing: a session with an expiry receives the QoS 1 and 2 messages published while it was away', async () => {
      const a = await connect(5, 'myclientid', { clean: true, properties: { sessionExpiryInterval: 99999 } });
      await a.subscribeAsync(wildtopics[5], { qos: 2 });
      await endClient(a);
      const b = await connect(5, 'myclientid2', { clean: true });
      await b.publishAsync(topics[1], 'qos 0', { qos: 0 });
      await b.publishAsync(topics[2], 'qos 1', { qos: 1 });
      await b.publishAsync(topics[3], 'qos 2', { qos: 2 });
      await endClient(b);
      const received: Received[] = [];
      await connect(5, 'myclientid', { clean: false }, received);
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(2));
      await settle(100);
      expect(payloads(received)).toEqual(['qos 1', 'qos 2']);
    });

    it('test_overlapping_subscriptions: one message at the highest QoS of the matching subscriptions', async () => {
      const received: Received[] = [];
      const a = await connect(5, 'myclientid', {}, received);
      await a.subscribeAsync({ [wildtopics[6]]: { qos: 2 }, [wildtopics[0]]: { qos: 1 } });
      await a.publishAsync(topics[3], 'overlapping topic filters', { qos: 2 });
      await eventually(() => expect(received).toHaveLength(1));
      await settle(200);
      expect(received).toHaveLength(1); // [MQTT-3.3.4-2]
      expect(received[0]?.packet.qos).toBe(2);
    });

    it('test_payload_format: Payload Format Indicator and Content Type reach the subscriber at every QoS', async () => {
      const received: Received[] = [];
      const a = await connect(5, 'myclientid', { clean: true }, received);
      await a.subscribeAsync(topics[0], { qos: 2 });
      const properties = { payloadFormatIndicator: true, contentType: 'My name' };
      for (const qos of [0, 1, 2] as const) await a.publishAsync(topics[0], '', { qos, properties });
      await eventually(() => expect(received).toHaveLength(3));
      for (const m of received) expect(m.packet.properties).toMatchObject(properties); // [MQTT-3.3.2-4], [MQTT-3.3.2-20]
      expect(received.map((m) => m.packet.qos).sort()).toEqual([0, 1, 2]);
    });

    it('test_publication_expiry: expired messages are not delivered, the others carry the remaining interval', async () => {
      const b = await connect(5, 'myclientid2', {
        clean: true,
        properties: { sessionExpiryInterval: 99999 },
      });
      await b.subscribeAsync(topics[0], { qos: 2 });
      await endClient(b, false);
      const a = await connect(5, 'myclientid', { clean: true });
      for (const [expiry, qos] of [
        [1, 1],
        [1, 2],
        [4, 1],
        [4, 2],
      ] as const) {
        await a.publishAsync(topics[0], `qos ${qos} - ${expiry === 1 ? 'expire' : "don't expire"}`, {
          qos,
          properties: { messageExpiryInterval: expiry },
        });
      }
      await settle(1600); // the suite: 1 s and 6 s, then waits 3 s
      const received: Received[] = [];
      await connect(5, 'myclientid2', { clean: false }, received);
      await eventually(() => expect(received).toHaveLength(2));
      await settle(200);
      expect(payloads(received)).toEqual(["qos 1 - don't expire", "qos 2 - don't expire"]); // [MQTT-3.3.2-5]
      for (const m of received) expect(m.packet.properties?.messageExpiryInterval).toBeLessThan(4); // [MQTT-3.3.2-6]
    });

    it('test_redelivery_on_reconnect: unacknowledged QoS 1 and 2 messages are sent again, DUP set, when the session resumes', async () => {
      const session = { sessionExpiryInterval: 99999 };
      const { client: b } = await raw(5, { clientId: 'myclientid2', clean: false, properties: session });
      b.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: wildtopics[6], qos: 2 }] });
      await b.next('suback');
      b.write(publishPacket(topics[1], '', 1, 2));
      b.write(publishPacket(topics[3], '', 2, 3));
      await b.next('puback');
      await b.next('pubrec');
      b.write({ cmd: 'pubrel', messageId: 3, reasonCode: 0 });
      await b.next('pubcomp');
      const first = [await b.next('publish'), await b.next('publish')];
      b.write({ cmd: 'disconnect', reasonCode: 0 });
      await b.waitClosed();

      const { client: back, connack } = await raw(5, {
        clientId: 'myclientid2',
        clean: false,
        properties: session,
      });
      expect(connack.sessionPresent).toBe(true);
      const again = [await back.next('publish'), await back.next('publish')];
      expect(again.map((p) => [p.topic, p.qos, p.dup, p.messageId])).toEqual([
        [topics[1], 1, true, first[0]?.messageId],
        [topics[3], 2, true, first[1]?.messageId],
      ]); // [MQTT-4.4.0-1]
    });

    it('test_request_response: Response Topic and Correlation Data reach the responder, whose reply reaches the requester', async () => {
      const requests: Received[] = [];
      const responses: Received[] = [];
      const a = await connect(5, 'myclientid', { clean: true }, responses);
      const b = await connect(5, 'myclientid2', { clean: true }, requests);
      await a.subscribeAsync(topics[0], { qos: 2, nl: true });
      await b.subscribeAsync(topics[0], { qos: 2, nl: true });
      await a.publishAsync(topics[0], 'request', {
        qos: 1,
        properties: { responseTopic: topics[0], correlationData: Buffer.from('334') },
      });
      await eventually(() => expect(requests).toHaveLength(1));
      const request = requests[0]?.packet.properties;
      expect(request?.responseTopic).toBe(topics[0]); // [MQTT-3.3.2-15]
      expect(request?.correlationData?.toString()).toBe('334'); // [MQTT-3.3.2-16]
      await b.publishAsync(request?.responseTopic ?? '', 'response', {
        qos: 1,
        properties: { correlationData: request?.correlationData },
      });
      await eventually(() => expect(payloads(responses)).toEqual(['response']));
      expect(requests).toHaveLength(1);
    });

    it('test_retained_message: retained messages keep their user properties and QoS', async () => {
      const received: Received[] = [];
      const a = await connect(5, 'myclientid', { clean: true }, received);
      const properties = { userProperties: { a: '2', c: '3' } };
      await a.publishAsync(topics[1], 'qos 0', { qos: 0, retain: true, properties });
      await a.publishAsync(topics[2], 'qos 1', { qos: 1, retain: true, properties });
      await a.publishAsync(topics[3], 'qos 2', { qos: 2, retain: true, properties });
      await settle(50);
      await a.subscribeAsync(wildtopics[5], { qos: 2 });
      await eventually(() => expect(received).toHaveLength(3));
      for (const m of received) expect(m.packet.properties?.userProperties).toEqual({ a: '2', c: '3' });
      expect(received.map((m) => m.packet.qos).sort()).toEqual([0, 1, 2]);
    });

    it('test_server_keep_alive: a keep-alive above the cap is answered with Server Keep Alive 60', async () => {
      const { connack } = await raw(5, { clientId: 'myclientid', keepalive: 120 });
      expect(connack.properties?.serverKeepAlive).toBe(60); // [MQTT-3.2.2-21]
    });

    it('test_server_topic_alias: the server sets an alias on the first message and then sends an empty topic, only when the client allows aliases', async () => {
      const { client: a } = await raw(5, { clientId: 'myclientid', properties: { topicAliasMaximum: 1 } });
      a.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
      await a.next('suback');
      for (const qos of [0, 1, 2] as const) a.write(publishPacket(topics[0], 'topic alias 1', qos, qos + 1));
      const first = await a.next('publish');
      const second = await a.next('publish');
      const third = await a.next('publish');
      const alias = first.properties?.topicAlias ?? 0;
      expect([first.topic, alias > 0]).toEqual([topics[0], true]);
      expect([second.topic, second.properties?.topicAlias]).toEqual(['', alias]); // [MQTT-3.3.2-12]
      expect([third.topic, third.properties?.topicAlias]).toEqual(['', alias]);

      for (const properties of [{}, { topicAliasMaximum: 0 }]) {
        const { client } = await raw(5, { clientId: 'myclientid', properties });
        client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
        await client.next('suback');
        for (const qos of [0, 1, 2] as const)
          client.write(publishPacket(topics[0], 'no alias', qos, qos + 1));
        const all = [
          await client.next('publish'),
          await client.next('publish'),
          await client.next('publish'),
        ];
        // [MQTT-3.3.2-10] no alias above what the client allows (none).
        expect(all.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
          [topics[0], undefined],
          [topics[0], undefined],
          [topics[0], undefined],
        ]);
      }
    });

    it('test_session_expiry: a session lasts its expiry interval after the connection, as set by CONNECT or DISCONNECT', async () => {
      const present = async (clean: boolean, sessionExpiryInterval: number, disconnectExpiry?: number) => {
        const { client, connack } = await raw(5, {
          clientId: 'myclientid',
          clean,
          properties: { sessionExpiryInterval },
        });
        expect(connack.reasonCode).toBe(0);
        client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
        await client.next('suback');
        client.write({
          cmd: 'disconnect',
          reasonCode: 0,
          ...(disconnectExpiry === undefined
            ? {}
            : { properties: { sessionExpiryInterval: disconnectExpiry } }),
        });
        await client.waitClosed();
        return connack.sessionPresent;
      };
      // Expiry 0: the session ends with the connection [MQTT-3.1.2-…].
      expect(await present(true, 0)).toBe(false);
      expect(await present(false, 0)).toBe(false);
      // The suite uses 5 s; 1 s: still there after 0.3 s, gone after 1.3 s.
      expect(await present(true, 1)).toBe(false);
      await settle(300);
      expect(await present(false, 1)).toBe(true);
      await settle(1300);
      expect(await present(false, 1, 3)).toBe(false);
      // DISCONNECT raised it to 3 s: still there after 1.5 s [MQTT-3.14.2-…]; DISCONNECT with 0 ends it.
      await settle(1500);
      expect(await present(false, 1, 0)).toBe(true);
      expect(await present(false, 0)).toBe(false);
    });

    it('test_shared_subscriptions: each message of a shared subscription goes to one member; plain subscriptions to everyone', async () => {
      const shared = '$share/sharename/client_test5/x';
      const ra: Received[] = [];
      const rb: Received[] = [];
      const a = await connect(5, 'myclientid', { clean: true }, ra);
      await a.subscribeAsync({ [shared]: { qos: 2 }, [topics[0]]: { qos: 2 } });
      const b = await connect(5, 'myclientid2', { clean: true }, rb);
      await b.subscribeAsync({ [shared]: { qos: 2 }, [topics[0]]: { qos: 2 } });
      await b.publishAsync(topics[0], 'message 0', { qos: 0 });
      await eventually(() => expect([ra.length, rb.length]).toEqual([1, 1]));
      ra.length = 0;
      rb.length = 0;
      await b.publishAsync('client_test5/x', 'message 0', { qos: 0 });
      await eventually(() => expect(ra.length + rb.length).toBe(1));
      await settle(300);
      expect(ra.length + rb.length).toBe(1); // [MQTT-4.8.2-…]
    });

    it('test_subscribe_failure: a subscription refused by policy is answered 0x80', async () => {
      const { client } = await raw(5, { clientId: 'myclientid' });
      client.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: nosubscribe, qos: 2 }] });
      expect((await client.next('suback')).granted).toEqual([0x80]);
    });

    it('test_subscribe_identifiers: each message carries the identifiers of every matching subscription', async () => {
      const { client: a } = await raw(5, { clientId: 'myclientid' });
      a.write({
        cmd: 'subscribe',
        messageId: 1,
        properties: { subscriptionIdentifier: 456789 },
        subscriptions: [{ topic: topics[0], qos: 2 }],
      });
      await a.next('suback');
      const { client: b } = await raw(5, { clientId: 'myclientid2' });
      b.write({
        cmd: 'subscribe',
        messageId: 1,
        properties: { subscriptionIdentifier: 2 },
        subscriptions: [{ topic: topics[0], qos: 2 }],
      });
      b.write({
        cmd: 'subscribe',
        messageId: 2,
        properties: { subscriptionIdentifier: 3 },
        subscriptions: [{ topic: `${topics[0]}/#`, qos: 2 }],
      });
      await b.next('suback');
      await b.next('suback');
      b.write(publishPacket(topics[0], 'sub identifier test', 1, 3));
      expect((await a.next('publish')).properties?.subscriptionIdentifier).toBe(456789); // [MQTT-3.3.4-3]
      const both = (await b.next('publish')).properties?.subscriptionIdentifier;
      expect(new Set([both].flat())).toEqual(new Set([2, 3])); // [MQTT-3.3.4-4]
      await settle(100);
      expect(b.packets.filter((p) => p.cmd === 'publish')).toEqual([]);
    });

    it('test_subscribe_options: No Local, Retain As Published and Retain Handling 0, 1 and 2', async () => {
      const ra: Received[] = [];
      const rb: Received[] = [];
      const a = await connect(5, 'myclientid', { clean: true }, ra);
      const b = await connect(5, 'myclientid2', { clean: true }, rb);
      await a.subscribeAsync(topics[0], { qos: 2, nl: true });
      await b.subscribeAsync(topics[0], { qos: 2, nl: true });
      await a.publishAsync(topics[0], 'noLocal test', { qos: 1 });
      await eventually(() => expect(rb).toHaveLength(1));
      await settle(100);
      expect(ra).toEqual([]); // [MQTT-3.8.3-3]
      await endClient(a);
      await endClient(b);

      const rap: Received[] = [];
      const c = await connect(5, 'myclientid', { clean: true }, rap);
      await c.subscribeAsync(topics[0], { qos: 2, rap: true });
      await c.publishAsync(topics[0], 'retain as published false', { qos: 1 });
      await c.publishAsync(topics[0], 'retain as published true', { qos: 1, retain: true });
      await eventually(() => expect(rap).toHaveLength(2));
      expect(rap.map((m) => m.packet.retain)).toEqual([false, true]); // [MQTT-3.3.1-13]
      await endClient(c);

      const rh: Received[] = [];
      const d = await connect(5, 'myclientid', { clean: true }, rh);
      await d.publishAsync(topics[1], 'qos 0', { qos: 0, retain: true });
      await d.publishAsync(topics[2], 'qos 1', { qos: 1, retain: true });
      await d.publishAsync(topics[3], 'qos 2', { qos: 2, retain: true });
      await settle(50);
      await d.subscribeAsync(wildtopics[5], { qos: 2, rh: 1 });
      await eventually(() => expect(rh).toHaveLength(3));
      expect(rh.map((m) => m.packet.qos).sort()).toEqual([0, 1, 2]);
      rh.length = 0;
      await d.subscribeAsync(wildtopics[5], { qos: 2, rh: 1 });
      await settle(200);
      expect(rh).toEqual([]); // [MQTT-3.3.1-10]: 1 sends only for a new subscription
      await endClient(d);

      const never: Received[] = [];
      const e = await connect(5, 'myclientid', { clean: true }, never);
      await e.subscribeAsync(wildtopics[5], { qos: 2, rh: 2 });
      await e.subscribeAsync(wildtopics[5], { qos: 2, rh: 2 });
      await settle(200);
      expect(never).toEqual([]); // [MQTT-3.3.1-11]
      await endClient(e);

      const always: Received[] = [];
      const f = await connect(5, 'myclientid', { clean: true }, always);
      await f.subscribeAsync(wildtopics[5], { qos: 2, rh: 0 });
      await eventually(() => expect(always).toHaveLength(3));
      always.length = 0;
      await f.subscribeAsync(wildtopics[5], { qos: 2, rh: 0 });
      await eventually(() => expect(always).toHaveLength(3)); // [MQTT-3.3.1-9]
      expect(always.map((m) => m.packet.qos).sort()).toEqual([0, 1, 2]);
    });

    it('test_unsubscribe: no more messages on a filter after UNSUBSCRIBE, the others still arrive', async () => {
      const received: Received[] = [];
      const b = await connect(5, 'myclientid2', { clean: true }, received);
      await b.subscribeAsync(topics[0], { qos: 2 });
      await b.subscribeAsync(topics[1], { qos: 2 });
      await b.subscribeAsync(topics[2], { qos: 2 });
      await b.unsubscribeAsync(topics[0]);
      const a = await connect(5, 'myclientid', { clean: true });
      await a.publishAsync(topics[0], 'topic 0 - unsubscribed', { qos: 1 });
      await a.publishAsync(topics[1], 'topic 1', { qos: 1 });
      await a.publishAsync(topics[2], 'topic 2', { qos: 1 });
      await eventually(() => expect(received).toHaveLength(2));
      await settle(100);
      expect(payloads(received)).toEqual(['topic 1', 'topic 2']);
    });

    it('test_user_properties: user properties reach the subscriber in order at every QoS', async () => {
      const { client: a } = await raw(5, { clientId: 'myclientid' });
      a.write({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: topics[0], qos: 2 }] });
      await a.next('suback');
      const properties = { userProperties: { a: '2', c: '3' } };
      for (const qos of [0, 1, 2] as const)
        a.write(publishPacket(topics[0], '', qos, qos + 1, { properties }));
      const all = [await a.next('publish'), await a.next('publish'), await a.next('publish')];
      for (const p of all)
        expect(Object.entries(p.properties?.userProperties ?? {})).toEqual([
          ['a', '2'],
          ['c', '3'],
        ]); // [MQTT-3.3.2-17], [MQTT-3.3.2-18]
      expect(all.map((p) => p.qos).sort()).toEqual([0, 1, 2]);
    });

    it('test_will_delay: the will goes out after its delay, or at the end of a shorter session', async () => {
      const willAfter = async (willDelayInterval: number, sessionExpiryInterval: number): Promise<number> => {
        const received: Received[] = [];
        const b = await connect(5, 'myclientid2', { clean: true }, received);
        await b.subscribeAsync(topics[0], { qos: 2 });
        const { client: a, connack } = await raw(5, {
          clientId: 'myclientid',
          properties: { sessionExpiryInterval },
          will: {
            topic: topics[0],
            payload: Buffer.from('test_will_delay will message'),
            qos: 2,
            retain: false,
            properties: { willDelayInterval },
          },
        });
        expect([connack.reasonCode, connack.sessionPresent]).toEqual([0, false]);
        a.close();
        const started = Date.now();
        await eventually(() => expect(payloads(received)).toEqual(['test_will_delay will message']), 5000);
        await endClient(b);
        return Date.now() - started;
      };
      // The suite: 3 s delay and 5 s session (~3 s), 5 s and 0 (at once), 5 s and 2 s (~2 s).
      const delayFirst = await willAfter(1, 3);
      expect(delayFirst).toBeGreaterThanOrEqual(900); // [MQTT-3.1.3-9]
      expect(delayFirst).toBeLessThan(1800);
      expect(await willAfter(3, 0)).toBeLessThan(500);
      const sessionFirst = await willAfter(3, 1);
      expect(sessionFirst).toBeGreaterThanOrEqual(900); // the session ends first [MQTT-3.1.2-8]
      expect(sessionFirst).toBeLessThan(1800);
    });

    it('test_will_message: a client that stops sending is disconnected after 1.5 keep-alives and its will, with its user properties, published', async () => {
      const received: Received[] = [];
      const b = await connect(5, 'myclientid2', { clean: false }, received);
      await b.subscribeAsync(topics[2], { qos: 2 });
      // The suite uses keep-alive 2 and does not close the connection: the server must.
      await raw(5, {
        clientId: 'myclientid',
        keepalive: 1,
        will: {
          topic: topics[2],
          payload: Buffer.from('will message'),
          qos: 2,
          retain: false,
          properties: { willDelayInterval: 0, userProperties: { a: '2', c: '3' } },
        },
      });
      await eventually(() => expect(payloads(received)).toEqual(['will message']), 4000);
      expect(Object.entries(received[0]?.packet.properties?.userProperties ?? {})).toEqual([
        ['a', '2'],
        ['c', '3'],
      ]);
    });

    it('test_zero_length_clientid: accepted with and without a clean start (the server assigns one)', async () => {
      for (const clean of [false, true]) {
        const client = await RawClient.open(port, 5);
        raws.push(client);
        // mqtt-packet will not encode an empty id without clean start: by hand.
        const body = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 5, clean ? 0x02 : 0x00, 0, 0, 0, 0, 0]);
        client.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
        const connack = await client.next('connack');
        expect(connack.reasonCode).toBe(0); // [MQTT-3.1.3-7]
        expect(connack.properties?.assignedClientIdentifier).toMatch(/.+/);
        client.write({ cmd: 'disconnect', reasonCode: 0 });
        await client.waitClosed();
      }
    });
  });
});
