import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const run = promisify(execFile);

interface Got {
  readonly topic: string;
  readonly payload: string;
  readonly correlation: string | undefined;
  readonly responseTopic: string | undefined;
  readonly qos: number;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeEachDialect('commands over MQTT', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let port: number;
  const tokens: Record<string, string> = {};
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    port = ts.server.mqtt.tcpPort ?? 0;
    await ok('POST', '/v1/device-types', { id: 'valve', name: 'valve' });
    for (const id of ['V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V10', 'M1', 'M2', 'M3', 'M4']) {
      await ok('POST', '/v1/devices', { id, typeId: 'valve' });
      const credential = await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' });
      tokens[id] = mustBeString(credential.body.token, 'token');
    }
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.endAsync().catch(() => {})));
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  async function ok(method: string, path: string, json?: unknown): Promise<TestResponse> {
    const response = await ts.request(method, path, { json });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  const send = async (deviceId: string, body: Record<string, unknown>) =>
    mustBeString((await ok('POST', `/v1/devices/${deviceId}/commands`, body)).body.id, 'id');
  const show = async (deviceId: string, id: string) =>
    (await ok('GET', `/v1/devices/${deviceId}/commands/${id}`)).body;
  const statusBecomes = (deviceId: string, id: string, status: string) =>
    waitFor(`${id} ${status}`, async () => {
      const command = await show(deviceId, id);
      return command.status === status ? command : undefined;
    });

  /** A device connected over mqtt.js, collecting what reaches it. */
  async function device(id: string, options: IClientOptions = {}, subscribe = true) {
    const got: Got[] = [];
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: id,
      password: tokens[id],
      ...options,
    });
    clients.push(client);
    client.on('message', (topic, payload, packet) => {
      got.push({
        topic,
        payload: payload.toString('hex'),
        correlation: packet.properties?.correlationData?.toString(),
        responseTopic: packet.properties?.responseTopic,
        qos: packet.qos,
      });
    });
    if (subscribe) await client.subscribeAsync(`devices/${id}/down/#`, { qos: 1 });
    return { client, got };
  }

  it('publishes a command to a listening device, and its acknowledgement makes it acknowledged', async () => {
    const { client, got } = await device('V1');
    const id = await send('V1', { hex: 'a1', confirmed: true, name: 'open' });
    const message = await waitFor('the command', () => got[0]);
    expect(message).toEqual({
      topic: `devices/V1/down/commands/open/${id}`,
      payload: 'a1',
      correlation: id,
      responseTopic: `devices/V1/ack/${id}`,
      qos: 1,
    });
    // mqtt.js sent its PUBACK on receipt: the broker reports it, the command is delivered.
    const delivered = await statusBecomes('V1', id, 'delivered');
    expect(delivered.history.at(-1).detail).toMatchObject({ transport: 'mqtt', qos: 1 });
    // MQTT 5: answer on the response topic with the correlation data.
    await client.publishAsync('devices/V1/ack', JSON.stringify({ opened: true }), {
      qos: 1,
      properties: { correlationData: Buffer.from(id) },
    });
    const acked = await show('V1', id);
    expect(acked.status).toBe('acknowledged');
    expect(acked.result).toEqual({ opened: true });
    expect(acked.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sent',
      'delivered',
      'acknowledged',
    ]);
    expect(acked.history[1].detail).toMatchObject({ transport: 'mqtt', qos: 1, attempt: 1 });
  });

  it('delivers commands queued while offline on connect, most urgent first, and not again after a reconnect', async () => {
    const low = await send('V2', { hex: '01', priority: 1 });
    const urgent = await send('V2', { hex: '09', priority: 9 });
    const normal = await send('V2', { hex: '05' });
    const failedOne = await send('V2', { hex: '06', priority: 6 });
    const first = await device('V2', {
      clientId: 'v2-persistent',
      clean: false,
      properties: { sessionExpiryInterval: 600 },
    });
    await waitFor('four commands', () => (first.got.length >= 4 ? true : undefined));
    expect(first.got.map((g) => g.payload)).toEqual(['09', '06', '05', '01']);
    // A device may report a failure.
    await first.client.publishAsync(
      `devices/V2/ack/${failedOne}`,
      JSON.stringify({ status: 'failed', error: 'stuck' }),
      { qos: 1 },
    );
    expect((await show('V2', failedOne)).status).toBe('failed');
    await first.client.endAsync();
    // Back with the same session (its subscription restored), then a marker command: nothing
    // handed out before is sent again ahead of it.
    const again = await device(
      'V2',
      { clientId: 'v2-persistent', clean: false, properties: { sessionExpiryInterval: 600 } },
      false,
    );
    const marker = await send('V2', { hex: 'ff' });
    await waitFor('the marker', () => (again.got.some((g) => g.payload === 'ff') ? true : undefined));
    expect(again.got.map((g) => g.payload)).toEqual(['ff']);
    for (const id of [low, urgent, normal]) expect((await show('V2', id)).attempts).toBe(1);
    await statusBecomes('V2', marker, 'delivered');
  });

  it('makes a QoS 2 command delivered once its PUBCOMP came', async () => {
    const { client } = await device('V7', { protocolVersion: 4 }, false);
    await client.subscribeAsync('devices/V7/down/#', { qos: 2 });
    const id = await send('V7', { hex: '02', qos: 2 });
    const delivered = await statusBecomes('V7', id, 'delivered');
    expect(delivered.history.at(-1).detail).toMatchObject({ transport: 'mqtt', qos: 2 });
  });

  it('keeps a command sent while its PUBLISH is unanswered, and makes it delivered when the device acknowledges it after reconnecting', async () => {
    const session = { clientId: 'v8-session', clean: false, properties: { sessionExpiryInterval: 600 } };
    const seen: string[] = [];
    const mute = await device('V8', {
      ...session,
      // Receives, never acknowledges: the PUBLISH stays in flight in the session.
      customHandleAcks: (topic) => seen.push(topic),
    });
    const id = await send('V8', { hex: '08' });
    await waitFor('the command', () => seen[0]);
    expect((await show('V8', id)).status).toBe('sent');
    mute.client.end(true);
    await waitFor('the disconnection', () =>
      ts.server.mqtt.broker.clients().some((c) => c.principal.id === 'V8') ? undefined : true,
    );
    expect((await show('V8', id)).status).toBe('sent');
    // The session resends it (DUP) and this connection acknowledges it.
    const back = await device('V8', session, false);
    const delivered = await statusBecomes('V8', id, 'delivered');
    expect(delivered.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'sent',
      'delivered',
    ]);
    expect(back.client.connected).toBe(true);
  });

  it('does not take the PUBACK of an application subscribed to the device’s topics for the device’s', async () => {
    const seen: string[] = [];
    await device('V10', { customHandleAcks: (topic) => seen.push(topic) });
    const app = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: 'watcher',
      password: ts.adminKey,
    });
    clients.push(app);
    const copies: string[] = [];
    app.on('message', (topic) => copies.push(topic));
    await app.subscribeAsync('devices/V10/down/#', { qos: 1 });
    const id = await send('V10', { hex: '10' });
    await waitFor('both copies', () => (seen.length > 0 && copies.length > 0 ? true : undefined));
    // The marker: the broker handles the application's packets in order, so once its own
    // publish is acknowledged, its PUBACK of the command was handled (and passed over).
    await app.publishAsync('watchers/marker', 'x', { qos: 1 });
    expect((await show('V10', id)).status).toBe('sent');
  });

  it('fails a command an MQTT 5 device refuses in its PUBACK', async () => {
    await device('V9', { customHandleAcks: (_topic, _message, _packet, done) => done(0x80) });
    const id = await send('V9', { hex: '09' });
    const failed = await statusBecomes('V9', id, 'failed');
    expect(failed.history.at(-1).detail).toMatchObject({
      transport: 'mqtt',
      reason: 'refused_by_device',
      reasonCode: 0x80,
    });
  });

  it('marks a QoS 0 command unknown: nothing will tell whether it arrived', async () => {
    const { got } = await device('V3');
    const id = await send('V3', { hex: '00', qos: 0 });
    await waitFor('the command', () => got[0]);
    expect((await show('V3', id)).status).toBe('unknown');
  });

  it('refuses an acknowledgement for an unknown command or another device’s, and changes nothing', async () => {
    const { client } = await device('V4');
    const others = await send('V5', { hex: '05' });
    await expect(client.publishAsync(`devices/V4/ack/${others}`, '', { qos: 1 })).rejects.toMatchObject({
      code: 0x83,
    });
    await expect(client.publishAsync('devices/V4/ack/cmd_nothere', '', { qos: 1 })).rejects.toMatchObject({
      code: 0x83,
    });
    await expect(
      client.publishAsync('devices/V4/ack', '', {
        qos: 1,
        properties: { correlationData: Buffer.from('garbage') },
      }),
    ).rejects.toMatchObject({ code: 0x83 });
    expect(client.connected).toBe(true);
    const shown = await show('V5', others);
    expect(shown.status).toBe('queued');
    expect(shown.history).toHaveLength(1);
  });

  it('works with mosquitto clients: mosquitto_sub receives a queued command, mosquitto_pub acknowledges it', async () => {
    const id = await send('V6', { hex: '68656c6c6f', confirmed: true });
    const child = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-V',
      'mqttv311',
      '-u',
      'V6',
      '-P',
      tokens.V6 ?? '',
      '-t',
      'devices/V6/down/#',
      '-q',
      '1',
      '-C',
      '1',
      '-v',
      '-W',
      '20',
    ]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out.trim()).toBe(`devices/V6/down/commands/command/${id} hello`);
    // mosquitto_sub acknowledged the QoS 1 PUBLISH.
    await statusBecomes('V6', id, 'delivered');
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-V',
      'mqttv311',
      '-u',
      'V6',
      '-P',
      tokens.V6 ?? '',
      '-t',
      `devices/V6/ack/${id}`,
      '-q',
      '1',
      '-m',
      '{"ok":true}',
    ]);
    const acked = await show('V6', id);
    expect(acked.status).toBe('acknowledged');
    expect(acked.result).toEqual({ ok: true });
  });

  describe('direct methods', () => {
    /** The devices' reply publishes: each test waits for their PUBACK before its clients end. */
    const replies: Promise<unknown>[] = [];
    const call = (deviceId: string, name: string, body: unknown) =>
      ts.request('POST', `/v1/devices/${deviceId}/methods/${name}`, { json: body });

    it('answers with the reply of an MQTT 5 device, sent to the response topic with the correlation data', async () => {
      const { client } = await device('M1');
      client.on('message', (topic, payload, packet) => {
        if (!topic.startsWith('devices/M1/down/methods/')) return;
        const request = JSON.parse(payload.toString()) as { interval: number };
        void client.publishAsync(
          packet.properties?.responseTopic ?? '',
          JSON.stringify({ applied: request.interval }),
          {
            qos: 1,
            properties: { correlationData: packet.properties?.correlationData ?? Buffer.alloc(0) },
          },
        );
      });
      const answer = await call('M1', 'set-interval', { payload: { interval: 60 }, timeoutSeconds: 10 });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({ status: 'acknowledged', result: { applied: 60 } });
      await Promise.all(replies);
      const recorded = await show('M1', answer.body.id);
      expect(recorded).toMatchObject({
        kind: 'method',
        name: 'set-interval',
        status: 'acknowledged',
        data: { interval: 60 },
      });
    });

    it('answers with the reply of an MQTT 3.1.1 device, sent to the ack topic with the call id', async () => {
      const { client } = await device('M2', { protocolVersion: 4 });
      client.on('message', (topic) => {
        const [, , , kind, , callId] = topic.split('/');
        if (kind === 'methods')
          void client.publishAsync(`devices/M2/ack/${callId}`, '{"rebooting":true}', { qos: 1 });
      });
      const answer = await call('M2', 'reboot', {});
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.result).toEqual({ rebooting: true });
      await Promise.all(replies);
    });

    it('answers 504 method_timeout when the device does not reply, and records the call as timed out', async () => {
      const { got } = await device('M3');
      const started = Date.now();
      const answer = await call('M3', 'slow', { timeoutSeconds: 1 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(answer.status, answer.text).toBe(504);
      expect(answer.body.code).toBe('method_timeout');
      expect(got.map((g) => g.topic)).toEqual([`devices/M3/down/methods/slow/${answer.body.data.commandId}`]);
      const recorded = await show('M3', answer.body.data.commandId);
      expect(recorded.status).toBe('unknown');
      expect(recorded.history.at(-1).detail).toMatchObject({ reason: 'timed_out', timeoutMs: 1000 });
    });

    it('answers 404 device_offline at once for a device with no session, and records nothing', async () => {
      const before = (await ok('GET', '/v1/devices/M4/commands')).body.items.length;
      const answer = await call('M4', 'reboot', { timeoutSeconds: 30 });
      expect(answer.status, answer.text).toBe(404);
      expect(answer.body.code).toBe('device_offline');
      expect((await ok('GET', '/v1/devices/M4/commands')).body.items.length).toBe(before);
      const unknown = await call('NOPE', 'reboot', {});
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('not_found');
    });
  });
});
