import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchLine } from '../src/commands/configuration-commands.js';
import { type CliFixture, json, startCliFixture, tempDir } from './support/cli-harness.js';

let fx: CliFixture;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  fx = await startCliFixture();
  const ok = async (path: string, body: unknown) => {
    const response = await fx.server.request('POST', path, { json: body });
    expect(response.status, response.text).toBeLessThan(300);
    return response.body;
  };
  await ok('/v1/device-types', { id: 'meter', name: 'meter' });
  for (const id of ['M1', 'M2', 'M3']) {
    await ok('/v1/devices', { id, typeId: 'meter', tags: { site: id === 'M3' ? 'south' : 'north' } });
    tokens[id] = String((await ok(`/v1/devices/${id}/credentials`, { kind: 'token' })).token);
  }
});
afterAll(async () => {
  await fx?.close();
});

interface MetricsJson {
  metrics: {
    current: { targeted: number; applied: number; pending: number; custom: Record<string, number> };
  };
}

describe('fleetport configs', () => {
  it('creates a configuration, follows its rollout with --watch until the devices applied it, and shows the metrics', async () => {
    const watching = fx.cli([
      'configs',
      'create',
      'north-interval',
      '--target',
      'tags.site == "north"',
      '--priority',
      '5',
      '--content',
      '{"interval":600}',
      '--label',
      'team=ops',
      '--metric',
      'at600=reported.interval == 600',
      '--watch',
    ]);
    // The devices report the value once their desired has it, as they would on reading it.
    const deadline = Date.now() + 20_000;
    let reported = 0;
    while (reported < 2 && Date.now() < deadline) {
      reported = 0;
      for (const id of ['M1', 'M2']) {
        const twin = await fx.server.request('GET', '/v1/device/twin', { key: tokens[id] ?? '' });
        if (twin.body.desired?.interval !== 600) continue;
        const patched = await fx.server.request('PATCH', '/v1/device/twin/reported', {
          key: tokens[id] ?? '',
          json: { interval: 600 },
        });
        expect(patched.status, patched.text).toBe(200);
        reported++;
      }
      if (reported < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(reported).toBe(2);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^status\s+applied$/m);
    expect(watched.stdout).toMatch(/^targeted\s+2$/m);
    expect(watched.stdout).toMatch(/^applied\s+2$/m);
    expect(watched.stdout).toMatch(/^pending\s+0$/m);
    expect(watched.stdout).toMatch(/^metric at600\s+2$/m);

    const listed = await fx.cli(['configs', 'list', '--label', 'team=ops']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^north-interval\s+5\s+tags\.site == "north"\s+interval\s+applied/m);
    const shown = json<MetricsJson>(await fx.cli(['--json', 'configs', 'show', 'north-interval']));
    expect(shown.metrics.current).toMatchObject({
      targeted: 2,
      applied: 2,
      pending: 0,
      custom: { at600: 2 },
    });
  });

  it('reads content from a file, refuses bad input with the exit code of its problem, and deletes', async () => {
    const file = join(tempDir(), 'content.json');
    writeFileSync(file, '{"alarm":30}');
    const created = await fx.cli([
      'configs',
      'create',
      'south-alarm',
      '--target',
      'tags.site == "south"',
      '--content-file',
      file,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^content\s+\{"alarm":30\}$/m);

    const badCel = await fx.cli([
      'configs',
      'create',
      'bad',
      '--target',
      'tags.site ==',
      '--content',
      '{"a":1}',
    ]);
    expect(badCel.code).toBe(3);
    expect(badCel.stderr).toMatch(/invalid_condition/);
    expect(badCel.stderr).toMatch(/line 1, column \d+/);
    const duplicate = await fx.cli([
      'configs',
      'create',
      'south-alarm',
      '--target',
      'true',
      '--content',
      '{"a":1}',
    ]);
    expect(duplicate.code).toBe(5);
    expect(duplicate.stderr).toMatch(/already_exists/);
    const noContent = await fx.cli(['configs', 'create', 'x', '--target', 'true']);
    expect(noContent.code).toBe(2);

    const deleted = await fx.cli(['configs', 'delete', 'south-alarm']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('deleted configuration south-alarm\n');
    const gone = await fx.cli(['configs', 'show', 'south-alarm']);
    expect(gone.code).toBe(4);
    expect(gone.stderr).toMatch(/not_found/);
  });

  it('draws a bar on a terminal and a plain line elsewhere', () => {
    const configuration = { id: 'c', status: 'applying' } as Parameters<typeof watchLine>[0];
    const counts = { at: '', targeted: 4, applied: 1, pending: 2, failed: 0, overridden: 1, custom: {} };
    expect(watchLine(configuration, counts, true)).toBe(
      'c  applying  [############............]   50.0%  targeted 4, applied 1, pending 2, failed 0, overridden 1',
    );
    expect(watchLine(configuration, counts, false)).toBe(
      'c  applying   50.0%  targeted 4, applied 1, pending 2, failed 0, overridden 1',
    );
  });
});
