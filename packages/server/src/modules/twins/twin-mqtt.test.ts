import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { flushMarker } from '../../../test/support/markers.js';
import { provisionDevices } from '../../../test/support/provision-devices.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { connectClient, eventually, type Received } from '../../mqtt/test-support.js';

const run = promisify(execFile);

/** `eventually` for checks that read over HTTP: retries until `check` resolves, for up to 5 s. */
async function until(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * The device's side of its twin over MQTT, on a real server with real clients (mqtt.js
 * 5 and 3.1.1, mosquitto_sub and mosquitto_pub): get answered on the response topic or by
 * the 3.1.1 convention, reported patches, deltas while connected and the one missed while
 * away, and refusals that store nothing.
 */
describeEachDialect('twins over MQTT', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let url = '';
  let port = 0;
  const tokens: Record<string, string> = {};
  const clients: MqttClient[] = [];

  async function connect(
    deviceId: string,
    options: IClientOptions = {},
    into?: Received[],
  ): Promise<MqttClient> {
    const client = await connectClient(
      url,
      { protocolVersion: 5, username: deviceId, password: tokens[deviceId] ?? '', ...options },
      into,
    );
    clients.push(client);
    return client;
  }

  async function twin(deviceId: string) {
    const response = await ts.request('GET', `/v1/devices/${deviceId}/twin`);
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  async function setDesired(deviceId: string, patch: unknown) {
    const response = await ts.request('PATCH', `/v1/devices/${deviceId}/twin/desired`, { json: patch });
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  /** Waits until the broker shows the client subscribed to `filter` (mosquitto_sub says nothing when it is). */
  async function subscribedAs(clientId: string, filter: string): Promise<void> {
    await eventually(() => {
      const client = ts.server.mqtt.broker.clients().find((c) => c.clientId === clientId);
      expect(client?.subscriptions).toContain(filter);
    }, 10_000);
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    url = `mqtt://127.0.0.1:${ts.server.mqtt.tcpPort}`;
    port = ts.server.mqtt.tcpPort ?? 0;
    for (const device of await provisionDevices(ts.url, ts.adminKey, {
      typeId: 'tracker',
      deviceIds: ['g1', 'g2', 'r1', 'r2', 'd1', 'p1', 'x1', 'x2', 'm1'],
    }))
      tokens[device.deviceId] = device.token;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('answers twin/get on the MQTT 5 response topic with the correlation data, and counts what it carries as sent', async () => {
    await setDesired('g1', { interval: 600 });
    const received: Received[] = [];
    const device = await connect('g1', { clientId: 'g1' }, received);
    await device.subscribeAsync('devices/g1/twin/answers/#', { qos: 1 });
    await device.publishAsync('devices/g1/twin/get', '', {
      qos: 1,
      properties: { responseTopic: 'devices/g1/twin/answers/1', correlationData: Buffer.from('req-1') },
    });
    await eventually(() => expect(received).toHaveLength(1));
    const [answer] = received;
    expect(answer?.topic).toBe('devices/g1/twin/answers/1');
    expect(answer?.packet.properties?.correlationData).toEqual(Buffer.from('req-1'));
    expect(answer?.packet.properties?.userProperties).toEqual({ status: '200' });
    expect(JSON.parse(answer?.payload ?? '')).toMatchObject({
      deviceId: 'g1',
      desired: { interval: 600 },
      delta: { interval: 600 },
      parameters: { interval: { status: 'sent', attempts: 1 } },
    });
    expect((await twin('g1')).parameters.interval).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('answers a 3.1.1 twin/get/{rid} on twin/res/200/{rid}', async () => {
    await setDesired('g2', { led: 'on' });
    const received: Received[] = [];
    const device = await connect('g2', { clientId: 'g2', protocolVersion: 4 }, received);
    await device.subscribeAsync('devices/g2/twin/res/#', { qos: 1 });
    await device.publishAsync('devices/g2/twin/get/42', '', { qos: 1 });
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]?.topic).toBe('devices/g2/twin/res/200/42');
    expect(JSON.parse(received[0]?.payload ?? '')).toMatchObject({ desired: { led: 'on' } });
  });

  it('takes reported patches: the parameter whose value is reported is applied', async () => {
    await setDesired('r1', { interval: 600, led: 'on' });
    const received: Received[] = [];
    const device = await connect('r1', { clientId: 'r1' }, received);
    await device.subscribeAsync('devices/r1/twin/res/#', { qos: 1 });
    await device.publishAsync('devices/r1/twin/reported', JSON.stringify({ interval: 600, fw: '1.2' }), {
      qos: 1,
    });
    const after = await twin('r1');
    expect(after.reported).toEqual({ interval: 600, fw: '1.2' });
    expect(after.parameters.interval.status).toBe('applied');
    expect(after.delta).toEqual({ led: 'on' });
    // With a request id the device is told the new version.
    await device.publishAsync('devices/r1/twin/reported/7', JSON.stringify({ fw: null }), { qos: 1 });
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]?.topic).toBe('devices/r1/twin/res/200/7');
    expect(JSON.parse(received[0]?.payload ?? '')).toEqual({ reportedVersion: 2 });
    // And it can say it cannot apply a parameter.
    await device.publishAsync('devices/r1/twin/failed', JSON.stringify({ led: 'no led on this board' }), {
      qos: 1,
    });
    expect((await twin('r1')).parameters.led).toMatchObject({
      status: 'failed',
      error: 'no led on this board',
    });
  });

  it('refuses bad reported payloads with 0x99 (MQTT 5) or a 400 answer (3.1.1), storing nothing', async () => {
    const device = await connect('r2', { clientId: 'r2' });
    const deep = JSON.stringify({ a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } });
    for (const payload of [
      '[1,2]',
      '"text"',
      'not json',
      deep,
      JSON.stringify({ x: 'y'.repeat(20_000) }),
      '{"$v":1}',
    ]) {
      await expect(
        device.publishAsync('devices/r2/twin/reported', payload, { qos: 1 }),
      ).rejects.toMatchObject({
        code: 0x99,
      });
    }
    const received: Received[] = [];
    const legacy = await connect('r2', { clientId: 'r2-311', protocolVersion: 4 }, received);
    await legacy.subscribeAsync('devices/r2/twin/res/#', { qos: 1 });
    await legacy.publishAsync('devices/r2/twin/reported/9', deep, { qos: 1 });
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]?.topic).toBe('devices/r2/twin/res/400/9');
    expect(JSON.parse(received[0]?.payload ?? '')).toMatchObject({ code: 'twin_too_deep' });
    expect(await twin('r2')).toMatchObject({ reported: {}, reportedVersion: 0 });
    const feed = await ts.request('GET', '/v1/changes?limit=1000');
    expect(
      feed.body.items.filter(
        (c: { kind: string; entityId: string }) => c.kind.startsWith('twin.') && c.entityId === 'r2',
      ),
    ).toEqual([]);
  });

  it("refuses a device touching another device's twin, and the server's own twin topics", async () => {
    await setDesired('x2', { interval: 60 });
    const device = await connect('x1', { clientId: 'x1' });
    for (const topic of [
      'devices/x2/twin/reported',
      'devices/x2/twin/get',
      'devices/x1/twin/desired',
      'devices/x1/twin/res/200/1',
      'devices/x1/twin/other',
    ]) {
      await expect(device.publishAsync(topic, '{"interval":60}', { qos: 1 }), topic).rejects.toMatchObject({
        code: 0x87,
      });
    }
    // A subscription to another device's twin is refused too.
    await expect(device.subscribeAsync('devices/x2/twin/desired', { qos: 1 })).rejects.toThrow(
      /Not authorized/,
    );
    // An answer may only go to the device's own topics.
    await expect(
      device.publishAsync('devices/x1/twin/get', '', {
        qos: 1,
        properties: { responseTopic: 'devices/x2/twin/x' },
      }),
    ).rejects.toMatchObject({ code: 0x90 });
    expect(await twin('x2')).toMatchObject({ reported: {}, reportedVersion: 0 });
    expect((await twin('x2')).parameters.interval.status).toBe('pending');
  });

  it('publishes the delta when desired changes, and the one a persistent session missed when it comes back', async () => {
    const received: Received[] = [];
    const session: IClientOptions = {
      clientId: 'd1',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    };
    const device = await connect('d1', session, received);
    await device.subscribeAsync(['devices/d1/twin/#', 'devices/d1/marker'], { qos: 1 });
    await setDesired('d1', { interval: 600, alarm: { high: 30 } });
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]?.topic).toBe('devices/d1/twin/desired');
    expect(JSON.parse(received[0]?.payload ?? '')).toEqual({
      interval: 600,
      alarm: { high: 30 },
      $version: 1,
    });
    await until(async () => expect((await twin('d1')).parameters.interval.status).toBe('sent'));

    // It applies one; the next delta carries only what still differs.
    await device.publishAsync('devices/d1/twin/reported', JSON.stringify({ alarm: { high: 30 } }), {
      qos: 1,
    });
    await device.endAsync();
    // Gone from the broker: a change now is one the device misses (until then the delta would
    // go to its session's queue, and it would get it twice, with the same $version).
    await eventually(() =>
      expect(ts.server.mqtt.broker.clients().some((c) => c.clientId === 'd1')).toBe(false),
    );
    received.length = 0;
    await setDesired('d1', { interval: 900 });
    const back = await connect('d1', session, received);
    await eventually(() => expect(received).toHaveLength(1));
    expect(received[0]?.topic).toBe('devices/d1/twin/desired');
    expect(JSON.parse(received[0]?.payload ?? '')).toEqual({ interval: 900, $version: 2 });
    // Once: nothing else arrives before a marker the device sends after it.
    received.splice(0);
    await flushMarker(back, received, 'devices/d1/marker');
    expect(received).toEqual([]);
    const after = await twin('d1');
    expect(after.parameters).toMatchObject({
      interval: { status: 'sent', value: 900, attempts: 1 },
      alarm: { status: 'applied' },
    });
  });

  it('re-sends one parameter on demand to a connected device', async () => {
    const received: Received[] = [];
    const device = await connect('p1', { clientId: 'p1' }, received);
    await device.subscribeAsync('devices/p1/twin/desired', { qos: 1 });
    await device.publishAsync('devices/p1/twin/reported', JSON.stringify({ interval: 600 }), { qos: 1 });
    await setDesired('p1', { interval: 600 });
    expect((await twin('p1')).parameters.interval.status).toBe('applied');
    const resent = await ts.request('POST', '/v1/devices/p1/twin/parameters/interval/resend');
    expect(resent.status, resent.text).toBe(200);
    await eventually(() => expect(received).toHaveLength(1));
    expect(JSON.parse(received[0]?.payload ?? '')).toEqual({ interval: 600, $version: 1 });
    await until(async () =>
      expect((await twin('p1')).parameters.interval).toMatchObject({ status: 'sent', attempts: 1 }),
    );
  });

  it('works with mosquitto_sub and mosquitto_pub: deltas, a report, and the delta missed while away', async () => {
    const sub = (count: number) => {
      const child = spawn('mosquitto_sub', [
        ...['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv5', '-u', 'm1', '-P', tokens.m1 ?? ''],
        ...['-i', 'mosq-m1', '-c', '-x', '600', '-q', '1', '-t', 'devices/m1/twin/desired'],
        ...['-C', String(count), '-W', '20'],
      ]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      return new Promise<string[]>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code) =>
          code === 0
            ? resolve(out.trim().split('\n'))
            : reject(new Error(`mosquitto_sub exited ${code}: ${out}`)),
        );
      });
    };
    const first = sub(1);
    await subscribedAs('mosq-m1', 'devices/m1/twin/desired');
    await setDesired('m1', { interval: 300 });
    expect((await first).map((line) => JSON.parse(line))).toEqual([{ interval: 300, $version: 1 }]);

    // Away: desired changes; back with its session, it gets the delta at once.
    await eventually(() =>
      expect(ts.server.mqtt.broker.clients().some((c) => c.clientId === 'mosq-m1')).toBe(false),
    );
    await setDesired('m1', { interval: 600 });
    expect((await sub(1)).map((line) => JSON.parse(line))).toEqual([{ interval: 600, $version: 2 }]);

    await run('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', String(port), '-V', 'mqttv311', '-u', 'm1', '-P', tokens.m1 ?? ''],
      ...['-i', 'mosq-m1-pub', '-q', '1', '-t', 'devices/m1/twin/reported', '-m', '{"interval":600}'],
    ]);
    const after = await twin('m1');
    expect(after.reported).toEqual({ interval: 600 });
    expect(after.parameters.interval).toMatchObject({ status: 'applied', attempts: 1 });
  });
});
