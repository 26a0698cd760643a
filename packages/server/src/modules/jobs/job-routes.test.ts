import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

describeEachDialect('jobs over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey: string;
  let readerKey: string;

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'lamp', name: 'lamp' });
    for (const id of ['L1', 'L2', 'L3'])
      await ok('POST', '/v1/devices', { id, typeId: 'lamp', tags: { site: 'a' } });
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    const key = await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' });
    otherKey = mustBeString(key.body.secret, 'secret');
    await ts.request('POST', '/v1/device-types', { key: otherKey, json: { id: 'lamp', name: 'lamp' } });
    await ts.request('POST', '/v1/devices', {
      key: otherKey,
      json: { id: 'X1', typeId: 'lamp', tags: { site: 'a' } },
    });
    const reader = await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' });
    readerKey = mustBeString(reader.body.secret, 'secret');
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

  async function until(
    path: string,
    check: (body: Record<string, unknown>) => boolean,
  ): Promise<TestResponse> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const response = await ok('GET', path);
      if (check(response.body)) return response;
      if (Date.now() > deadline) throw new Error(`${path}: still ${response.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('creates a job by condition, shows its progress and its devices', async () => {
    const created = await ts.request('POST', '/v1/jobs', {
      json: {
        name: 'blink',
        command: { hex: 'cafe' },
        target: { where: 'tags.site == "a"' },
        maxConcurrency: 10,
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/jobs/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: 'blink',
      kind: 'command',
      target: { where: 'tags.site == "a"' },
    });
    const id = created.body.id as string;
    const started = await until(
      `/v1/jobs/${id}`,
      (body) => (body.progress as { inProgress: number }).inProgress === 3,
    );
    expect(started.body.status).toBe('in_progress');
    const devices = await until(`/v1/jobs/${id}/devices?status=in_progress`, (body) =>
      (body.items as { commandId: string | null }[]).every((d) => d.commandId !== null),
    );
    expect(devices.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['L1', 'L2', 'L3']);
    const command = await ok('GET', `/v1/devices/L1/commands/${devices.body.items[0].commandId}`);
    expect(command.body.idempotencyKey).toBe(`job:${id}:1`);
    const list = await ok('GET', '/v1/jobs?limit=10');
    expect(list.body.items.map((j: { id: string }) => j.id)).toContain(id);
    // The other tenant's device with the same tag was not targeted.
    expect((await ts.request('GET', '/v1/devices/X1/commands', { key: otherKey })).body.items).toHaveLength(
      0,
    );
  });

  it('pauses, resumes and cancels; a finished job refuses with job_state_conflict', async () => {
    const created = await ok('POST', '/v1/jobs', {
      twin: { desired: { level: 3 } },
      target: { deviceIds: ['L1', 'L2'] },
      rolloutPerMinute: 1,
    });
    const id = created.body.id as string;
    expect((await ok('POST', `/v1/jobs/${id}/pause`)).body.status).toBe('paused');
    expect((await ok('POST', `/v1/jobs/${id}/resume`)).body.status).toBe('in_progress');
    const cancelled = await ok('POST', `/v1/jobs/${id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.finishedAt).not.toBeNull();
    const refused = await ts.request('POST', `/v1/jobs/${id}/resume`);
    expectProblem(refused, 409, 'job_state_conflict');
    expect(refused.body.data).toMatchObject({ status: 'cancelled' });
  });

  it('refuses bad input with a problem document and stores nothing', async () => {
    const before = (await ok('GET', '/v1/jobs?limit=500')).body.items.length;
    const unknown = await ts.request('POST', '/v1/jobs', {
      json: { command: { hex: '01' }, target: { deviceIds: ['L1', 'X1', 'ghost'] } },
    });
    expectProblem(unknown, 422, 'unknown_devices');
    expect(unknown.body.data).toEqual({ deviceIds: ['X1', 'ghost'], count: 2 });
    const cel = await ts.request('POST', '/v1/jobs', {
      json: { command: { hex: '01' }, target: { where: 'tags.site == ' } },
    });
    expectProblem(cel, 400, 'invalid_condition');
    expect(cel.body.data).toMatchObject({ field: 'target.where', line: 1 });
    expectProblem(
      await ts.request('POST', '/v1/jobs', {
        json: { command: { hex: '01', idempotencyKey: 'k' }, target: { deviceIds: ['L1'] } },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/jobs', {
        json: { command: { hex: '01' }, target: { deviceIds: ['L1'] }, retries: 99 },
      }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/jobs', { json: { target: { deviceIds: ['L1'] } } }),
      400,
      'validation_failed',
    );
    expect((await ok('GET', '/v1/jobs?limit=500')).body.items.length).toBe(before);
  });

  it("answers 404 for another tenant's job and 403 for a reader's write", async () => {
    const created = await ok('POST', '/v1/jobs', { command: { hex: '01' }, target: { deviceIds: ['L3'] } });
    const id = created.body.id as string;
    expectProblem(await ts.request('GET', `/v1/jobs/${id}`, { key: otherKey }), 404, 'not_found');
    expectProblem(await ts.request('GET', `/v1/jobs/${id}/devices`, { key: otherKey }), 404, 'not_found');
    expectProblem(await ts.request('POST', `/v1/jobs/${id}/cancel`, { key: otherKey }), 404, 'not_found');
    expect((await ts.request('GET', '/v1/jobs', { key: otherKey })).body.items).toHaveLength(0);
    expectProblem(
      await ts.request('POST', '/v1/jobs', {
        key: readerKey,
        json: { command: { hex: '01' }, target: { deviceIds: ['L1'] } },
      }),
      403,
      'forbidden',
    );
    expectProblem(await ts.request('POST', `/v1/jobs/${id}/pause`, { key: readerKey }), 403, 'forbidden');
    expect((await ts.request('GET', `/v1/jobs/${id}`, { key: readerKey })).status).toBe(200);
  });
});
