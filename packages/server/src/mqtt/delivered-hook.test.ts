import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { brokerFixture } from '../../test/support/broker-fixture.js';
import { describeEachDialect } from '../../test/support/dialect-suites.js';
import type { BrokerHooks, DeliveredEvent, Principal } from './hooks.js';
import { openHooks } from './hooks.js';
import { endClient, eventually, type Received } from './test-support.js';

/** Open hooks that record every `delivered` call and the filters each SUBACK granted. */
function recordingHooks(): {
  hooks: BrokerHooks;
  delivered: { principal: Principal; event: DeliveredEvent }[];
  subscribed: string[];
} {
  const delivered: { principal: Principal; event: DeliveredEvent }[] = [];
  const subscribed: string[] = [];
  const hooks: BrokerHooks = {
    ...openHooks('t1'),
    delivered: (principal, event) => {
      delivered.push({ principal, event });
    },
    subscribed: (_principal, event) => {
      subscribed.push(`${event.clientId} ${event.filters.join(',')}`);
    },
  };
  return { hooks, delivered, subscribed };
}

const persistent = { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 300 } } as const;

describe('the delivered hook', () => {
  const { hooks, delivered, subscribed } = recordingHooks();
  const mqtt = brokerFixture({ hooks });

  const reset = () => {
    delivered.length = 0;
    subscribed.length = 0;
  };

  it('reports the PUBACK of a tracked QoS 1 publish, and nothing for untracked or QoS 0 ones', async () => {
    reset();
    const device = await mqtt.connect('dev', { protocolVersion: 5 });
    await device.subscribeAsync('down/#', { qos: 2 });
    const got: string[] = [];
    device.on('message', (topic) => got.push(topic));
    await mqtt.broker.publish('t1', { topic: 'down/plain', payload: 'a', qos: 1 });
    await mqtt.broker.publish('t1', { topic: 'down/zero', payload: 'b', qos: 0, track: true });
    // The marker: acknowledged after the two before it on the same connection.
    await mqtt.broker.publish('t1', { topic: 'down/tracked', payload: 'c', qos: 1, track: true });
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(got).toEqual(['down/plain', 'down/zero', 'down/tracked']);
    expect(delivered[0]).toMatchObject({
      principal: { tenantId: 't1', id: 'dev' },
      event: { clientId: 'dev', topic: 'down/tracked', qos: 1, reasonCode: 0, listener: 'tcp' },
    });
  });

  it('reports a QoS 2 delivery once its PUBCOMP came', async () => {
    reset();
    const device = await mqtt.connect('dev2', { protocolVersion: 4 });
    await device.subscribeAsync('down/#', { qos: 2 });
    await mqtt.broker.publish('t1', { topic: 'down/two', payload: 'x', qos: 2, track: true });
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event).toMatchObject({
      topic: 'down/two',
      qos: 2,
      reasonCode: 0,
      protocolVersion: 4,
    });
    expect(mqtt.broker.clients('t1').find((c) => c.clientId === 'dev2')?.inflight).toBe(0);
  });

  it('reports a v5 refusal with its reason code', async () => {
    reset();
    const device = await mqtt.connect('refuser', {
      protocolVersion: 5,
      customHandleAcks: (_topic, _message, _packet, done) => done(0x80),
    });
    await device.subscribeAsync('down/#', { qos: 1 });
    await mqtt.broker.publish('t1', { topic: 'down/no', payload: 'x', qos: 1, track: true });
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event).toMatchObject({ topic: 'down/no', qos: 1, reasonCode: 0x80 });
  });

  it('reports each subscriber that acknowledged its copy, at the QoS it got', async () => {
    reset();
    const a = await mqtt.connect('a', { protocolVersion: 5 });
    const b = await mqtt.connect('b', { protocolVersion: 5 });
    const c = await mqtt.connect('c', { protocolVersion: 5 });
    await a.subscribeAsync('fan/#', { qos: 1 });
    await b.subscribeAsync('fan/#', { qos: 2 });
    await c.subscribeAsync('fan/#', { qos: 0 });
    await mqtt.broker.publish('t1', { topic: 'fan/out', payload: 'x', qos: 2, track: true });
    await eventually(() => expect(delivered).toHaveLength(2));
    expect(delivered.map((d) => `${d.event.clientId} ${d.event.qos}`).sort()).toEqual(['a 1', 'b 2']);
  });

  it('keeps the retained copy of a tracked publish untracked', async () => {
    reset();
    await mqtt.broker.publish('t1', { topic: 'kept/r', payload: 'x', qos: 1, retain: true, track: true });
    const late = await mqtt.connect('late', { protocolVersion: 5 });
    const got = new Promise<string>((resolve) => late.once('message', (topic) => resolve(topic)));
    await late.subscribeAsync('kept/#', { qos: 1 });
    expect(await got).toBe('kept/r');
    // The marker: a tracked publish after the retained one is reported, and it alone.
    await mqtt.broker.publish('t1', { topic: 'kept/next', payload: 'y', qos: 1, track: true });
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event.topic).toBe('kept/next');
  });

  it('reports a message queued for an offline persistent session when it is acknowledged after the reconnect', async () => {
    reset();
    const first = await mqtt.connect('sleeper', persistent);
    await first.subscribeAsync('down/#', { qos: 1 });
    await endClient(first);
    await mqtt.broker.publish('t1', { topic: 'down/while-away', payload: 'x', qos: 1, track: true });
    expect(mqtt.broker.clients('t1')).toHaveLength(0);
    expect(delivered).toHaveLength(0);
    const back = await mqtt.connect('sleeper', persistent);
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event).toMatchObject({ topic: 'down/while-away', clientId: 'sleeper' });
    await endClient(back);
  });

  it('reports a message that was in flight when the connection dropped once the next connection acknowledges it', async () => {
    reset();
    const received: boolean[] = [];
    const silent = await mqtt.connect('dropper', {
      ...persistent,
      // Never acknowledges: the message stays in flight in the session.
      customHandleAcks: (_topic, _message, packet: { dup?: boolean }) => received.push(packet.dup === true),
    });
    await silent.subscribeAsync('down/#', { qos: 1 });
    await mqtt.broker.publish('t1', { topic: 'down/inflight', payload: 'x', qos: 1, track: true });
    await eventually(() => expect(received).toEqual([false]));
    await endClient(silent, true);
    const back = await mqtt.connect('dropper', persistent);
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event).toMatchObject({ topic: 'down/inflight', clientId: 'dropper' });
    expect(delivered[0]?.event.connectionId).not.toBe(undefined);
    await endClient(back);
  });

  it('reports what mosquitto_sub acknowledges at QoS 1 and 2', async () => {
    for (const qos of [1, 2] as const) {
      reset();
      const child = spawn('mosquitto_sub', [
        '-h',
        '127.0.0.1',
        '-p',
        String(mqtt.port),
        '-i',
        `mosq${qos}`,
        '-q',
        String(qos),
        '-C',
        '1',
        '-W',
        '10',
        '-t',
        'down/#',
      ]);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      await eventually(() => expect(subscribed).toContain(`mosq${qos} down/#`));
      await mqtt.broker.publish('t1', { topic: `down/mosq${qos}`, payload: 'x', qos, track: true });
      await eventually(() => expect(delivered).toHaveLength(1));
      expect(delivered[0]?.event).toMatchObject({ clientId: `mosq${qos}`, topic: `down/mosq${qos}`, qos });
      expect(await exited).toBe(0);
    }
  });
});

describeEachDialect('the delivered hook across a restart', (dialect) => {
  const { hooks, delivered } = recordingHooks();
  const mqtt = brokerFixture({ hooks, persistence: dialect });

  it('reports a tracked message stored for an offline session, delivered after the broker restarted', async () => {
    const first = await mqtt.connect('sleeper', persistent);
    await first.subscribeAsync('down/#', { qos: 1 });
    await endClient(first);
    await mqtt.broker.publish('t1', { topic: 'down/untracked', payload: 'u', qos: 1 });
    await mqtt.broker.publish('t1', { topic: 'down/stored', payload: 'x', qos: 1, track: true });
    await mqtt.restart();
    // Collected from the start: the stored messages come with CONNACK.
    const got: Received[] = [];
    await mqtt.connect('sleeper', persistent, got);
    await eventually(() => expect(delivered).toHaveLength(1));
    expect(delivered[0]?.event.topic).toBe('down/stored');
    expect(got.map((message) => message.topic)).toEqual(['down/untracked', 'down/stored']);
  });
});
