import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';
import { silentLogger } from '../../kernel/logger.js';
import { AlertService, type RaiseAlert } from './index.js';

const MINUTE = 60_000;

/**
 * Alerts on a real server: raised through the service (as modules do), read and moved
 * over HTTP. Dedup and counts, every transition and the refused ones, comments, filters
 * and keyset pages, the change feed, and tenants kept apart.
 */
describeEachDialect('alerts over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let alerts: AlertService;
  let otherKey = '';
  let readerKey = '';
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 8));

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  const raise = (input: Partial<RaiseAlert> & { type: string }, tenantId = 'default') =>
    alerts.raise(tenantId, [{ severity: 'major', source: 'test', ...input }]);

  /** The change kinds of the default tenant after `since`, and the cursor to go on from. */
  async function changesAfter(since: string): Promise<{ kinds: string[]; next: string; data: unknown[] }> {
    const page = (await ok('GET', `/v1/changes?since=${since}&limit=1000`)).body;
    return {
      kinds: page.items.map((item: { kind: string }) => item.kind),
      data: page.items.map((item: { data: unknown }) => item.data),
      next: page.nextCursor,
    };
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    alerts = new AlertService({ store: ts.server.store, bus: ts.server.bus, clock, logger: silentLogger });
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' })).body
      .secret;
    readerKey = (await ok('POST', '/v1/keys', { name: 'reader', scope: 'reader' })).body.secret;
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('counts a repeated raise as an occurrence of the active alert, per device and type, and opens a new one after clearing', async () => {
    const first = clock.now();
    const [alert] = await raise({ type: 'battery_low', deviceId: 'd1', details: { level: 9 } });
    clock.advance(MINUTE);
    await raise({ type: 'battery_low', deviceId: 'd1', severity: 'critical', details: { level: 4 } });
    // Two in one batch: one more alert for d2, two more occurrences of d1's.
    clock.advance(MINUTE);
    await alerts.raise('default', [
      { type: 'battery_low', deviceId: 'd1', severity: 'critical', source: 'test' },
      { type: 'battery_low', deviceId: 'd2', severity: 'minor', source: 'test' },
      { type: 'battery_low', deviceId: 'd1', severity: 'critical', source: 'test', details: { level: 2 } },
    ]);
    const d1 = (await ok('GET', `/v1/alerts/${alert?.id}`)).body;
    expect(d1).toMatchObject({
      type: 'battery_low',
      scope: 'device',
      deviceId: 'd1',
      state: 'open',
      severity: 'critical',
      occurrences: 4,
      firstAt: new Date(first).toISOString(),
      lastAt: new Date(first + 2 * MINUTE).toISOString(),
      details: { level: 2 },
    });
    expect(d1.history).toEqual([
      {
        seq: 1,
        action: 'raised',
        actor: { kind: 'platform', id: 'test' },
        text: null,
        at: new Date(first).toISOString(),
      },
    ]);
    const list = (await ok('GET', '/v1/alerts?type=battery_low')).body.items;
    expect(list.map((a: { deviceId: string; occurrences: number }) => [a.deviceId, a.occurrences])).toEqual([
      ['d2', 1],
      ['d1', 4],
    ]);
    // Another type on the same device is another alert; a fleet alert dedups on its subject.
    await raise({ type: 'temperature_high', deviceId: 'd1' });
    await raise({ type: 'contract_ending', subject: 'c1' });
    await raise({ type: 'contract_ending', subject: 'c1' });
    // Ids are times: a later first occurrence lists first.
    clock.advance(1);
    await raise({ type: 'contract_ending', subject: 'c2' });
    const fleet = (await ok('GET', '/v1/alerts?type=contract_ending')).body.items;
    expect(
      fleet.map((a: { subject: string; occurrences: number; scope: string }) => [
        a.subject,
        a.occurrences,
        a.scope,
      ]),
    ).toEqual([
      ['c2', 1, 'fleet'],
      ['c1', 2, 'fleet'],
    ]);
    // Cleared, the next raise opens a new alert.
    const [cleared] = await alerts.clear('default', [
      { type: 'battery_low', deviceId: 'd1', source: 'test', reason: 'charged' },
    ]);
    expect(cleared).toMatchObject({
      id: alert?.id,
      state: 'cleared',
      clearedBy: { kind: 'platform', id: 'test' },
    });
    expect(await alerts.clear('default', [{ type: 'battery_low', deviceId: 'd1', source: 'test' }])).toEqual(
      [],
    );
    const [again] = await raise({ type: 'battery_low', deviceId: 'd1' });
    expect(again?.id).not.toBe(alert?.id);
    expect(again).toMatchObject({ state: 'open', occurrences: 1 });
  });

  it('moves an alert open → acknowledged → cleared with who and when, and refuses every other move without changing anything', async () => {
    const [alert] = await raise({ type: 'door_open', deviceId: 'gate' });
    const id = alert?.id ?? '';
    const start = await changesAfter('latest');
    const acked = await ok('POST', `/v1/alerts/${id}/acknowledge`, { comment: 'on my way' });
    expect(acked.body).toMatchObject({
      state: 'acknowledged',
      version: 2,
      acknowledgedBy: { kind: 'principal' },
    });
    expect(acked.body.acknowledgedAt).not.toBeNull();
    // Raised again while acknowledged: counted, still acknowledged.
    const [repeat] = await raise({ type: 'door_open', deviceId: 'gate' });
    expect(repeat).toMatchObject({ id, state: 'acknowledged', occurrences: 2 });
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/acknowledge`, { json: {} }),
      409,
      'alert_transition_refused',
    );
    const cleared = await ok('POST', `/v1/alerts/${id}/clear`, {});
    expect(cleared.body).toMatchObject({ state: 'cleared', clearedBy: { kind: 'principal' } });
    const before = (await ok('GET', `/v1/alerts/${id}`)).body;
    const ackCleared = await ts.request('POST', `/v1/alerts/${id}/acknowledge`, { json: {} });
    expectProblem(ackCleared, 409, 'alert_transition_refused');
    expect(ackCleared.body.data).toMatchObject({
      state: 'cleared',
      action: 'acknowledge',
      allowedFrom: ['open'],
    });
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/clear`, { json: {} }),
      409,
      'alert_transition_refused',
    );
    expect((await ok('GET', `/v1/alerts/${id}`)).body).toEqual(before);
    expect(before.history.map((e: { action: string; text: string | null }) => [e.action, e.text])).toEqual([
      ['raised', null],
      ['acknowledged', 'on my way'],
      ['cleared', null],
    ]);
    // Open → cleared directly.
    const [other] = await raise({ type: 'door_open', deviceId: 'gate' });
    await ok('POST', `/v1/alerts/${other?.id}/clear`, { comment: 'false alarm' });
    const after = await changesAfter(start.next);
    expect(after.kinds).toEqual([
      'alert.acknowledged',
      'alert.updated',
      'alert.cleared',
      'alert.raised',
      'alert.cleared',
    ]);
    expect(after.data[0]).toMatchObject({ id, state: 'acknowledged' });
  });

  it('keeps comments in the history, on cleared alerts too, and refuses an empty one', async () => {
    const [alert] = await raise({ type: 'shock', deviceId: 'crate' });
    const id = alert?.id ?? '';
    await ok('POST', `/v1/alerts/${id}/clear`, {});
    const comment = await ok('POST', `/v1/alerts/${id}/comments`, { text: 'dropped by the forklift' });
    expect(comment.status).toBe(201);
    expect(comment.body.comment).toMatchObject({
      seq: 3,
      action: 'commented',
      text: 'dropped by the forklift',
    });
    expect(comment.body.alert.state).toBe('cleared');
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/comments`, { json: { text: '' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/comments`, { json: {} }),
      400,
      'validation_failed',
    );
    const history = (await ok('GET', `/v1/alerts/${id}`)).body.history;
    expect(history.map((e: { action: string }) => e.action)).toEqual(['raised', 'cleared', 'commented']);
  });

  it('filters by state, severity, type, device and time, and pages newest first without gaps', async () => {
    const from = clock.now() + 10 * MINUTE;
    clock.set(from);
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      clock.advance(MINUTE);
      const [alert] = await raise({
        type: 'paged',
        deviceId: `p${i}`,
        severity: i % 2 === 0 ? 'warning' : 'info',
      });
      ids.push(alert?.id ?? '');
    }
    await ok('POST', `/v1/alerts/${ids[1]}/acknowledge`, {});
    await ok('POST', `/v1/alerts/${ids[2]}/clear`, {});
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: TestResponse = await ok(
        'GET',
        `/v1/alerts?type=paged&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((a: { id: string }) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    const idsOf = async (query: string) =>
      (await ok('GET', `/v1/alerts?type=paged&${query}`)).body.items.map((a: { id: string }) => a.id);
    expect(await idsOf('state=open')).toEqual([ids[6], ids[5], ids[4], ids[3], ids[0]]);
    expect(await idsOf('state=acknowledged')).toEqual([ids[1]]);
    expect(await idsOf('state=cleared')).toEqual([ids[2]]);
    expect((await idsOf('state=active')).length).toBe(6);
    expect(await idsOf('severity=info')).toEqual([ids[5], ids[3], ids[1]]);
    expect(await idsOf('deviceId=p4')).toEqual([ids[4]]);
    const at = (i: number) => new Date(from + (i + 1) * MINUTE).toISOString();
    expect(await idsOf(`from=${at(2)}&to=${at(5)}`)).toEqual([ids[4], ids[3], ids[2]]);
    expectProblem(await ts.request('GET', '/v1/alerts?state=broken'), 400, 'validation_failed');
    expectProblem(await ts.request('GET', '/v1/alerts?severity=fatal'), 400, 'validation_failed');
    expectProblem(await ts.request('GET', '/v1/alerts?cursor=nope'), 400, 'validation_failed');
    expectProblem(await ts.request('GET', '/v1/alerts?limit=0'), 400, 'validation_failed');
  });

  it("answers 404 for another tenant's alert and changes nothing; a reader cannot act", async () => {
    const [alert] = await raise({ type: 'private', deviceId: 'mine' });
    const id = alert?.id ?? '';
    expectProblem(await ts.request('GET', `/v1/alerts/${id}`, { key: otherKey }), 404, 'not_found');
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/acknowledge`, { key: otherKey, json: {} }),
      404,
      'not_found',
    );
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/clear`, { key: otherKey, json: {} }),
      404,
      'not_found',
    );
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/comments`, { key: otherKey, json: { text: 'x' } }),
      404,
      'not_found',
    );
    expect((await ok('GET', '/v1/alerts', undefined, otherKey)).body.items).toEqual([]);
    expectProblem(
      await ts.request('POST', `/v1/alerts/${id}/acknowledge`, { key: readerKey, json: {} }),
      403,
      'forbidden',
    );
    expect((await ok('GET', `/v1/alerts/${id}`, undefined, readerKey)).body).toMatchObject({
      state: 'open',
      version: 1,
    });
    expectProblem(await ts.request('GET', `/v1/alerts/alr_${'0'.repeat(32)}`), 404, 'not_found');
    // The other tenant's own alert of the same device id and type is its own.
    const [theirs] = await raise({ type: 'private', deviceId: 'mine' }, 'other');
    expect(theirs?.id).not.toBe(id);
    expect((await ok('GET', `/v1/alerts/${id}`)).body.occurrences).toBe(1);
  });

  it('refuses a malformed raise from a module', async () => {
    await expect(raise({ type: 'Bad Type' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      alerts.raise('default', [{ type: 'ok', severity: 'fatal' as 'info', source: 'test' }]),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await ok('GET', '/v1/alerts?type=ok')).body.items).toEqual([]);
  });
});
