import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { systemClock } from '../../kernel/clock.js';
import { ConditionVariableProviders } from '../conditions/index.js';
import { MAX_TWIN_BYTES, twinConditionProviders } from '../twins/index.js';
import { ConfigurationService } from './configuration-service.js';

interface ParameterBody {
  status: string;
  setBy: string;
  value: unknown;
}
interface TwinBody {
  desired: Record<string, unknown>;
  parameters: Record<string, ParameterBody>;
}

/**
 * Fleet configurations over real HTTP on both dialects: they reach existing devices and a
 * device created later (timed against the 1 s promise, by the desired change's event),
 * settle conflicts property by property with provenance, leave manual values alone, take
 * their properties back when a device leaves or a configuration goes, count metrics that
 * equal a direct count, and refuse bad input storing nothing.
 */
describeEachDialect('fleet configurations', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  const tokens: Record<string, string> = {};

  async function ok(method: string, path: string, json?: unknown, key?: string) {
    const response = await ts.request(method, path, { json, ...(key ? { key } : {}) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }
  async function twin(deviceId: string): Promise<TwinBody> {
    return (await ok('GET', `/v1/devices/${deviceId}/twin`)).body as TwinBody;
  }
  /** Resolves when the device's desired changes; listens before `step` runs. */
  async function desiredChangeOf(deviceId: string, step: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    let unsubscribe = () => {};
    const changed = new Promise<void>((resolve) => {
      unsubscribe = ts.server.bus.subscribe('twin.desired_changed', (event) => {
        if (event.deviceId === deviceId) resolve();
      });
    });
    try {
      await step();
      await changed;
      return performance.now() - started;
    } finally {
      unsubscribe();
    }
  }
  const settled = () => ts.server.configurations.idle();
  const values = (body: TwinBody) => body.desired;
  const owners = (body: TwinBody) =>
    Object.fromEntries(Object.entries(body.parameters).map(([name, p]) => [name, p.setBy]));

  async function device(id: string, site: string) {
    await ok('POST', '/v1/devices', { id, typeId: 'tracker', tags: { site } });
    const credential = await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' });
    tokens[id] = mustBeString(credential.body.token, 'token');
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'tracker', name: 'Tracker' });
    for (const id of ['p1', 'p2', 'p3']) await device(id, 'paris');
    await device('l1', 'lyon');
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    const key = await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' });
    otherKey = mustBeString(key.body.secret, 'secret');
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('reaches the devices it targets, and a device created afterwards within a second', async () => {
    const created = await ok('POST', '/v1/configurations', {
      id: 'interval',
      target: 'tags.site == "paris"',
      priority: 10,
      content: { interval: 600 },
      labels: { team: 'ops' },
      metrics: { reporting600: 'reported.interval == 600' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ id: 'interval', name: 'interval', priority: 10, version: 1 });
    expect(created.body).toMatchObject({ appliedVersion: 0, status: 'applying' });
    await settled();
    expect((await ok('GET', '/v1/configurations/interval')).body).toMatchObject({
      appliedVersion: 1,
      status: 'applied',
    });
    for (const id of ['p1', 'p2', 'p3']) {
      const body = await twin(id);
      expect(values(body)).toEqual({ interval: 600 });
      expect(body.parameters.interval).toMatchObject({ status: 'pending', setBy: 'configuration:interval' });
    }
    expect(values(await twin('l1'))).toEqual({});

    const elapsed = await desiredChangeOf('p4', () => device('p4', 'paris'));
    expect(elapsed).toBeLessThan(1000);
    expect(values(await twin('p4'))).toEqual({ interval: 600 });
  });

  it('settles conflicts property by property: priority, then the newest; each property names its configuration', async () => {
    await ok('POST', '/v1/configurations', {
      id: 'high',
      target: 'tags.site == "paris"',
      priority: 20,
      content: { interval: 300, alarm: 40 },
    });
    await ok('POST', '/v1/configurations', {
      id: 'low',
      target: 'type == "tracker"',
      priority: 5,
      content: { alarm: 10, mode: 'eco' },
    });
    await settled();
    const p1 = await twin('p1');
    expect(values(p1)).toEqual({ interval: 300, alarm: 40, mode: 'eco' });
    expect(owners(p1)).toEqual({
      interval: 'configuration:high',
      alarm: 'configuration:high',
      mode: 'configuration:low',
    });
    // The earlier value was superseded by the higher priority's before it was applied.
    expect(values(await twin('l1'))).toEqual({ alarm: 10, mode: 'eco' });

    // A tie on priority goes to the newer configuration.
    await ok('POST', '/v1/configurations', {
      id: 'tie',
      target: 'tags.site == "paris"',
      priority: 20,
      content: { alarm: 50 },
    });
    await settled();
    const tied = await twin('p2');
    expect(values(tied)).toEqual({ interval: 300, alarm: 50, mode: 'eco' });
    expect(owners(tied).alarm).toBe('configuration:tie');
  });

  it('leaves a property set directly alone, and takes it back when the PATCH removes it', async () => {
    await ok('PATCH', '/v1/devices/p1/twin/desired', { mode: 'turbo' });
    await ok('PATCH', '/v1/configurations/low', { content: { alarm: 10, mode: 'eco2' } });
    await settled();
    const p1 = await twin('p1');
    expect(p1.desired.mode).toBe('turbo');
    expect(p1.parameters.mode?.setBy).toBe('api');
    expect((await twin('p2')).desired.mode).toBe('eco2');

    await desiredChangeOf('p1', () => ok('PATCH', '/v1/devices/p1/twin/desired', { mode: null }));
    await settled();
    const back = await twin('p1');
    expect(back.desired.mode).toBe('eco2');
    expect(back.parameters.mode?.setBy).toBe('configuration:low');
  });

  it('removes what configurations set when a device leaves their target; manual values stay', async () => {
    await ok('PATCH', '/v1/devices/p3/twin/desired', { label: 'kept' });
    const elapsed = await desiredChangeOf('p3', () =>
      ok('PATCH', '/v1/devices/p3', { tags: { site: 'nice' } }),
    );
    expect(elapsed).toBeLessThan(1000);
    await settled();
    // Only `low` (every tracker) still targets p3.
    expect(values(await twin('p3'))).toEqual({ label: 'kept', alarm: 10, mode: 'eco2' });
    await ok('PATCH', '/v1/devices/p3', { tags: { site: 'paris' } });
    await settled();
    expect(values(await twin('p3'))).toEqual({ label: 'kept', interval: 300, alarm: 50, mode: 'eco2' });
  });

  it('gives a deleted configuration’s properties to the next one that sets them, or removes them', async () => {
    const response = await ts.request('DELETE', '/v1/configurations/tie');
    expect(response.status).toBe(204);
    expectProblem(await ts.request('GET', '/v1/configurations/tie'), 404, 'not_found');
    await settled();
    expect(values(await twin('p2'))).toEqual({ interval: 300, alarm: 40, mode: 'eco2' });
    await ok('DELETE', '/v1/configurations/high');
    await settled();
    const p2 = await twin('p2');
    expect(values(p2)).toEqual({ interval: 600, alarm: 10, mode: 'eco2' });
    expect(owners(p2)).toEqual({
      interval: 'configuration:interval',
      alarm: 'configuration:low',
      mode: 'configuration:low',
    });
    await ok('DELETE', '/v1/configurations/low');
    await settled();
    expect(values(await twin('l1'))).toEqual({});
    const list = await ok('GET', '/v1/configurations');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual(['interval']);
  });

  it('counts metrics that equal a direct count of the twins, and keeps snapshots', async () => {
    // p1 applies the interval, p2 fails it, p3 and p4 have it pending; l1 is not targeted.
    await ok('PATCH', '/v1/device/twin/reported', { interval: 600 }, tokens.p1);
    await ok('POST', '/v1/device/twin/failed', { interval: 'out of range' }, tokens.p2);
    await ok('PATCH', '/v1/device/twin/reported', { interval: 900 }, tokens.l1);
    const metrics = await ok('GET', '/v1/configurations/interval/metrics');

    const devices = (await ok('GET', '/v1/devices?limit=100')).body.items as {
      id: string;
      tags: Record<string, string>;
    }[];
    const direct = { targeted: 0, applied: 0, pending: 0, failed: 0, overridden: 0, reporting600: 0 };
    for (const d of devices) {
      if (d.tags.site !== 'paris') continue;
      direct.targeted++;
      const body = await twin(d.id);
      const mine = Object.values(body.parameters).filter((p) => p.setBy === 'configuration:interval');
      if (mine.some((p) => p.status === 'failed')) direct.failed++;
      else if (mine.some((p) => p.status === 'pending' || p.status === 'sent')) direct.pending++;
      else if (mine.length > 0) direct.applied++;
      else direct.overridden++;
      const reported = (await ok('GET', `/v1/devices/${d.id}/twin`)).body.reported as Record<string, unknown>;
      if (reported.interval === 600) direct.reporting600++;
    }
    expect(direct).toEqual({
      targeted: 4,
      applied: 1,
      pending: 2,
      failed: 1,
      overridden: 0,
      reporting600: 1,
    });
    expect(metrics.body.current).toMatchObject({
      targeted: direct.targeted,
      applied: direct.applied,
      pending: direct.pending,
      failed: direct.failed,
      overridden: direct.overridden,
      custom: { reporting600: direct.reporting600 },
    });

    const conditionVariables = new ConditionVariableProviders();
    for (const provider of twinConditionProviders(ts.server.store)) conditionVariables.register(provider);
    const service = new ConfigurationService({
      ...ts.server,
      clock: systemClock,
      logger: silentLogger,
      conditionVariables,
    });
    expect(await service.snapshotAll()).toBe(1);
    const withHistory = await ok('GET', '/v1/configurations/interval/metrics?history=5');
    expect(withHistory.body.history).toHaveLength(1);
    expect(withHistory.body.history[0]).toMatchObject({
      targeted: 4,
      applied: 1,
      custom: { reporting600: 1 },
    });
  });

  it('counts a device failed when its values would break the twin limits, and writes them once they fit', async () => {
    await ok('PATCH', '/v1/devices/p1/twin/desired', { blob: 'x'.repeat(9000) });
    await ok('POST', '/v1/configurations', {
      id: 'big',
      target: 'id == "p1"',
      content: { blob2: 'y'.repeat(9000) },
    });
    await settled();
    expect(Object.keys(values(await twin('p1'))).sort()).toEqual(['blob', 'interval']);
    const refused = await ok('GET', '/v1/configurations/big/metrics');
    expect(refused.body.current).toMatchObject({ targeted: 1, failed: 1, applied: 0, pending: 0 });

    await desiredChangeOf('p1', () => ok('PATCH', '/v1/devices/p1/twin/desired', { blob: null }));
    await settled();
    expect(Object.keys(values(await twin('p1'))).sort()).toEqual(['blob2', 'interval']);
    const fits = await ok('GET', '/v1/configurations/big/metrics');
    expect(fits.body.current).toMatchObject({ targeted: 1, failed: 0, pending: 1 });
    await ok('DELETE', '/v1/configurations/big');
    await settled();
  });

  it('refuses bad input with a problem and stores nothing', async () => {
    const before = (await ok('GET', '/v1/changes?limit=1000')).body.items.length;
    const base = { id: 'bad', target: 'type == "tracker"', content: { a: 1 } };
    const syntax = await ts.request('POST', '/v1/configurations', { json: { ...base, target: 'type ==' } });
    expectProblem(syntax, 400, 'invalid_condition');
    expect(syntax.body.data).toMatchObject({ field: 'target', line: 1 });
    expect(syntax.body.detail).toMatch(/^target: .*\(line 1, column \d+\)$/);
    const timed = await ts.request('POST', '/v1/configurations', {
      json: { ...base, target: 'type == "tracker" && lastSeen > now' },
    });
    expectProblem(timed, 400, 'invalid_condition');
    expect(timed.body.data, timed.text).toMatchObject({ problem: 'unsupported', column: 22 });
    const metric = await ts.request('POST', '/v1/configurations', {
      json: { ...base, metrics: { broken: 'reported.x ==' } },
    });
    expectProblem(metric, 400, 'invalid_condition');
    expect(metric.body.data.field).toBe('metrics.broken');
    expectProblem(
      await ts.request('POST', '/v1/configurations', {
        json: { ...base, content: { big: 'x'.repeat(MAX_TWIN_BYTES) } },
      }),
      400,
      'twin_too_large',
    );
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 9; i++) deep = { d: deep };
    expectProblem(
      await ts.request('POST', '/v1/configurations', { json: { ...base, content: deep } }),
      400,
      'twin_too_deep',
    );
    expectProblem(
      await ts.request('POST', '/v1/configurations', { json: { ...base, content: { a: { b: null } } } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/configurations', { json: { ...base, id: 'interval' } }),
      409,
      'already_exists',
    );
    expectProblem(
      await ts.request('PATCH', '/v1/configurations/interval', { json: { target: 'tags.site = 1' } }),
      400,
      'invalid_condition',
    );
    expectProblem(
      await ts.request('PATCH', '/v1/configurations/interval', {
        json: { priority: 1 },
        headers: { 'if-match': '"9"' },
      }),
      412,
      'precondition_failed',
    );
    // Another tenant's configuration does not exist for it.
    for (const [method, path] of [
      ['GET', '/v1/configurations/interval'],
      ['GET', '/v1/configurations/interval/metrics'],
      ['PATCH', '/v1/configurations/interval'],
      ['DELETE', '/v1/configurations/interval'],
    ] as const) {
      const response = await ts.request(method, path, {
        key: otherKey,
        ...(method === 'PATCH' ? { json: { priority: 1 } } : {}),
      });
      expectProblem(response, 404, 'not_found');
    }
    expect((await ok('GET', '/v1/configurations', undefined, otherKey)).body.items).toEqual([]);
    expect((await ok('GET', '/v1/changes?limit=1000')).body.items.length).toBe(before);
    const kept = await ok('GET', '/v1/configurations/interval');
    expect(kept.body).toMatchObject({ version: 1, priority: 10, target: 'tags.site == "paris"' });
  });

  it('neither targets nor counts a retired device, leaves its desired as it was, and refuses desired writes and commands to it', async () => {
    const metricsOf = async (id: string) =>
      (await ok('GET', `/v1/configurations/${id}/metrics`)).body.current;
    expect(await metricsOf('interval')).toMatchObject({
      targeted: 4,
      applied: 1,
      custom: { reporting600: 1 },
    });
    const before = await twin('p1');
    await ok('POST', '/v1/devices/p1/lifecycle', { state: 'retired', reason: 'end of life' });
    await settled();
    // p1 applied the interval and reports 600: both counts lose it.
    expect(await metricsOf('interval')).toMatchObject({
      targeted: 3,
      applied: 0,
      pending: 2,
      failed: 1,
      custom: { reporting600: 0 },
    });
    const retired = (await ok('GET', '/v1/devices/p1/twin')).body;
    expect(retired.desired).toEqual(before.desired);
    expect(retired.desiredVersion).toBe((before as unknown as { desiredVersion: number }).desiredVersion);

    // A configuration created now passes it over as well.
    await ok('POST', '/v1/configurations', { id: 'only-p1', target: 'id == "p1"', content: { x: 1 } });
    await settled();
    expect(await metricsOf('only-p1')).toMatchObject({ targeted: 0 });
    expect((await twin('p1')).desired).toEqual(before.desired);

    const changes = (await ok('GET', '/v1/changes?limit=1000')).body.items.length;
    const commands = (await ok('GET', '/v1/devices/p1/commands')).body.items.length;
    const patched = await ts.request('PATCH', '/v1/devices/p1/twin/desired', { json: { interval: 60 } });
    expectProblem(patched, 409, 'device_retired');
    expect(patched.body.data).toEqual({ deviceId: 'p1', lifecycle: 'retired' });
    expectProblem(
      await ts.request('POST', '/v1/devices/p1/twin/parameters/interval/resend'),
      409,
      'device_retired',
    );
    expectProblem(
      await ts.request('POST', '/v1/devices/p1/commands', { json: { hex: '0102' } }),
      409,
      'device_retired',
    );
    expect((await twin('p1')).desired).toEqual(before.desired);
    expect((await ok('GET', '/v1/devices/p1/commands')).body.items).toHaveLength(commands);
    expect((await ok('GET', '/v1/changes?limit=1000')).body.items.length).toBe(changes);
    // Another tenant still gets 404, not the state.
    expectProblem(
      await ts.request('PATCH', '/v1/devices/p1/twin/desired', { json: { interval: 60 }, key: otherKey }),
      404,
      'not_found',
    );

    // Refurbished, it is targeted and counted again; it takes desired writes again.
    await ok('POST', '/v1/devices/p1/lifecycle', { state: 'manufactured', reason: 'refurbished' });
    await settled();
    expect(await metricsOf('interval')).toMatchObject({
      targeted: 4,
      applied: 1,
      custom: { reporting600: 1 },
    });
    expect(await metricsOf('only-p1')).toMatchObject({ targeted: 1 });
    expect((await twin('p1')).desired).toMatchObject({ interval: 600, x: 1 });
    await ok('PATCH', '/v1/devices/p1/twin/desired', { interval: 60 });
    await ok('DELETE', '/v1/configurations/only-p1');
    await settled();
  });
});

const silentLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
} as never;
