import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliFixture, json, startCliFixture } from './support/cli-harness.js';

let fx: CliFixture;
beforeAll(async () => {
  fx = await startCliFixture();
  for (const id of ['proto', 'prod']) {
    expect((await fx.cli(['device-types', 'create', '--id', id, '--name', id])).code).toBe(0);
  }
  for (const id of ['lc-1', 'lc-2', 'lc-3']) {
    expect((await fx.cli(['devices', 'create', '--id', id, '--type', 'proto'])).code).toBe(0);
  }
});
afterAll(async () => {
  await fx?.close();
});

describe('fleetport devices lifecycle', () => {
  it('sets a state with a reason, shows the history, and exits 5 naming the allowed states on a refused move', async () => {
    const set = await fx.cli(['devices', 'lifecycle', 'set', 'lc-1', 'activated', '--reason', 'installed']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^state\s+activated$/m);
    const refused = await fx.cli(['devices', 'lifecycle', 'set', 'lc-2', 'suspended']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/lifecycle_transition_refused/);
    expect(refused.stderr).toMatch(/tested, activated, retired/);
    const unknown = await fx.cli(['devices', 'lifecycle', 'set', 'lc-2', 'zombie']);
    expect(unknown.code).toBe(3);
    const history = await fx.cli(['devices', 'lifecycle', 'history', 'lc-1']);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toMatch(/manufactured\s+activated\s+key_\S+\s+installed/);
    const retired = await fx.cli(['devices', 'lifecycle', 'set', 'lc-3', 'retired']);
    expect(retired.code, retired.stderr).toBe(0);
    const listed = json<{ items: { id: string }[] }>(await fx.cli(['--json', 'devices', 'list']));
    expect(listed.items.map((d) => d.id)).toEqual(['lc-1', 'lc-2']);
    const only = json<{ items: { id: string }[] }>(
      await fx.cli(['--json', 'devices', 'list', '--lifecycle', 'retired']),
    );
    expect(only.items.map((d) => d.id)).toEqual(['lc-3']);
  });

  it('moves devices between types, sets a type stage and clones a type', async () => {
    const moved = await fx.cli(['devices', 'move', '--type', 'prod', 'lc-1', 'lc-2']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/moved 2 device\(s\) to prod/);
    const missing = await fx.cli(['devices', 'move', '--type', 'prod', 'lc-1', 'nobody']);
    expect(missing.code).toBe(4);
    expect((await fx.cli(['device-types', 'stage', 'proto', 'test'])).stdout).toMatch(/^proto\ttest$/m);
    const clone = await fx.cli([
      'device-types',
      'clone',
      'proto',
      '--id',
      'proto-2',
      '--stage',
      'production',
    ]);
    expect(clone.code, clone.stderr).toBe(0);
    expect(clone.stdout).toMatch(/cloned proto as proto-2 \(stage production\)/);
    expect((await fx.cli(['device-types', 'stage', 'proto-2'])).stdout).toMatch(/^proto-2\tproduction$/m);
  });
});

describe('fleetport contracts', () => {
  it('creates a contract, assigns devices until the tokens run out (exit 5), and refuses dates in the wrong order', async () => {
    const created = json<{ id: string; tokens: number; free: number }>(
      await fx.cli([
        '--json',
        'contracts',
        'create',
        '--provider',
        'sigfox',
        '--tokens',
        '1',
        '--starts',
        '2026-01-01T00:00:00Z',
        '--ends',
        '2036-01-01T00:00:00Z',
      ]),
    );
    expect(created).toMatchObject({ tokens: 1, free: 1 });
    const assigned = await fx.cli(['contracts', 'assign', created.id, 'lc-1']);
    expect(assigned.code, assigned.stderr).toBe(0);
    expect(assigned.stdout).toMatch(/1 of 1 tokens used, 0 free/);
    const over = await fx.cli(['contracts', 'assign', created.id, 'lc-2']);
    expect(over.code).toBe(5);
    expect(over.stderr).toMatch(/contract_tokens_exhausted/);
    const listed = await fx.cli(['contracts', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`${created.id}\\s+-\\s+sigfox\\s+1\\s+1\\s+0`));
    const wrong = await fx.cli([
      'contracts',
      'create',
      '--provider',
      'sigfox',
      '--tokens',
      '5',
      '--starts',
      '2027-01-01T00:00:00Z',
      '--ends',
      '2026-01-01T00:00:00Z',
    ]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/validation_failed/);
    const sub = await fx.cli([
      'devices',
      'subscription',
      'set',
      'lc-1',
      '--plan',
      'premium',
      '--starts',
      '2026-01-01T00:00:00Z',
      '--ends',
      '2036-01-01T00:00:00Z',
    ]);
    expect(sub.code, sub.stderr).toBe(0);
    expect((await fx.cli(['devices', 'lifecycle', 'get', 'lc-1'])).stdout).toMatch(
      /^subscription\s+premium until/m,
    );
  });
});
