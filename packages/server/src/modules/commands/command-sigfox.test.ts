import { afterAll, beforeAll, expect, it } from 'vitest';
import { mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

const LEVEL_CODEC = `
function decodeUplink(input) { return { data: {} }; }
function encodeDownlink(input) { return { bytes: [0x10, input.data.level] }; }`;

describeEachDialect('commands over Sigfox BIDIR', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  let secret: string;
  let serial = 0x1a00;
  const epoch = Math.floor(Date.now() / 1000) - 60;

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await ok('POST', '/v1/device-types', { id: 'sfx', name: 'Sigfox' });
    await ok('PUT', '/v1/device-types/sfx/codec', { kind: 'javascript', source: LEVEL_CODEC });
    const created = await ok('POST', '/v1/device-types/sfx/callback-secrets', { name: 'sigfox' });
    secret = mustBeString(created.body.secret, 'secret');
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

  async function device(): Promise<string> {
    serial += 1;
    const id = serial.toString(16).toUpperCase();
    await ok('POST', '/v1/devices', { id, typeId: 'sfx' });
    return id;
  }

  const callback = (json: Record<string, unknown>) =>
    ts.request('POST', '/v1/callbacks/sigfox/sfx', {
      key: null,
      json,
      headers: { 'x-fleetport-secret': secret },
    });
  const bidir = (deviceId: string, seqNumber: number, more: Record<string, unknown> = {}) =>
    callback({ device: deviceId, time: epoch + seqNumber, data: '0102', seqNumber, ack: true, ...more });
  const downlinkAck = (deviceId: string, acknowledged: boolean) =>
    callback({
      device: deviceId,
      time: epoch + 100,
      infoCode: 0,
      infoMessage: 'Acked',
      downlinkAck: acknowledged,
    });
  const send = async (deviceId: string, body: Record<string, unknown>) =>
    mustBeString(
      (await ok('POST', `/v1/devices/${deviceId}/commands`, { transport: 'sigfox', ...body })).body.id,
      'id',
    );
  const show = async (deviceId: string, id: string) =>
    (await ok('GET', `/v1/devices/${deviceId}/commands/${id}`)).body;

  it('answers a BIDIR callback with the most urgent pending command, 8 bytes, and the same to a retry', async () => {
    const id = await device();
    const normal = await send(id, { hex: '0102030405060708' });
    const urgent = await send(id, { data: { level: 7 }, priority: 9 });
    const started = Date.now();
    const first = await bidir(id, 1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(first.status, first.text).toBe(200);
    // The codec's two bytes, padded to Sigfox's 8.
    expect(first.body).toEqual({ [id]: { downlinkData: '1007000000000000' } });
    const answered = await show(id, urgent);
    expect(answered.status).toBe('unknown');
    expect(answered.history.at(-1).detail).toMatchObject({ transport: 'sigfox', seqNumber: 1, attempt: 1 });
    // Sigfox retries the callback (or another base station's arrives): the same downlink.
    const retry = await bidir(id, 1);
    expect(retry.body).toEqual(first.body);
    expect((await show(id, urgent)).attempts).toBe(1);
    expect((await show(id, normal)).status).toBe('queued');
    const second = await bidir(id, 2);
    expect(second.body).toEqual({ [id]: { downlinkData: '0102030405060708' } });
    const none = await bidir(id, 3);
    expect(none.status).toBe(204);
  });

  it('keeps commands queued for an uplink that does not wait for a downlink', async () => {
    const id = await device();
    const command = await send(id, { hex: 'aa' });
    const answer = await bidir(id, 1, { ack: false });
    expect(answer.status).toBe(204);
    expect((await show(id, command)).status).toBe('queued');
  });

  it('moves the answered command to delivered on a downlink acknowledgement, and leaves it unknown without', async () => {
    const id = await device();
    const command = await send(id, { hex: 'bb' });
    await bidir(id, 1);
    expect((await downlinkAck(id, false)).status).toBe(204);
    expect((await show(id, command)).status).toBe('unknown');
    expect((await downlinkAck(id, true)).status).toBe(204);
    const delivered = await show(id, command);
    expect(delivered.status).toBe('delivered');
    expect(delivered.history.map((h: { status: string }) => h.status)).toEqual([
      'queued',
      'unknown',
      'delivered',
    ]);
    expect(delivered.history.at(-1).detail).toMatchObject({ transport: 'sigfox', downlinkAck: true });
    // Delivered: no cancel any more.
    const cancel = await ts.request('POST', `/v1/devices/${id}/commands/${command}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('command_not_cancellable');
  });

  const data = (deviceId: string, seqNumber: number) =>
    callback({ device: deviceId, time: epoch + seqNumber, data: '0a', seqNumber });
  const notes = async (deviceId: string, commandId: string) =>
    (await show(deviceId, commandId)).history.filter(
      (h: { detail: Record<string, unknown> }) => h.detail.inference !== undefined,
    );

  it('infers an out-of-band frame from one sequence number missing right after a downlink, once', async () => {
    const id = await device();
    const command = await send(id, { hex: '01' });
    await bidir(id, 10);
    expect((await data(id, 12)).status).toBe(200);
    const [note] = await notes(id, command);
    expect(note).toMatchObject({
      status: 'unknown',
      detail: {
        transport: 'sigfox',
        inference: 'out_of_band_frame',
        framesBetween: 1,
        downlinkSeqNumber: 10,
        seqNumber: 12,
      },
    });
    // Another base station's reception of that frame, and the frames after it, add nothing.
    await data(id, 12);
    await data(id, 14);
    expect(await notes(id, command)).toHaveLength(1);
    const shown = await show(id, command);
    expect(shown.status).toBe('unknown');
    // The note is on the change feed, as command.noted.
    const changes = await ok('GET', '/v1/changes?since=0&limit=1000');
    expect(
      changes.body.items.some(
        (c: { kind: string; entityId: string }) => c.kind === 'command.noted' && c.entityId === command,
      ),
    ).toBe(true);
  });

  it('records no out-of-band frame when the next frame follows the downlink’s, and counts across the wrap at 4096', async () => {
    const plain = await device();
    const first = await send(plain, { hex: '02' });
    await bidir(plain, 20);
    await data(plain, 21);
    expect((await notes(plain, first))[0]?.detail).toMatchObject({
      inference: 'no_out_of_band_frame',
      framesBetween: 0,
    });
    const wrapping = await device();
    const second = await send(wrapping, { hex: '03' });
    await bidir(wrapping, 4095);
    // The next BIDIR uplink is the first after the downlink: 4095 → 1 skips 0.
    await bidir(wrapping, 1);
    expect((await notes(wrapping, second))[0]?.detail).toMatchObject({
      inference: 'out_of_band_frame',
      framesBetween: 1,
      downlinkSeqNumber: 4095,
      seqNumber: 1,
    });
  });

  it('calls a wider gap unclear, and records nothing for a frame far from the downlink’s or for a delivered-less queue', async () => {
    const id = await device();
    const command = await send(id, { hex: '04' });
    await bidir(id, 100);
    await data(id, 104);
    expect((await notes(id, command))[0]?.detail).toMatchObject({ inference: 'unclear', framesBetween: 3 });
    const far = await device();
    const farCommand = await send(far, { hex: '05' });
    await bidir(far, 100);
    // A reset (or a long silence): nothing can be said about the downlink.
    await data(far, 3);
    await data(far, 500);
    expect(await notes(far, farCommand)).toHaveLength(0);
    const idle = await device();
    const queued = await send(idle, { hex: '06' });
    await data(idle, 2);
    expect(await notes(idle, queued)).toHaveLength(0);
  });

  it('ignores a downlink acknowledgement for a device that was sent nothing', async () => {
    const id = await device();
    const command = await send(id, { hex: 'cc' });
    expect((await downlinkAck(id, true)).status).toBe(204);
    expect((await show(id, command)).status).toBe('queued');
  });
});
