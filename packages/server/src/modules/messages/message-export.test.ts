import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const CODEC = `function decodeUplink(input) {
  return { data: { temp: input.bytes[0] - 40, power: { batt: input.bytes[1] / 10 } } };
}`;

interface Row {
  readonly id: string;
  readonly deviceId: string;
  readonly receivedAt: string;
  readonly payload: { hex: string };
  // biome-ignore lint/suspicious/noExplicitAny: decodes are read as JSON
  readonly decoded?: any;
}

/**
 * The bulk export of messages on a real server: the selection (device, type, condition,
 * time range), the order, NDJSON and CSV with decoded columns, resuming after a row,
 * refusals before the first byte, tenants apart, and a client that goes away mid-stream.
 */
describeEachDialect('message export', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey = '';
  const tokens = new Map<string, string>();
  let n = 0;

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  async function uplinks(deviceId: string, payloads: string[]): Promise<void> {
    for (let start = 0; start < payloads.length; start += 100) {
      const response = await ts.request('POST', '/v1/ingest', {
        key: tokens.get(deviceId) ?? '',
        json: {
          messages: payloads.slice(start, start + 100).map((hex) => {
            n += 1;
            return { hex, messageId: `e${n}` };
          }),
        },
      });
      expect(response.status, response.text).toBeLessThan(300);
    }
  }

  const sorted = (values: string[]) => [...values].sort();

  const ndjson = (text: string): Row[] =>
    text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Row);

  async function exported(query: string, key?: string): Promise<Row[]> {
    const response = await ok('GET', `/v1/messages/export?${query}`, undefined, key);
    expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    return ndjson(response.text);
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'meter', name: 'Meter' });
    await ok('PUT', '/v1/device-types/meter/codec', { kind: 'javascript', source: CODEC });
    await ok('POST', '/v1/device-types', { id: 'tracker', name: 'Tracker' });
    for (const [id, typeId, site] of [
      ['m2', 'meter', 'lyon'],
      ['m1', 'meter', 'paris'],
      ['t1', 'tracker', 'paris'],
    ] as const) {
      await ok('POST', '/v1/devices', { id, typeId, tags: { site } });
      tokens.set(id, (await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' })).body.token);
    }
    await uplinks('m1', ['3f19', '401a', '411b']);
    await uplinks('t1', ['aa']);
    await uplinks('m2', ['3c10', '3d11']);
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    otherKey = (await ok('POST', '/v1/tenants/other/keys', { name: 'o', scope: 'admin' })).body.secret;
    // Decoding follows capture: wait until the meters' messages carry their decodes.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const rows = await exported('typeId=meter');
      if (rows.length === 5 && rows.every((row) => row.decoded !== null)) break;
      if (Date.now() > deadline) throw new Error('the meters were not decoded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  it('streams every message as NDJSON: devices in id order, each by receive time, with its decode', async () => {
    const rows = await exported('');
    expect(rows.map((row) => row.deviceId)).toEqual(['m1', 'm1', 'm1', 'm2', 'm2', 't1']);
    expect(sorted(rows.map((row) => `${row.deviceId}:${row.payload.hex}`))).toEqual([
      'm1:3f19',
      'm1:401a',
      'm1:411b',
      'm2:3c10',
      'm2:3d11',
      't1:aa',
    ]);
    // Within a device: by receive time, then id (one ingest request shares its receive time).
    const keys = rows.map(
      (row) => `${row.deviceId}|${Date.parse(row.receivedAt).toString().padStart(15, '0')}|${row.id}`,
    );
    expect(keys).toEqual(sorted(keys));
    const first = rows.find((row) => row.payload.hex === '3f19');
    expect(first?.decoded).toMatchObject({ data: { temp: 23, power: { batt: 2.5 } }, errors: [] });
    expect(rows.at(-1)?.decoded).toBeNull();
    expect((await exported('decoded=false'))[0]).not.toHaveProperty('decoded');
  });

  it('selects by device, type, condition and receive-time range', async () => {
    const ids = (rows: Row[]) => sorted(rows.map((row) => `${row.deviceId}:${row.payload.hex}`));
    expect(ids(await exported('deviceId=m2'))).toEqual(['m2:3c10', 'm2:3d11']);
    expect(ids(await exported('typeId=tracker'))).toEqual(['t1:aa']);
    expect(ids(await exported(`where=${encodeURIComponent('tags.site == "paris"')}`))).toEqual([
      'm1:3f19',
      'm1:401a',
      'm1:411b',
      't1:aa',
    ]);
    const all = await exported('deviceId=m1');
    const second = all[1] as Row;
    const from = encodeURIComponent(second.receivedAt);
    const within = await exported(`deviceId=m1&from=${from}`);
    expect(within.every((row) => row.receivedAt >= second.receivedAt)).toBe(true);
    expect(within.map((row) => row.id)).toContain(second.id);
    expect(await exported(`deviceId=m1&to=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).toEqual([]);
  });

  it('goes on after the last row received, in both selections', async () => {
    const all = await exported('');
    for (const k of [0, 2, 3, 5]) {
      const after = all[k] as Row;
      expect((await exported(`after=${after.id}`)).map((row) => row.id)).toEqual(
        all.slice(k + 1).map((row) => row.id),
      );
    }
    const meters = await exported('typeId=meter');
    expect((await exported(`typeId=meter&after=${meters[2]?.id}`)).map((row) => row.id)).toEqual(
      meters.slice(3).map((row) => row.id),
    );
  });

  it('writes CSV with the decode and a column per asked decoded field', async () => {
    const response = await ok(
      'GET',
      '/v1/messages/export?format=csv&typeId=meter&field=temp&field=power.batt',
    );
    expect(response.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = response.text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'id,deviceId,typeId,transport,receivedAt,deviceTime,seq,messageId,timeliness,outOfOrder,payloadHex,json,decoded,decodeErrors,decoded.temp,decoded.power.batt',
    );
    expect(lines).toHaveLength(6);
    const line = lines.find((text) => text.includes(',3f19,')) ?? '';
    expect(line).toContain('"{""temp"":23,""power"":{""batt"":2.5}}"');
    const first = line.split(',');
    expect(first.slice(1, 4)).toEqual(['m1', 'meter', 'http']);
    expect(first.slice(-2)).toEqual(['23', '2.5']);
  });

  it('refuses bad selections with a problem document before the first byte', async () => {
    const cases: [string, number, string][] = [
      ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 400, 'validation_failed'],
      ['from=yesterday', 400, 'validation_failed'],
      ['format=xml', 400, 'validation_failed'],
      ['after=nope', 400, 'validation_failed'],
      ['field=temp', 400, 'validation_failed'],
      ['format=csv&field=a..b', 400, 'validation_failed'],
      ['format=csv&field=temp&decoded=false', 400, 'validation_failed'],
      [`where=${encodeURIComponent('tags.site ==')}`, 400, 'invalid_condition'],
      ['deviceId=ghost', 404, 'not_found'],
      ['unknown=1', 400, 'validation_failed'],
    ];
    for (const [query, status, code] of cases) {
      const response = await ts.request('GET', `/v1/messages/export?${query}`);
      expect(response.status, query).toBe(status);
      expect(response.headers.get('content-type'), query).toMatch(/application\/problem\+json/);
      expect(response.body.code, query).toBe(code);
    }
    const m2 = (await exported('deviceId=m2'))[0] as Row;
    const other = await ts.request('GET', `/v1/messages/export?deviceId=m1&after=${m2.id}`);
    expect(other.status).toBe(400);
    expect(other.body.data).toMatchObject({ field: 'after' });
  });

  it("shows another tenant none of this tenant's messages, devices or cursors", async () => {
    expect(await exported('', otherKey)).toEqual([]);
    const response = await ts.request('GET', '/v1/messages/export?deviceId=m1', { key: otherKey });
    expect(response.status).toBe(404);
    const mine = (await exported('deviceId=m1'))[0] as Row;
    const cursor = await ts.request('GET', `/v1/messages/export?after=${mine.id}`, { key: otherKey });
    expect(cursor.status).toBe(400);
  });

  it('stops reading when the client goes away, and serves the next export', async () => {
    await uplinks(
      't1',
      Array.from({ length: 3000 }, (_, i) => (i % 256).toString(16).padStart(2, '0')),
    );
    const controller = new AbortController();
    const response = await fetch(`${ts.url}/v1/messages/export?typeId=tracker`, {
      headers: { authorization: `Bearer ${ts.adminKey}` },
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(first?.done).toBe(false);
    controller.abort();
    await reader?.cancel().catch(() => {});
    expect(await exported('typeId=tracker')).toHaveLength(3001);
  });
});
