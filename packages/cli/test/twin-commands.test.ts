import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
let token = '';
beforeAll(async () => {
  fx = await startCliFixture();
  expect((await fx.cli(['device-types', 'create', '--id', 'tracker', '--name', 'Tracker'])).code).toBe(0);
  expect((await fx.cli(['devices', 'create', '--id', 'tw-1', '--type', 'tracker'])).code).toBe(0);
  const added = json<{ token: string }>(
    await fx.cli(['--json', 'devices', 'credentials', 'add-token', 'tw-1']),
  );
  token = added.token;
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport twin', () => {
  it('sets desired with a merge patch and refuses a stale --if-match with exit 5', async () => {
    const set = await fx.cli(['twin', 'set', 'tw-1', '{"interval":600,"led":"on"}', '--if-match', '0']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^desired\s+\{"interval":600,"led":"on"\} \(version 1\)$/m);
    expect(set.stdout).toMatch(/^interval\s+pending\s+600\s+0/m);
    const removed = json<{ desired: unknown; desiredVersion: number }>(
      await fx.cli(['--json', 'twin', 'set', 'tw-1', '{"led":null}']),
    );
    expect(removed).toMatchObject({ desired: { interval: 600 }, desiredVersion: 2 });
    const stale = await fx.cli(['twin', 'set', 'tw-1', '{"interval":900}', '--if-match', '1']);
    expect(stale.code).toBe(5);
    expect(stale.stderr).toMatch(/precondition_failed/);
    const bad = await fx.cli(['twin', 'set', 'tw-1', '[1,2]']);
    expect(bad.code).toBe(2);
  });

  it('reports as the device with its token, and shows the parameter applied', async () => {
    const report = await fx.cli(['twin', 'report', '{"interval":600,"fw":"1.0"}', '--token', token]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^reported\s+\{"interval":600,"fw":"1.0"\} \(version 1\)$/m);
    const got = await fx.cli(['twin', 'get', 'tw-1']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toMatch(/^delta\s+\{\}$/m);
    expect(got.stdout).toMatch(/^interval\s+applied\s+600/m);
    const missing = await fx.cli(['twin', 'report', '{"a":1}'], { FLEETPORT_DEVICE_TOKEN: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing_device_token/);
    const unknown = await fx.cli(['twin', 'get', 'nobody']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/not_found/);
  });

  it('shows why a parameter failed, with its code', async () => {
    // A type whose desired values go as downlinks, without a codec to encode them.
    expect((await fx.cli(['device-types', 'create', '--id', 'polled', '--name', 'Polled'])).code).toBe(0);
    expect((await fx.cli(['devices', 'create', '--id', 'po-1', '--type', 'polled'])).code).toBe(0);
    const put = await fx.server.request('PUT', '/v1/device-types/polled/twin', {
      json: { delivery: 'http' },
    });
    expect(put.status, put.text).toBe(200);
    expect((await fx.cli(['twin', 'set', 'po-1', '{"interval":600}'])).code).toBe(0);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const got = await fx.cli(['twin', 'get', 'po-1']);
      if (/^interval\s+failed\s+600\s+0\s+\S+\s+no_encoder: the device type has no codec/m.test(got.stdout))
        break;
      if (Date.now() > deadline) throw new Error(`the parameter did not fail: ${got.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
