import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/src/kernel/logger.js';
import { AlertService } from '../../server/src/modules/alerts/index.js';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';
import { startCli } from './support/running-cli.js';

let fx: CliFixture;
let alerts: AlertService;
const raise = (deviceId: string, type = 'battery_low', severity: 'major' | 'critical' = 'major') =>
  alerts.raise('default', [{ type, severity, deviceId, source: 'test' }]);

beforeAll(async () => {
  fx = await startCliFixture();
  const { store, bus } = fx.server.server;
  // Raised as a module would: the server has no route to raise alerts.
  alerts = new AlertService({ store, bus, clock: { now: () => Date.now() }, logger: silentLogger });
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport alerts', () => {
  it('lists with filters, shows one with its history, acknowledges, comments and clears', async () => {
    const [first] = await raise('cli-1');
    await raise('cli-1');
    await raise('cli-2', 'door_open', 'critical');
    const listed = await fx.cli(['alerts', 'list', '--state', 'open']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/alr_\S+\s+critical\s+open\s+door_open\s+cli-2\s+1\s/);
    expect(listed.stdout).toMatch(/alr_\S+\s+major\s+open\s+battery_low\s+cli-1\s+2\s/);
    const critical = json<{ items: { deviceId: string }[] }>(
      await fx.cli(['--json', 'alerts', 'list', '--severity', 'critical']),
    );
    expect(critical.items.map((a) => a.deviceId)).toEqual(['cli-2']);
    const id = first?.id ?? '';
    const acked = await fx.cli(['alerts', 'ack', id, '--comment', 'looking']);
    expect(acked.code, acked.stderr).toBe(0);
    expect(acked.stdout).toBe(`acknowledged ${id} (battery_low, cli-1)\n`);
    expect((await fx.cli(['alerts', 'comment', id, 'replaced the battery'])).code).toBe(0);
    expect((await fx.cli(['alerts', 'clear', id])).stdout).toMatch(/^cleared alr_/);
    const shown = await fx.cli(['alerts', 'get', id]);
    expect(shown.stdout).toMatch(/^state\s+cleared$/m);
    expect(shown.stdout).toMatch(/acknowledged\s+key_\S+\s+looking/);
    expect(shown.stdout).toMatch(/commented\s+key_\S+\s+replaced the battery/);
    // A refused move exits with the conflict code and names the problem.
    const again = await fx.cli(['alerts', 'ack', id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/alert_transition_refused/);
    const bad = await fx.cli(['alerts', 'list', '--state', 'sleeping']);
    expect(bad.code).toBe(2);
    expect((await fx.cli(['alerts', 'get', 'nope'])).code).toBe(2);
  });

  it('watch prints alert changes as they happen, filtered by device, and stops by itself after --count lines', async () => {
    const end = await fx.server.request('GET', '/v1/changes?since=latest');
    const since: string = end.body.nextCursor;
    const watch = startCli(['alerts', 'watch', '--device', 'w-1', '--count', '2', '--since', since], fx.env);
    await raise('w-2');
    await raise('w-1');
    await raise('w-1');
    const result = await watch.done;
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/alert\.raised\s+major\s+open\s+battery_low\s+w-1\s+alr_/);
    expect(lines[1]).toMatch(/alert\.updated\s+major\s+open\s+battery_low\s+w-1\s+alr_/);
  });
});
