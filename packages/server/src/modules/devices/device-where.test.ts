import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { MAX_SCANNED_PER_PAGE } from './device-service.js';

/**
 * `GET /v1/devices?where=`: conditions in CEL over a real server, on both dialects. Two
 * tenants hold devices with the same ids, so a condition that leaked across tenants would
 * show the other tenant's names.
 */

const FLEET = 1_200;
const HOUR = 3_600_000;

function deviceLine(i: number, tenant: string): string {
  const id = `dev-${String(i).padStart(5, '0')}`;
  return JSON.stringify({
    id,
    typeId: i % 3 === 0 ? 'tracker' : 'meter',
    name: `${tenant} ${i}`,
    tags: { site: i % 4 === 0 ? 'paris' : 'lyon', ...(i % 10 === 0 ? { zone: 'north' } : {}) },
    attributes: { firmware: 1 + (i % 5) * 0.5, model: i % 2 === 0 ? 'T1' : 'T2' },
  });
}

const expectedIds = (predicate: (i: number) => boolean) =>
  Array.from({ length: FLEET }, (_, i) => i)
    .filter(predicate)
    .map((i) => `dev-${String(i).padStart(5, '0')}`);

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`devices where (${dialect.name})`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    const keys: Record<string, string> = {};

    async function list(tenant: string, where: string, limit = 100, extra = ''): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const query = new URLSearchParams({ where, limit: String(limit) });
        if (cursor !== null) query.set('cursor', cursor);
        const page = await ts.request('GET', `/v1/devices?${query}${extra}`, { key: keys[tenant] ?? null });
        expect(page.status, page.text).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(limit);
        for (const item of page.body.items) {
          expect(item.name.startsWith(`${tenant} `), item.name).toBe(true);
          ids.push(item.id);
        }
        cursor = page.body.nextCursor;
        if (cursor === null) return ids;
      }
      throw new Error('paging did not end');
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      for (const tenant of ['alpha', 'beta']) {
        const created = await ts.request('POST', '/v1/tenants', { json: { id: tenant, name: tenant } });
        expect(created.status, created.text).toBe(201);
        const key = await ts.request('POST', `/v1/tenants/${tenant}/keys`, {
          json: { name: 'k', scope: 'admin' },
        });
        keys[tenant] = mustBeString(key.body.secret, 'secret');
        for (const type of ['tracker', 'meter']) {
          const made = await ts.request('POST', '/v1/device-types', {
            key: keys[tenant],
            json: { id: type, name: type },
          });
          expect(made.status, made.text).toBe(201);
        }
        const body = Array.from({ length: FLEET }, (_, i) => deviceLine(i, tenant)).join('\n');
        const imported = await ts.request('POST', '/v1/devices/import', {
          key: keys[tenant],
          body,
          headers: { 'content-type': 'application/x-ndjson' },
        });
        expect(imported.body.created, imported.text).toBe(FLEET);
      }
      // Alpha's devices divisible by 7 were heard from half an hour ago; beta's all were, just now.
      const now = Date.now();
      const seen = [
        ...expectedIds((i) => i % 7 === 0).map((id) => ({ tenant: 'alpha', id, at: now - HOUR / 2 })),
        ...expectedIds(() => true).map((id) => ({ tenant: 'beta', id, at: now })),
      ];
      for (let start = 0; start < seen.length; start += 400) {
        await ts.server.store.db
          .insertInto('device_state')
          .values(
            seen.slice(start, start + 400).map((s) => ({
              tenant_id: s.tenant,
              device_id: s.id,
              last_seen_at: s.at,
              last_message_id: 'm',
              seq_resets: 0,
              message_count: 1,
              duplicate_count: 0,
              out_of_order_count: 0,
            })),
          )
          .execute();
      }
      // Twins: desired through the API for every 60th device of alpha; reported written as a
      // device's report would leave it, for every 120th.
      for (const id of expectedIds((i) => i % 60 === 0)) {
        const patched = await ts.request('PATCH', `/v1/devices/${id}/twin/desired`, {
          key: keys.alpha,
          json: { interval: 600 },
        });
        expect(patched.status, patched.text).toBe(200);
      }
      await ts.server.store.db
        .updateTable('twins')
        .set({ reported: JSON.stringify({ interval: 600 }) })
        .where('tenant_id', '=', 'alpha')
        .where(
          'device_id',
          'in',
          expectedIds((i) => i % 120 === 0),
        )
        .execute();
    }, 120_000);
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('pages through a pushed-down condition, each match once and in order', async () => {
      const ids = await list('alpha', 'type == "tracker" && tags.site == "paris"', 37);
      expect(ids).toEqual(expectedIds((i) => i % 3 === 0 && i % 4 === 0));
    });

    it('pages through a condition evaluated in process, with the other filters', async () => {
      const ids = await list('alpha', 'size(tags) == 2 && attributes.firmware >= 2.0', 25, '&typeId=meter');
      expect(ids).toEqual(expectedIds((i) => i % 10 === 0 && 1 + (i % 5) * 0.5 >= 2 && i % 3 !== 0));
    });

    it('reads lastSeen against now, never-seen devices being the epoch', async () => {
      expect(await list('alpha', 'lastSeen > now - duration("1h")', 50)).toEqual(
        expectedIds((i) => i % 7 === 0),
      );
      expect(await list('alpha', 'lastSeen < timestamp("1971-01-01T00:00:00Z")', 500)).toEqual(
        expectedIds((i) => i % 7 !== 0),
      );
    });

    it('evaluates desired and reported from the twins', async () => {
      expect(await list('alpha', 'desired.interval == 600', 7)).toEqual(expectedIds((i) => i % 60 === 0));
      expect(
        await list('alpha', 'reported.interval == 600 && desired.interval == 600 && type == "tracker"'),
      ).toEqual(expectedIds((i) => i % 120 === 0));
      expect(await list('alpha', '!has(desired.interval) && id < "dev-00003"')).toEqual([
        'dev-00001',
        'dev-00002',
      ]);
      // Beta has no twins: the key is missing, so nothing matches.
      expect(await list('beta', 'desired.interval == 600 || reported.interval == 600')).toEqual([]);
    });

    it('never reaches another tenant’s devices', async () => {
      expect(await list('beta', 'lastSeen > now - duration("1h") && id == "dev-00007"')).toEqual([
        'dev-00007',
      ]);
      expect((await list('beta', 'true', 1000)).length).toBe(FLEET);
      const other = await ts.request('POST', '/v1/tenants', { json: { id: 'gamma', name: 'gamma' } });
      expect(other.status).toBe(201);
      const key = await ts.request('POST', '/v1/tenants/gamma/keys', {
        json: { name: 'k', scope: 'reader' },
      });
      keys.gamma = mustBeString(key.body.secret, 'secret');
      expect(await list('gamma', 'id.startsWith("dev-") || true')).toEqual([]);
    });

    it('answers a short page with a cursor when the in-process part rejects a whole scan', async () => {
      // No device of this fleet has three tags: the scan reads all of them, a page at a time.
      expect(FLEET).toBeLessThan(MAX_SCANNED_PER_PAGE);
      expect(await list('alpha', 'size(tags) == 3', 10)).toEqual([]);
    });

    it('refuses a condition that does not parse, with its line and column', async () => {
      const response = await ts.request(
        'GET',
        `/v1/devices?where=${encodeURIComponent('type == "tracker" &&\n  tags.site ==')}`,
        { key: keys.alpha },
      );
      expectProblem(response, 400, 'invalid_condition');
      expect(response.body.data).toMatchObject({ field: 'where', problem: 'syntax', line: 2, column: 15 });
      expect(response.body.detail).toMatch(/line 2, column 15/);
    });

    it('refuses type errors, unknown variables and limits with their positions', async () => {
      const cases = [
        ['id == "a" && type == 3', 'type', 14],
        ['firmware > 2', 'unknown_variable', 1],
        ['name', 'not_boolean', 1],
        [`id == "${'x'.repeat(2100)}"`, 'limit', 2049],
      ] as const;
      for (const [where, problem, column] of cases) {
        const response = await ts.request('GET', `/v1/devices?where=${encodeURIComponent(where)}`, {
          key: keys.alpha,
        });
        expectProblem(response, 400, 'invalid_condition');
        expect(response.body.data, where).toMatchObject({ problem, line: 1, column });
      }
      const tooLong = await ts.request('GET', `/v1/devices?where=${'x'.repeat(5000)}`, { key: keys.alpha });
      expectProblem(tooLong, 400, 'validation_failed');
    });

    it('describes where in the OpenAPI document', async () => {
      const spec = await ts.request('GET', '/openapi.json', { key: null });
      const parameters = spec.body.paths['/v1/devices'].get.parameters as {
        name: string;
        description?: string;
      }[];
      const where = parameters.find((p) => p.name === 'where');
      expect(where?.description).toContain('CEL');
    });
  });
}
