import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
let client: MqttClient;
beforeAll(async () => {
  fx = await startCliFixture();
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fx.server.server.mqtt.tcpPort}`, {
    protocolVersion: 5,
    clientId: 'cli/app-1',
    username: 'apikey',
    password: fx.server.adminKey,
    reconnectPeriod: 0,
  });
  await client.subscribeAsync('alerts/#', { qos: 1 });
});
afterAll(async () => {
  await client?.endAsync(true);
  await fx?.close();
});

describe('fleetport mqtt clients', () => {
  it('lists the connected clients', async () => {
    const result = await fx.cli(['mqtt', 'clients', 'list']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^CLIENT ID\s+WHO\s+MQTT/m);
    expect(result.stdout).toMatch(/^cli\/app-1\s+application key_\S+\s+5\.0\s+tcp/m);
    const listed = json<{ items: { clientId: string }[] }>(
      await fx.cli(['--json', 'mqtt', 'clients', 'list']),
    );
    expect(listed.items.map((c) => c.clientId)).toEqual(['cli/app-1']);
  });

  it('shows one client with its subscriptions', async () => {
    const result = await fx.cli(['mqtt', 'clients', 'show', 'cli/app-1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^subscriptions\s+alerts\/#$/m);
    expect(result.stdout).toMatch(/^listener\s+tcp$/m);
  });

  it('answers not_found for a client that is not connected', async () => {
    const result = await fx.cli(['mqtt', 'clients', 'show', 'nobody']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/not_found/);
  });

  it('disconnects a client', async () => {
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const result = await fx.cli(['mqtt', 'clients', 'disconnect', 'cli/app-1']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('disconnected cli/app-1');
    await closed;
    // The broker forgets the connection as its socket closes, a moment after the client sees it.
    for (let attempt = 0; ; attempt++) {
      const listed = json<{ items: unknown[] }>(await fx.cli(['--json', 'mqtt', 'clients', 'list']));
      if (listed.items.length === 0) break;
      expect(attempt, 'the client is still listed').toBeLessThan(50);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

describe('fleetport mqtt export', () => {
  it('shows the export off, turns it on and off, and says where it publishes', async () => {
    const off = await fx.cli(['mqtt', 'export', 'show']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout.trim()).toBe('the MQTT export is off');
    const on = await fx.cli(['mqtt', 'export', 'on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(
      /^the MQTT export is on: changes after cursor \d+ are published on \$fleetport\/…/,
    );
    const shown = json<{ enabled: boolean; root: string }>(
      await fx.cli(['--json', 'mqtt', 'export', 'show']),
    );
    expect(shown).toMatchObject({ enabled: true, root: '$fleetport' });
    const again = await fx.cli(['mqtt', 'export', 'off']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('the MQTT export is off');
  });
});
