import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import { CapturePipeline, type Frame } from '../capture/index.js';
import type { MessageView } from './message-schemas.js';

/** History, one message and a device's latest state, over real HTTP on both dialects. */

const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);
const frameClock = { now: () => Date.now() };

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`message history and state (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let pipeline: CapturePipeline;
    const keys = { adminA: '', readerA: '', readerB: '' };

    async function mint(tenant: string, scope: string): Promise<string> {
      const response = await server.request('POST', `/v1/tenants/${tenant}/keys`, {
        json: { name: `${scope} key`, scope },
      });
      expect(response.status, response.text).toBe(201);
      return response.body.secret as string;
    }

    /** Creates a device of tenant A and returns a device token for it. */
    async function device(id: string, typeId = 'meter'): Promise<string> {
      const created = await server.request('POST', '/v1/devices', { key: keys.adminA, json: { id, typeId } });
      expect(created.status, created.text).toBe(201);
      const credential = await server.request('POST', `/v1/devices/${id}/credentials`, {
        key: keys.adminA,
        json: { kind: 'token', name: 'test' },
      });
      expect(credential.status, credential.text).toBe(201);
      return credential.body.token as string;
    }

    async function ingest(token: string, json: unknown): Promise<TestResponse> {
      const response = await server.request('POST', '/v1/ingest', { key: token, json });
      expect([200, 201], response.text).toContain(response.status);
      return response;
    }

    /** A frame of tenant A with exact times, written by a pipeline on the server's own store. */
    function frame(deviceId: string, receivedAt: number, extra: Partial<Frame> = {}): Frame {
      return {
        tenantId: 'a',
        deviceId,
        typeId: 'meter',
        transport: 'sigfox',
        receivedAt,
        payload: Buffer.from('cafe', 'hex'),
        receptions: [],
        ...extra,
      };
    }

    const history = (deviceId: string, query: string, key: string | null = keys.readerA) =>
      server.request('GET', `/v1/devices/${deviceId}/messages${query ? `?${query}` : ''}`, { key });

    /** Follows `nextCursor` to the end; `between` runs after each page. */
    async function readAll(
      deviceId: string,
      query: string,
      between: () => Promise<void> = async () => {},
    ): Promise<MessageView[]> {
      const items: MessageView[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages += 1) {
        const response = await history(
          deviceId,
          `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(response.status, response.text).toBe(200);
        items.push(...(response.body.items as MessageView[]));
        cursor = response.body.nextCursor as string | null;
        if (cursor === null) return items;
        await between();
      }
      throw new Error('history did not end');
    }

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      for (const id of ['a', 'b']) {
        const tenant = await server.request('POST', '/v1/tenants', { json: { id, name: id } });
        expect(tenant.status, tenant.text).toBe(201);
      }
      keys.adminA = await mint('a', 'admin');
      keys.readerA = await mint('a', 'reader');
      keys.readerB = await mint('b', 'reader');
      const type = await server.request('POST', '/v1/device-types', {
        key: keys.adminA,
        json: { id: 'meter', name: 'Meter', capture: { lateAfterSeconds: 600 } },
      });
      expect(type.status, type.text).toBe(201);
      pipeline = new CapturePipeline(
        { store: server.server.store, clock: frameClock, bus: new EventBus(), logger: silentLogger },
        { writer: openCaptureWriter(server.server.store) },
      );
    });

    afterAll(async () => {
      await pipeline?.drained();
      await server?.close();
      await database?.drop();
    });

    it('pages through a history larger than a page, newest first, each message once while new ones arrive', async () => {
      const token = await device('pager-desc');
      // Batches share one receive time: the id breaks the ties.
      for (let batch = 0; batch < 3; batch += 1) {
        await ingest(token, {
          messages: Array.from({ length: 100 }, (_, i) => ({ hex: '01', seq: batch * 100 + i })),
        });
      }
      let arriving = 300;
      const items = await readAll('pager-desc', 'limit=37', async () => {
        await ingest(token, { hex: '02', seq: arriving });
        arriving += 1;
      });
      // Newest first, and what arrived after the first page is newer than the cursor.
      expect(items.map((m) => m.seq).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
        Array.from({ length: 300 }, (_, i) => i),
      );
      expect(new Set(items.map((m) => m.id)).size).toBe(300);
      for (let i = 1; i < items.length; i += 1) {
        const [previous, current] = [items[i - 1], items[i]];
        if (!previous || !current) continue;
        expect(previous.receivedAt >= current.receivedAt).toBe(true);
        if (previous.receivedAt === current.receivedAt) expect(previous.id > current.id).toBe(true);
      }
    });

    it('pages oldest first with order=asc, each message exactly once while new ones arrive', async () => {
      const token = await device('pager-asc');
      for (let batch = 0; batch < 3; batch += 1) {
        await ingest(token, {
          messages: Array.from({ length: 100 }, (_, i) => ({ hex: '01', seq: batch * 100 + i })),
        });
      }
      let arriving = 300;
      const items = await readAll('pager-asc', 'order=asc&limit=41', async () => {
        await ingest(token, { hex: '02', seq: arriving });
        arriving += 1;
      });
      // Every message that existed, once; arrivals are newer, so they may follow at the end.
      const seqs = items.map((m) => m.seq ?? -1);
      expect(seqs.slice(0, 300).sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(new Set(items.map((m) => m.id)).size).toBe(items.length);
      expect(seqs.slice(300)).toEqual(Array.from({ length: items.length - 300 }, (_, i) => 300 + i));
      for (let i = 1; i < items.length; i += 1) {
        const [previous, current] = [items[i - 1], items[i]];
        if (!previous || !current) continue;
        expect(previous.receivedAt <= current.receivedAt).toBe(true);
        if (previous.receivedAt === current.receivedAt) expect(previous.id < current.id).toBe(true);
      }
    });

    it('returns the first page newest first with a cursor only when the page is full', async () => {
      const token = await device('small');
      for (let seq = 1; seq <= 3; seq += 1) await ingest(token, { hex: '0a', seq });
      const all = await history('small', '');
      expect(all.status).toBe(200);
      expect(all.body.items.map((m: MessageView) => m.seq)).toEqual([3, 2, 1]);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.items[0]).toMatchObject({
        deviceId: 'small',
        typeId: 'meter',
        transport: 'http',
        payload: { hex: '0a', size: 1 },
        timeliness: 'live',
      });
      expect(all.body.items[0]).not.toHaveProperty('receptions');
      const empty = await history('never-sent', '');
      expect(empty.status).toBe(404);
      await device('never-sent');
      expect((await history('never-sent', '')).body).toEqual({ items: [], nextCursor: null });
    });

    it('keeps to from (inclusive) and to (exclusive) on the receive time', async () => {
      await device('bounded');
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          pipeline.capture(frame('bounded', T0 + i * 60_000, { seq: i, messageId: `m${i}` })),
        ),
      );
      const iso = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
      const between = await readAll('bounded', `from=${iso(2)}&to=${iso(5)}&order=asc&limit=2`);
      expect(between.map((m) => m.seq)).toEqual([2, 3, 4]);
      const since = await readAll('bounded', `from=${iso(8)}`);
      expect(since.map((m) => m.seq)).toEqual([9, 8]);
      const until = await readAll('bounded', `to=${iso(1)}`);
      expect(until.map((m) => m.seq)).toEqual([0]);
      // Offsets other than Z name the same instant.
      const offset = await readAll(
        'bounded',
        `from=${encodeURIComponent('2026-01-15T10:05:00+02:00')}&order=asc`,
      );
      expect(offset.map((m) => m.seq)).toEqual([5, 6, 7, 8, 9]);
      expect(await readAll('bounded', `from=${iso(4)}&to=${iso(4)}`)).toEqual([]);
    });

    it('includes receptions, ordered by station, only when asked', async () => {
      await device('heard');
      const heard = await pipeline.capture(
        frame('heard', T0, {
          seq: 1,
          receptions: [
            { station: 'BS-C', receivedAt: T0, rssi: -120, snr: 8 },
            { station: 'BS-A', receivedAt: T0 + 5, rssi: -101.5, snr: 20, lat: 48.85, lng: 2.35 },
          ],
        }),
      );
      // A duplicate reception of the same frame only adds a station.
      await pipeline.capture(
        frame('heard', T0 + 10, {
          seq: 1,
          receptions: [{ station: 'BS-B', receivedAt: T0 + 10, rssi: -110, extra: { nbRep: 2 } }],
        }),
      );
      await pipeline.capture(frame('heard', T0 + 60_000, { seq: 2 }));

      const withReceptions = await history('heard', 'receptions=true&order=asc');
      expect(withReceptions.status).toBe(200);
      const [first, second] = withReceptions.body.items as MessageView[];
      expect(first?.id).toBe(heard.messageId);
      expect(first?.receptions?.map((r) => r.station)).toEqual(['BS-A', 'BS-B', 'BS-C']);
      expect(first?.receptions?.[0]).toEqual({
        station: 'BS-A',
        receivedAt: new Date(T0 + 5).toISOString(),
        rssi: -101.5,
        snr: 20,
        lat: 48.85,
        lng: 2.35,
        extra: {},
      });
      expect(first?.receptions?.[1]?.extra).toEqual({ nbRep: 2 });
      expect(second?.receptions).toEqual([]);

      const without = await history('heard', 'order=asc');
      expect(without.body.items[0]).not.toHaveProperty('receptions');

      const one = await server.request('GET', `/v1/messages/${heard.messageId}`, { key: keys.readerA });
      expect(one.status, one.text).toBe(200);
      expect(one.body.id).toBe(heard.messageId);
      expect(one.body.receptions.map((r: { station: string }) => r.station)).toEqual([
        'BS-A',
        'BS-B',
        'BS-C',
      ]);
      const upper = await server.request('GET', `/v1/messages/${heard.messageId.toUpperCase()}`, {
        key: keys.readerA,
      });
      expect(upper.body.id).toBe(heard.messageId);
    });

    it('shows a late message in history, labelled late, without making it the latest', async () => {
      const token = await device('tardy');
      const now = Date.now();
      const live = await ingest(token, { hex: '01', seq: 1, time: now - 1000 });
      expect(live.body.timeliness).toBe('live');
      const late = await ingest(token, { hex: '02', seq: 2, time: now - 2 * 3600_000 });
      expect(late.body.timeliness).toBe('late');
      const replayed = await pipeline.capture(
        frame('tardy', Date.now(), { seq: 3, deviceTime: now, replayed: true }),
      );
      expect(replayed.timeliness).toBe('replayed');

      const items = (await history('tardy', 'order=asc')).body.items as MessageView[];
      expect(items.map((m) => [m.seq, m.timeliness])).toEqual([
        [1, 'live'],
        [2, 'late'],
        [3, 'replayed'],
      ]);
      const state = await server.request('GET', '/v1/devices/tardy/state', { key: keys.readerA });
      expect(state.status, state.text).toBe(200);
      expect(state.body.latestMessage.id).toBe(live.body.id);
      expect(state.body.latestMessage.timeliness).toBe('live');
      expect(state.body.lastMessageId).toBe(replayed.messageId);
      expect(state.body.messageCount).toBe(3);
    });

    it('reports the sequence state through gaps, fills, a duplicate and a reset', async () => {
      const token = await device('counter');
      const t = Date.now() - 60_000;
      const send = (seq: number, offsetMs: number) => ingest(token, { hex: '00', seq, time: t + offsetMs });
      const state = async () => {
        const response = await server.request('GET', '/v1/devices/counter/state', { key: keys.readerA });
        expect(response.status, response.text).toBe(200);
        return response.body;
      };

      const silent = await state();
      expect(silent).toEqual({
        deviceId: 'counter',
        lastSeenAt: null,
        lastMessageId: null,
        latestMessage: null,
        messageCount: 0,
        duplicateCount: 0,
        outOfOrderCount: 0,
        sequence: { max: null, resets: 0, openGaps: [] },
      });

      await send(1, 0);
      await send(2, 1000);
      await send(5, 2000);
      const nine = await send(9, 3000);
      let current = await state();
      expect(current.sequence.max).toBe(9);
      expect(current.sequence.openGaps.map((g: { from: number; to: number }) => [g.from, g.to])).toEqual([
        [3, 4],
        [6, 8],
      ]);
      expect(current.sequence.openGaps[0].openedAt).toEqual(expect.any(String));
      expect(current.latestMessage.id).toBe(nine.body.id);
      expect(current.lastSeenAt).toEqual(expect.any(String));

      await send(3, 1500);
      expect((await send(5, 2000)).body.duplicate).toBe(true);
      await send(4, 1700);
      const seven = await send(7, 2500);
      current = await state();
      expect(current.sequence.openGaps.map((g: { from: number; to: number }) => [g.from, g.to])).toEqual([
        [6, 6],
        [8, 8],
      ]);
      // Fills are out of order: they never replace the latest message.
      expect(current.latestMessage.id).toBe(nine.body.id);
      expect(current.lastMessageId).toBe(seven.body.id);
      expect(current).toMatchObject({ messageCount: 7, duplicateCount: 1, outOfOrderCount: 3 });

      const reboot = await send(0, 10_000);
      current = await state();
      expect(current.sequence).toEqual({ max: 0, resets: 1, openGaps: [] });
      expect(current.latestMessage.id).toBe(reboot.body.id);
      expect(current.latestMessage.sequenceEvent).toBe('reset');
      expect(current).toMatchObject({ messageCount: 8, duplicateCount: 1, outOfOrderCount: 3 });
    });

    it('answers 404 for a deleted device unless deleted=include', async () => {
      const token = await device('gone');
      await ingest(token, { hex: 'ff', seq: 1 });
      expect((await server.request('DELETE', '/v1/devices/gone', { key: keys.adminA })).status).toBe(204);
      expectProblem(await history('gone', ''), 404, 'not_found');
      expectProblem(
        await server.request('GET', '/v1/devices/gone/state', { key: keys.readerA }),
        404,
        'not_found',
      );
      const kept = await history('gone', 'deleted=include');
      expect(kept.body.items.map((m: MessageView) => m.seq)).toEqual([1]);
      const state = await server.request('GET', '/v1/devices/gone/state?deleted=include', {
        key: keys.readerA,
      });
      expect(state.body.messageCount).toBe(1);
    });

    it("never shows another tenant's devices or messages: 404, never 403", async () => {
      const token = await device('secret');
      const message = await ingest(token, { hex: '5ec2e7', seq: 1 });
      for (const path of [
        '/v1/devices/secret/messages',
        '/v1/devices/secret/messages?deleted=include',
        '/v1/devices/secret/state',
        `/v1/messages/${message.body.id}`,
      ]) {
        expectProblem(await server.request('GET', path, { key: keys.readerB }), 404, 'not_found');
        expect((await server.request('GET', path, { key: keys.readerA })).status, path).toBe(200);
      }
      // The same device id in B is B's own device, with B's own (empty) history.
      const adminB = await mint('b', 'admin');
      await server.request('POST', '/v1/device-types', { key: adminB, json: { id: 'meter', name: 'M' } });
      await server.request('POST', '/v1/devices', { key: adminB, json: { id: 'secret', typeId: 'meter' } });
      expect((await history('secret', '', keys.readerB)).body).toEqual({ items: [], nextCursor: null });
      const stateB = await server.request('GET', '/v1/devices/secret/state', { key: keys.readerB });
      expect(stateB.body.messageCount).toBe(0);
    });

    it('refuses bad cursors, dates, limits and ids with a problem document', async () => {
      const token = await device('strict');
      for (let seq = 1; seq <= 3; seq += 1) await ingest(token, { hex: '01', seq });
      const desc = await history('strict', 'limit=1');
      const descCursor = encodeURIComponent(desc.body.nextCursor as string);
      const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      for (const query of [
        'cursor=abc',
        `cursor=${forged({})}`,
        `cursor=${forged({ r: 'x', i: 'y', o: 'desc' })}`,
        `cursor=${forged({ r: 1, i: 2, o: 'desc' })}`,
        `cursor=${forged({ r: 1, i: 'y', o: 'sideways' })}`,
        `order=asc&cursor=${descCursor}`,
        `cursor=${'x'.repeat(401)}`,
        'from=yesterday',
        'from=2026-13-01T00:00:00Z',
        'to=2026-01-01',
        'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
        'limit=0',
        'limit=1001',
        'limit=ten',
        'order=up',
        'receptions=maybe',
        'deleted=only',
        'page=2',
      ]) {
        expectProblem(await history('strict', query), 400, 'validation_failed');
      }
      expect((await history('strict', `cursor=${descCursor}`)).status).toBe(200);
      expectProblem(await history('bad%20id', ''), 400, 'validation_failed');
      expectProblem(await history('x'.repeat(129), ''), 400, 'validation_failed');
      expectProblem(await history('nobody', ''), 404, 'not_found');
      expectProblem(
        await server.request('GET', '/v1/devices/nobody/state', { key: keys.readerA }),
        404,
        'not_found',
      );
      for (const id of [
        '123',
        'not-a-uuid',
        '0197d7a0-0000-4000-8000-000000000000', // a UUIDv4
        '0197d7a0-0000-7000-c000-000000000000', // wrong variant
        '0197d7a0000070008000000000000000',
        `${'0197d7a0-0000-7000-8000-000000000000'}0`,
      ]) {
        expectProblem(
          await server.request('GET', `/v1/messages/${id}`, { key: keys.readerA }),
          400,
          'validation_failed',
        );
      }
      expectProblem(
        await server.request('GET', '/v1/messages/0197d7a0-0000-7000-8000-000000000000', {
          key: keys.readerA,
        }),
        404,
        'not_found',
      );
      expectProblem(await history('strict', '', null), 401, 'unauthenticated');
    });

    it('documents every route in the OpenAPI description', async () => {
      const response = await server.request('GET', '/openapi.json', { key: null });
      expect(response.status).toBe(200);
      const paths = response.body.paths as Record<string, Record<string, unknown>>;
      for (const path of [
        '/v1/devices/{deviceId}/messages',
        '/v1/messages/{messageId}',
        '/v1/devices/{deviceId}/state',
        '/v1/stream',
      ]) {
        expect(paths[path]?.get, path).toBeDefined();
      }
    });
  });
}
