import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { EventBus } from '../../bus/event-bus.js';
import { buildApp } from '../../http/index.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import { ApiKeyAuthenticator, bootstrapAccess } from '../access/index.js';
import { CapturePipeline } from '../capture/index.js';
import { writeWithChanges } from '../changes/index.js';
import { registerMessageRoutes } from './index.js';

/** `GET /v1/stream` over real sockets: Server-Sent Events read from Node's fetch body. */

interface SseBlock {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly retry?: string;
  readonly comment?: string;
}

interface StreamEvent {
  readonly id: string;
  readonly event: string;
  readonly change: {
    cursor: string;
    kind: string;
    entityId: string;
    at: string;
    data: Record<string, unknown>;
  };
}

function parseBlock(text: string): SseBlock {
  const block: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) block.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      block[field] = field === 'data' && block.data !== undefined ? `${block.data}\n${value}` : value;
    }
  }
  return block;
}

/** An open event stream, read block by block. */
class SseClient {
  readonly response: Response;
  readonly #controller: AbortController;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  readonly #blocks: SseBlock[] = [];
  #ended = false;

  private constructor(response: Response, controller: AbortController) {
    this.response = response;
    this.#controller = controller;
    if (!response.body) throw new Error('the stream has no body');
    this.#reader = response.body.getReader();
  }

  static async open(url: string, key: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    return new SseClient(response, controller);
  }

  /** The next block (event, comment or retry), or undefined once the server ended the stream. */
  async nextBlock(timeoutMs = 5000): Promise<SseBlock | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const queued = this.#blocks.shift();
      if (queued) return queued;
      if (this.#ended) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no event arrived in time');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), left);
      });
      const chunk = await Promise.race([this.#reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (chunk === 'timeout') throw new Error('no event arrived in time');
      if (chunk.done) {
        this.#ended = true;
        continue;
      }
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      let end = this.#buffer.indexOf('\n\n');
      while (end !== -1) {
        this.#blocks.push(parseBlock(this.#buffer.slice(0, end)));
        this.#buffer = this.#buffer.slice(end + 2);
        end = this.#buffer.indexOf('\n\n');
      }
    }
  }

  /** The next event, skipping comments and the retry hint. */
  async next(timeoutMs = 5000): Promise<StreamEvent> {
    for (;;) {
      const block = await this.nextBlock(timeoutMs);
      if (!block) throw new Error('the stream ended');
      if (block.event === undefined || block.id === undefined || block.data === undefined) continue;
      return { id: block.id, event: block.event, change: JSON.parse(block.data) as StreamEvent['change'] };
    }
  }

  async nextEvents(count: number, timeoutMs = 10_000): Promise<StreamEvent[]> {
    const events: StreamEvent[] = [];
    while (events.length < count) events.push(await this.next(timeoutMs));
    return events;
  }

  /** Resolves true when the server ends the stream (after any events still in flight). */
  async ended(timeoutMs = 5000): Promise<boolean> {
    for (;;) {
      if ((await this.nextBlock(timeoutMs)) === undefined) return true;
    }
  }

  close(): void {
    this.#controller.abort();
  }
}

/** Stores `count` messages of about 4 kB for device `d` of the default tenant; returns their event bytes. */
async function backlog(server: TestServer, count: number): Promise<{ count: number; bytes: number }> {
  await server.request('POST', '/v1/device-types', { json: { id: 't', name: 'T' } });
  await server.request('POST', '/v1/devices', { json: { id: 'd', typeId: 't' } });
  // The server's bus: the feed shows only the commits announced on it.
  const pipeline = new CapturePipeline(
    { store: server.server.store, clock: systemClock, bus: server.server.bus, logger: silentLogger },
    { writer: openCaptureWriter(server.server.store) },
  );
  const payload = Buffer.alloc(4096, 7);
  const receivedAt = Date.now();
  await Promise.all(
    Array.from({ length: count }, (_, seq) =>
      pipeline.capture({
        tenantId: 'default',
        deviceId: 'd',
        typeId: 't',
        transport: 'http',
        receivedAt,
        seq,
        payload,
        receptions: [],
      }),
    ),
  );
  // Each event carries the payload as hex, twice the bytes, plus the message's fields.
  return { count, bytes: count * payload.length * 2 };
}

/** A stream read over a bare socket that starts paused: nothing is read until it resumes. */
async function rawStream(server: TestServer, path: string): Promise<{ socket: Socket; ids(): number[] }> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${server.adminKey}\r\n\r\n`);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.pause();
  return {
    socket,
    // Each event is written as one chunk, so chunk sizes never split its lines.
    ids: () => [...text.matchAll(/id: (\d+)\nevent: /g)].map((match) => Number(match[1])),
  };
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`event stream (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    const keys = { adminA: '', readerA: '', adminB: '', readerB: '' };
    const tokens = new Map<string, string>();
    const streams: SseClient[] = [];
    let sent = 0;

    async function mint(tenant: string, scope: string): Promise<string> {
      const response = await server.request('POST', `/v1/tenants/${tenant}/keys`, {
        json: { name: `${scope} key`, scope },
      });
      expect(response.status, response.text).toBe(201);
      return response.body.secret as string;
    }

    async function device(key: string, id: string, typeId: string): Promise<void> {
      const created = await server.request('POST', '/v1/devices', { key, json: { id, typeId } });
      expect(created.status, created.text).toBe(201);
      const credential = await server.request('POST', `/v1/devices/${id}/credentials`, {
        key,
        json: { kind: 'token', name: 'test' },
      });
      expect(credential.status, credential.text).toBe(201);
      tokens.set(`${key}/${id}`, credential.body.token as string);
    }

    /** Ingests one message as a device of tenant A (or B) and returns its id. */
    async function ingest(key: string, deviceId: string, hex = '01'): Promise<string> {
      const token = tokens.get(`${key}/${deviceId}`);
      if (!token) throw new Error(`no token for ${deviceId}`);
      sent += 1;
      // A message id of its own: equal payloads without one are duplicates within a window.
      const json = { hex, messageId: `m${sent}` };
      const response = await server.request('POST', '/v1/ingest', { key: token, json });
      expect(response.status, response.text).toBe(201);
      return response.body.id as string;
    }

    async function open(query = '', key = keys.readerA, headers: Record<string, string> = {}) {
      const stream = await SseClient.open(`${server.url}/v1/stream${query ? `?${query}` : ''}`, key, headers);
      streams.push(stream);
      expect(stream.response.status).toBe(200);
      return stream;
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
      keys.adminB = await mint('b', 'admin');
      keys.readerB = await mint('b', 'reader');
      for (const [key, type] of [
        [keys.adminA, 'meter'],
        [keys.adminA, 'other'],
        [keys.adminB, 'meter'],
      ] as const) {
        const created = await server.request('POST', '/v1/device-types', {
          key,
          json: { id: type, name: type },
        });
        expect(created.status, created.text).toBe(201);
      }
      await device(keys.adminA, 's1', 'meter');
      await device(keys.adminA, 's2', 'meter');
      await device(keys.adminA, 'o1', 'other');
      await device(keys.adminB, 'b1', 'meter');
    });

    afterAll(async () => {
      for (const stream of streams) stream.close();
      await server?.close();
      await database?.drop();
    });

    it('delivers a message ingested after the stream opened, and nothing from before', async () => {
      await ingest(keys.adminA, 's1');
      // Only messages: the first uplink also activates s1 (lifecycle), whenever its consumer runs.
      const stream = await open('kinds=message.created');
      expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.response.headers.get('cache-control')).toBe('no-cache');
      expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
      expect(stream.response.headers.get('x-request-id')).toEqual(expect.any(String));
      const id = await ingest(keys.adminA, 's1', 'beef');
      const event = await stream.next();
      expect(event.event).toBe('message.created');
      expect(event.id).toMatch(/^\d+$/);
      expect(event.change).toMatchObject({
        cursor: event.id,
        kind: 'message.created',
        entityId: id,
        data: { id, deviceId: 's1', typeId: 'meter', payload: { hex: 'beef', size: 2 }, timeliness: 'live' },
      });
      stream.close();
    });

    it('filters by device and kind', async () => {
      const stream = await open('deviceId=s1&kinds=message.created');
      await ingest(keys.adminA, 's2');
      await server.request('PATCH', '/v1/devices/s1', { key: keys.adminA, json: { name: 'renamed' } });
      const wanted = await ingest(keys.adminA, 's1');
      const event = await stream.next();
      expect(event.change.entityId).toBe(wanted);
      stream.close();
    });

    it('filters twin changes by their device', async () => {
      const stream = await open('deviceId=s1&kinds=twin.desired.changed');
      await server.request('PATCH', '/v1/devices/s2/twin/desired', { key: keys.adminA, json: { mode: 'a' } });
      const patched = await server.request('PATCH', '/v1/devices/s1/twin/desired', {
        key: keys.adminA,
        json: { mode: 'b' },
      });
      expect(patched.status, patched.text).toBe(200);
      const event = await stream.next();
      expect(event.change).toMatchObject({
        kind: 'twin.desired.changed',
        entityId: 's1',
        data: { deviceId: 's1' },
      });
      stream.close();
    });

    it('filters by device type, matching messages, devices and the type itself', async () => {
      const stream = await open('typeId=other');
      await ingest(keys.adminA, 's1');
      const message = await ingest(keys.adminA, 'o1');
      await server.request('PATCH', '/v1/devices/s2', { key: keys.adminA, json: { name: 'no' } });
      await server.request('PATCH', '/v1/devices/o1', { key: keys.adminA, json: { name: 'yes' } });
      await server.request('PATCH', '/v1/device-types/other', {
        key: keys.adminA,
        json: { description: 'd' },
      });
      const events = await stream.nextEvents(3);
      expect(events.map((e) => `${e.event} ${e.change.entityId}`)).toEqual([
        `message.created ${message}`,
        'device.updated o1',
        'device_type.updated other',
      ]);
      stream.close();
    });

    it('takes filters repeated or separated by commas', async () => {
      const stream = await open('deviceId=s2,nobody&deviceId=o1&kinds=message.created,device.updated');
      await ingest(keys.adminA, 's1');
      const first = await ingest(keys.adminA, 's2');
      await server.request('PATCH', '/v1/devices/s1', { key: keys.adminA, json: { name: 'skip' } });
      await server.request('PATCH', '/v1/devices/o1', { key: keys.adminA, json: { name: 'keep' } });
      const events = await stream.nextEvents(2);
      expect(events.map((e) => `${e.event} ${e.change.entityId}`)).toEqual([
        `message.created ${first}`,
        'device.updated o1',
      ]);
      stream.close();
    });

    it('resumes exactly after Last-Event-ID, without loss or repetition', async () => {
      const stream = await open('deviceId=s2');
      const sent: string[] = [];
      for (let i = 0; i < 5; i += 1) sent.push(await ingest(keys.adminA, 's2', `0${i}`));
      const [, second] = await stream.nextEvents(2);
      stream.close();
      if (!second) throw new Error('no second event');
      for (let i = 5; i < 8; i += 1) sent.push(await ingest(keys.adminA, 's2', `0${i}`));

      // The header wins over the URL's since, as EventSource reconnects with the same URL.
      const resumed = await open('deviceId=s2&since=latest', keys.readerA, { 'last-event-id': second.id });
      const replayed = await resumed.nextEvents(6);
      expect(replayed.map((e) => e.change.entityId)).toEqual(sent.slice(2));
      const ids = [second.id, ...replayed.map((e) => e.id)].map(Number);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      const live = await ingest(keys.adminA, 's2');
      expect((await resumed.next()).change.entityId).toBe(live);
      resumed.close();

      // `since` does the same for a first connection.
      const fromCursor = await open(`deviceId=s2&since=${second.id}`);
      expect((await fromCursor.nextEvents(7)).map((e) => e.change.entityId)).toEqual([
        ...sent.slice(2),
        live,
      ]);
      fromCursor.close();
    });

    it("never carries another tenant's changes", async () => {
      const streamB = await open('', keys.readerB);
      // From the very beginning, B's stream holds only B's changes.
      const fromStart = await open('since=0', keys.readerB);
      const fromA = [await ingest(keys.adminA, 's1'), await ingest(keys.adminA, 'o1')];
      const ownB = await ingest(keys.adminB, 'b1');
      expect((await streamB.next()).change.entityId).toBe(ownB);
      const everything = [];
      for (;;) {
        const event = await fromStart.next();
        everything.push(event.change.entityId);
        if (event.change.entityId === ownB) break;
      }
      expect(everything.some((id) => fromA.includes(id))).toBe(false);
      expect(everything.every((id) => ['meter', 'b1', ownB].includes(id))).toBe(true);
      streamB.close();
      fromStart.close();
    });

    it('refuses bad cursors and filters with a problem document before streaming', async () => {
      const get = (query: string, headers: Record<string, string> = {}, key: string | null = keys.readerA) =>
        server.request('GET', `/v1/stream?${query}`, { key, headers });
      for (const query of [
        'since=abc',
        'since=-1',
        'since=1234567890123456789',
        'kinds=message.deleted',
        'kinds=',
        'kinds=message.created,,device.created',
        'deviceId=bad%20id',
        `deviceId=${'x'.repeat(129)}`,
        'typeId=a/b',
        'other=1',
      ]) {
        expectProblem(await get(query), 400, 'validation_failed');
      }
      expectProblem(await get('', { 'last-event-id': 'abc' }), 400, 'validation_failed');
      expectProblem(await get('', {}, null), 401, 'unauthenticated');
      expectProblem(await get('', {}, tokens.get(`${keys.adminA}/s1`) ?? ''), 401, 'unauthenticated');
    });
  });

  describe.skipIf(!dialect.available)(`event stream and shutdown (${dialect.name})`, () => {
    it('stops reading the feed while a client reads nothing, then delivers every event once, in order', async () => {
      const database = await dialect.create();
      const server = await startTestServer(database);
      try {
        const total = await backlog(server, 2000);
        const sockets: Socket[] = [];
        server.server.app.server.on('connection', (socket: Socket) => sockets.push(socket));
        const client = await rawStream(server, '/v1/stream?since=0&kinds=message.created');
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const serverSide = sockets.find((socket) => socket.remotePort === client.socket.localPort);
        if (!serverSide) throw new Error('the server-side socket was not found');
        // Full socket buffers: the server holds about one page, not the whole backlog.
        expect(serverSide.writableLength).toBeLessThan(2 * 1024 * 1024);
        expect(serverSide.bytesWritten).toBeLessThan(total.bytes / 2);

        client.socket.resume();
        const deadline = Date.now() + 30_000;
        while (client.ids().length < total.count && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const ids = client.ids();
        expect(ids).toHaveLength(total.count);
        expect(new Set(ids).size).toBe(total.count);
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        client.socket.destroy();
      } finally {
        await server.close();
        await database.drop();
      }
    });

    it('ends open streams when the server shuts down, so that close() is prompt', async () => {
      const database = await dialect.create();
      try {
        const server = await startTestServer(database);
        await backlog(server, 2000);
        const reading = await SseClient.open(`${server.url}/v1/stream`, server.adminKey);
        expect(reading.response.status).toBe(200);
        // Another client reads nothing: its stream is stuck on a full socket.
        const stalled = await rawStream(server, '/v1/stream?since=0');
        await new Promise((resolve) => setTimeout(resolve, 500));

        const began = Date.now();
        await server.close();
        expect(Date.now() - began).toBeLessThan(3000);
        expect(await reading.ended()).toBe(true);
        stalled.socket.destroy();
      } finally {
        await database.drop();
      }
    });

    it('sends a ping comment while there is nothing to send, and events in between', async () => {
      const database = await dialect.create();
      const store = await openTestStore(database);
      const deps = { store, clock: systemClock, logger: silentLogger, bus: new EventBus() };
      const key = 'fpk_stream_heartbeat_test_key_000000000000';
      await bootstrapAccess(deps, key);
      const app = await buildApp({
        logger: false,
        bodyLimit: 1 << 20,
        version: 'test',
        authenticators: { apiKey: (bearer) => new ApiKeyAuthenticator(deps).authenticate(bearer) },
        ready: async () => {
          await store.ping();
          return undefined;
        },
      });
      registerMessageRoutes(app, deps, { heartbeatMs: 150 });
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const { port } = app.server.address() as AddressInfo;
        const stream = await SseClient.open(`http://127.0.0.1:${port}/v1/stream`, key);
        expect(await stream.nextBlock()).toEqual({ retry: '2000' });
        expect(await stream.nextBlock(1000)).toEqual({ comment: 'ping' });
        await writeWithChanges(deps, 'default', async (_tx, record) => {
          record({ kind: 'device.created', entityId: 'hb', data: { id: 'hb', typeId: 't' } });
        });
        expect((await stream.next(1000)).change.entityId).toBe('hb');
        expect(await stream.nextBlock(1000)).toEqual({ comment: 'ping' });
        stream.close();
      } finally {
        await app.close();
        await store.close();
        await database.drop();
      }
    });
  });
}
