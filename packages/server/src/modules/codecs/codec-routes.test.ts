import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const JS_CODEC = `
function decodeUplink(input) {
  return {
    data: { temperature: ((input.bytes[0] << 8) | input.bytes[1]) / 10, unit: input.variables.unit, site: input.variables.site },
    warnings: input.bytes.length > 2 ? ['extra bytes'] : [],
  };
}
function encodeDownlink(input) {
  return { bytes: [input.data.level & 0xff], fPort: 2 };
}`;
const LOOPING_CODEC = 'function decodeUplink(input) { for (;;) {} }';
const THROWING_CODEC = "function decodeUplink(input) { throw new Error('bad frame'); }";
const SIGFOX_FORMAT = 'temp::uint:16 hum::uint:8';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`codecs over HTTP (${dialect.name})`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    const tokens = new Map<string, string>();
    let seq = 0;

    async function adminKeyFor(tenantId: string): Promise<string> {
      const tenant = await ts.request('POST', '/v1/tenants', { json: { id: tenantId, name: tenantId } });
      expect(tenant.status, tenant.text).toBe(201);
      const key = await ts.request('POST', `/v1/tenants/${tenantId}/keys`, {
        json: { name: `${tenantId} admin`, scope: 'admin' },
      });
      expect(key.status, key.text).toBe(201);
      return mustBeString(key.body.secret, 'secret');
    }

    async function ok(method: string, path: string, json?: unknown): Promise<TestResponse> {
      const response = await ts.request(method, path, { json });
      expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
      return response;
    }

    async function makeType(id: string, codec?: { kind: string; source: string }, variables = {}) {
      await ok('POST', '/v1/device-types', { id, name: id, variables });
      if (codec) await ok('PUT', `/v1/device-types/${id}/codec`, codec);
    }

    async function makeDevice(id: string, typeId: string, variables = {}) {
      await ok('POST', '/v1/devices', { id, typeId, variables });
      const credential = await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' });
      tokens.set(id, mustBeString(credential.body.token, 'token'));
    }

    async function ingest(deviceId: string, hex: string): Promise<string> {
      seq += 1;
      const response = await ts.request('POST', '/v1/ingest', {
        key: tokens.get(deviceId) ?? null,
        json: { hex, seq },
      });
      expect(response.status, response.text).toBe(201);
      return mustBeString(response.body.id, 'id');
    }

    /** Reads a message until it carries a decode (decoding follows capture, asynchronously). */
    async function decodedOf(messageId: string, key?: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = await ts.request(
          'GET',
          `/v1/messages/${messageId}`,
          key === undefined ? {} : { key },
        );
        expect(message.status, message.text).toBe(200);
        if (message.body.decoded !== null) return message.body;
        if (Date.now() > deadline) throw new Error(`message ${messageId} was not decoded in ${timeoutMs} ms`);
        await sleep(25);
      }
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      await makeType('thermo', { kind: 'javascript', source: JS_CODEC }, { unit: 'C', site: 'type-site' });
      await makeDevice('t1', 'thermo', { site: 'device-site' });
      await makeType('sfx', { kind: 'sigfox', source: SIGFOX_FORMAT });
      await makeDevice('s1', 'sfx');
      await makeType('plain');
      await makeDevice('p1', 'plain');
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('refuses a JavaScript codec that does not compile or defines no codec function, with validation_failed', async () => {
      await makeType('bad-js');
      const syntax = await ts.request('PUT', '/v1/device-types/bad-js/codec', {
        json: { kind: 'javascript', source: 'function decodeUplink(input) { return {' },
      });
      expectProblem(syntax, 400, 'validation_failed');
      expect(syntax.body.detail).toMatch(/codec_syntax_error/);
      const none = await ts.request('PUT', '/v1/device-types/bad-js/codec', {
        json: { kind: 'javascript', source: 'var x = 1;' },
      });
      expectProblem(none, 400, 'validation_failed');
      expect(none.body.detail).toMatch(/codec_missing_function/);
      const type = await ok('GET', '/v1/device-types/bad-js');
      expect(type.body.codec).toBeNull();
      expect((await ok('GET', '/v1/device-types/bad-js/codec/versions')).body.items).toEqual([]);
    });

    it('refuses a Sigfox format that breaks the grammar, naming the field and column', async () => {
      const response = await ts.request('PUT', '/v1/device-types/bad-js/codec', {
        json: { kind: 'sigfox', source: 'temp::unit:16' },
      });
      expectProblem(response, 400, 'validation_failed');
      expect(response.body.detail).toMatch(/field 1 'temp::unit:16', column \d+/);
      expect(response.body.data.issues[0].reason).toBe('unknown_type');
    });

    it('versions every codec change and audits who made it, newest first; the same codec again changes nothing', async () => {
      await makeType('versioned');
      const first = await ok('PUT', '/v1/device-types/versioned/codec', {
        kind: 'sigfox',
        source: 'a::uint:8',
      });
      expect(first.body).toMatchObject({ kind: 'sigfox', source: 'a::uint:8', version: 1 });
      const same = await ok('PUT', '/v1/device-types/versioned/codec', {
        kind: 'sigfox',
        source: 'a::uint:8',
      });
      expect(same.body.version).toBe(1);
      const second = await ok('PUT', '/v1/device-types/versioned/codec', {
        kind: 'javascript',
        source: JS_CODEC,
      });
      expect(second.body.version).toBe(2);
      await ok('DELETE', '/v1/device-types/versioned/codec');
      const type = await ok('GET', '/v1/device-types/versioned');
      expect(type.body.codec).toBeNull();
      const versions = await ok('GET', '/v1/device-types/versioned/codec/versions');
      expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
      expect(versions.body.items[0]).toMatchObject({ previousVersion: 2, kind: null, source: null });
      expect(versions.body.items[2]).toMatchObject({ previousVersion: 0, kind: 'sigfox' });
      expect(versions.body.items[0].changedBy).toMatch(/^key_/);
      const feed = await ok('GET', '/v1/changes?since=0&limit=1000');
      const changes = feed.body.items.filter(
        (c: { kind: string; entityId: string }) =>
          c.kind === 'device_type.codec_changed' && c.entityId === 'versioned',
      );
      expect(changes).toHaveLength(3);
    });

    it('decodes a captured message with the JavaScript codec; device variables override the type’s', async () => {
      const id = await ingest('t1', '00d7ff');
      const message = await decodedOf(id);
      expect(message.payload.hex).toBe('00d7ff');
      expect(message.decoded).toMatchObject({
        data: { temperature: 21.5, unit: 'C', site: 'device-site' },
        warnings: ['extra bytes'],
        errors: [],
        codecVersion: 1,
      });
      const history = await ok('GET', '/v1/devices/t1/messages');
      expect(history.body.items.find((m: { id: string }) => m.id === id)?.decoded.data.temperature).toBe(
        21.5,
      );
      const feed = await ok('GET', '/v1/changes?since=0&limit=1000');
      const change = feed.body.items.find(
        (c: { kind: string; entityId: string }) => c.kind === 'message.decoded' && c.entityId === id,
      );
      expect(change?.data).toMatchObject({ deviceId: 't1', decoded: { data: { temperature: 21.5 } } });
    });

    it('decodes with a Sigfox format, and leaves messages of a type without codec undecoded', async () => {
      const id = await ingest('s1', '01f440');
      expect((await decodedOf(id)).decoded).toMatchObject({ data: { temp: 500, hum: 64 }, errors: [] });
      const plain = await ingest('p1', '01');
      await sleep(300);
      expect((await ok('GET', `/v1/messages/${plain}`)).body.decoded).toBeNull();
    });

    it('stores a failing codec’s error and keeps the raw message', async () => {
      await makeType('throws', { kind: 'javascript', source: THROWING_CODEC });
      await makeDevice('x1', 'throws');
      const id = await ingest('x1', 'cafe');
      const message = await decodedOf(id);
      expect(message.payload.hex).toBe('cafe');
      expect(message.decoded.data).toBeNull();
      expect(message.decoded.errors[0]).toMatch(/^codec_threw: .*bad frame/);
    });

    it('a codec that loops forever times out alone: other types keep decoding promptly', async () => {
      await makeType('loops', { kind: 'javascript', source: LOOPING_CODEC });
      await makeDevice('l1', 'loops');
      const looping = await Promise.all([1, 2, 3, 4].map(() => ingest('l1', '00')));
      const started = Date.now();
      const good = await ingest('t1', '0100');
      expect((await decodedOf(good)).decoded.data.temperature).toBe(25.6);
      // Four 100 ms timeouts on two workers, at worst ahead of it, plus the write.
      expect(Date.now() - started).toBeLessThan(2_000);
      const stuck = await decodedOf(looping[0] ?? '');
      expect(stuck.decoded.errors[0]).toMatch(/^codec_timeout/);
      expect(stuck.payload.hex).toBe('00');
    });

    it('re-decodes a device type’s history as a job with progress, with the new codec version', async () => {
      await makeType('redo', { kind: 'sigfox', source: 'a::uint:8' });
      await makeDevice('r1', 'redo');
      await makeDevice('r2', 'redo');
      const ids = [await ingest('r1', '05'), await ingest('r2', '06'), await ingest('r1', '07')];
      for (const id of ids) await decodedOf(id);
      await ok('PUT', '/v1/device-types/redo/codec', { kind: 'sigfox', source: 'b::uint:8' });
      const started = await ts.request('POST', '/v1/device-types/redo/redecode', { json: {} });
      expect(started.status, started.text).toBe(202);
      expect(started.body).toMatchObject({ kind: 'redecode', target: { typeId: 'redo' } });
      let job = started.body;
      const deadline = Date.now() + 10_000;
      while (job.state === 'queued' || job.state === 'running') {
        if (Date.now() > deadline) throw new Error('the job did not finish');
        await sleep(25);
        job = (await ok('GET', `/v1/jobs/${started.body.id}`)).body;
      }
      expect(job).toMatchObject({ state: 'succeeded', total: 3, done: 3, failed: 0 });
      const message = await ok('GET', `/v1/messages/${ids[0]}`);
      expect(message.body.decoded).toMatchObject({ data: { b: 5 }, codecVersion: 2 });
      const byDevice = await ts.request('POST', '/v1/devices/r2/redecode', {
        json: { from: new Date(Date.now() + 60_000).toISOString() },
      });
      expect(byDevice.status).toBe(202);
    });

    it('tests a codec without a device: inline or a type’s, uplink or downlink, as capture would store it', async () => {
      const inline = await ok('POST', '/v1/codecs/test', {
        codec: { kind: 'javascript', source: JS_CODEC },
        uplink: { bytes: '00d7', fPort: 1, variables: { unit: 'K' } },
      });
      expect(inline.body).toMatchObject({
        data: { temperature: 21.5, unit: 'K' },
        errors: [],
        codecVersion: null,
      });
      const typed = await ok('POST', '/v1/codecs/test', {
        codec: { typeId: 'thermo' },
        uplink: { base64: 'ANc=' },
      });
      expect(typed.body).toMatchObject({
        data: { temperature: 21.5, unit: 'C', site: 'type-site' },
        codecVersion: 1,
      });
      const down = await ok('POST', '/v1/codecs/test', {
        codec: { typeId: 'thermo' },
        downlink: { data: { level: 300 } },
      });
      expect(down.body).toEqual({ bytes: '2c', fPort: 2, warnings: [], errors: [] });
      const sigfox = await ok('POST', '/v1/codecs/test', {
        codec: { kind: 'sigfox', source: SIGFOX_FORMAT },
        uplink: { bytes: '01f440' },
      });
      expect(sigfox.body.data).toEqual({ temp: 500, hum: 64 });
      const bad = await ts.request('POST', '/v1/codecs/test', {
        json: { codec: { kind: 'sigfox', source: 'x::nope' }, uplink: { bytes: '00' } },
      });
      expectProblem(bad, 400, 'validation_failed');
      const neither = await ts.request('POST', '/v1/codecs/test', { json: { codec: { typeId: 'thermo' } } });
      expectProblem(neither, 400, 'validation_failed');
    });

    it('tests decodeDownlink: a downlink given as bytes is decoded, as data it is encoded', async () => {
      // A valve controller's codec in the TS013 style: a downlink sets the opening, and the
      // network server shows the queued downlink decoded again.
      const valve = `
        function encodeDownlink(input) {
          if (typeof input.data.open !== 'number') return { errors: ['open must be a number'] };
          return { bytes: [0x01, input.data.open & 0xff], fPort: 10 };
        }
        function decodeDownlink(input) {
          if (input.bytes[0] !== 0x01) return { errors: ['unknown command ' + input.bytes[0]] };
          return { data: { open: input.bytes[1] }, warnings: input.fPort === 10 ? [] : ['unexpected fPort'] };
        }`;
      const codec = { kind: 'javascript', source: valve };
      const decoded = await ok('POST', '/v1/codecs/test', { codec, downlink: { bytes: '0132', fPort: 10 } });
      expect(decoded.body).toMatchObject({
        data: { open: 50 },
        warnings: [],
        errors: [],
        codecVersion: null,
      });
      const fromBase64 = await ok('POST', '/v1/codecs/test', { codec, downlink: { base64: 'AWQ=' } });
      expect(fromBase64.body).toMatchObject({ data: { open: 100 }, warnings: ['unexpected fPort'] });
      const unknown = await ok('POST', '/v1/codecs/test', { codec, downlink: { bytes: '07' } });
      expect(unknown.body).toMatchObject({ data: null, errors: ['unknown command 7'] });
      const encoded = await ok('POST', '/v1/codecs/test', { codec, downlink: { data: { open: 50 } } });
      expect(encoded.body).toEqual({ bytes: '0132', fPort: 10, warnings: [], errors: [] });

      const both = await ts.request('POST', '/v1/codecs/test', {
        json: { codec, downlink: { data: { open: 1 }, bytes: '0101' } },
      });
      expectProblem(both, 400, 'validation_failed');
      const neither = await ts.request('POST', '/v1/codecs/test', {
        json: { codec, downlink: { fPort: 10 } },
      });
      expectProblem(neither, 400, 'validation_failed');
      const noDecoder = await ok('POST', '/v1/codecs/test', {
        codec: { kind: 'javascript', source: JS_CODEC },
        downlink: { bytes: '00' },
      });
      expect(noDecoder.body).toMatchObject({
        data: null,
        errors: ['codec_missing_function: the codec defines no decodeDownlink'],
      });
      const sigfox = await ok('POST', '/v1/codecs/test', {
        codec: { kind: 'sigfox', source: SIGFOX_FORMAT },
        downlink: { bytes: '00' },
      });
      expect(sigfox.body.errors).toEqual([
        'codec_missing_function: a Sigfox payload format decodes uplinks only',
      ]);
    });

    it('passes input keys beyond the defined ones to the codec, as some encoders read their own', async () => {
      // An encoder that takes its command from input.type and its confirmation flag from
      // input.confirmed, beside input.data, as some vendor codecs do.
      const source = `
        var COMMANDS = { reboot: 0x10, interval: 0x20 };
        function encodeDownlink(input) {
          var command = COMMANDS[input.type];
          if (command === undefined) return { errors: ['unknown type ' + input.type] };
          var bytes = [command | (input.confirmed ? 1 : 0)];
          if (input.type === 'interval') bytes.push(input.data.minutes);
          return { bytes: bytes, fPort: input.fPort || 3 };
        }
        function decodeUplink(input) {
          return { data: { first: input.bytes[0], gateway: input.gateway, rssi: input.rssi, recv: input.recvTime.toISOString() } };
        }
        function decodeDownlink(input) {
          return { data: { command: input.bytes[0], note: input.note } };
        }`;
      const codec = { kind: 'javascript', source };
      const encoded = await ok('POST', '/v1/codecs/test', {
        codec,
        downlink: { data: { minutes: 15 }, type: 'interval', confirmed: true },
      });
      expect(encoded.body).toEqual({ bytes: '210f', fPort: 3, warnings: [], errors: [] });
      const uplink = await ok('POST', '/v1/codecs/test', {
        codec,
        uplink: {
          bytes: '07',
          recvTime: '2026-11-23T20:00:00.000Z',
          gateway: { id: 'gw-1', position: [47.1, 8.2] },
          rssi: -97,
          // A defined key cannot be overridden by an extra: recvTime stays the given time.
        },
      });
      expect(uplink.body.data).toEqual({
        first: 7,
        gateway: { id: 'gw-1', position: [47.1, 8.2] },
        rssi: -97,
        recv: '2026-11-23T20:00:00.000Z',
      });
      const downlink = await ok('POST', '/v1/codecs/test', {
        codec,
        downlink: { bytes: '10', note: 'queued by the operator' },
      });
      expect(downlink.body.data).toEqual({ command: 16, note: 'queued by the operator' });

      const tooMany = Object.fromEntries(Array.from({ length: 65 }, (_, index) => [`k${index}`, index]));
      const refused = await ts.request('POST', '/v1/codecs/test', {
        json: { codec, uplink: { bytes: '07', ...tooMany } },
      });
      expectProblem(refused, 400, 'validation_failed');
    });

    it('answers 404 when another tenant names this tenant’s type, device or job', async () => {
      const other = await adminKeyFor(`other-${dialect.name}`);
      const job = await ok('POST', '/v1/devices/t1/redecode', {});
      const attempts: [string, string, unknown][] = [
        ['PUT', '/v1/device-types/thermo/codec', { kind: 'sigfox', source: 'a::uint:8' }],
        ['DELETE', '/v1/device-types/thermo/codec', undefined],
        ['GET', '/v1/device-types/thermo/codec/versions', undefined],
        ['POST', '/v1/device-types/thermo/redecode', {}],
        ['POST', '/v1/devices/t1/redecode', {}],
        ['GET', `/v1/jobs/${job.body.id}`, undefined],
        ['POST', '/v1/codecs/test', { codec: { typeId: 'thermo' }, uplink: { bytes: '00' } }],
      ];
      for (const [method, path, json] of attempts) {
        const response = await ts.request(method, path, { key: other, json });
        expectProblem(response, 404, 'not_found');
      }
      expect((await ok('GET', '/v1/device-types/thermo')).body.codec.version).toBe(1);
    });

    it('answers 401 on every codec route without a key', async () => {
      const routes: [string, string][] = [
        ['PUT', '/v1/device-types/thermo/codec'],
        ['DELETE', '/v1/device-types/thermo/codec'],
        ['GET', '/v1/device-types/thermo/codec/versions'],
        ['POST', '/v1/device-types/thermo/redecode'],
        ['POST', '/v1/devices/t1/redecode'],
        ['GET', '/v1/jobs/job_x'],
        ['POST', '/v1/codecs/test'],
      ];
      for (const [method, path] of routes) {
        const json = method === 'GET' || method === 'DELETE' ? undefined : {};
        expectProblem(await ts.request(method, path, { key: null, json }), 401, 'unauthenticated');
      }
    });

    it('shows decode counts in /metrics', async () => {
      const metrics = await ts.request('GET', '/metrics');
      expect(metrics.text).toMatch(/fleetport_codec_decodes_total\{outcome="ok"\} [1-9]/);
      expect(metrics.text).toMatch(/fleetport_codec_decodes_total\{outcome="failed"\} [1-9]/);
      expect(metrics.text).toMatch(/fleetport_codec_decodes_queued 0/);
      expect(metrics.text).toMatch(/fleetport_codec_decodes_dropped_total 0/);
    });

    it('decodes what was captured while no decoder ran, once this server takes the decoder lease (as after a crash)', async () => {
      // The bootstrap key of the first start stays valid; the next start makes none.
      const key = ts.adminKey;
      await ts.close();
      const store = await openTestStore(database);
      const holdLease = (until: number) =>
        store.db
          .updateTable('feed_consumers')
          .set({ holder: 'another-process', lease_until: until })
          .where('name', '=', 'codecs.decoder')
          .execute();
      try {
        // Another process holds the decoder's lease: this server captures, but does not decode.
        await holdLease(Date.now() + 3_600_000);
        ts = await startTestServer(database);
        const id = await ingest('t1', '0064');
        await sleep(500);
        expect((await ts.request('GET', `/v1/messages/${id}`, { key })).body.decoded).toBeNull();
        // That process died: its lease has run out.
        await holdLease(0);
        expect((await decodedOf(id, key, 30_000)).decoded.data.temperature).toBe(10);
        const decodedChanges = await store.db
          .selectFrom('changes')
          .select('position')
          .where('kind', '=', 'message.decoded')
          .where('entity_id', '=', id)
          .execute();
        expect(decodedChanges).toHaveLength(1);
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
