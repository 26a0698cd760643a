import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerHooks, CapturedPublish, CaptureVerdict } from './hooks.js';
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

/** A capture port whose promises the test settles by hand. */
function manualCapture() {
  const pending: { publish: CapturedPublish; resolve: () => void; reject: (error: Error) => void }[] = [];
  const hooks: BrokerHooks = {
    authenticate: async (input) =>
      input.username === 'app'
        ? { tenantId: 't', kind: 'application', id: 'app' }
        : { tenantId: 't', kind: 'device', deviceId: input.clientId, id: input.clientId },
    authorizePublish: () => true,
    authorizeSubscribe: () => true,
    capture(principal, publish) {
      if (principal.kind !== 'device' || !/^devices\/[^/]+\/up(\/.*)?$/.test(publish.topic)) return false;
      return new Promise<CaptureVerdict>((resolve, reject) =>
        pending.push({ publish, resolve: () => resolve({ duplicate: false }), reject }),
      );
    },
  };
  return { hooks, pending };
}

describe('uplinks through the capture port', () => {
  let server: TestBroker | undefined;
  const clients: MqttClient[] = [];
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await Promise.all(clients.splice(0).map((c) => endClient(c, true)));
    await server?.broker.close();
    server = undefined;
  });

  async function device(id: string, version: 4 | 5 = 5): Promise<RawClient> {
    if (server === undefined) throw new Error('no broker');
    const raw = await RawClient.open(server.port, version);
    raws.push(raw);
    raw.write({ cmd: 'connect', clientId: id, protocolVersion: version, keepalive: 0, clean: true }, version);
    await raw.next('connack');
    return raw;
  }

  it('acknowledges an uplink only once it is durable, in order, then routes it to applications', async () => {
    const { hooks, pending } = manualCapture();
    server = await startBroker({ hooks });
    const app = await connectClient(server.url, { protocolVersion: 5, clientId: 'app', username: 'app' });
    clients.push(app);
    const received = collect(app);
    await app.subscribeAsync('devices/+/up/#', { qos: 1 });
    const raw = await device('d1');
    for (const id of [1, 2]) {
      raw.write({
        cmd: 'publish',
        topic: `devices/d1/up/ch${id}`,
        payload: Buffer.from(`u${id}`),
        qos: 1,
        messageId: id,
        dup: false,
        retain: false,
      });
    }
    await eventually(() => expect(pending).toHaveLength(2));
    await settle(50);
    expect(raw.packets.filter((p) => p.cmd === 'puback')).toHaveLength(0);
    expect(received).toHaveLength(0);
    // The second one is stored first: acknowledgements still leave in order.
    pending[1]?.resolve();
    await settle(50);
    expect(raw.packets.filter((p) => p.cmd === 'puback')).toHaveLength(0);
    pending[0]?.resolve();
    await eventually(() =>
      expect(raw.packets.filter((p) => p.cmd === 'puback').map((p) => p.messageId)).toEqual([1, 2]),
    );
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['u1', 'u2']));
    expect(pending[0]?.publish).toMatchObject({ topic: 'devices/d1/up/ch1', qos: 1 });
  });

  it('answers PUBACK 0x80 (v5) and routes nothing when the capture fails', async () => {
    const { hooks, pending } = manualCapture();
    server = await startBroker({ hooks });
    const app = await connectClient(server.url, { protocolVersion: 5, clientId: 'app', username: 'app' });
    clients.push(app);
    const received = collect(app);
    await app.subscribeAsync('devices/#', { qos: 1 });
    const raw = await device('d2');
    raw.write({
      cmd: 'publish',
      topic: 'devices/d2/up',
      payload: Buffer.from('x'),
      qos: 1,
      messageId: 7,
      dup: false,
      retain: false,
    });
    await eventually(() => expect(pending).toHaveLength(1));
    pending[0]?.reject(new Error('disk full'));
    expect((await raw.next('puback')).reasonCode).toBe(0x80);
    await settle();
    expect(received).toHaveLength(0);
  });

  it('closes a 3.1.1 connection when the capture fails, so the device sends the uplink again', async () => {
    const { hooks, pending } = manualCapture();
    server = await startBroker({ hooks });
    const raw = await device('d3', 4);
    raw.write(
      {
        cmd: 'publish',
        topic: 'devices/d3/up',
        payload: Buffer.from('x'),
        qos: 1,
        messageId: 1,
        dup: false,
        retain: false,
      },
      4,
    );
    await eventually(() => expect(pending).toHaveLength(1));
    pending[0]?.reject(new Error('unavailable'));
    await raw.waitClosed();
    expect(raw.packets.filter((p) => p.cmd === 'puback')).toHaveLength(0);
  });

  it('routes non-uplink publishes of a device normally', async () => {
    const { hooks, pending } = manualCapture();
    server = await startBroker({ hooks });
    const app = await connectClient(server.url, { protocolVersion: 5, clientId: 'app', username: 'app' });
    clients.push(app);
    const received = collect(app);
    await app.subscribeAsync('devices/#', { qos: 1 });
    const raw = await device('d4');
    raw.write({
      cmd: 'publish',
      topic: 'devices/d4/status',
      payload: Buffer.from('online'),
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
    });
    expect((await raw.next('puback')).reasonCode).toBe(0);
    await eventually(() => expect(received.map((m) => m.payload)).toEqual(['online']));
    expect(pending).toHaveLength(0);
  });
});

describe('QoS 2 from a client', () => {
  let server: TestBroker | undefined;

  afterEach(async () => {
    await server?.broker.close();
    server = undefined;
  });

  it('routes a retransmitted QoS 2 PUBLISH once and answers a repeated PUBREL with 0x92', async () => {
    server = await startBroker();
    const sub = await connectClient(server.url, { protocolVersion: 5, clientId: 'q2sub' });
    const received = collect(sub);
    await sub.subscribeAsync('q2', { qos: 2 });
    const raw = await RawClient.open(server.port, 5);
    raw.write({ cmd: 'connect', clientId: 'q2pub', protocolVersion: 5, keepalive: 0, clean: true });
    await raw.next('connack');
    const publish = {
      cmd: 'publish' as const,
      topic: 'q2',
      payload: Buffer.from('once'),
      qos: 2 as const,
      messageId: 5,
      dup: false,
      retain: false,
    };
    raw.write(publish);
    expect((await raw.next('pubrec')).reasonCode).toBe(0);
    raw.write({ ...publish, dup: true });
    expect((await raw.next('pubrec')).reasonCode).toBe(0);
    raw.write({ cmd: 'pubrel', messageId: 5 });
    expect((await raw.next('pubcomp')).reasonCode).toBe(0);
    raw.write({ cmd: 'pubrel', messageId: 5 });
    expect((await raw.next('pubcomp')).reasonCode).toBe(0x92);
    await settle();
    expect(received.map((m) => m.payload)).toEqual(['once']);
    raw.close();
    await endClient(sub);
  });
});
