import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sparkline } from '../src/commands/health-commands.js';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
let secret = '';
beforeAll(async () => {
  fx = await startCliFixture();
  const created = await fx.server.request('POST', '/v1/device-types', {
    json: { id: 'sfx', name: 'sigfox' },
  });
  expect(created.status, created.text).toBe(201);
  const health = await fx.server.request('PUT', '/v1/device-types/sfx/health', {
    json: { crazy: { uplinks: 10, windowSeconds: 600, quietSeconds: 3600 } },
  });
  expect(health.status, health.text).toBe(200);
  secret = (
    await fx.server.request('POST', '/v1/device-types/sfx/callback-secrets', { json: { name: 'sim' } })
  ).body.secret;
  // The simulator's one device with prefix ABCDEF0, registered and in service before the burst.
  expect((await fx.cli(['devices', 'create', '--id', 'ABCDEF00', '--type', 'sfx'])).code).toBe(0);
  expect((await fx.cli(['devices', 'lifecycle', 'set', 'ABCDEF00', 'activated'])).code).toBe(0);
});
afterAll(async () => {
  await fx?.close();
});

/** Retries `check` until it passes, for up to 15 s (quarantine and samples come from a feed consumer). */
async function until(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('fleetport health', () => {
  it('draws one character per bucket between the minimum and the maximum, a blank where a bucket has none', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([3, null, 3])).toBe('█ █');
    expect(sparkline([null, null])).toBe('');
  });

  it('a crazy burst from the Sigfox simulator quarantines the device; its health shows the burst as sparklines', async () => {
    const burst = await fx.cli([
      'simulate',
      'sigfox',
      '--type',
      'sfx',
      '--secret',
      secret,
      '--devices',
      '1',
      '--device-prefix',
      'ABCDEF0',
      '--frames',
      '25',
      '--rate',
      '500',
      '--late-ratio',
      '0',
      '--retry-ratio',
      '0',
      '--quiet',
    ]);
    expect(burst.code, burst.stderr).toBe(0);
    await until(async () => {
      const state = json<{ state: string }>(
        await fx.cli(['--json', 'devices', 'lifecycle', 'get', 'ABCDEF00']),
      );
      expect(state.state).toBe('quarantined');
    });
    const history = await fx.cli(['devices', 'lifecycle', 'history', 'ABCDEF00']);
    expect(history.stdout).toMatch(/activated\s+quarantined\s+platform:crazy_device/);
    // Stored and visible all the same.
    const messages = json<{ items: unknown[] }>(
      await fx.cli(['--json', 'messages', 'list', 'ABCDEF00', '--limit', '100']),
    );
    expect(messages.items).toHaveLength(25);

    let shown = '';
    await until(async () => {
      const from = new Date(Date.now() - 30 * 60_000).toISOString();
      const run = await fx.cli(['health', 'ABCDEF00', '--from', from, '--bucket', '1m']);
      expect(run.code, run.stderr).toBe(0);
      shown = run.stdout;
      expect(shown).toMatch(/^messages\s+\S.*last \d+$/m);
    });
    expect(shown).toMatch(/^device\s+ABCDEF00 \(quarantined\)$/m);
    expect(shown).toMatch(/^messages\s+25 /m);
    expect(shown).toMatch(/^rssi\s+[▁-█ ]+\s+min -\d/m);
    expect(shown).toMatch(/^stations\s+[▁-█ ]+\s+min \d/m);
    expect(shown).not.toMatch(/^battery\s+[▁-█]/m);

    const asJson = json<{ messages: { total: number }; buckets: unknown[] }>(
      await fx.cli(['--json', 'health', 'ABCDEF00', '--bucket', '1h']),
    );
    expect(asJson.messages.total).toBe(25);
  });

  it('exits with the API error for a bad bucket and an unknown device', async () => {
    const bad = await fx.cli(['health', 'ABCDEF00', '--bucket', '10s']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/invalid_range/);
    const unknown = await fx.cli(['health', 'NOPE']);
    expect(unknown.code).toBe(4);
  });
});
