import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../../test/support/databases.js';
import { loadConfig } from '../../../config.js';
import { type RunningServer, startServer } from '../../../server.js';
import type { SigfoxDownlinkRequest } from './index.js';

/**
 * The BIDIR answer through the downlink port, over real HTTP on a real server: with no
 * source it stays 204; a source's 8 bytes come back in Sigfox's format; a source that
 * fails or answers wrongly is logged and the answer is "no downlink", never a 500.
 */
const sqlite = dialectCases().find((dialect) => dialect.name === 'sqlite');
if (sqlite === undefined) throw new Error('no SQLite dialect case');

describe('Sigfox BIDIR downlinks', () => {
  let database: TestDatabase;
  let server: RunningServer;
  const adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`;
  let secret = '';
  const logLines: Record<string, unknown>[] = [];
  const asked: SigfoxDownlinkRequest[] = [];
  /** What the registered source does for the current test. */
  let answer: (request: SigfoxDownlinkRequest) => Promise<Buffer | undefined> = async () => undefined;
  let serial = 0x2a0000;

  async function api(method: string, path: string, json?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    return { status: response.status, text, body: text === '' ? undefined : JSON.parse(text) };
  }

  async function admin(path: string, json: unknown) {
    const response = await api('POST', path, json, { authorization: `Bearer ${adminKey}` });
    expect(response.status, response.text).toBeLessThan(300);
    return response;
  }

  async function bidir(deviceId: string, more: Record<string, unknown> = {}) {
    return api(
      'POST',
      '/v1/callbacks/sigfox/sfx',
      {
        device: deviceId,
        time: Math.floor(Date.now() / 1000) - 1,
        data: '0102abcd',
        seqNumber: 7,
        duplicate: false,
        ack: true,
        longPolling: false,
        ...more,
      },
      { 'x-fleetport-secret': secret },
    );
  }

  async function device(): Promise<string> {
    serial += 1;
    const id = serial.toString(16).toUpperCase();
    await admin('/v1/devices', { id, typeId: 'sfx' });
    return id;
  }

  beforeAll(async () => {
    database = await sqlite.create();
    const config = loadConfig({
      env: {},
      flags: {
        'data-dir': database.dataDir,
        'http-port': 0,
        // A free port: test servers run side by side; 1883 would collide.
        'mqtt-port': 0,
        'admin-key': adminKey,
        'log-level': 'info',
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line !== '') logLines.push(JSON.parse(line));
        done();
      },
    });
    server = await startServer(config, pino({ level: 'info' }, sink));
    // The server's own source (commands) steps aside for the port's tests.
    server.sigfox.replaceDownlinkSource({
      downlink: (request) => {
        asked.push(request);
        return answer(request);
      },
    });
    await admin('/v1/device-types', { id: 'sfx', name: 'Sigfox' });
    const created = await admin('/v1/device-types/sfx/callback-secrets', { name: 'sigfox' });
    secret = String(created.body.secret);
  });

  beforeEach(() => {
    asked.length = 0;
    answer = async () => undefined;
  });

  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it("answers the source's 8 bytes as {device: {downlinkData: 16 hex}} once the uplink is stored", async () => {
    const id = await device();
    answer = async () => Buffer.from('0011223344aabbff', 'hex');
    const response = await bidir(id);
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ [id]: { downlinkData: '0011223344aabbff' } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      tenantId: 'default',
      deviceId: id,
      typeId: 'sfx',
      uplink: { duplicate: false, seqNumber: 7, ack: true },
    });
    expect(asked[0]?.uplink.payload.toString('hex')).toBe('0102abcd');
    const stored = await server.store.db
      .selectFrom('messages')
      .select('id')
      .where('device_id', '=', id)
      .execute();
    expect(stored.map((row) => row.id)).toEqual([asked[0]?.uplink.messageId]);
  });

  it('answers 204 when the source has no downlink for the device', async () => {
    const response = await bidir(await device());
    expect(response.status, response.text).toBe(204);
    expect(response.text).toBe('');
    expect(asked).toHaveLength(1);
  });

  it('answers 204 with a log line, not a 500, when the source fails or answers other than 8 bytes', async () => {
    answer = async () => {
      throw new Error('the command store is down');
    };
    const failing = await device();
    const response = await bidir(failing);
    expect(response.status, response.text).toBe(204);
    expect(logLines.filter((line) => line.msg === 'sigfox downlink source failed: none sent')).toEqual([
      expect.objectContaining({
        level: 50,
        sigfox: { device: failing },
        err: expect.objectContaining({ message: 'the command store is down' }),
      }),
    ]);

    answer = async () => Buffer.from('0011', 'hex');
    const short = await device();
    expect((await bidir(short)).status).toBe(204);
    expect(logLines.some((line) => line.msg === 'sigfox downlink is not 8 bytes: none sent')).toBe(true);
    // The uplinks were stored all the same.
    const stored = await server.store.db
      .selectFrom('messages')
      .select('device_id')
      .where('device_id', 'in', [failing, short])
      .execute();
    expect(stored).toHaveLength(2);
  });

  it('keeps the answer of DATA callbacks and does not ask the source for them', async () => {
    answer = async () => Buffer.alloc(8);
    const id = await device();
    const response = await api(
      'POST',
      '/v1/callbacks/sigfox/sfx',
      { device: id, time: Math.floor(Date.now() / 1000) - 1, data: '01', seqNumber: 1 },
      { 'x-fleetport-secret': secret },
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ duplicate: false, timeliness: 'live' });
    expect(asked).toHaveLength(0);
  });

  it('takes one downlink source', () => {
    expect(() => server.sigfox.useDownlinkSource({ downlink: async () => undefined })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
  });
});
