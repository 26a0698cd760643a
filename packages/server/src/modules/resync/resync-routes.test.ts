import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const WINDOW_MS = 300_000;

interface RecordInput {
  readonly id: string;
  readonly receivedAt: number;
  readonly path: string;
  readonly contentType?: string;
  readonly credential?: string;
  readonly body: string | Buffer;
  readonly method?: string;
}

/** A record as fleetport-backup serves it. */
function record(input: RecordInput) {
  return {
    id: input.id,
    receivedAt: input.receivedAt,
    method: input.method ?? 'POST',
    path: input.path,
    ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
    ...(input.credential !== undefined ? { credentialSha256: sha256(input.credential) } : {}),
    body: Buffer.from(input.body).toString('base64'),
  };
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`POST /v1/resync/records (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let secret: string;
    let token: string;
    let otherSecret: string;
    let otherKey: string;
    let readerKey: string;
    let operatorKey: string;
    const now = Date.now();

    const replay = (records: unknown[], key?: string) =>
      server.request('POST', '/v1/resync/records', { json: { records }, ...(key ? { key } : {}) });
    const messagesOf = async (device: string) => {
      const page = await server.request('GET', `/v1/devices/${device}/messages?limit=1000`);
      expect(page.status, page.text).toBe(200);
      return page.body.items as { id: string; timeliness: string; receivedAt: string; seq: number | null }[];
    };
    const sigfoxBody = (
      device: string,
      seqNumber: number,
      data = 'c0ffee',
      extra: Record<string, unknown> = {},
    ) =>
      JSON.stringify({
        device,
        seqNumber,
        time: Math.floor(now / 1000) - 60 + seqNumber,
        data,
        station: '0A1B',
        ...extra,
      });

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      const created = async (path: string, json: unknown, key?: string) => {
        const response = await server.request('POST', path, { json, ...(key ? { key } : {}) });
        expect(response.status, `${path}: ${response.text}`).toBe(201);
        return response.body;
      };
      await created('/v1/device-types', {
        id: 'tracker',
        name: 'Tracker',
        capture: { autoCreateDevices: true },
      });
      secret = (await created('/v1/device-types/tracker/callback-secrets', {})).secret;
      await created('/v1/device-types', { id: 'meter', name: 'Meter' });
      await created('/v1/devices', { id: 'm1', typeId: 'meter' });
      token = (await created('/v1/devices/m1/credentials', { kind: 'token' })).token;
      readerKey = (await created('/v1/keys', { name: 'reader', scope: 'reader' })).secret;
      operatorKey = (await created('/v1/keys', { name: 'ops', scope: 'operator' })).secret;

      await created('/v1/tenants', { id: 'other', name: 'Other' });
      otherKey = (await created('/v1/tenants/other/keys', { name: 'admin', scope: 'admin' })).secret;
      await created(
        '/v1/device-types',
        { id: 'tracker', name: 'Their tracker', capture: { autoCreateDevices: true } },
        otherKey,
      );
      otherSecret = (await created('/v1/device-types/tracker/callback-secrets', {}, otherKey)).secret;
      expect(new Set([secret, otherSecret, token, readerKey, operatorKey, otherKey]).size).toBe(6);
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('stores what the server missed as replayed, at the backup time; a second replay adds nothing', async () => {
      const records = [
        record({
          id: '1',
          receivedAt: now - 50_000,
          path: '/v1/callbacks/sigfox/tracker',
          contentType: 'application/json',
          credential: secret,
          body: sigfoxBody('A1', 1),
        }),
        record({
          id: '2',
          receivedAt: now - 40_000,
          path: '/v1/callbacks/sigfox/tracker?from=sigfox',
          contentType: 'application/x-www-form-urlencoded',
          credential: secret,
          body: `device=A1&seqNumber=2&time=${Math.floor(now / 1000) - 58}&data=beef&station=0A1C`,
        }),
        record({
          id: '3',
          receivedAt: now - 30_000,
          path: '/v1/ingest',
          contentType: 'application/json; charset=utf-8',
          credential: token,
          body: JSON.stringify({
            messages: [
              { hex: '01', seq: 1 },
              { hex: '02', seq: 2 },
            ],
          }),
        }),
      ];
      const first = await replay(records);
      expect(first.status, first.text).toBe(200);
      expect(first.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['new', 'new', 'new']);
      expect(first.body.results[2].messages).toHaveLength(2);
      for (const result of first.body.results)
        for (const message of result.messages)
          expect(message).toMatchObject({ duplicate: false, timeliness: 'replayed' });
      const stored = await messagesOf('A1');
      expect(stored).toHaveLength(2);
      expect(stored.every((m) => m.timeliness === 'replayed')).toBe(true);
      expect(stored.map((m) => Date.parse(m.receivedAt)).sort()).toEqual([now - 50_000, now - 40_000]);

      const again = await replay(records);
      expect(again.status).toBe(200);
      expect(again.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
        'duplicate',
        'duplicate',
        'duplicate',
      ]);
      expect(await messagesOf('A1')).toHaveLength(2);
      expect((await messagesOf('m1')).filter((m) => m.seq === 1 || m.seq === 2)).toHaveLength(2);
    });

    it('counts a frame the server captured live as a duplicate of it, including a payload-only uplink a window apart', async () => {
      const live = await server.request('POST', '/v1/callbacks/sigfox/tracker', {
        key: null,
        headers: { 'x-fleetport-secret': secret, 'content-type': 'application/json' },
        body: sigfoxBody('B2', 7),
      });
      expect(live.status, live.text).toBe(200);
      const plain = await server.request('POST', '/v1/ingest', { key: token, json: { hex: 'abcdef' } });
      expect(plain.status, plain.text).toBe(201);
      const plainAt = Date.parse(
        (await server.request('GET', `/v1/messages/${plain.body.id}`)).body.receivedAt,
      );
      // The backup heard it a moment before the server, just before the dedup window's bucket began.
      const backupAt = Math.floor(plainAt / WINDOW_MS) * WINDOW_MS - 1;
      const result = await replay([
        record({
          id: '10',
          receivedAt: now,
          path: '/v1/callbacks/sigfox/tracker',
          contentType: 'application/json',
          credential: secret,
          body: sigfoxBody('B2', 7, 'c0ffee', { station: '0B0B' }),
        }),
        record({
          id: '11',
          receivedAt: backupAt,
          path: '/v1/ingest',
          contentType: 'application/json',
          credential: token,
          body: JSON.stringify({ hex: 'abcdef' }),
        }),
      ]);
      expect(result.status, result.text).toBe(200);
      expect(result.body.results).toEqual([
        {
          id: '10',
          outcome: 'duplicate',
          messages: [{ id: live.body.id, duplicate: true, timeliness: 'live' }],
        },
        {
          id: '11',
          outcome: 'duplicate',
          messages: [{ id: plain.body.id, duplicate: true, timeliness: 'live' }],
        },
      ]);
      const b2 = await messagesOf('B2');
      expect(b2).toHaveLength(1);
      // The backup's reception (another base station) joins the stored frame.
      const detail = await server.request('GET', `/v1/messages/${live.body.id}?receptions=true`);
      expect(detail.status, detail.text).toBe(200);
    });

    it('refuses each record the live route would refuse, with its problem, and stores nothing of it', async () => {
      const before = (await messagesOf('m1')).length;
      // An operator key of the tenant (the bootstrap key may replay any tenant's records).
      const result = await replay(
        [
          record({
            id: '20',
            receivedAt: now,
            path: '/v1/ingest',
            contentType: 'application/json',
            credential: token,
            body: '{"hex": nope',
          }),
          record({
            id: '21',
            receivedAt: now,
            path: '/v1/ingest',
            contentType: 'application/json',
            credential: token,
            body: JSON.stringify({ messages: [{ hex: '0a', seq: 40 }, { hex: 'zz' }] }),
          }),
          record({
            id: '22',
            receivedAt: now,
            path: '/v1/ingest',
            contentType: 'application/json',
            credential: 'fpd_not_a_token',
            body: '{"hex":"01"}',
          }),
          record({
            id: '23',
            receivedAt: now,
            path: '/v1/ingest',
            contentType: 'application/json',
            body: '{"hex":"01"}',
          }),
          record({
            id: '24',
            receivedAt: now,
            path: '/v1/callbacks/sigfox/tracker',
            contentType: 'application/json',
            credential: secret,
            body: sigfoxBody('C3', 5000),
          }),
          record({
            id: '25',
            receivedAt: now,
            path: '/v1/callbacks/sigfox/tracker',
            contentType: 'text/plain',
            credential: secret,
            body: sigfoxBody('C3', 1),
          }),
          record({
            id: '26',
            receivedAt: now,
            path: '/v1/devices',
            contentType: 'application/json',
            credential: token,
            body: '{}',
          }),
          record({
            id: '27',
            receivedAt: now + 3600_000,
            path: '/v1/ingest',
            contentType: 'application/json',
            credential: token,
            body: '{"hex":"01"}',
          }),
          record({
            id: '28',
            receivedAt: now,
            path: '/v1/callbacks/sigfox/tracker',
            contentType: 'application/json',
            credential: otherSecret,
            body: sigfoxBody('C3', 1),
          }),
          record({
            id: '29',
            receivedAt: now,
            path: '/v1/callbacks/sigfox/meter',
            contentType: 'application/json',
            credential: secret,
            body: sigfoxBody('C3', 1),
          }),
          record({
            id: '30',
            receivedAt: now,
            path: '/v1/callbacks/sigfox/tracker',
            contentType: 'application/json',
            credential: secret,
            body: JSON.stringify({ device: 'C3', time: Math.floor(now / 1000), batt: 3.1, temp: 21 }),
          }),
        ],
        operatorKey,
      );
      expect(result.status, result.text).toBe(200);
      const outcome = (r: { outcome: string; problem?: { code: string } }) => r.problem?.code ?? r.outcome;
      expect(result.body.results.map(outcome)).toEqual([
        'malformed_body',
        'validation_failed',
        'unauthenticated',
        'unauthenticated',
        'validation_failed',
        'unsupported_media_type',
        'record_unsupported',
        'validation_failed',
        'unauthenticated',
        'unauthenticated',
        'skipped',
      ]);
      expect(result.body.results[1].problem.detail).toMatch(/messages\/1\/hex|hex/);
      expect(result.body.results[4].problem).toMatchObject({ status: 400 });
      expect((await messagesOf('m1')).length).toBe(before);
      expect((await server.request('GET', '/v1/devices/C3')).status).toBe(404);
    });

    it("replays another tenant's records only with that tenant's key or the bootstrap key", async () => {
      const theirs = record({
        id: '40',
        receivedAt: now,
        path: '/v1/callbacks/sigfox/tracker',
        contentType: 'application/json',
        credential: otherSecret,
        body: sigfoxBody('D4', 1),
      });
      const withTheirKey = await replay([theirs], otherKey);
      expect(withTheirKey.body.results[0]).toMatchObject({ outcome: 'new' });
      const mine = record({
        id: '41',
        receivedAt: now,
        path: '/v1/callbacks/sigfox/tracker',
        contentType: 'application/json',
        credential: secret,
        body: sigfoxBody('D5', 1),
      });
      expect((await replay([mine], otherKey)).body.results[0]).toMatchObject({
        outcome: 'refused',
        problem: { code: 'unauthenticated' },
      });
      expect((await server.request('GET', '/v1/devices/D5', { key: otherKey })).status).toBe(404);
      const bootstrap = await replay([{ ...theirs, id: '42' }]);
      expect(bootstrap.body.results[0]).toMatchObject({ outcome: 'duplicate' });
    });

    it('needs an operator key, and refuses a malformed page whole', async () => {
      const one = record({
        id: '50',
        receivedAt: now,
        path: '/v1/ingest',
        contentType: 'application/json',
        credential: token,
        body: '{"hex":"01"}',
      });
      expect(
        (await server.request('POST', '/v1/resync/records', { key: null, json: { records: [one] } })).status,
      ).toBe(401);
      const reader = await replay([one], readerKey);
      expect(reader.status).toBe(403);
      expect(reader.body.code).toBe('forbidden');
      for (const bad of [
        [],
        [{ ...one, body: 'not base64!' }],
        [{ ...one, credentialSha256: 'abc' }],
        [{ ...one, extra: 1 }],
      ]) {
        const response = await replay(bad);
        expect(response.status, JSON.stringify(bad)).toBe(400);
        expect(response.body.code).toBe('validation_failed');
      }
    });
  });
}
