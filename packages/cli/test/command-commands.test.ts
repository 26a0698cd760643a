import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
let token: string;
let device: MqttClient | undefined;

beforeAll(async () => {
  fx = await startCliFixture();
  const ok = async (path: string, body: unknown) => {
    const response = await fx.server.request('POST', path, { json: body });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body;
  };
  await ok('/v1/device-types', { id: 'pump', name: 'pump' });
  await ok('/v1/devices', { id: 'P1', typeId: 'pump' });
  await ok('/v1/devices', { id: 'P2', typeId: 'pump' });
  token = String((await ok('/v1/devices/P2/credentials', { kind: 'token' })).token);
});
afterAll(async () => {
  await device?.endAsync();
  await fx?.close();
});

interface CommandJson {
  id: string;
  status: string;
  priority: number;
  retry: { attempts: number; backoffSeconds: number };
  history?: { status: string }[];
}

describe('fleetport commands', () => {
  it('sends, lists, shows with history and cancels a command', async () => {
    const sent = await fx.cli([
      '--json',
      'commands',
      'send',
      'P1',
      '--hex',
      '0xCAFE',
      '--priority',
      '8',
      '--confirmed',
      '--attempts',
      '3',
      '--backoff',
      '10',
      '--idempotency-key',
      'cli-1',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    const command = json<CommandJson>(sent);
    expect(command).toMatchObject({
      status: 'queued',
      priority: 8,
      retry: { attempts: 3, backoffSeconds: 10 },
    });
    const again = json<CommandJson>(
      await fx.cli(['--json', 'commands', 'send', 'P1', '--hex', 'cafe', '--idempotency-key', 'cli-1']),
    );
    expect(again.id).toBe(command.id);
    const listed = await fx.cli(['commands', 'list', 'P1']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+TRANSPORT\s+STATUS/m);
    expect(listed.stdout).toContain(command.id);
    const shown = await fx.cli(['commands', 'show', 'P1', command.id]);
    expect(shown.stdout).toMatch(/^status\s+queued$/m);
    expect(shown.stdout).toMatch(/^payload\s+hex cafe$/m);
    const cancelled = await fx.cli(['commands', 'cancel', 'P1', command.id]);
    expect(cancelled.stdout.trim()).toBe(`${command.id} cancelled`);
    const history = json<CommandJson>(await fx.cli(['--json', 'commands', 'show', 'P1', command.id]));
    expect(history.history?.map((h) => h.status)).toEqual(['queued', 'cancelled']);
  });

  it('exits 2 without a payload, 3 for a payload too long for Sigfox, 4 for an unknown device', async () => {
    expect((await fx.cli(['commands', 'send', 'P1'])).code).toBe(2);
    expect((await fx.cli(['commands', 'send', 'P1', '--data', '{oops'])).code).toBe(2);
    const long = await fx.cli(['commands', 'send', 'P1', '--hex', '00'.repeat(9), '--transport', 'sigfox']);
    expect(long.code).toBe(3);
    expect(long.stderr).toMatch(/downlink_too_long/);
    const unknown = await fx.cli(['commands', 'send', 'NOPE', '--hex', '01']);
    expect(unknown.code).toBe(4);
  });
});

describe('fleetport methods call', () => {
  it("prints the device's reply", async () => {
    device = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.server.server.mqtt.tcpPort}`, {
      protocolVersion: 5,
      username: 'P2',
      password: token,
      reconnectPeriod: 0,
    });
    const client = device;
    const replies: Promise<unknown>[] = [];
    client.on('message', (_topic, payload, packet) => {
      replies.push(
        client.publishAsync(
          packet.properties?.responseTopic ?? '',
          JSON.stringify({ echo: JSON.parse(payload.toString()) }),
          {
            qos: 1,
            properties: { correlationData: packet.properties?.correlationData ?? Buffer.alloc(0) },
          },
        ),
      );
    });
    await client.subscribeAsync('devices/P2/down/methods/#', { qos: 0 });
    const result = await fx.cli(['methods', 'call', 'P2', 'ping', '--payload', '{"n":1}', '--timeout', '10']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ echo: { n: 1 } });
    await Promise.all(replies);
  });

  it('exits 4 for a device with no session', async () => {
    const result = await fx.cli(['methods', 'call', 'P1', 'ping']);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/device_offline/);
  });
});
