import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/**
 * Device types and devices over real HTTP: versions and If-Match, soft delete and restore,
 * filters, and keyset pages that stay stable while devices are added.
 */

const ids = (response: TestResponse): string[] => response.body.items.map((d: { id: string }) => d.id);

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`device registry: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;

    async function ok(method: string, path: string, json?: unknown, headers?: Record<string, string>) {
      const response = await ts.request(method, path, { json, ...(headers ? { headers } : {}) });
      expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
      return response;
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      await ok('POST', '/v1/device-types', { id: 'tracker', name: 'Tracker' });
      await ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    describe('device types', () => {
      it('creates a device type with version 1, an ETag and a Location', async () => {
        const response = await ts.request('POST', '/v1/device-types', {
          json: {
            id: 'probe',
            name: 'Probe',
            description: 'a probe',
            expectedUplinkIntervalSeconds: 600,
            settings: { codec: 'none', nested: { a: [1, 2] } },
          },
        });
        expect(response.status).toBe(201);
        expect(response.headers.get('etag')).toBe('"1"');
        expect(response.headers.get('location')).toBe('/v1/device-types/probe');
        expect(response.body).toMatchObject({
          id: 'probe',
          name: 'Probe',
          description: 'a probe',
          expectedUplinkIntervalSeconds: 600,
          settings: { codec: 'none', nested: { a: [1, 2] } },
          version: 1,
        });
        const fetched = await ok('GET', '/v1/device-types/probe');
        expect(fetched.body).toEqual(response.body);
        expect(fetched.headers.get('etag')).toBe('"1"');
      });

      it('answers 409 already_exists to a device type id that is taken', async () => {
        expectProblem(
          await ts.request('POST', '/v1/device-types', { json: { id: 'tracker', name: 'Again' } }),
          409,
          'already_exists',
        );
        expect((await ok('GET', '/v1/device-types/tracker')).body.name).toBe('Tracker');
      });

      it('changes a device type with If-Match and refuses a stale one with 412', async () => {
        const changed = await ok(
          'PATCH',
          '/v1/device-types/probe',
          { name: 'Probe v2' },
          { 'if-match': '"1"' },
        );
        expect(changed.body).toMatchObject({ name: 'Probe v2', version: 2, description: 'a probe' });
        expect(changed.headers.get('etag')).toBe('"2"');
        const stale = await ts.request('PATCH', '/v1/device-types/probe', {
          json: { name: 'lost update' },
          headers: { 'if-match': '"1"' },
        });
        expectProblem(stale, 412, 'precondition_failed');
        expect(stale.body.data).toEqual({ currentVersion: 2 });
        expect((await ok('GET', '/v1/device-types/probe')).body).toMatchObject({
          name: 'Probe v2',
          version: 2,
        });
        const cleared = await ok('PATCH', '/v1/device-types/probe', { expectedUplinkIntervalSeconds: null });
        expect(cleared.body).toMatchObject({ expectedUplinkIntervalSeconds: null, version: 3 });
      });

      it('refuses to delete a device type with a stale If-Match, then deletes it', async () => {
        expectProblem(
          await ts.request('DELETE', '/v1/device-types/probe', { headers: { 'if-match': '"1"' } }),
          412,
          'precondition_failed',
        );
        expect((await ok('GET', '/v1/device-types/probe')).status).toBe(200);
        const deleted = await ts.request('DELETE', '/v1/device-types/probe', {
          headers: { 'if-match': '"3"' },
        });
        expect(deleted.status).toBe(204);
        expect(deleted.text).toBe('');
        expectProblem(await ts.request('GET', '/v1/device-types/probe'), 404, 'not_found');
        expectProblem(await ts.request('DELETE', '/v1/device-types/probe'), 404, 'not_found');
      });

      it('answers 409 conflict to deleting a device type that has devices, deleted ones included', async () => {
        await ok('POST', '/v1/device-types', { id: 'busy', name: 'Busy' });
        await ok('POST', '/v1/devices', { id: 'busy-1', typeId: 'busy' });
        const response = await ts.request('DELETE', '/v1/device-types/busy');
        expectProblem(response, 409, 'conflict');
        expect(response.body.data).toEqual({ devices: 1 });
        await ok('DELETE', '/v1/devices/busy-1');
        expectProblem(await ts.request('DELETE', '/v1/device-types/busy'), 409, 'conflict');
        expect((await ok('GET', '/v1/device-types/busy')).body.id).toBe('busy');
      });

      it('pages through device types in id order', async () => {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor === null ? '' : `&cursor=${cursor}`;
          const page = await ok('GET', `/v1/device-types?limit=1${query}`);
          expect(page.body.items.length).toBeLessThanOrEqual(1);
          seen.push(...ids(page));
          cursor = page.body.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(['busy', 'meter', 'tracker']);
      });
    });

    describe('devices', () => {
      it('creates a device with version 1, an ETag and a Location, and reads it back', async () => {
        const response = await ts.request('POST', '/v1/devices', {
          json: {
            id: 'dev-A1',
            typeId: 'tracker',
            name: 'First',
            tags: { site: 'north' },
            attributes: { sim: 1 },
          },
        });
        expect(response.status).toBe(201);
        expect(response.headers.get('etag')).toBe('"1"');
        expect(response.headers.get('location')).toBe('/v1/devices/dev-A1');
        expect(response.body).toMatchObject({
          id: 'dev-A1',
          typeId: 'tracker',
          name: 'First',
          tags: { site: 'north' },
          attributes: { sim: 1 },
          version: 1,
          deletedAt: null,
        });
        expect(response.body.createdAt).toBe(response.body.updatedAt);
        const fetched = await ok('GET', '/v1/devices/dev-A1');
        expect(fetched.body).toEqual(response.body);
        expect(fetched.headers.get('etag')).toBe('"1"');
      });

      it('treats device ids as case-sensitive', async () => {
        expectProblem(await ts.request('GET', '/v1/devices/DEV-A1'), 404, 'not_found');
        const upper = await ts.request('POST', '/v1/devices', { json: { id: 'DEV-A1', typeId: 'tracker' } });
        expect(upper.status).toBe(201);
        await ok('DELETE', '/v1/devices/DEV-A1');
      });

      it('answers 409 already_exists to a device id that is taken', async () => {
        const response = await ts.request('POST', '/v1/devices', { json: { id: 'dev-A1', typeId: 'meter' } });
        expectProblem(response, 409, 'already_exists');
        expect(response.body.data).toMatchObject({ id: 'dev-A1', deleted: false });
        expect((await ok('GET', '/v1/devices/dev-A1')).body.typeId).toBe('tracker');
      });

      it('answers 400 to a device of a type that does not exist', async () => {
        expectProblem(
          await ts.request('POST', '/v1/devices', { json: { id: 'dev-orphan', typeId: 'nope' } }),
          400,
          'validation_failed',
        );
        expectProblem(await ts.request('GET', '/v1/devices/dev-orphan'), 404, 'not_found');
      });

      it('changes a device with a current If-Match and bumps its version and ETag', async () => {
        const changed = await ok('PATCH', '/v1/devices/dev-A1', { name: 'Renamed' }, { 'if-match': '"1"' });
        expect(changed.body).toMatchObject({ name: 'Renamed', version: 2, tags: { site: 'north' } });
        expect(changed.headers.get('etag')).toBe('"2"');
        expect(Date.parse(changed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(changed.body.createdAt));
        const weak = await ok(
          'PATCH',
          '/v1/devices/dev-A1',
          { attributes: { sim: 2 } },
          { 'if-match': 'W/"2"' },
        );
        expect(weak.body.version).toBe(3);
        const any = await ok('PATCH', '/v1/devices/dev-A1', { attributes: { sim: 3 } }, { 'if-match': '*' });
        expect(any.body.version).toBe(4);
      });

      it('applies concurrent changes without If-Match one after the other, none refused', async () => {
        const before = (await ok('GET', '/v1/devices/dev-A1')).body;
        // Each request reads the device, then compares and sets: without If-Match a lost race
        // reads again instead of answering 412 (automatic lifecycle moves race like this).
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            ts.request('PATCH', '/v1/devices/dev-A1', { json: { attributes: { racer: i } } }),
          ),
        );
        expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
        expect((await ok('GET', '/v1/devices/dev-A1')).body.version).toBe(before.version + 8);
      });

      it('answers 412 to a stale If-Match and does not apply the change', async () => {
        const before = (await ok('GET', '/v1/devices/dev-A1')).body;
        const stale = await ts.request('PATCH', '/v1/devices/dev-A1', {
          json: { name: 'lost update', tags: { site: 'lost' } },
          headers: { 'if-match': '"1"' },
        });
        expectProblem(stale, 412, 'precondition_failed');
        expect(stale.body.data).toEqual({ currentVersion: before.version });
        expect((await ok('GET', '/v1/devices/dev-A1')).body).toEqual(before);
        const lostTag = await ok('GET', '/v1/devices?tag=site=lost');
        expect(ids(lostTag)).toEqual([]);
        expectProblem(
          await ts.request('DELETE', '/v1/devices/dev-A1', { headers: { 'if-match': '"1"' } }),
          412,
          'precondition_failed',
        );
        expect((await ok('GET', '/v1/devices/dev-A1')).body).toEqual(before);
      });

      it('applies exactly one of several concurrent changes made with the same If-Match', async () => {
        const current = await ok('GET', '/v1/devices/dev-A1');
        const etag = current.headers.get('etag') ?? '';
        const answers = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            ts.request('PATCH', '/v1/devices/dev-A1', {
              json: { name: `racer ${i}` },
              headers: { 'if-match': etag },
            }),
          ),
        );
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).toEqual([200, 412, 412, 412, 412, 412]);
        const winner = answers.find((a) => a.status === 200);
        const after = await ok('GET', '/v1/devices/dev-A1');
        expect(after.body.name).toBe(winner?.body.name);
        expect(after.body.version).toBe(current.body.version + 1);
      });

      it('replaces tags and attributes whole on change', async () => {
        await ok('PATCH', '/v1/devices/dev-A1', {
          tags: { site: 'north', floor: '2' },
          attributes: { a: 1, b: 2 },
        });
        const changed = await ok('PATCH', '/v1/devices/dev-A1', {
          tags: { floor: '3' },
          attributes: { c: 3 },
        });
        expect(changed.body.tags).toEqual({ floor: '3' });
        expect(changed.body.attributes).toEqual({ c: 3 });
        expect(ids(await ok('GET', '/v1/devices?tag=site'))).not.toContain('dev-A1');
        expect(ids(await ok('GET', '/v1/devices?tag=floor=3'))).toContain('dev-A1');
        const emptied = await ok('PATCH', '/v1/devices/dev-A1', { tags: {} });
        expect(emptied.body.tags).toEqual({});
        expect(ids(await ok('GET', '/v1/devices?tag=floor'))).not.toContain('dev-A1');
      });

      it('answers 400 to a type change to a missing type and keeps the old type', async () => {
        const before = (await ok('GET', '/v1/devices/dev-A1')).body;
        const response = await ts.request('PATCH', '/v1/devices/dev-A1', {
          json: { typeId: 'nope', name: 'x' },
        });
        expectProblem(response, 400, 'validation_failed');
        expect(response.body.data).toMatchObject({ field: 'typeId' });
        expect((await ok('GET', '/v1/devices/dev-A1')).body).toEqual(before);
        const moved = await ok('PATCH', '/v1/devices/dev-A1', { typeId: 'meter' });
        expect(moved.body.typeId).toBe('meter');
        expect(ids(await ok('GET', '/v1/devices?typeId=meter'))).toContain('dev-A1');
        expect(ids(await ok('GET', '/v1/devices?typeId=tracker'))).not.toContain('dev-A1');
      });

      it('refuses attributes larger than 16 KiB', async () => {
        const big = { blob: 'x'.repeat(16 * 1024) };
        const created = await ts.request('POST', '/v1/devices', {
          json: { id: 'dev-big', typeId: 'meter', attributes: big },
        });
        expectProblem(created, 400, 'validation_failed');
        expectProblem(await ts.request('GET', '/v1/devices/dev-big'), 404, 'not_found');
        expectProblem(
          await ts.request('PATCH', '/v1/devices/dev-A1', { json: { attributes: big } }),
          400,
          'validation_failed',
        );
        expectProblem(
          await ts.request('POST', '/v1/device-types', { json: { id: 'big', name: 'Big', settings: big } }),
          400,
          'validation_failed',
        );
      });
    });

    describe('soft delete and restore', () => {
      beforeAll(async () => {
        await ok('POST', '/v1/devices', {
          id: 'dev-del',
          typeId: 'tracker',
          name: 'Doomed',
          tags: { fate: 'deleted' },
        });
        await ok('POST', '/v1/devices', { id: 'dev-kept', typeId: 'tracker', tags: { fate: 'kept' } });
      });

      it('hides a deleted device from reads and lists but not from deleted=only', async () => {
        const deleted = await ts.request('DELETE', '/v1/devices/dev-del', { headers: { 'if-match': '"1"' } });
        expect(deleted.status).toBe(204);
        expectProblem(await ts.request('GET', '/v1/devices/dev-del'), 404, 'not_found');
        expect(ids(await ok('GET', '/v1/devices?limit=1000'))).not.toContain('dev-del');
        expect(ids(await ok('GET', '/v1/devices?tag=fate'))).toEqual(['dev-kept']);
        expect(ids(await ok('GET', '/v1/devices?deleted=only&tag=fate'))).toEqual(['dev-del']);
        expect(ids(await ok('GET', '/v1/devices?deleted=include&tag=fate'))).toEqual(['dev-del', 'dev-kept']);
        const found = await ok('GET', '/v1/devices/dev-del?deleted=include');
        expect(found.body).toMatchObject({ id: 'dev-del', name: 'Doomed', version: 2 });
        expect(found.body.deletedAt).toEqual(expect.any(String));
        expect(found.headers.get('etag')).toBe('"2"');
      });

      it('answers 404 to changing, deleting or adding credentials to a deleted device', async () => {
        expectProblem(
          await ts.request('PATCH', '/v1/devices/dev-del', { json: { name: 'x' } }),
          404,
          'not_found',
        );
        expectProblem(await ts.request('DELETE', '/v1/devices/dev-del'), 404, 'not_found');
        expectProblem(
          await ts.request('POST', '/v1/devices/dev-del/credentials', { json: { kind: 'token' } }),
          404,
          'not_found',
        );
        expect((await ok('GET', '/v1/devices/dev-del?deleted=include')).body.version).toBe(2);
      });

      it('answers 409 already_exists to recreating a deleted device with the same id', async () => {
        const response = await ts.request('POST', '/v1/devices', {
          json: { id: 'dev-del', typeId: 'meter' },
        });
        expectProblem(response, 409, 'already_exists');
        expect(response.body.data).toMatchObject({ id: 'dev-del', deleted: true });
        expect(response.body.detail).toMatch(/restore/);
        expectProblem(await ts.request('GET', '/v1/devices/dev-del'), 404, 'not_found');
      });

      it('restores a deleted device with its data', async () => {
        const restored = await ok('POST', '/v1/devices/dev-del/restore');
        expect(restored.body).toMatchObject({
          id: 'dev-del',
          name: 'Doomed',
          tags: { fate: 'deleted' },
          deletedAt: null,
          version: 3,
        });
        expect(restored.headers.get('etag')).toBe('"3"');
        expect((await ok('GET', '/v1/devices/dev-del')).body).toEqual(restored.body);
        expect(ids(await ok('GET', '/v1/devices?tag=fate'))).toEqual(['dev-del', 'dev-kept']);
        expect(ids(await ok('GET', '/v1/devices?deleted=only&tag=fate'))).toEqual([]);
      });

      it('answers 409 conflict to restoring a device that is not deleted, 404 to a missing one', async () => {
        expectProblem(await ts.request('POST', '/v1/devices/dev-kept/restore'), 409, 'conflict');
        expectProblem(await ts.request('POST', '/v1/devices/dev-never/restore'), 404, 'not_found');
      });
    });

    describe('filters', () => {
      beforeAll(async () => {
        const devices: [string, string, Record<string, string>][] = [
          ['f-1', 'tracker', { fleet: 'red', site: 'north' }],
          ['f-2', 'tracker', { fleet: 'red', site: 'south' }],
          ['f-3', 'meter', { fleet: 'red', site: 'north', eq: 'a=b' }],
          ['f-4', 'meter', { fleet: 'blue', site: '' }],
          ['f-5', 'meter', {}],
        ];
        for (const [id, typeId, tags] of devices) await ok('POST', '/v1/devices', { id, typeId, tags });
      });
      const query = async (q: string) =>
        ids(await ok('GET', `/v1/devices?limit=1000&${q}`)).filter((id) => id.startsWith('f-'));

      it('filters by type', async () => {
        expect(await query('typeId=tracker')).toEqual(['f-1', 'f-2']);
        expect(await query('typeId=meter')).toEqual(['f-3', 'f-4', 'f-5']);
        expect(await query('typeId=nope')).toEqual([]);
      });

      it('filters by tag value with tag=k=v', async () => {
        expect(await query('tag=fleet=red')).toEqual(['f-1', 'f-2', 'f-3']);
        expect(await query('tag=site=')).toEqual(['f-4']);
        expect(await query(`tag=${encodeURIComponent('eq=a=b')}`)).toEqual(['f-3']);
        expect(await query('tag=fleet=RED')).toEqual([]);
      });

      it('filters by tag presence with tag=k', async () => {
        expect(await query('tag=site')).toEqual(['f-1', 'f-2', 'f-3', 'f-4']);
        expect(await query('tag=missing')).toEqual([]);
      });

      it('combines repeated tags and a type with AND', async () => {
        expect(await query('tag=fleet=red&tag=site=north')).toEqual(['f-1', 'f-3']);
        expect(await query('tag=fleet=red&tag=site=north&typeId=meter')).toEqual(['f-3']);
        expect(await query('tag=fleet=red&tag=fleet=blue')).toEqual([]);
        expect(await query('tag=fleet&tag=eq')).toEqual(['f-3']);
      });

      it('pages through a filtered list', async () => {
        const first = await ok('GET', '/v1/devices?tag=fleet=red&limit=2');
        expect(ids(first)).toEqual(['f-1', 'f-2']);
        const second = await ok('GET', `/v1/devices?tag=fleet=red&limit=2&cursor=${first.body.nextCursor}`);
        expect(ids(second)).toEqual(['f-3']);
        expect(second.body.nextCursor).toBeNull();
      });
    });

    describe('pagination', () => {
      it('sees every device that existed at the start exactly once, in id order, while devices are added', async () => {
        await ok('POST', '/v1/device-types', { id: 'paged', name: 'Paged' });
        const initial = Array.from({ length: 30 }, (_, i) => `p-${String(i * 2).padStart(3, '0')}`);
        for (const id of initial) await ok('POST', '/v1/devices', { id, typeId: 'paged' });

        const seen: string[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const q: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
          const response = await ok('GET', `/v1/devices?typeId=paged&limit=7${q}`);
          expect(response.body.items.length).toBeLessThanOrEqual(7);
          seen.push(...ids(response));
          cursor = response.body.nextCursor;
          // Between pages, devices appear before the cursor, after it, and at the very end.
          page += 1;
          const odd = (n: number) => `p-${String(n).padStart(3, '0')}`;
          await ok('POST', '/v1/devices', { id: odd(page * 8 - 7), typeId: 'paged' });
          await ok('POST', '/v1/devices', { id: `${odd(page * 8 + 9)}b`, typeId: 'paged' });
          await ok('POST', '/v1/devices', { id: `p-9${page}`, typeId: 'paged' });
        } while (cursor !== null);

        for (const id of initial)
          expect(
            seen.filter((s) => s === id),
            id,
          ).toHaveLength(1);
        expect(new Set(seen).size).toBe(seen.length);
        expect([...seen].sort()).toEqual(seen);
        expect(page).toBeGreaterThan(4);
      });

      it('answers nextCursor null on the last page', async () => {
        const all = await ok('GET', '/v1/devices?typeId=tracker&limit=1000');
        expect(all.body.nextCursor).toBeNull();
        const exact = await ok('GET', `/v1/devices?typeId=tracker&limit=${all.body.items.length}`);
        const after = await ok('GET', `/v1/devices?typeId=tracker&limit=1&cursor=${exact.body.nextCursor}`);
        expect(after.body).toEqual({ items: [], nextCursor: null });
      });
    });
  });
}
