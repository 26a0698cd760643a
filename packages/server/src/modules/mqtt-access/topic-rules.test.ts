import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type BrokerHooks, isExcepted, type Principal } from '../../mqtt/hooks.js';
import {
  collect,
  connectClient,
  endClient,
  eventually,
  RawClient,
  settle,
  startBroker,
  type TestBroker,
} from '../../mqtt/test-support.js';
import { filterCovers, filtersOverlap } from '../../mqtt/topics.js';
import {
  deviceSubtreePolicy,
  evaluateSubscribePolicy,
  evaluateTopicPolicy,
  isServerDeviceTopic,
  type TopicRule,
} from './topic-rules.js';

/** Credentials of the test: username → principal; password must be "secret". */
const principals: Record<string, Principal> = {
  'app-a': { tenantId: 'tenant-a', kind: 'application', id: 'key-a' },
  'app-b': { tenantId: 'tenant-b', kind: 'application', id: 'key-b' },
  'dev-a1': { tenantId: 'tenant-a', kind: 'device', deviceId: 'a1', id: 'a1' },
  'dev-b1': { tenantId: 'tenant-b', kind: 'device', deviceId: 'a1', id: 'a1' },
};

const rules: Record<string, TopicRule[]> = {
  'tenant-a': [
    { effect: 'deny', action: 'subscribe', filter: 'secret/#' },
    { effect: 'deny', action: 'publish', filter: 'readonly/#', principal: 'application' },
  ],
};

const hooks: BrokerHooks = {
  async authenticate(input) {
    const principal = input.username === undefined ? undefined : principals[input.username];
    if (principal === undefined) return { reasonCode: 0x86, reason: 'unknown user' };
    if (input.password?.toString() !== 'secret') return { reasonCode: 0x86 };
    return principal;
  },
  authorizePublish: (p, topic) =>
    deviceSubtreePolicy(p, topic) && evaluateTopicPolicy(rules[p.tenantId] ?? [], p, 'publish', topic),
  // Asynchronous on purpose: the broker must hold later packets of the client until it answers.
  authorizeSubscribe: async (p, filter) => {
    if (!deviceSubtreePolicy(p, filter)) return false;
    if (filter === 'refused/quietly') return { reasonCode: 0x80 };
    return evaluateSubscribePolicy(rules[p.tenantId] ?? [], p, filter);
  },
};

/** SUBACK codes of one filter, whether granted or refused (mqtt.js rejects on refusals in v5). */
async function granted(client: MqttClient, filter: string, qos: 0 | 1 = 0): Promise<number | undefined> {
  try {
    return (await client.subscribeAsync(filter, { qos }))[0]?.qos;
  } catch (error) {
    const packet = (error as { packet?: { granted?: unknown[] } }).packet;
    return packet?.granted?.[0] as number | undefined;
  }
}

describe('tenants, devices and policies', () => {
  let server: TestBroker;
  const clients: MqttClient[] = [];

  async function as(username: string, protocolVersion: 4 | 5 = 5, clientId = username): Promise<MqttClient> {
    const client = await connectClient(server.url, {
      protocolVersion,
      clientId,
      username,
      password: 'secret',
    });
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    server = await startBroker({ hooks });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => endClient(c, true)));
    await server.broker.close();
  });

  it('refuses bad credentials with 0x86 (v5) and return code 4 (3.1.1)', async () => {
    await expect(
      connectClient(server.url, { protocolVersion: 5, username: 'app-a', password: 'wrong' }),
    ).rejects.toMatchObject({ code: 0x86 });
    await expect(
      connectClient(server.url, { protocolVersion: 4, username: 'nobody', password: 'secret' }),
    ).rejects.toMatchObject({ code: 4 });
    expect(server.broker.metrics.connectionsRefused).toBe(2);
  });

  it('never delivers a message across tenants, even on the same topic and with # subscriptions', async () => {
    const a = await as('app-a');
    const b = await as('app-b');
    const receivedA = collect(a);
    const receivedB = collect(b);
    await a.subscribeAsync('shared/#', { qos: 1 });
    await b.subscribeAsync('#', { qos: 1 });
    await a.publishAsync('shared/topic', 'from-a', { qos: 1, retain: true });
    await b.publishAsync('shared/topic', 'from-b', { qos: 1 });
    await eventually(() => expect(receivedA.map((m) => m.payload)).toEqual(['from-a']));
    await eventually(() => expect(receivedB.map((m) => m.payload)).toEqual(['from-b']));
    await settle();
    expect(receivedA).toHaveLength(1);
    expect(receivedB).toHaveLength(1);
    // Retained messages are per tenant too.
    const late = await as('app-b', 5, 'late-b');
    const lateReceived = collect(late);
    await late.subscribeAsync('shared/#');
    await settle();
    expect(lateReceived).toHaveLength(0);
  });

  it('keeps same client ids of different tenants apart (no takeover across tenants)', async () => {
    const a = await as('app-a', 5, 'same-id');
    const b = await as('app-b', 5, 'same-id');
    await settle();
    expect(a.connected).toBe(true);
    expect(b.connected).toBe(true);
  });

  it('lets a device use only its own subtree', async () => {
    const device = await as('dev-a1');
    const app = await as('app-a');
    const appReceived = collect(app);
    await app.subscribeAsync('devices/#', { qos: 1 });
    expect(await granted(device, 'devices/a1/down/#', 1)).toBe(1);
    expect(await granted(device, 'devices/+/up', 1)).toBe(0x87);
    expect(await granted(device, '#', 1)).toBe(0x87);
    await device.publishAsync('devices/a1/up', 'mine', { qos: 1 });
    await expect(device.publishAsync('devices/a2/up', 'not mine', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    await eventually(() => expect(appReceived.map((m) => m.topic)).toEqual(['devices/a1/up']));
  });

  it('a device of another tenant with the same device id cannot see the first one', async () => {
    const deviceA = await as('dev-a1');
    const deviceB = await as('dev-b1');
    const receivedB = collect(deviceB);
    await deviceB.subscribeAsync('devices/a1/#', { qos: 1 });
    await deviceA.publishAsync('devices/a1/up', 'tenant a', { qos: 1 });
    await settle();
    expect(receivedB).toHaveLength(0);
  });

  it('applies tenant topic policies: denied subscriptions get 0x87 (v5) and 0x80 (3.1.1)', async () => {
    const v5 = await as('app-a');
    expect(await granted(v5, 'secret/x')).toBe(0x87);
    expect(await granted(v5, 'refused/quietly')).toBe(0x80); // the hooks' own code
    expect(await granted(v5, 'public/#')).toBe(0);
    const v3 = await as('app-a', 4, 'v3-app');
    expect(await granted(v3, 'secret/x')).toBe(0x80);
    expect(await granted(v3, 'refused/quietly')).toBe(0x80);
  });

  it('withholds the denied topics from a subscription a deny rule overlaps: plain, shared, retained, after a reconnection', async () => {
    const publisher = await as('app-a', 5, 'publisher');
    await publisher.publishAsync('secret/retained', 'r', { qos: 1, retain: true });
    const subscriber = await as('app-a', 5, 'subscriber');
    const received = collect(subscriber);
    expect(await granted(subscriber, '#', 1)).toBe(1);
    const member = await as('app-a', 4, 'member');
    const memberReceived = collect(member);
    expect(await granted(member, '$share/g/+/x', 1)).toBe(1);
    await publisher.publishAsync('secret/x', 'hidden', { qos: 1 });
    await publisher.publishAsync('public/x', 'shown', { qos: 1 });
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['shown']));
    await eventually(() => expect(memberReceived.map((m) => m.payload)).toEqual(['shown']));
    await settle();
    expect(received.map((m) => m.payload)).toEqual(['shown']);
    expect(memberReceived.map((m) => m.payload)).toEqual(['shown']);
  });

  it('acknowledges and drops an unauthorized 3.1.1 publish, and answers 0x87 to v5', async () => {
    const watcher = await as('app-a', 5, 'watcher');
    const received = collect(watcher);
    await watcher.subscribeAsync('readonly/#');
    const v3 = await as('app-a', 4, 'v3-pub');
    await v3.publishAsync('readonly/x', 'nope', { qos: 1 });
    await expect(watcher.publishAsync('readonly/x', 'nope', { qos: 1 })).rejects.toMatchObject({
      code: 0x87,
    });
    await settle();
    expect(received).toHaveLength(0);
  });

  it('refuses a CONNECT whose will topic the principal may not publish to', async () => {
    const raw = await RawClient.open(server.port, 5);
    raw.write({
      cmd: 'connect',
      clientId: 'willy',
      protocolVersion: 5,
      keepalive: 0,
      clean: true,
      username: 'dev-a1',
      password: Buffer.from('secret'),
      will: { topic: 'devices/other/status', payload: Buffer.from('x'), qos: 0, retain: false },
    });
    expect((await raw.next('connack')).reasonCode).toBe(0x87);
    raw.close();
  });
});

describe('policy helpers', () => {
  const device: Principal = { tenantId: 't', kind: 'device', deviceId: 'd1', id: 'd1' };
  const app: Principal = { tenantId: 't', kind: 'application', id: 'k' };

  it('deviceSubtreePolicy keeps devices inside devices/{id}/', () => {
    expect(deviceSubtreePolicy(device, 'devices/d1/up')).toBe(true);
    expect(deviceSubtreePolicy(device, 'devices/d1/#')).toBe(true);
    expect(deviceSubtreePolicy(device, 'devices/d1')).toBe(true);
    expect(deviceSubtreePolicy(device, 'devices/d10/up')).toBe(false);
    expect(deviceSubtreePolicy(device, 'devices/+/up')).toBe(false);
    expect(deviceSubtreePolicy(device, 'devices/#')).toBe(false);
    expect(deviceSubtreePolicy({ ...device, deviceId: '+' }, 'devices/x/up')).toBe(false);
    expect(deviceSubtreePolicy(app, 'anything/#')).toBe(true);
  });

  it('deviceSubtreePolicy answers exactly what the filter devices/{id}/# covers', () => {
    const levels = ['devices', 'd1', 'd10', 'd', 'up', '+', '#', ''];
    const candidates: string[] = [];
    const grow = (prefix: string[], depth: number) => {
      if (prefix.length > 0) candidates.push(prefix.join('/'));
      if (depth === 0) return;
      for (const level of levels) grow([...prefix, level], depth - 1);
    };
    grow([], 4);
    for (const candidate of candidates)
      expect([candidate, deviceSubtreePolicy(device, candidate)]).toEqual([
        candidate,
        filterCovers('devices/d1/#', candidate),
      ]);
  });

  it('evaluateTopicPolicy: deny wins, allow must cover, fallback otherwise', () => {
    const list: TopicRule[] = [
      { effect: 'allow', action: 'both', filter: 'data/#' },
      { effect: 'deny', action: 'publish', filter: 'data/locked' },
    ];
    expect(evaluateTopicPolicy(list, app, 'publish', 'data/x', false)).toBe(true);
    expect(evaluateTopicPolicy(list, app, 'publish', 'data/locked', false)).toBe(false);
    expect(evaluateTopicPolicy(list, app, 'subscribe', 'data/+', false)).toBe(true);
    expect(evaluateTopicPolicy(list, app, 'subscribe', '#', false)).toBe(false);
    expect(evaluateTopicPolicy(list, app, 'publish', 'other', true)).toBe(true);
    expect(filtersOverlap('a/+/c', 'a/b/#')).toBe(true);
  });

  it('evaluateSubscribePolicy: a covering deny refuses, an overlapping one becomes an exception', () => {
    const list: TopicRule[] = [
      { effect: 'deny', action: 'subscribe', filter: 'secret/#' },
      { effect: 'deny', action: 'publish', filter: 'readonly/#' },
      { effect: 'deny', action: 'both', filter: '+/private' },
    ];
    expect(evaluateSubscribePolicy(list, app, 'secret/a')).toBe(false);
    expect(evaluateSubscribePolicy(list, app, 'secret/#')).toBe(false);
    expect(evaluateSubscribePolicy(list, app, 'a/private')).toBe(false);
    expect(evaluateSubscribePolicy(list, app, 'readonly/a')).toBe(true); // a publish rule
    expect(evaluateSubscribePolicy(list, app, '#')).toEqual({ except: ['secret/#', '+/private'] });
    expect(evaluateSubscribePolicy(list, app, 'a/+')).toEqual({ except: ['+/private'] });
    expect(evaluateSubscribePolicy(list, app, 'other/x')).toBe(true);
    expect(isExcepted(['secret/#', '+/private'], 'secret')).toBe(true);
    expect(isExcepted(['secret/#', '+/private'], '$x/private')).toBe(true);
    expect(isExcepted(['secret/#', '+/private'], 'public/a')).toBe(false);
    expect(filtersOverlap('a/b', 'a/c')).toBe(false);
  });
});

describe('server device topics', () => {
  it("are the twin's deltas and answers of any device, and nothing else", () => {
    for (const topic of ['devices/a/twin/desired', 'devices/a/twin/res/200/1', 'devices/b/twin/res'])
      expect(isServerDeviceTopic(topic), topic).toBe(true);
    for (const topic of [
      'devices/a/twin/reported',
      'devices/a/twin/get/res',
      'devices/a/twin',
      'devices/a/up/twin/desired',
      'other/a/twin/desired',
      'devices/twin/desired',
    ])
      expect(isServerDeviceTopic(topic), topic).toBe(false);
  });
});
