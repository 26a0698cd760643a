import { describe, expect, it } from 'vitest';
import { brokerFixture } from '../../../test/support/broker-fixture.js';
import type { BrokerHooks, Principal } from '../../mqtt/index.js';
import { endClient, eventually } from '../../mqtt/test-support.js';
import { DevicePresence } from './device-presence.js';

/**
 * A device connects with its id as user name and `t1` or `t2` as password (its tenant);
 * `app` as user name is an application whose principal id equals a device's id.
 */
const hooks: BrokerHooks = {
  async authenticate(input) {
    const tenantId = input.password?.toString() ?? 't1';
    const name = input.username ?? input.clientId;
    if (name.startsWith('app:')) return { tenantId, kind: 'application', id: name.slice(4) } as Principal;
    return { tenantId, kind: 'device', deviceId: name, id: name };
  },
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};

const persistent = { clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 300 } } as const;

describe('device presence', () => {
  const mqtt = brokerFixture({ hooks });
  const presence = () => new DevicePresence(mqtt.broker);

  it('knows a connected device and whether it listens to a topic of its own, per tenant', async () => {
    const client = await mqtt.connect('c1', { username: 'd1', password: 't1' });
    const p = presence();
    expect(p.connected('t1', 'd1')).toBe(true);
    expect(p.connected('t2', 'd1')).toBe(false);
    expect(p.connected('t1', 'd2')).toBe(false);
    expect(p.listening('t1', 'd1', 'down/commands/x/y')).toBe(false);
    await client.subscribeAsync('devices/d1/down/#', { qos: 1 });
    expect(p.listening('t1', 'd1', 'down/commands/x/y')).toBe(true);
    expect(p.listening('t1', 'd1', 'twin/desired')).toBe(false);
    expect(p.listening('t2', 'd1', 'down/commands/x/y')).toBe(false);
    await client.unsubscribeAsync('devices/d1/down/#');
    expect(p.listening('t1', 'd1', 'down/commands/x/y')).toBe(false);
    await endClient(client);
    await eventually(() => expect(p.connected('t1', 'd1')).toBe(false));
  });

  it('does not take an application whose id is a device id for the device', async () => {
    const app = await mqtt.connect('a1', { username: 'app:d1', password: 't1' });
    await app.subscribeAsync('devices/d1/down/#');
    expect(mqtt.broker.clients('t1')).toHaveLength(1);
    expect(presence().connected('t1', 'd1')).toBe(false);
    expect(presence().listening('t1', 'd1', 'down/x')).toBe(false);
  });

  it('keeps a device present through a takeover of its session, and absent once the new connection ends', async () => {
    const p = presence();
    const first = await mqtt.connect('same', { ...persistent, username: 'd1', password: 't1' });
    await first.subscribeAsync('devices/d1/down/#', { qos: 1 });
    const firstGone = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await mqtt.connect('same', { ...persistent, username: 'd1', password: 't1' });
    await firstGone;
    // The old connection's close came after the new CONNACK: it must not take the device out.
    expect(p.connected('t1', 'd1')).toBe(true);
    expect(p.listening('t1', 'd1', 'down/a')).toBe(true);
    await endClient(second);
    await eventually(() => expect(p.connected('t1', 'd1')).toBe(false));
    expect(p.listening('t1', 'd1', 'down/a')).toBe(false);
  });

  it('keeps a device with two sessions present until both are gone, and listening while either subscribes', async () => {
    const p = presence();
    const a = await mqtt.connect('a', { username: 'd1', password: 't1' });
    const b = await mqtt.connect('b', { username: 'd1', password: 't1' });
    const c = await mqtt.connect('c', { username: 'd1', password: 't1' });
    await b.subscribeAsync('devices/d1/down/#');
    expect(p.listening('t1', 'd1', 'down/x')).toBe(true);
    await endClient(b);
    await eventually(() => expect(mqtt.broker.clients('t1')).toHaveLength(2));
    expect(p.connected('t1', 'd1')).toBe(true);
    expect(p.listening('t1', 'd1', 'down/x')).toBe(false);
    await endClient(a, true);
    await eventually(() => expect(mqtt.broker.clients('t1')).toHaveLength(1));
    expect(p.connected('t1', 'd1')).toBe(true);
    await endClient(c);
    await eventually(() => expect(p.connected('t1', 'd1')).toBe(false));
  });

  it('forgets a device whose connection the broker ended', async () => {
    const p = presence();
    await mqtt.connect('kicked', { username: 'd9', password: 't2' });
    expect(p.connected('t2', 'd9')).toBe(true);
    expect(mqtt.broker.disconnect('t2', 'kicked')).toBe(true);
    await eventually(() => expect(p.connected('t2', 'd9')).toBe(false));
  });
});
