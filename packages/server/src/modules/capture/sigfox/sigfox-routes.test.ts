import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../../test/support/test-server.js';

/**
 * Sigfox callbacks over real HTTP, on both dialects: what Sigfox sends (DATA, DATA_ADVANCED,
 * BIDIR, SERVICE, ERROR; strings or numbers; JSON or forms), what is stored (one message
 * per frame, one reception per base station, the right labels), and what is refused
 * (with a problem document, and nothing stored).
 */

const nowSeconds = () => Math.floor(Date.now() / 1000);

let serial = 0x100000;
/** A fresh Sigfox device id per test, so that their sequences never meet. */
function freshId(): string {
  serial += 1;
  return serial.toString(16).toUpperCase();
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`Sigfox callbacks: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    /** Callback secrets by device type, of the default tenant. */
    const secrets: Record<string, string> = {};
    let keyB = '';
    let secretB = '';

    async function ok(path: string, json: unknown, key?: string): Promise<TestResponse> {
      const response = await ts.request('POST', path, { json, ...(key ? { key } : {}) });
      expect(response.status, `${path}: ${response.text}`).toBeLessThan(300);
      return response;
    }

    async function secretFor(typeId: string, key?: string): Promise<string> {
      const created = await ok(`/v1/device-types/${typeId}/callback-secrets`, { name: 'sigfox' }, key);
      return mustBeString(created.body.secret, 'secret');
    }

    /** A registered device of the type. */
    async function device(typeId = 'sfx', id = freshId(), key?: string): Promise<string> {
      await ok('/v1/devices', { id, typeId }, key);
      return id;
    }

    function callback(
      body: unknown,
      {
        typeId = 'sfx',
        secret = secrets[typeId] ?? '',
        form = false,
      }: { typeId?: string; secret?: string | undefined; form?: boolean } = {},
    ): Promise<TestResponse> {
      const path = `/v1/callbacks/sigfox/${typeId}`;
      const headers = { 'x-fleetport-secret': secret };
      if (form) {
        const text = new URLSearchParams(Object.entries(body as Record<string, string>)).toString();
        return ts.request('POST', path, {
          key: null,
          body: text,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        });
      }
      return ts.request('POST', path, { key: null, json: body, headers });
    }

    function data(deviceId: string, seqNumber: number, time: number, more: Record<string, unknown> = {}) {
      return {
        device: deviceId,
        time,
        data: '0102abcd',
        seqNumber,
        deviceTypeId: '5f1e0e9b2f3c4d0001a2b3c4',
        station: '0A1B',
        rssi: -120.0,
        snr: 12.34,
        avgSnr: 20.5,
        lat: 43,
        lng: 1,
        duplicate: false,
        ...more,
      };
    }

    const db = () => ts.server.store.db;

    async function messagesOf(deviceId: string, tenantId = 'default') {
      return db()
        .selectFrom('messages')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('device_id', '=', deviceId)
        .orderBy('device_time')
        .orderBy('id')
        .execute();
    }

    async function receptionsOf(messageId: string) {
      return db()
        .selectFrom('receptions')
        .selectAll()
        .where('message_id', '=', messageId)
        .orderBy('station')
        .execute();
    }

    async function tableCounts() {
      const count = async (table: 'messages' | 'receptions' | 'devices') =>
        Number(
          (
            await db()
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      return {
        messages: await count('messages'),
        receptions: await count('receptions'),
        devices: await count('devices'),
      };
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      await ok('/v1/device-types', { id: 'sfx', name: 'Sigfox tracker', capture: { lateAfterSeconds: 600 } });
      await ok('/v1/device-types', {
        id: 'sfx-auto',
        name: 'Sigfox, auto',
        capture: { autoCreateDevices: true },
      });
      await ok('/v1/device-types', { id: 'other', name: 'Another type' });
      for (const typeId of ['sfx', 'sfx-auto', 'other']) secrets[typeId] = await secretFor(typeId);

      // Tenant B has a type with the same id, and a secret of its own.
      await ok('/v1/tenants', { id: 'tenant-b', name: 'B' });
      keyB = mustBeString(
        (await ok('/v1/tenants/tenant-b/keys', { name: 'b admin', scope: 'admin' })).body.secret,
        'key',
      );
      await ok(
        '/v1/device-types',
        { id: 'sfx', name: 'B tracker', capture: { autoCreateDevices: true } },
        keyB,
      );
      secretB = await secretFor('sfx', keyB);
    });

    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('merges three base stations calling back one frame into one message with three receptions', async () => {
      const id = await device();
      const t = nowSeconds() - 3;
      const first = await callback(data(id, 100, t, { station: '0A1B', rssi: -120 }));
      const second = await callback(data(id, 100, t, { station: '0C2D', rssi: -125.5, duplicate: true }));
      const third = await callback(data(id, 100, t, { station: '0E3F', rssi: '-130.00', duplicate: 'true' }));
      expect(first.status, first.text).toBe(200);
      expect(first.body).toEqual({ id: expect.any(String), duplicate: false, timeliness: 'live' });
      expect(second.body).toEqual({ id: first.body.id, duplicate: true, timeliness: 'live' });
      expect(third.body).toEqual({ id: first.body.id, duplicate: true, timeliness: 'live' });

      const [message, ...others] = await messagesOf(id);
      expect(others).toEqual([]);
      expect(message).toMatchObject({
        id: first.body.id,
        type_id: 'sfx',
        transport: 'sigfox',
        seq: 100,
        timeliness: 'live',
        sequence_event: 'first',
      });
      expect(Number(message?.device_time)).toBe(t * 1000);
      expect(Buffer.from(message?.payload ?? []).toString('hex')).toBe('0102abcd');
      const receptions = await receptionsOf(first.body.id);
      expect(receptions.map((r) => [r.station, r.rssi, r.snr, r.lat, r.lng])).toEqual([
        ['0A1B', -120, 12.34, 43, 1],
        ['0C2D', -125.5, 12.34, 43, 1],
        ['0E3F', -130, 12.34, 43, 1],
      ]);
      expect(JSON.parse(receptions[0]?.data ?? '')).toEqual({
        deviceTypeId: '5f1e0e9b2f3c4d0001a2b3c4',
        avgSnr: 20.5,
      });
    });

    it('adds the receptions of a DATA_ADVANCED duplicates[] list to the frame', async () => {
      const id = await device();
      const t = nowSeconds() - 30;
      const first = await callback(data(id, 7, t, { station: '0A1B' }));
      const advanced = await callback({
        device: id,
        time: t,
        data: '0102abcd',
        seqNumber: 7,
        lqi: 'Good',
        linkQuality: 'EXCELLENT',
        computedLocation: { lat: 43.6, lng: 1.44, radius: 1200, source: 2, status: 1 },
        duplicates: [
          { bsId: '0A1B', rssi: -120, snr: 12.34, nbRep: 3 },
          { bsId: '1F2E', rssi: -131.5, snr: 5, nbRep: 2 },
          { bsId: '3D4C', rssi: -138, snr: 1.5, nbRep: 1 },
        ],
        cargo: 'custom variables are kept',
      });
      expect(advanced.status, advanced.text).toBe(200);
      expect(advanced.body).toEqual({ id: first.body.id, duplicate: true, timeliness: 'live' });
      expect(await messagesOf(id)).toHaveLength(1);
      const receptions = await receptionsOf(first.body.id);
      expect(receptions.map((r) => [r.station, r.rssi, r.snr])).toEqual([
        ['0A1B', -120, 12.34],
        ['1F2E', -131.5, 5],
        ['3D4C', -138, 1.5],
      ]);
      expect(JSON.parse(receptions[1]?.data ?? '')).toEqual({
        lqi: 'Good',
        linkQuality: 'EXCELLENT',
        computedLocation: { lat: 43.6, lng: 1.44, radius: 1200, source: 2, status: 1 },
        cargo: 'custom variables are kept',
        nbRep: 2,
      });
    });

    it('answers a retried callback with the same message id, duplicate: true, and stores nothing more', async () => {
      const id = await device();
      const body = data(id, 5, nowSeconds() - 2);
      const first = await callback(body);
      const before = await tableCounts();
      const retries = await Promise.all([callback(body), callback(body), callback(body)]);
      for (const retry of retries) {
        expect(retry.status, retry.text).toBe(200);
        expect(retry.body).toEqual({ id: first.body.id, duplicate: true, timeliness: 'live' });
      }
      expect(await tableCounts()).toEqual(before);
      expect(await messagesOf(id)).toHaveLength(1);
      expect(await receptionsOf(first.body.id)).toHaveLength(1);
    });

    it('refuses a frame whose device, counter and time are stored with other data (409 identity_conflict), adding no reception', async () => {
      const id = await device();
      const t = nowSeconds() - 3;
      const first = await callback(data(id, 11, t));
      expect(first.status, first.text).toBe(200);
      const before = await tableCounts();
      const clash = await callback(data(id, 11, t, { data: 'ffeeddcc', station: '0C2D', duplicate: true }));
      // A 4xx: Sigfox does not retry it.
      expect(clash.status, clash.text).toBe(409);
      expect(clash.body).toMatchObject({ code: 'identity_conflict', data: { messageId: first.body.id } });
      expect(await tableCounts()).toEqual(before);
      expect((await receptionsOf(first.body.id)).map((r) => r.station)).toEqual(['0A1B']);
      const metrics = await ts.request('GET', '/metrics', { key: null });
      expect(metrics.text).toMatch(
        /fleetport_capture_refused_total\{transport="sigfox",reason="identity_conflict"\} 1/,
      );
      expect(metrics.text).toMatch(
        /fleetport_capture_frames_total\{transport="sigfox",outcome="conflict"\} 1/,
      );
    });

    it('stores the frame of a duplicate=true callback that arrives first, then merges the original into it', async () => {
      const id = await device();
      const t = nowSeconds() - 4;
      const copy = await callback(data(id, 9, t, { station: '0C2D', duplicate: true }));
      expect(copy.status, copy.text).toBe(200);
      expect(copy.body.duplicate).toBe(false);
      const [stored] = await messagesOf(id);
      expect(stored?.id).toBe(copy.body.id);

      const original = await callback(data(id, 9, t, { station: '0A1B', duplicate: false }));
      expect(original.body).toEqual({ id: copy.body.id, duplicate: true, timeliness: 'live' });
      expect(await messagesOf(id)).toHaveLength(1);
      expect((await receptionsOf(copy.body.id)).map((r) => r.station)).toEqual(['0A1B', '0C2D']);
    });

    it('labels a frame whose time is far older than now as late', async () => {
      const id = await device();
      const response = await callback(data(id, 1, nowSeconds() - 2 * 3600));
      expect(response.body.timeliness).toBe('late');
      const [message] = await messagesOf(id);
      expect(message?.timeliness).toBe('late');
    });

    it('records a wrap of the 12-bit counter (4095 → 0) as a wrap, and a restart after a reboot as a reset', async () => {
      const t = nowSeconds() - 600;
      const wrapping = await device();
      for (const [seq, offset] of [
        [4094, 0],
        [4095, 60],
        [0, 120],
        [1, 180],
      ] as const) {
        expect((await callback(data(wrapping, seq, t + offset))).status).toBe(200);
      }
      expect(
        (await messagesOf(wrapping)).map((m) => [Number(m.seq), m.sequence_event, m.out_of_order]),
      ).toEqual([
        [4094, 'first', 0],
        [4095, 'next', 0],
        [0, 'wrap', 0],
        [1, 'next', 0],
      ]);

      const rebooting = await device();
      for (const [seq, offset] of [
        [2000, 0],
        [2001, 60],
        [0, 120],
      ] as const) {
        expect((await callback(data(rebooting, seq, t + offset))).status).toBe(200);
      }
      expect(
        (await messagesOf(rebooting)).map((m) => [Number(m.seq), m.sequence_event, m.out_of_order]),
      ).toEqual([
        [2000, 'first', 0],
        [2001, 'next', 0],
        [0, 'reset', 0],
      ]);
      const state = await db()
        .selectFrom('device_state')
        .selectAll()
        .where('tenant_id', '=', 'default')
        .where('device_id', '=', rebooting)
        .executeTakeFirstOrThrow();
      expect(Number(state.seq_resets)).toBe(1);
    });

    it('stores the same frame whether Sigfox sends its fields as strings or as numbers', async () => {
      const asStrings = await device();
      const asNumbers = await device();
      const t = nowSeconds() - 1;
      const strings = await callback({
        device: asStrings.toLowerCase(),
        time: String(t),
        data: 'CAFE',
        seqNumber: '123',
        station: '0a1b',
        rssi: '-120.00',
        snr: '7.50',
        lat: '43',
        lng: '1',
        duplicate: 'false',
      });
      const numbers = await callback({
        device: asNumbers,
        time: t,
        data: 'cafe',
        seqNumber: 123,
        station: '0A1B',
        rssi: -120,
        snr: 7.5,
        lat: 43,
        lng: 1,
        duplicate: false,
      });
      expect(strings.status, strings.text).toBe(200);
      expect(numbers.status, numbers.text).toBe(200);
      const shape = async (deviceId: string) => {
        const [m] = await messagesOf(deviceId);
        const receptions = await receptionsOf(m?.id ?? '');
        return {
          seq: Number(m?.seq),
          time: Number(m?.device_time),
          payload: Buffer.from(m?.payload ?? []).toString('hex'),
          receptions: receptions.map((r) => [r.station, r.rssi, r.snr, r.lat, r.lng]),
        };
      };
      expect(await shape(asStrings)).toEqual(await shape(asNumbers));
      expect(await shape(asStrings)).toMatchObject({ seq: 123, payload: 'cafe' });
    });

    it('accepts a form-encoded body', async () => {
      const id = await device();
      const t = nowSeconds() - 1;
      const response = await callback(
        {
          device: id,
          time: String(t),
          data: '00ff',
          seqNumber: '42',
          station: '0A1B',
          rssi: '-99.00',
          duplicate: 'false',
          duplicates: '[{"bsId":"0A1B","rssi":-99,"nbRep":1},{"bsId":"0B2C","rssi":-101,"nbRep":2}]',
        },
        { form: true },
      );
      expect(response.status, response.text).toBe(200);
      const [message] = await messagesOf(id);
      expect(Number(message?.seq)).toBe(42);
      expect((await receptionsOf(response.body.id)).map((r) => [r.station, r.rssi])).toEqual([
        ['0A1B', -99],
        ['0B2C', -101],
      ]);
    });

    it('answers a BIDIR callback 204 and stores its message', async () => {
      const id = await device();
      const response = await callback(data(id, 12, nowSeconds() - 1, { ack: 'true', longPolling: 'false' }));
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      const [message] = await messagesOf(id);
      expect(Number(message?.seq)).toBe(12);
      const [reception] = await receptionsOf(message?.id ?? '');
      expect(JSON.parse(reception?.data ?? '')).toMatchObject({ ack: true, longPolling: false });
    });

    it('accepts SERVICE and ERROR callbacks with 204 and stores no message', async () => {
      const id = await device();
      const before = await tableCounts();
      const t = nowSeconds();
      const bodies = [
        { device: id, time: t, batt: '3.60', temp: '21.5', seqNumber: 3, station: '0A1B', rssi: -120 },
        {
          device: id,
          time: t,
          infoCode: 0,
          infoMessage: 'Acked',
          downlinkAck: true,
          downlinkOverusage: false,
        },
        { device: id, time: t, severity: 'ERROR', info: 'No message received since 2026-10-31 12:00:00' },
      ];
      for (const body of bodies) {
        const response = await callback(body);
        expect(response.status, response.text).toBe(204);
      }
      const form = await callback(
        { device: id, time: String(t), severity: 'WARN', info: 'station down' },
        { form: true },
      );
      expect(form.status, form.text).toBe(204);
      expect(await tableCounts()).toEqual(before);
    });

    it('creates an unknown device in the type when the type allows it, once under concurrent callbacks', async () => {
      const id = freshId();
      const t = nowSeconds() - 1;
      const responses = await Promise.all(
        ['0A1B', '0C2D', '0E3F'].map((station) =>
          callback(data(id, 1, t, { station }), { typeId: 'sfx-auto' }),
        ),
      );
      for (const response of responses) expect(response.status, response.text).toBe(200);
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      const created = await ts.request('GET', `/v1/devices/${id}`);
      expect(created.status, created.text).toBe(200);
      expect(created.body).toMatchObject({ id, typeId: 'sfx-auto', deletedAt: null });
      expect(await messagesOf(id)).toHaveLength(1);
      expect(await receptionsOf(responses[0]?.body.id)).toHaveLength(3);
    });

    it('refuses an unknown device when the type does not allow creating it, and counts it', async () => {
      const id = freshId();
      const before = await tableCounts();
      const response = await callback(data(id, 1, nowSeconds()));
      expectProblem(response, 404, 'not_found');
      expect(response.body.data).toEqual({ kind: 'device', id });
      expect(await tableCounts()).toEqual(before);
      expect((await ts.request('GET', `/v1/devices/${id}`)).status).toBe(404);
    });

    it('refuses a device of another type (409) and a deleted device (404)', async () => {
      const before = await tableCounts();
      const elsewhere = await device('other');
      const wrongType = await callback(data(elsewhere, 1, nowSeconds()));
      expectProblem(wrongType, 409, 'conflict');
      expect(wrongType.body.data).toMatchObject({ kind: 'device', id: elsewhere, typeId: 'other' });

      const gone = await device('sfx-auto');
      expect((await ts.request('DELETE', `/v1/devices/${gone}`)).status).toBe(204);
      // Not even a type that creates unknown devices brings a deleted one back.
      const deleted = await callback(data(gone, 1, nowSeconds()), { typeId: 'sfx-auto' });
      expectProblem(deleted, 404, 'not_found');
      expect(deleted.body.data).toEqual({ kind: 'device', id: gone });
      const after = await tableCounts();
      expect({ messages: after.messages, receptions: after.receptions }).toEqual({
        messages: before.messages,
        receptions: before.receptions,
      });
    });

    it("keeps tenants apart: a secret of tenant A's type never writes into tenant B's type of the same id", async () => {
      const id = await device('sfx', freshId(), keyB);
      const before = await tableCounts();
      // A's secret for A's 'sfx': the device is not A's, and A's type does not create devices.
      const fromA = await callback(data(id, 1, nowSeconds()), { secret: secrets.sfx });
      expectProblem(fromA, 404, 'not_found');
      expect(await tableCounts()).toEqual(before);
      expect(await messagesOf(id, 'tenant-b')).toHaveLength(0);

      // B's own secret writes into B, never into A.
      const fromB = await callback(data(id, 1, nowSeconds()), { secret: secretB });
      expect(fromB.status, fromB.text).toBe(200);
      expect(await messagesOf(id, 'tenant-b')).toHaveLength(1);
      expect(await messagesOf(id, 'default')).toHaveLength(0);

      // A device only A has, called back with B's secret, is B's business: B's type creates
      // it in B, and A's device and messages stay untouched.
      const onlyInA = await device();
      const crossed = await callback(data(onlyInA, 1, nowSeconds()), { secret: secretB });
      expect(crossed.status, crossed.text).toBe(200);
      expect(await messagesOf(onlyInA, 'tenant-b')).toHaveLength(1);
      expect(await messagesOf(onlyInA, 'default')).toHaveLength(0);
      expect((await ts.request('GET', `/v1/devices/${onlyInA}`, { key: keyB })).body.typeId).toBe('sfx');

      // B's secret for a type only A has is not a secret of that type.
      expectProblem(
        await callback(data(id, 2, nowSeconds()), { typeId: 'sfx-auto', secret: secretB }),
        401,
        'unauthenticated',
      );
      expect(await messagesOf(id, 'default')).toHaveLength(0);
      expect((await ts.request('GET', `/v1/devices/${id}`)).status).toBe(404);
    });

    it('takes the secret as a bearer token too', async () => {
      const id = await device();
      const response = await ts.request('POST', '/v1/callbacks/sigfox/sfx', {
        key: secrets.sfx ?? '',
        json: data(id, 1, nowSeconds()),
      });
      expect(response.status, response.text).toBe(200);
    });

    it('refuses bad callbacks with a problem document and stores nothing', async () => {
      const id = await device();
      const t = nowSeconds();
      const good = data(id, 1, t);
      const before = await tableCounts();
      const raw = (body: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
        ts.request('POST', '/v1/callbacks/sigfox/sfx', {
          key: null,
          body,
          headers: { 'x-fleetport-secret': secrets.sfx ?? '', 'content-type': contentType, ...headers },
        });

      expectProblem(await raw('{"device": "1A2B", "time": '), 400, 'malformed_body');
      expectProblem(await raw('\u0000\u0001garbage'), 400, 'malformed_body');
      expectProblem(await raw('', 'application/json'), 400, 'malformed_body');
      expectProblem(await raw('{"__proto__": {"x": 1}, "device": "1"}'), 400, 'forbidden_key');
      expectProblem(
        await raw('device=1&device=2', 'application/x-www-form-urlencoded'),
        400,
        'malformed_body',
      );
      expectProblem(await raw('device=1', 'text/plain'), 415, 'unsupported_media_type');
      expectProblem(await raw('[1, 2, 3]'), 400, 'validation_failed');
      expectProblem(await raw('"1A2B"'), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, data: 'zz' })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, data: '00'.repeat(13) })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, seqNumber: 4096 })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, seqNumber: '-1' })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, time: 946684799 })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, time: t + 2 * 86400 })), 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, time: 'yesterday' })), 400, 'validation_failed');
      const { device: _device, ...anonymous } = good;
      const missing = await raw(JSON.stringify(anonymous));
      expectProblem(missing, 400, 'validation_failed');
      expectProblem(await raw(JSON.stringify({ ...good, device: 'not-hex' })), 400, 'validation_failed');
      const oversized = await raw(JSON.stringify({ ...good, padding: 'x'.repeat(2 * 1024 * 1024) }));
      expectProblem(oversized, 413, 'body_too_large');

      const body = JSON.stringify(good);
      expectProblem(
        await raw(body, 'application/json', { 'x-fleetport-secret': 'fpc_wrong' }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await ts.request('POST', '/v1/callbacks/sigfox/sfx', { key: null, json: good }),
        401,
        'unauthenticated',
      );
      expectProblem(
        await raw(body, 'application/json', { 'x-fleetport-secret': secrets.other ?? '' }),
        401,
        'unauthenticated',
      );
      // No type of that id: no secret can belong to it.
      expectProblem(
        await callback(good, { typeId: 'no-such-type', secret: secrets.sfx }),
        401,
        'unauthenticated',
      );
      // An API key is not a callback secret.
      expectProblem(
        await ts.request('POST', '/v1/callbacks/sigfox/sfx', { json: good }),
        401,
        'unauthenticated',
      );

      expect(await tableCounts()).toEqual(before);
      expect(await messagesOf(id)).toHaveLength(0);
      // The same body, well authenticated, is stored.
      expect((await raw(body)).status).toBe(200);
    });

    it('counts callbacks by kind and refusals by reason on /metrics', async () => {
      async function series(): Promise<Map<string, number>> {
        const metrics = await ts.request('GET', '/metrics', { key: null });
        expect(metrics.status).toBe(200);
        const values = new Map<string, number>();
        for (const line of metrics.text.split('\n')) {
          const match = /^(fleetport_(?:sigfox_callbacks|capture_refused)_total\{[^}]*\}) (\S+)$/.exec(line);
          if (match?.[1] && match[2]) values.set(match[1], Number(match[2]));
        }
        return values;
      }
      const before = await series();
      const id = await device();
      const elsewhere = await device('other');
      const gone = await device();
      expect((await ts.request('DELETE', `/v1/devices/${gone}`)).status).toBe(204);
      const t = nowSeconds();
      const sent = [
        await callback(data(id, 1, t)),
        await callback({
          device: id,
          time: t,
          data: '0102abcd',
          seqNumber: 1,
          duplicates: [{ bsId: '0A1B', rssi: -100 }],
        }),
        await callback(data(id, 2, t, { ack: false })),
        await callback({ device: id, time: t, batt: '3.6', temp: '20' }),
        await callback({ device: id, time: t, severity: 'WARN', info: 'station down' }),
        await callback(data(freshId(), 1, t)),
        await callback(data(elsewhere, 1, t)),
        await callback(data(gone, 1, t)),
        await callback(data(id, 4096, t)),
        await callback(data(id, 3, t), { secret: 'fpc_wrong' }),
        await ts.request('POST', '/v1/callbacks/sigfox/sfx', {
          key: null,
          body: '{',
          headers: { 'x-fleetport-secret': secrets.sfx ?? '', 'content-type': 'application/json' },
        }),
      ];
      expect(sent.map((r) => r.status)).toEqual([200, 200, 204, 204, 204, 404, 409, 404, 400, 401, 400]);
      const after = await series();
      const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const refused = (reason: string) =>
        `fleetport_capture_refused_total{transport="sigfox",reason="${reason}"}`;
      expect({
        data: delta('fleetport_sigfox_callbacks_total{kind="data"}'),
        data_advanced: delta('fleetport_sigfox_callbacks_total{kind="data_advanced"}'),
        bidir: delta('fleetport_sigfox_callbacks_total{kind="bidir"}'),
        service: delta('fleetport_sigfox_callbacks_total{kind="service"}'),
        error: delta('fleetport_sigfox_callbacks_total{kind="error"}'),
        unknown_device: delta(refused('unknown_device')),
        device_type_mismatch: delta(refused('device_type_mismatch')),
        deleted_device: delta(refused('deleted_device')),
        validation_failed: delta(refused('validation_failed')),
        unauthenticated: delta(refused('unauthenticated')),
        malformed_body: delta(refused('malformed_body')),
      }).toEqual({
        data: 1,
        data_advanced: 1,
        bidir: 1,
        service: 1,
        error: 1,
        unknown_device: 1,
        device_type_mismatch: 1,
        deleted_device: 1,
        validation_failed: 1,
        unauthenticated: 1,
        malformed_body: 1,
      });
    });

    it('documents the route in the OpenAPI document with the callback secret scheme', async () => {
      const spec = await ts.request('GET', '/openapi.json', { key: null });
      const operation = spec.body.paths['/v1/callbacks/sigfox/{deviceTypeId}']?.post;
      expect(operation?.security).toEqual([{ callbackSecret: [] }]);
      expect(Object.keys(operation?.requestBody?.content ?? {})).toEqual(
        expect.arrayContaining(['application/json', 'application/x-www-form-urlencoded']),
      );
    });
  });
}
