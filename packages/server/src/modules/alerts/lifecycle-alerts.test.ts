import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const DAY = 86_400_000;

/** Retries `check` until it passes, for up to 15 s (the scheduler and a feed consumer stand between). */
async function until(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/**
 * The lifecycle's warnings become alerts (the `alerts.lifecycle` consumer) on a real
 * server: a contract ending and running low on tokens, a subscription ending; and the
 * alerts clear when the warning no longer holds.
 */
describeEachDialect('lifecycle warnings as alerts', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;

  async function ok(method: string, path: string, json?: unknown): Promise<TestResponse> {
    const response = await ts.request(method, path, { json });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  const alertsOf = async (type: string) =>
    (await ok('GET', `/v1/alerts?type=${type}`)).body.items as Array<Record<string, unknown>>;

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'meter', name: 'meter' });
    for (const id of ['m1', 'm2', 'm3']) await ok('POST', '/v1/devices', { id, typeId: 'meter' });
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('raises contract_ending inside the warning days and clears it when the end moves away', async () => {
    const now = Date.now();
    const contract = (
      await ok('POST', '/v1/contracts', {
        name: 'Atlas',
        provider: 'sigfox',
        tokens: 100,
        startsAt: new Date(now - DAY).toISOString(),
        endsAt: new Date(now + 3 * DAY).toISOString(),
        warnDays: 7,
      })
    ).body;
    await until(async () => {
      expect(await alertsOf('contract_ending')).toMatchObject([
        {
          scope: 'fleet',
          subject: contract.id,
          severity: 'warning',
          state: 'open',
          details: { name: 'Atlas' },
        },
      ]);
    });
    await ok('PATCH', `/v1/contracts/${contract.id}`, { endsAt: new Date(now + 60 * DAY).toISOString() });
    await until(async () => {
      expect(await alertsOf('contract_ending')).toMatchObject([
        { subject: contract.id, state: 'cleared', clearedBy: { kind: 'platform', id: 'lifecycle' } },
      ]);
    });
  });

  it('raises contract_tokens_low when free tokens fall to the threshold and clears it when tokens are added', async () => {
    const now = Date.now();
    const contract = (
      await ok('POST', '/v1/contracts', {
        provider: 'sigfox',
        tokens: 2,
        lowTokens: 0,
        startsAt: new Date(now - DAY).toISOString(),
        endsAt: new Date(now + 365 * DAY).toISOString(),
      })
    ).body;
    await ok('POST', `/v1/contracts/${contract.id}/devices`, { deviceIds: ['m1', 'm2'] });
    await until(async () => {
      expect(await alertsOf('contract_tokens_low')).toMatchObject([
        { subject: contract.id, severity: 'major', state: 'open', details: { free: 0 } },
      ]);
    });
    await ok('PATCH', `/v1/contracts/${contract.id}`, { tokens: 10 });
    await until(async () => {
      expect(await alertsOf('contract_tokens_low')).toMatchObject([
        { subject: contract.id, state: 'cleared' },
      ]);
    });
  });

  it('clears contract_tokens_low when unassigning or moving devices away frees tokens', async () => {
    const now = Date.now();
    const contract = async (tokens: number) =>
      (
        await ok('POST', '/v1/contracts', {
          provider: 'sigfox',
          tokens,
          lowTokens: 0,
          startsAt: new Date(now - DAY).toISOString(),
          endsAt: new Date(now + 365 * DAY).toISOString(),
        })
      ).body as { id: string };
    const full = async (id: string) =>
      until(async () => {
        expect((await alertsOf('contract_tokens_low')).filter((a) => a.subject === id)).toMatchObject([
          { state: 'open' },
        ]);
      });
    const cleared = async (id: string) =>
      until(async () => {
        expect((await alertsOf('contract_tokens_low')).filter((a) => a.subject === id)).toMatchObject([
          { state: 'cleared', clearedBy: { kind: 'platform', id: 'lifecycle' } },
        ]);
      });

    const unassigned = await contract(1);
    await ok('POST', `/v1/contracts/${unassigned.id}/devices`, { deviceIds: ['m3'] });
    await full(unassigned.id);
    await ok('DELETE', `/v1/contracts/${unassigned.id}/devices/m3`);
    await cleared(unassigned.id);

    const source = await contract(1);
    const target = await contract(5);
    await ok('POST', `/v1/contracts/${source.id}/devices`, { deviceIds: ['m3'] });
    await full(source.id);
    await ok('POST', `/v1/contracts/${target.id}/devices`, { deviceIds: ['m3'] });
    await cleared(source.id);
    // The target still has free tokens: nothing raised there.
    expect((await alertsOf('contract_tokens_low')).filter((a) => a.subject === target.id)).toEqual([]);
  });

  it('raises subscription_ending on the device and clears it when the subscription is deleted', async () => {
    const now = Date.now();
    await ok('PUT', '/v1/devices/m1/subscription', {
      plan: 'gold',
      startsAt: new Date(now - DAY).toISOString(),
      endsAt: new Date(now + 2 * DAY).toISOString(),
      warnDays: 5,
    });
    await until(async () => {
      expect(await alertsOf('subscription_ending')).toMatchObject([
        { scope: 'device', deviceId: 'm1', severity: 'warning', state: 'open', details: { plan: 'gold' } },
      ]);
    });
    await ok('DELETE', '/v1/devices/m1/subscription');
    await until(async () => {
      expect(await alertsOf('subscription_ending')).toMatchObject([{ deviceId: 'm1', state: 'cleared' }]);
    });
    const changes = (await ok('GET', '/v1/changes?limit=1000')).body.items.map(
      (c: { kind: string }) => c.kind,
    );
    // Each alert of the suite (ending, low tokens three times, subscription) raised once and cleared once.
    expect(changes.filter((kind: string) => kind.startsWith('alert.'))).toEqual(
      Array.from({ length: 5 }, () => ['alert.raised', 'alert.cleared']).flat(),
    );
  });
});
