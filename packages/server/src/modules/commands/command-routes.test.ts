import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const LEVEL_CODEC = `
function decodeUplink(input) { return { data: {} }; }
function encodeDownlink(input) {
  if (typeof input.data.level !== 'number') return { errors: ['level must be a number'] };
  return { bytes: [input.data.level & 0xff, 0x42] };
}`;

describeEachDialect('commands over HTTP', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let otherKey: string;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'lamp', name: 'lamp' });
    await ok('PUT', '/v1/device-types/lamp/codec', { kind: 'javascript', source: LEVEL_CODEC });
    await ok('POST', '/v1/device-types', { id: 'plain', name: 'plain' });
    await ok('POST', '/v1/devices', { id: 'L1', typeId: 'lamp' });
    await ok('POST', '/v1/devices', { id: 'L2', typeId: 'lamp' });
    await ok('POST', '/v1/devices', { id: 'P1', typeId: 'plain' });
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    const key = await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' });
    otherKey = mustBeString(key.body.secret, 'secret');
    for (const [path, json] of [
      ['/v1/device-types', { id: 'plain', name: 'plain' }],
      ['/v1/devices', { id: 'X1', typeId: 'plain' }],
    ] as const) {
      const made = await ts.request('POST', path, { key: otherKey, json });
      expect(made.status, made.text).toBe(201);
    }
    for (const id of ['H1', 'H2']) {
      await ok('POST', '/v1/devices', { id, typeId: 'plain' });
      const credential = await ok('POST', `/v1/devices/${id}/credentials`, { kind: 'token' });
      tokens[id] = mustBeString(credential.body.token, 'token');
    }
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  async function ok(method: string, path: string, json?: unknown): Promise<TestResponse> {
    const response = await ts.request(method, path, { json });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  const count = async (deviceId: string) =>
    (await ok('GET', `/v1/devices/${deviceId}/commands?limit=500`)).body.items.length as number;

  it('queues a command with 201 and shows it with its history', async () => {
    const created = await ts.request('POST', '/v1/devices/L1/commands', {
      json: {
        hex: 'CAFE',
        priority: 8,
        name: 'blink',
        confirmed: true,
        retry: { attempts: 2, backoffSeconds: 5 },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/devices/L1/commands/${created.body.id}`);
    expect(created.body).toMatchObject({
      deviceId: 'L1',
      kind: 'command',
      name: 'blink',
      transport: 'mqtt',
      status: 'queued',
      hex: 'cafe',
      data: null,
      priority: 8,
      confirmed: true,
      retry: { attempts: 2, backoffSeconds: 5 },
      attempts: 0,
    });
    const shown = await ok('GET', `/v1/devices/L1/commands/${created.body.id}`);
    expect(shown.body.history).toHaveLength(1);
    expect(shown.body.history[0]).toMatchObject({ status: 'queued', detail: { priority: 8 } });
  });

  it('encodes data with the type codec to check it, and refuses what it cannot encode with its message', async () => {
    const good = await ts.request('POST', '/v1/devices/L1/commands', { json: { data: { level: 3 } } });
    expect(good.status, good.text).toBe(201);
    expect(good.body.data).toEqual({ level: 3 });
    const before = await count('L1');
    const bad = await ts.request('POST', '/v1/devices/L1/commands', { json: { data: { level: 'max' } } });
    expectProblem(bad, 422, 'encoding_failed');
    expect(bad.body.detail).toContain('level must be a number');
    expect(await count('L1')).toBe(before);
  });

  it('refuses a Sigfox command over 8 bytes, raw or encoded, and stores nothing', async () => {
    const before = await count('P1');
    const raw = await ts.request('POST', '/v1/devices/P1/commands', {
      json: { hex: '001122334455667788', transport: 'sigfox' },
    });
    expectProblem(raw, 400, 'downlink_too_long');
    expect(raw.body.data).toEqual({ transport: 'sigfox', bytes: 9, maxBytes: 8 });
    expect(await count('P1')).toBe(before);
    const fits = await ts.request('POST', '/v1/devices/L2/commands', {
      json: { data: { level: 1 }, transport: 'sigfox' },
    });
    expect(fits.status, fits.text).toBe(201);
  });

  it('answers the existing command for a repeated idempotency key with 200', async () => {
    const first = await ts.request('POST', '/v1/devices/P1/commands', {
      json: { hex: '01', idempotencyKey: 'op-7' },
    });
    const again = await ts.request('POST', '/v1/devices/P1/commands', {
      json: { hex: '01', idempotencyKey: 'op-7' },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses bodies with no payload or two, and unknown fields', async () => {
    const before = await count('P1');
    expectProblem(
      await ts.request('POST', '/v1/devices/P1/commands', { json: {} }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/devices/P1/commands', { json: { hex: '01', base64: 'AQ==' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/devices/P1/commands', { json: { hex: '01', colour: 'red' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await ts.request('POST', '/v1/devices/P1/commands', { json: { hex: '01', priority: 10 } }),
      400,
      'validation_failed',
    );
    expect(await count('P1')).toBe(before);
  });

  it("answers 404 for an unknown device and for another tenant's device or command", async () => {
    expectProblem(
      await ts.request('POST', '/v1/devices/NOPE/commands', { json: { hex: '01' } }),
      404,
      'not_found',
    );
    expectProblem(
      await ts.request('POST', '/v1/devices/X1/commands', { json: { hex: '01' } }),
      404,
      'not_found',
    );
    const mine = await ok('POST', '/v1/devices/P1/commands', { hex: '01' });
    expectProblem(
      await ts.request('GET', `/v1/devices/P1/commands/${mine.body.id}`, { key: otherKey }),
      404,
      'not_found',
    );
    expectProblem(
      await ts.request('POST', `/v1/devices/P1/commands/${mine.body.id}/cancel`, { key: otherKey }),
      404,
      'not_found',
    );
    expectProblem(await ts.request('GET', `/v1/devices/L1/commands/${mine.body.id}`), 404, 'not_found');
    expect((await ok('GET', `/v1/devices/P1/commands/${mine.body.id}`)).body.status).toBe('queued');
  });

  describe('POST /v1/commands/batch', () => {
    it('queues many devices’ commands in one call, with a result per item in order and one change each', async () => {
      await ok('POST', '/v1/devices', { id: 'B1', typeId: 'lamp' });
      await ok('POST', '/v1/devices', { id: 'B2', typeId: 'plain' });
      const start = await ok('GET', '/v1/changes?since=latest');
      const answer = await ok('POST', '/v1/commands/batch', {
        items: [
          { deviceId: 'B1', hex: '01', priority: 9 },
          { deviceId: 'B2', base64: 'AQI=', name: 'two' },
          { deviceId: 'B1', data: { level: 3 }, expiresInSeconds: 60 },
          { deviceId: 'B1', hex: '02' },
        ],
      });
      expect(answer.status).toBe(200);
      const items = answer.body.items as { status: number; command: { id: string; hex: string | null } }[];
      expect(items.map((i) => i.status)).toEqual([201, 201, 201, 201]);
      expect(items.map((i) => i.command.hex)).toEqual(['01', '0102', null, '02']);
      // One device's commands keep the order of the items (ids sort by creation).
      const ids = [items[0], items[2], items[3]].map((i) => i?.command.id ?? '');
      expect([...ids].sort()).toEqual(ids);
      const listed = await ok('GET', '/v1/devices/B1/commands');
      expect(listed.body.items.map((c: { id: string }) => c.id)).toEqual([...ids].reverse());
      const shown = await ok('GET', `/v1/devices/B2/commands/${items[1]?.command.id}`);
      expect(shown.body).toMatchObject({ name: 'two', status: 'queued', history: [{ status: 'queued' }] });
      const feed = await ok('GET', `/v1/changes?since=${start.body.nextCursor}`);
      expect(
        feed.body.items
          .filter((c: { kind: string }) => c.kind === 'command.created')
          .map((c: { entityId: string }) => c.entityId),
      ).toEqual(items.map((i) => i.command.id));
    });

    it('answers each bad item with its own problem and stores the good ones', async () => {
      await ok('POST', '/v1/devices', { id: 'B3', typeId: 'lamp' });
      await ok('POST', '/v1/devices', { id: 'B5', typeId: 'plain' });
      await ok('POST', '/v1/devices/B5/lifecycle', { state: 'retired', reason: 'end of life' });
      const answer = await ok('POST', '/v1/commands/batch', {
        items: [
          { deviceId: 'B3', hex: '0A' },
          { deviceId: 'NOPE', hex: '01' },
          { deviceId: 'X1', hex: '01' },
          { deviceId: 'B3', data: { level: 'high' } },
          { deviceId: 'B3', hex: '010203040506070809', transport: 'sigfox' },
          { deviceId: 'B3', hex: '01', base64: 'AQ==' },
          { deviceId: 'B3', hex: '0B' },
          { deviceId: 'B5', hex: '01', idempotencyKey: 'late' },
        ],
      });
      const items = answer.body.items as { status: number; problem?: { code: string; status: number } }[];
      expect(items.map((i) => i.status)).toEqual([201, 404, 404, 422, 400, 400, 201, 409]);
      expect(items.map((i) => i.problem?.code ?? null)).toEqual([
        null,
        'not_found',
        'not_found',
        'encoding_failed',
        'downlink_too_long',
        'validation_failed',
        null,
        'device_retired',
      ]);
      // Another tenant's device is not found, and nothing was queued for it.
      const theirs = await ts.request('GET', '/v1/devices/X1/commands', { key: otherKey });
      expect(theirs.body.items).toEqual([]);
      expect(await count('B3')).toBe(2);
      expect(await count('B5')).toBe(0);
    });

    it('answers an idempotency key used before, or twice in the batch, with the first command', async () => {
      await ok('POST', '/v1/devices', { id: 'B4', typeId: 'plain' });
      const before = await ok('POST', '/v1/devices/B4/commands', { hex: '01', idempotencyKey: 'k-1' });
      const refused = await ts.request('POST', '/v1/commands/batch', {
        json: {
          items: [
            { deviceId: 'B4', hex: 'FF', idempotencyKey: 'k-1' },
            { deviceId: 'B4', hex: '02', idempotencyKey: 'k-2' },
            { deviceId: 'B4', hex: '03', idempotencyKey: 'k-2' },
            { deviceId: 'B1', hex: '04', idempotencyKey: 'k-2' },
            { deviceId: 'B4', hex: '05', idempotencyKey: 'k-3', qos: 7 },
          ],
        },
      });
      // One invalid item fails a batch that does not match the schema as a whole: nothing is stored.
      expectProblem(refused, 400, 'validation_failed');
      const retried = await ok('POST', '/v1/commands/batch', {
        items: [
          { deviceId: 'B4', hex: 'FF', idempotencyKey: 'k-1' },
          { deviceId: 'B4', hex: '02', idempotencyKey: 'k-2' },
          { deviceId: 'B4', hex: '03', idempotencyKey: 'k-2' },
          { deviceId: 'B1', hex: '04', idempotencyKey: 'k-2' },
        ],
      });
      const items = retried.body.items as { status: number; command: { id: string; hex: string } }[];
      expect(items.map((i) => i.status)).toEqual([200, 201, 200, 201]);
      expect(items[0]?.command).toMatchObject({ id: before.body.id, hex: '01' });
      expect(items[2]?.command).toEqual(items[1]?.command);
      // The same key on another device is another command.
      expect(items[3]?.command.id).not.toBe(items[1]?.command.id);
      expect(await count('B4')).toBe(2);
      const again = await ok('POST', '/v1/commands/batch', {
        items: [{ deviceId: 'B4', hex: '09', idempotencyKey: 'k-2' }],
      });
      expect(again.body.items[0]).toMatchObject({ status: 200, command: { id: items[1]?.command.id } });
    });

    it('refuses an empty batch, more than 1,000 items and unknown fields as a whole', async () => {
      const stored = await count('B1');
      expectProblem(
        await ts.request('POST', '/v1/commands/batch', { json: { items: [] } }),
        400,
        'validation_failed',
      );
      const tooMany = Array.from({ length: 1001 }, () => ({ deviceId: 'B1', hex: '01' }));
      expectProblem(
        await ts.request('POST', '/v1/commands/batch', { json: { items: tooMany } }),
        400,
        'validation_failed',
      );
      expectProblem(
        await ts.request('POST', '/v1/commands/batch', {
          json: { items: [{ deviceId: 'B1', hex: '01', x: 1 }] },
        }),
        400,
        'validation_failed',
      );
      expect(await count('B1')).toBe(stored);
    });
  });

  it('cancels a queued command, once, and lists by status', async () => {
    const command = await ok('POST', '/v1/devices/L2/commands', { hex: '02' });
    const cancelled = await ok('POST', `/v1/devices/L2/commands/${command.body.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await ok('POST', `/v1/devices/L2/commands/${command.body.id}/cancel`);
    expect(again.body.status).toBe('cancelled');
    const list = await ok('GET', '/v1/devices/L2/commands?status=cancelled');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([command.body.id]);
    const history = await ok('GET', '/v1/devices/L2/command-history');
    expect(history.body.items[0]).toMatchObject({ commandId: command.body.id, status: 'cancelled' });
  });

  it('pages a device’s commands newest first', async () => {
    for (const hex of ['01', '02', '03']) await ok('POST', '/v1/devices/L2/commands', { hex, name: 'page' });
    const first = await ok('GET', '/v1/devices/L2/commands?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await ok('GET', `/v1/devices/L2/commands?limit=500&cursor=${first.body.nextCursor}`);
    const ids = [...first.body.items, ...second.body.items].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(ids.length).toBe(await count('L2'));
  });

  it('puts every transition on the change feed', async () => {
    const start = await ok('GET', '/v1/changes?since=latest');
    const command = await ok('POST', '/v1/devices/P1/commands', { hex: '05' });
    await ok('POST', `/v1/devices/P1/commands/${command.body.id}/cancel`);
    const feed = await ok('GET', `/v1/changes?since=${start.body.nextCursor}`);
    const mine = feed.body.items.filter((c: { entityId: string }) => c.entityId === command.body.id);
    expect(mine.map((c: { kind: string; data: { status: string } }) => [c.kind, c.data.status])).toEqual([
      ['command.created', 'queued'],
      ['command.status_changed', 'cancelled'],
    ]);
  });

  it('shows the transitions of a device’s commands on the SSE stream, filtered by device', async () => {
    const start = await ok('GET', '/v1/changes?since=latest');
    await ok('POST', '/v1/devices/L2/commands', { hex: '0a' });
    const command = await ok('POST', '/v1/devices/P1/commands', { hex: '0b' });
    await ok('POST', `/v1/devices/P1/commands/${command.body.id}/cancel`);
    const controller = new AbortController();
    const response = await fetch(
      `${ts.url}/v1/stream?since=${start.body.nextCursor}&deviceId=P1&kinds=command.created,command.status_changed`,
      { headers: { authorization: `Bearer ${ts.adminKey}` }, signal: controller.signal },
    );
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    let text = '';
    const decoder = new TextDecoder();
    while ((text.match(/^event: command\./gm) ?? []).length < 2) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    controller.abort();
    const events = [...text.matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => [
      m[1],
      (JSON.parse(m[2] ?? '{}') as { data: { id: string; status: string } }).data,
    ]);
    // Only P1's command: L2's is filtered out.
    expect(events).toEqual([
      ['command.created', expect.objectContaining({ id: command.body.id, status: 'queued' })],
      ['command.status_changed', expect.objectContaining({ id: command.body.id, status: 'cancelled' })],
    ]);
  });

  describe('HTTP polling', () => {
    const poll = (deviceId: string, query = '') =>
      ts.request('GET', `/v1/device/commands${query}`, { key: tokens[deviceId] ?? null });
    const ack = (deviceId: string, commandId: string, json: unknown = {}) =>
      ts.request('POST', `/v1/device/commands/${commandId}/ack`, { key: tokens[deviceId] ?? null, json });

    it('long-polls until a command is queued, hands it out once, and takes its acknowledgement', async () => {
      const waiting = poll('H1', '?wait=10');
      // The poll is waiting (or about to look): a command queued now must end it.
      const created = await ok('POST', '/v1/devices/H1/commands', {
        hex: 'beef',
        transport: 'http',
        confirmed: true,
      });
      const answer = await waiting;
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.items).toEqual([
        expect.objectContaining({ id: created.body.id, hex: 'beef', base64: 'vu8=', confirmed: true }),
      ]);
      expect((await ok('GET', `/v1/devices/H1/commands/${created.body.id}`)).body.status).toBe('sent');
      expect((await poll('H1')).body.items).toEqual([]);
      const acked = await ack('H1', created.body.id, { result: { done: true } });
      expect(acked.status, acked.text).toBe(200);
      expect(acked.body).toEqual({ id: created.body.id, status: 'acknowledged' });
      const shown = await ok('GET', `/v1/devices/H1/commands/${created.body.id}`);
      expect(shown.body.result).toEqual({ done: true });
      expect(shown.body.history.map((h: { status: string }) => h.status)).toEqual([
        'queued',
        'sent',
        'acknowledged',
      ]);
      // A second answer changes nothing.
      expect((await ack('H1', created.body.id, { status: 'failed' })).body.status).toBe('acknowledged');
    });

    it('answers at once when nothing is queued without wait, and after wait seconds with it', async () => {
      expect((await poll('H2')).body.items).toEqual([]);
      const started = Date.now();
      const answer = await poll('H2', '?wait=0.3');
      expect(answer.body.items).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });

    it('hands out only http commands, most urgent first, up to the limit', async () => {
      await ok('POST', '/v1/devices/H2/commands', { hex: '01', transport: 'http', priority: 1 });
      await ok('POST', '/v1/devices/H2/commands', { hex: '09', transport: 'http', priority: 9 });
      await ok('POST', '/v1/devices/H2/commands', { hex: 'ee' });
      await ok('POST', '/v1/devices/H2/commands', { hex: '05', transport: 'http' });
      const first = await poll('H2', '?limit=2');
      expect(first.body.items.map((c: { hex: string }) => c.hex)).toEqual(['09', '05']);
      const second = await poll('H2', '?limit=2');
      expect(second.body.items.map((c: { hex: string }) => c.hex)).toEqual(['01']);
    });

    it('refuses an acknowledgement for an unknown command, another device’s, or a bad token, and changes nothing', async () => {
      const theirs = await ok('POST', '/v1/devices/H2/commands', { hex: '07', transport: 'http' });
      expectProblem(await ack('H1', theirs.body.id), 404, 'not_found');
      expectProblem(await ack('H1', 'cmd_unknown'), 404, 'not_found');
      expectProblem(
        await ts.request('POST', `/v1/device/commands/${theirs.body.id}/ack`, { key: 'fpd_nope', json: {} }),
        401,
        'unauthenticated',
      );
      expectProblem(await ack('H2', theirs.body.id, { status: 'maybe' }), 400, 'validation_failed');
      const shown = await ok('GET', `/v1/devices/H2/commands/${theirs.body.id}`);
      expect(shown.body.status).toBe('queued');
      expect(shown.body.history).toHaveLength(1);
    });

    it('records the answer to a command cancelled after it was queued: the device did act on it', async () => {
      const gone = await ok('POST', '/v1/devices/H1/commands', { hex: '01', transport: 'http' });
      const cancelled = await ok('POST', `/v1/devices/H1/commands/${gone.body.id}/cancel`);
      expect(cancelled.body.status).toBe('cancelled');
      expect((await ack('H1', gone.body.id)).body.status).toBe('acknowledged');
    });
  });
});
