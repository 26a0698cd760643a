import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

interface ChangeItem {
  cursor: string;
  kind: string;
  entityId: string;
  data: Record<string, unknown>;
}

/** Follows the feed from `since` until an empty page; returns what it saw and the cursor. */
async function drain(
  server: TestServer,
  key: string,
  since: string,
): Promise<{ items: ChangeItem[]; cursor: string }> {
  const items: ChangeItem[] = [];
  let cursor = since;
  for (;;) {
    const page = await server.request('GET', `/v1/changes?since=${cursor}&limit=7`, { key });
    expect(page.status, page.text).toBe(200);
    items.push(...(page.body.items as ChangeItem[]));
    cursor = page.body.nextCursor;
    if (page.body.items.length === 0) return { items, cursor };
  }
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`GET /v1/changes (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let keyA: string;
    let keyB: string;

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      for (const id of ['a', 'b']) {
        expect((await server.request('POST', '/v1/tenants', { json: { id, name: id } })).status).toBe(201);
      }
      const mint = async (tenant: string) =>
        (await server.request('POST', `/v1/tenants/${tenant}/keys`, { json: { name: 'k', scope: 'admin' } }))
          .body.secret as string;
      keyA = await mint('a');
      keyB = await mint('b');
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('records every registry change of the tenant in commit order, with the entity after it', async () => {
      const start = (await server.request('GET', '/v1/changes?since=latest', { key: keyA })).body
        .nextCursor as string;
      const as = { key: keyA };
      await server.request('POST', '/v1/device-types', { ...as, json: { id: 'meter', name: 'Meter' } });
      await server.request('POST', '/v1/devices', {
        ...as,
        json: { id: 'm1', typeId: 'meter', tags: { s: '1' } },
      });
      await server.request('PATCH', '/v1/devices/m1', { ...as, json: { name: 'renamed' } });
      await server.request('DELETE', '/v1/devices/m1', as);
      await server.request('POST', '/v1/devices/m1/restore', as);
      await server.request('PATCH', '/v1/device-types/meter', { ...as, json: { description: 'd' } });
      await server.request('POST', '/v1/device-types', { ...as, json: { id: 'spare', name: 'Spare' } });
      await server.request('DELETE', '/v1/device-types/spare', as);
      const { items } = await drain(server, keyA, start);
      expect(items.map((c) => `${c.kind} ${c.entityId}`)).toEqual([
        'device_type.created meter',
        'device.created m1',
        'device.updated m1',
        'device.deleted m1',
        'device.restored m1',
        'device_type.updated meter',
        'device_type.created spare',
        'device_type.deleted spare',
      ]);
      expect(items[2]?.data).toMatchObject({ id: 'm1', name: 'renamed', version: 2, tags: { s: '1' } });
      expect(items[3]?.data.deletedAt).toEqual(expect.any(String));
      expect(items[4]?.data.deletedAt).toBeNull();
    });

    it('records nothing for a refused or failed write', async () => {
      const start = (await server.request('GET', '/v1/changes?since=latest', { key: keyA })).body
        .nextCursor as string;
      await server.request('POST', '/v1/devices', { key: keyA, json: { id: 'x', typeId: 'missing' } });
      await server.request('PATCH', '/v1/devices/m1', {
        key: keyA,
        json: { name: 'y' },
        headers: { 'if-match': '"1"' },
      });
      const atomic = await server.request('POST', '/v1/devices/import?atomic=true&typeId=meter', {
        key: keyA,
        body: '{"id":"i1"}\n{"id":"bad id"}\n',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(atomic.status, atomic.text).toBe(422);
      expect(atomic.body.data.committed).toBe(false);
      expect((await drain(server, keyA, start)).items).toEqual([]);
    });

    it('records one device.created per imported device', async () => {
      const start = (await server.request('GET', '/v1/changes?since=latest', { key: keyA })).body
        .nextCursor as string;
      const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: `imp-${i}` })).join('\n');
      for (const atomic of [false, true]) {
        const body = atomic ? lines.replaceAll('imp-', 'atm-') : lines;
        const report = await server.request('POST', `/v1/devices/import?atomic=${atomic}&typeId=meter`, {
          key: keyA,
          body,
          headers: { 'content-type': 'application/x-ndjson' },
        });
        expect(report.body.created).toBe(25);
      }
      const { items } = await drain(server, keyA, start);
      expect(items).toHaveLength(50);
      expect(items.every((c) => c.kind === 'device.created')).toBe(true);
      expect(new Set(items.map((c) => c.entityId)).size).toBe(50);
    });

    it("never shows a tenant another tenant's changes", async () => {
      await server.request('POST', '/v1/device-types', { key: keyB, json: { id: 'b-type', name: 'B' } });
      const a = await drain(server, keyA, '0');
      const b = await drain(server, keyB, '0');
      expect(a.items.some((c) => c.entityId === 'b-type')).toBe(false);
      expect(b.items.map((c) => c.entityId)).toEqual(['b-type']);
      // A cursor of A's feed gives B nothing of A's either.
      expect((await drain(server, keyB, '0')).items.every((c) => c.entityId.startsWith('b-'))).toBe(true);
    });

    it('answers a long poll as soon as a change is committed', async () => {
      const start = (await server.request('GET', '/v1/changes?since=latest', { key: keyA })).body
        .nextCursor as string;
      const began = Date.now();
      const poll = server.request('GET', `/v1/changes?since=${start}&wait=20`, { key: keyA });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await server.request('POST', '/v1/devices', { key: keyA, json: { id: 'woke', typeId: 'meter' } });
      const page = await poll;
      expect(page.status).toBe(200);
      expect(page.body.items.map((c: ChangeItem) => c.entityId)).toEqual(['woke']);
      expect(Date.now() - began).toBeLessThan(10_000);
    });

    it('refuses bad cursors, waits and limits with a problem document', async () => {
      for (const query of [
        'since=abc',
        'since=-1',
        'wait=31',
        'wait=-1',
        'limit=0',
        'limit=1001',
        'other=1',
        // Above 2^53 - 1 a cursor cannot be read exactly: it would be answered with a smaller one.
        'since=9007199254740992',
        'since=9007199254740993',
        'since=999999999999999999',
      ]) {
        const response = await server.request('GET', `/v1/changes?${query}`, { key: keyA });
        expect(response.status, query).toBe(400);
        expect(response.body.code).toBe('validation_failed');
      }
      const largest = await server.request('GET', '/v1/changes?since=9007199254740991', { key: keyA });
      expect(largest.status, largest.text).toBe(200);
      expect(BigInt(largest.body.nextCursor)).toBeGreaterThanOrEqual(9007199254740991n);
    });
  });

  describe.skipIf(!dialect.available)(`change feed across a restart (${dialect.name})`, () => {
    it('lets a follower resume after a server restart and see every change exactly once, in order', async () => {
      const database = await dialect.create();
      try {
        let server = await startTestServer(database);
        const key = server.adminKey;
        await server.request('POST', '/v1/device-types', { json: { id: 't', name: 'T' } });
        const create = (s: TestServer, from: number, to: number) =>
          Promise.all(
            Array.from({ length: to - from }, (_, i) =>
              s.request('POST', '/v1/devices', {
                key,
                json: { id: `d${String(from + i).padStart(3, '0')}`, typeId: 't' },
              }),
            ),
          );
        await create(server, 0, 30);
        const first = await drain(server, key, '0');
        await create(server, 30, 45);
        await server.close();

        // The same database: the first start's bootstrap key still works.
        server = await startTestServer(database);
        expect((await server.request('GET', '/v1/me', { key })).status).toBe(200);
        await create(server, 45, 60);
        const second = await drain(server, key, first.cursor);
        await server.close();

        const all = [...first.items, ...second.items];
        const devices = all.filter((c) => c.kind === 'device.created').map((c) => c.entityId);
        expect(devices).toHaveLength(60);
        expect(new Set(devices).size).toBe(60);
        const cursors = all.map((c) => Number(c.cursor));
        expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
      } finally {
        await database.drop();
      }
    });

    it('ends a long poll when the server shuts down, so that shutdown does not wait for it', async () => {
      const database = await dialect.create();
      try {
        const server = await startTestServer(database);
        const poll = server.request('GET', '/v1/changes?since=latest&wait=30');
        await new Promise((resolve) => setTimeout(resolve, 200));
        const began = Date.now();
        await server.close();
        expect(Date.now() - began).toBeLessThan(5_000);
        const page = await poll;
        expect(page.status).toBe(200);
        expect(page.body.items).toEqual([]);
      } finally {
        await database.drop();
      }
    });
  });
}
