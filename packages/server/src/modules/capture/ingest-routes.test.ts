import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`POST /v1/ingest (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let token: string;
    let counter = 0;

    const countMessages = async () => {
      const page = await server.request('GET', '/v1/devices/d1/messages?limit=1000');
      expect(page.status, page.text).toBe(200);
      return page.body.items.length as number;
    };
    const ingest = (body: unknown, key: string | null = token) =>
      server.request('POST', '/v1/ingest', { key, json: body });
    const nextSeq = () => {
      counter += 1;
      return counter;
    };

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      await server.request('POST', '/v1/device-types', {
        json: { id: 'meter', name: 'Meter', capture: { lateAfterSeconds: 60, sequenceBits: 16 } },
      });
      for (const id of ['d1', 'd2'])
        await server.request('POST', '/v1/devices', { json: { id, typeId: 'meter' } });
      const credential = await server.request('POST', '/v1/devices/d1/credentials', {
        json: { kind: 'token' },
      });
      token = credential.body.token;
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('stores a message and answers 201 only once it is stored; a retry answers 200 duplicate', async () => {
      const body = { hex: 'cafe', seq: nextSeq(), messageId: 'retry-me' };
      const first = await ingest(body);
      expect(first.status, first.text).toBe(201);
      expect(first.body).toMatchObject({ duplicate: false, timeliness: 'live' });
      const stored = await server.request('GET', `/v1/messages/${first.body.id}`);
      expect(stored.status).toBe(200);
      expect(stored.body).toMatchObject({ deviceId: 'd1', transport: 'http', payload: { hex: 'cafe' } });
      const retry = await ingest(body);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ id: first.body.id, duplicate: true, timeliness: 'live' });
    });

    it('refuses a messageId stored with another payload with 409 identity_conflict, keeping the stored message', async () => {
      const first = await ingest({ hex: '0101', messageId: 'clash-me' });
      expect(first.status, first.text).toBe(201);
      const before = await countMessages();
      const clash = await ingest({ hex: '0202', messageId: 'clash-me' });
      expect(clash.status, clash.text).toBe(409);
      expect(clash.body).toMatchObject({ code: 'identity_conflict', data: { messageId: first.body.id } });
      // In a batch: the clash is named, the other message is stored.
      const batch = await ingest({
        messages: [
          { hex: '0303', messageId: 'clash-ok' },
          { json: 3, messageId: 'clash-me' },
        ],
      });
      expect(batch.status, batch.text).toBe(409);
      expect(batch.body).toMatchObject({ code: 'identity_conflict', data: { index: 1 } });
      expect(await countMessages()).toBe(before + 1);
      const stored = await server.request('GET', `/v1/messages/${first.body.id}`);
      expect(stored.body).toMatchObject({ payload: { hex: '0101' } });
      // The same payload again is a retry.
      expect((await ingest({ hex: '0101', messageId: 'clash-me' })).body).toMatchObject({ duplicate: true });
      const metrics = await server.request('GET', '/metrics', { key: null });
      expect(metrics.text).toMatch(/fleetport_capture_frames_total\{transport="http",outcome="conflict"\} 2/);
    });

    it('shows what capture did in /metrics: frames by transport and outcome, batch sizes and timings', async () => {
      const body = { hex: 'beef', seq: nextSeq(), messageId: 'metrics-retry' };
      expect((await ingest(body)).status).toBe(201);
      expect((await ingest(body)).status).toBe(200);
      const metrics = await server.request('GET', '/metrics', { key: null });
      expect(metrics.status).toBe(200);
      const value = (line: string) => {
        const found = metrics.text.split('\n').find((l) => l.startsWith(`${line} `));
        return found === undefined ? undefined : Number(found.slice(line.length + 1));
      };
      expect(
        value('fleetport_capture_frames_total{transport="http",outcome="created"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(
        value('fleetport_capture_frames_total{transport="http",outcome="duplicate"}'),
      ).toBeGreaterThanOrEqual(1);
      expect(value('fleetport_capture_batch_durable_seconds_count')).toBeGreaterThanOrEqual(2);
      expect(value('fleetport_capture_frames_waiting')).toBe(0);
    });

    it('takes bytes as hex or base64, or a JSON payload, and labels an old device time late', async () => {
      const json = await ingest({ json: { temperature: 21.5 }, seq: nextSeq() });
      expect((await server.request('GET', `/v1/messages/${json.body.id}`)).body).toMatchObject({
        json: { temperature: 21.5 },
      });
      const b64 = await ingest({ base64: 'AQID', seq: nextSeq() });
      expect((await server.request('GET', `/v1/messages/${b64.body.id}`)).body.payload.hex).toBe('010203');
      const late = await ingest({
        hex: '00',
        seq: nextSeq(),
        time: new Date(Date.now() - 3_600_000).toISOString(),
      });
      expect(late.body.timeliness).toBe('late');
    });

    it('stores a batch whole and answers each message', async () => {
      const before = await countMessages();
      const batch = await ingest({
        messages: [
          { hex: '01', seq: nextSeq() },
          { hex: '02', seq: nextSeq() },
        ],
      });
      expect(batch.status).toBe(200);
      expect(batch.body.results).toHaveLength(2);
      expect(await countMessages()).toBe(before + 2);
    });

    it('refuses bad input with a problem document and stores nothing, not even the good part of a batch', async () => {
      const before = await countMessages();
      const cases: [unknown, string][] = [
        [{}, 'validation_failed'],
        [{ hex: 'abc' }, 'validation_failed'],
        [{ hex: 'zz' }, 'validation_failed'],
        [{ hex: '01', base64: 'AQ==' }, 'validation_failed'],
        [{ base64: 'A' }, 'validation_failed'],
        [{ hex: '01', seq: -1 }, 'validation_failed'],
        [{ hex: '01', seq: 70_000 }, 'validation_failed'],
        [{ hex: '01', time: '1990-01-01T00:00:00Z' }, 'validation_failed'],
        [{ hex: '01', time: new Date(Date.now() + 3 * 86_400_000).toISOString() }, 'validation_failed'],
        [{ hex: '01', time: 'yesterday' }, 'validation_failed'],
        [{ hex: '01', surprise: true }, 'validation_failed'],
        [{ hex: '00'.repeat(64 * 1024 + 1) }, 'validation_failed'],
        [{ messages: [] }, 'validation_failed'],
        [{ messages: [{ hex: '01', seq: nextSeq() }, { hex: 'nothex' }] }, 'validation_failed'],
        [
          {
            messages: [
              { hex: '01', seq: nextSeq() },
              { hex: '02', time: '1980-01-01T00:00:00Z' },
            ],
          },
          'validation_failed',
        ],
      ];
      for (const [body, code] of cases) {
        const response = await ingest(body);
        expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(response.body.code).toBe(code);
      }
      const garbage = await server.request('POST', '/v1/ingest', {
        key: token,
        body: '{"hex":',
        headers: { 'content-type': 'application/json' },
      });
      expect(garbage.status).toBe(400);
      expect(garbage.body.code).toBe('malformed_body');
      expect(await countMessages()).toBe(before);
    });

    it('refuses an API key, an unknown token, and a token once it is removed or its device deleted', async () => {
      expect((await ingest({ hex: '01' }, server.adminKey)).status).toBe(401);
      expect((await ingest({ hex: '01' }, `fpd_${'x'.repeat(43)}`)).status).toBe(401);
      expect((await ingest({ hex: '01' }, null)).status).toBe(401);

      const created = await server.request('POST', '/v1/devices/d2/credentials', { json: { kind: 'token' } });
      const d2 = created.body.token as string;
      expect((await ingest({ hex: '01', seq: 1 }, d2)).status).toBe(201);
      await server.request('DELETE', `/v1/devices/d2/credentials/${created.body.id}`);
      const removed = await ingest({ hex: '02', seq: 2 }, d2);
      expect(removed.status).toBe(401);
      expect(removed.body.code).toBe('unauthenticated');

      const again = await server.request('POST', '/v1/devices/d2/credentials', { json: { kind: 'token' } });
      expect((await ingest({ hex: '03', seq: 3 }, again.body.token)).status).toBe(201);
      await server.request('DELETE', '/v1/devices/d2');
      expect((await ingest({ hex: '04', seq: 4 }, again.body.token)).status).toBe(401);
    });

    it("stores a device's messages in its own tenant only", async () => {
      await server.request('POST', '/v1/tenants', { json: { id: 'other', name: 'Other' } });
      const key = (
        await server.request('POST', '/v1/tenants/other/keys', { json: { name: 'k', scope: 'admin' } })
      ).body.secret as string;
      const message = await ingest({ hex: 'beef', seq: nextSeq() });
      expect((await server.request('GET', `/v1/messages/${message.body.id}`, { key })).status).toBe(404);
      expect((await server.request('GET', '/v1/devices/d1/messages', { key })).status).toBe(404);
    });
  });
}
