import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import type { TestDatabase } from '../../../test/support/databases.js';
import { describeEachDialect } from '../../../test/support/dialect-suites.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/** Retries `check` until it passes, for up to 10 s (the delivery follows the change feed). */
async function until<T>(check: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * One parameter per downlink, as a small device's firmware would take it: a command byte
 * and its argument. `label` encodes to more than Sigfox's 8 bytes; `lo`/`hi` are a group.
 * An uplink `01 xx` reports `interval` = xx × 60.
 */
const CODEC = `
function decodeUplink(input) {
  var b = input.bytes;
  var data = {};
  if (b[0] === 1) data.interval = b[1] * 60;
  return { data: data };
}
function encodeDownlink(input) {
  var d = input.data;
  if (d.interval !== undefined) {
    if (d.interval > 15300) return { errors: ['interval ' + d.interval + ' is over 15300 s'] };
    return { bytes: [1, d.interval / 60] };
  }
  if (d.mode !== undefined) return { bytes: [2, d.mode] };
  if (d.label !== undefined) {
    var bytes = [3];
    for (var i = 0; i < d.label.length; i++) bytes.push(d.label.charCodeAt(i));
    return { bytes: bytes };
  }
  if (d.lo !== undefined || d.hi !== undefined) return { bytes: [4, d.lo, d.hi] };
  return { errors: ['nothing to encode'] };
}`;

const DECODE_ONLY = `function decodeUplink(input) { return { data: {} }; }`;

/**
 * Desired state for devices without a session, on a real server: a Sigfox type's desired
 * values leave as BIDIR answers, one parameter (or group) at a time, and each parameter
 * follows its downlink; an HTTP-polled type's leave on `GET /v1/device/commands`.
 */
describeEachDialect('twin desired values as downlinks', (dialect) => {
  let database: TestDatabase;
  let ts: TestServer;
  const secrets: Record<string, string> = {};
  let serial = 0x2b00;
  const epoch = Math.floor(Date.now() / 1000) - 600;

  async function ok(method: string, path: string, json?: unknown, key?: string): Promise<TestResponse> {
    const response = await ts.request(method, path, { json, ...(key === undefined ? {} : { key }) });
    expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
    return response;
  }

  async function sigfoxType(id: string, settings: Record<string, unknown>, codec?: string): Promise<void> {
    await ok('POST', '/v1/device-types', { id, name: id });
    if (codec !== undefined)
      await ok('PUT', `/v1/device-types/${id}/codec`, { kind: 'javascript', source: codec });
    await ok('PUT', `/v1/device-types/${id}/twin`, settings);
    const created = await ok('POST', `/v1/device-types/${id}/callback-secrets`, { name: 'sigfox' });
    secrets[id] = mustBeString(created.body.secret, 'secret');
  }

  beforeAll(async () => {
    database = await dialect.create();
    ts = await startTestServer(database);
    await sigfoxType('sfx', { delivery: 'sigfox', reportedFields: { interval: 'interval' } }, CODEC);
    await sigfoxType('sfx-group', { delivery: 'sigfox', downlink: { groups: [['lo', 'hi']] } }, CODEC);
    await sigfoxType('sfx-bare', { delivery: 'sigfox' });
    await sigfoxType('sfx-decoder', { delivery: 'sigfox' }, DECODE_ONLY);
    // The marker's type: no codec, so its parameters fail at once (see `settled`).
    await ok('POST', '/v1/device-types', { id: 'marker', name: 'marker' });
    await ok('PUT', '/v1/device-types/marker/twin', { delivery: 'http' });
    await ok('POST', '/v1/devices', { id: 'marker-1', typeId: 'marker' });
  });
  afterAll(async () => {
    await ts?.close();
    await database?.drop();
  });

  async function device(typeId = 'sfx'): Promise<string> {
    serial += 1;
    const id = serial.toString(16).toUpperCase();
    await ok('POST', '/v1/devices', { id, typeId });
    return id;
  }

  const callback = (typeId: string, json: Record<string, unknown>) =>
    ts.request('POST', `/v1/callbacks/sigfox/${typeId}`, {
      key: null,
      json,
      headers: { 'x-fleetport-secret': secrets[typeId] ?? '' },
    });
  /** A BIDIR uplink whose payload reports nothing. */
  const bidir = (deviceId: string, seqNumber: number, typeId = 'sfx') =>
    callback(typeId, { device: deviceId, time: epoch + seqNumber, data: 'ff', seqNumber, ack: true });
  const uplink = (deviceId: string, seqNumber: number, data: string) =>
    callback('sfx', { device: deviceId, time: epoch + seqNumber, data, seqNumber, ack: false });
  const downlinkAck = (deviceId: string, typeId = 'sfx') =>
    callback(typeId, {
      device: deviceId,
      time: epoch + 500,
      infoCode: 0,
      infoMessage: 'Acked',
      downlinkAck: true,
    });
  const patch = (deviceId: string, desired: Record<string, unknown>) =>
    ok('PATCH', `/v1/devices/${deviceId}/twin/desired`, desired);
  const parameters = async (deviceId: string) =>
    (await ok('GET', `/v1/devices/${deviceId}/twin`)).body.parameters;
  const commands = async (deviceId: string) =>
    (await ok('GET', `/v1/devices/${deviceId}/commands`)).body.items as {
      id: string;
      status: string;
      hex: string;
      twinParameter: string | null;
      transport: string;
    }[];
  /** Waits until the parameter is linked to its downlink, and returns that command's id. */
  const linked = (deviceId: string, name: string) =>
    until(async () => {
      const parameter = (await parameters(deviceId))[name];
      expect(parameter?.commandId, JSON.stringify(parameter)).toMatch(/^cmd_/);
      return mustBeString(parameter.commandId, 'commandId');
    });

  let markerValue = 0;
  /**
   * Everything committed before the call is handled by the delivery: the consumer follows
   * a tenant's changes in commit order, and the marker's parameter fails (no encoder) only
   * once it got there. What is not done by then was not going to be done.
   */
  async function settled(): Promise<void> {
    markerValue += 1;
    await patch('marker-1', { n: markerValue });
    await until(async () => {
      const parameter = (await parameters('marker-1')).n;
      expect(parameter).toMatchObject({ value: markerValue, status: 'failed', errorCode: 'no_encoder' });
    });
  }

  it('sends a desired value as the BIDIR answer; the downlink acknowledgement applies it', async () => {
    const id = await device();
    await patch(id, { interval: 600 });
    const commandId = await linked(id, 'interval');
    expect((await parameters(id)).interval).toMatchObject({ status: 'pending', attempts: 0 });
    const [command] = await commands(id);
    expect(command).toMatchObject({
      id: commandId,
      transport: 'sigfox',
      twinParameter: 'interval',
      hex: '010a',
    });

    const answer = await bidir(id, 1);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ [id]: { downlinkData: '010a000000000000' } });
    await until(async () =>
      expect((await parameters(id)).interval).toMatchObject({ status: 'sent', attempts: 1 }),
    );

    expect((await downlinkAck(id)).status).toBe(204);
    await until(async () => expect((await parameters(id)).interval.status).toBe('applied'));
    expect((await parameters(id)).interval).toMatchObject({ commandId, errorCode: null, attempts: 1 });
    expect((await ok('GET', `/v1/devices/${id}/commands/${commandId}`)).body.status).toBe('delivered');
    // Nothing else to send: the next BIDIR gets no downlink.
    expect((await bidir(id, 2)).status).toBe(204);
  });

  it('applies a parameter when a decoded uplink reports its value, and cancels its queued downlink', async () => {
    const id = await device();
    await patch(id, { interval: 600 });
    const commandId = await linked(id, 'interval');
    expect((await uplink(id, 1, '010a')).status).toBeLessThan(300);
    await until(async () => expect((await parameters(id)).interval.status).toBe('applied'));
    await until(async () =>
      expect((await ok('GET', `/v1/devices/${id}/commands/${commandId}`)).body.status).toBe('cancelled'),
    );
    expect((await bidir(id, 2)).status).toBe(204);
  });

  it('sends two parameters one after the other', async () => {
    const id = await device();
    await patch(id, { interval: 600, mode: 2 });
    const first = await linked(id, 'interval');
    await settled();
    // One at a time: the second waits, not even queued.
    expect((await parameters(id)).mode).toMatchObject({ status: 'pending', commandId: null });
    expect((await commands(id)).map((command) => command.id)).toEqual([first]);

    expect((await bidir(id, 1)).body).toEqual({ [id]: { downlinkData: '010a000000000000' } });
    // Sigfox says nothing more without an acknowledgement: with one attempt, the next goes.
    const second = await linked(id, 'mode');
    expect(second).not.toBe(first);
    expect((await parameters(id)).interval).toMatchObject({ status: 'sent', attempts: 1 });
    expect((await bidir(id, 2)).body).toEqual({ [id]: { downlinkData: '0202000000000000' } });
    await until(async () => expect((await parameters(id)).mode.status).toBe('sent'));
    // The acknowledgement is about the downlink answered last.
    expect((await downlinkAck(id)).status).toBe(204);
    await until(async () => expect((await parameters(id)).mode.status).toBe('applied'));
    expect((await parameters(id)).interval.status).toBe('sent');
  });

  it('supersedes an unfinished value with a new one and cancels its queued downlink', async () => {
    const id = await device();
    await patch(id, { interval: 600 });
    const old = await linked(id, 'interval');
    await patch(id, { interval: 900 });
    const fresh = await until(async () => {
      const parameter = (await parameters(id)).interval;
      expect(parameter).toMatchObject({ value: 900, status: 'pending' });
      expect(parameter.commandId).toMatch(/^cmd_/);
      return mustBeString(parameter.commandId, 'commandId');
    });
    expect(fresh).not.toBe(old);
    const before = await ok('GET', `/v1/devices/${id}/commands/${old}`);
    expect(before.body.status).toBe('cancelled');
    expect((await bidir(id, 1)).body).toEqual({ [id]: { downlinkData: '010f000000000000' } });
    await until(async () =>
      expect((await parameters(id)).interval).toMatchObject({ value: 900, status: 'sent' }),
    );
  });

  it("fails a parameter the codec cannot encode with the codec's message, and goes on with the next", async () => {
    const id = await device();
    await patch(id, { interval: 99_999, mode: 1 });
    await until(async () =>
      expect((await parameters(id)).interval).toMatchObject({
        status: 'failed',
        errorCode: 'encoding_failed',
      }),
    );
    expect((await parameters(id)).interval.error).toContain('interval 99999 is over 15300 s');
    await linked(id, 'mode');
    expect((await commands(id)).map((command) => command.hex)).toEqual(['0201']);
  });

  it('queues nothing for a device retired meanwhile: its next parameter fails with device_retired', async () => {
    const id = await device();
    await patch(id, { interval: 600, mode: 2 });
    const first = await linked(id, 'interval');
    await ok('POST', `/v1/devices/${id}/lifecycle`, { state: 'retired', reason: 'end of life' });
    // The downlink queued before is cancelled by hand: the delivery moves on to `mode`.
    await ok('POST', `/v1/devices/${id}/commands/${first}/cancel`);
    await until(async () =>
      expect((await parameters(id)).mode).toMatchObject({ status: 'failed', errorCode: 'device_retired' }),
    );
    expect((await parameters(id)).interval).toMatchObject({
      status: 'failed',
      errorCode: 'command_cancelled',
    });
    expect((await commands(id)).map((command) => command.id)).toEqual([first]);
  });

  it('fails a parameter whose encoding is over 8 bytes for Sigfox, queuing nothing', async () => {
    const id = await device();
    await patch(id, { label: 'kitchen-01' });
    await until(async () =>
      expect((await parameters(id)).label).toMatchObject({
        status: 'failed',
        errorCode: 'downlink_too_long',
      }),
    );
    expect((await parameters(id)).label.error).toMatch(/8 bytes.*11/);
    expect(await commands(id)).toEqual([]);
  });

  it('fails parameters of a type without an encoder with no_encoder', async () => {
    for (const typeId of ['sfx-bare', 'sfx-decoder']) {
      const id = await device(typeId);
      await patch(id, { interval: 600 });
      await until(async () =>
        expect((await parameters(id)).interval).toMatchObject({ status: 'failed', errorCode: 'no_encoder' }),
      );
      expect(await commands(id)).toEqual([]);
    }
  });

  it('sends a declared group in one downlink and applies both with its acknowledgement', async () => {
    const id = await device('sfx-group');
    await patch(id, { lo: 1, hi: 2 });
    const commandId = await linked(id, 'lo');
    await until(async () => expect((await parameters(id)).hi.commandId).toBe(commandId));
    expect(await commands(id)).toMatchObject([{ id: commandId, hex: '040102', twinParameter: 'lo,hi' }]);
    expect((await bidir(id, 1, 'sfx-group')).body).toEqual({ [id]: { downlinkData: '0401020000000000' } });
    expect((await downlinkAck(id, 'sfx-group')).status).toBe(204);
    await until(async () => {
      const both = await parameters(id);
      expect([both.lo.status, both.hi.status]).toEqual(['applied', 'applied']);
    });
  });

  it('leaves types with the default delivery (mqtt) off the command queue', async () => {
    await ok('POST', '/v1/device-types', { id: 'plain', name: 'plain' });
    await ok('PUT', '/v1/device-types/plain/codec', { kind: 'javascript', source: CODEC });
    await ok('POST', '/v1/devices', { id: 'plain-1', typeId: 'plain' });
    await patch('plain-1', { interval: 600 });
    await settled();
    expect((await parameters('plain-1')).interval).toMatchObject({ status: 'pending', commandId: null });
    expect(await commands('plain-1')).toEqual([]);
  });

  it('hands desired values to an HTTP-polled device on GET /v1/device/commands; its answers close them', async () => {
    await ok('POST', '/v1/device-types', { id: 'polled', name: 'polled' });
    await ok('PUT', '/v1/device-types/polled/codec', { kind: 'javascript', source: CODEC });
    await ok('PUT', '/v1/device-types/polled/twin', { delivery: 'http', downlink: { backoffSeconds: 3600 } });
    await ok('POST', '/v1/devices', { id: 'polled-1', typeId: 'polled' });
    const token = mustBeString(
      (await ok('POST', '/v1/devices/polled-1/credentials', { kind: 'token' })).body.token,
      'token',
    );
    // The device is already waiting when the value is set.
    const poll = ts.request('GET', '/v1/device/commands?wait=10', { key: token });
    await patch('polled-1', { interval: 600, mode: 3 });
    const polled = await poll;
    expect(polled.status, polled.text).toBe(200);
    expect(polled.body.items).toMatchObject([{ hex: '010a', name: 'twin', confirmed: true }]);
    const first = mustBeString(polled.body.items[0].id, 'id');
    await until(async () =>
      expect((await parameters('polled-1')).interval).toMatchObject({ status: 'sent', commandId: first }),
    );
    await settled();
    expect((await parameters('polled-1')).mode).toMatchObject({ status: 'pending', commandId: null });

    await ok('POST', `/v1/device/commands/${first}/ack`, { status: 'acknowledged' }, token);
    await until(async () => expect((await parameters('polled-1')).interval.status).toBe('applied'));
    const next = await until(async () => {
      const answer = await ok('GET', '/v1/device/commands', undefined, token);
      expect(answer.body.items).toMatchObject([{ hex: '0203' }]);
      return mustBeString(answer.body.items[0].id, 'id');
    });
    await ok(
      'POST',
      `/v1/device/commands/${next}/ack`,
      { status: 'failed', result: { why: 'mode 3 unsupported' } },
      token,
    );
    await until(async () =>
      expect((await parameters('polled-1')).mode).toMatchObject({
        status: 'failed',
        errorCode: 'command_failed',
      }),
    );
    expect((await parameters('polled-1')).mode.error).toContain('mode 3 unsupported');
  });

  it("shows the twin settings with their defaults, keeps members left out, refuses bad ones and another tenant's hands", async () => {
    await ok('POST', '/v1/device-types', { id: 'settings', name: 'settings' });
    expect((await ok('GET', '/v1/device-types/settings/twin')).body).toEqual({
      reportedFields: {},
      delivery: 'mqtt',
      downlink: { groups: [], attempts: 1, backoffSeconds: 300 },
    });
    await ok('PUT', '/v1/device-types/settings/twin', { delivery: 'sigfox', downlink: { attempts: 3 } });
    await ok('PUT', '/v1/device-types/settings/twin', { reportedFields: { interval: 'config.interval' } });
    const kept = (await ok('GET', '/v1/device-types/settings/twin')).body;
    expect(kept).toEqual({
      reportedFields: { interval: 'config.interval' },
      delivery: 'sigfox',
      downlink: { groups: [], attempts: 3, backoffSeconds: 300 },
    });
    for (const body of [
      { delivery: 'lorawan' },
      { downlink: { attempts: 0 } },
      { downlink: { groups: [['a']] } },
      {
        downlink: {
          groups: [
            ['a', 'b'],
            ['b', 'c'],
          ],
        },
      },
    ]) {
      const refused = await ts.request('PUT', '/v1/device-types/settings/twin', { json: body });
      expectProblem(refused, 400, 'validation_failed');
    }
    expect((await ok('GET', '/v1/device-types/settings/twin')).body).toEqual(kept);
    // Another tenant does not see the type, nor change its settings.
    await ok('POST', '/v1/tenants', { id: 'other', name: 'other' });
    const other = mustBeString(
      (await ok('POST', '/v1/tenants/other/keys', { name: 'other admin', scope: 'admin' })).body.secret,
      'key',
    );
    expectProblem(
      await ts.request('GET', '/v1/device-types/settings/twin', { key: other }),
      404,
      'not_found',
    );
    const foreign = await ts.request('PUT', '/v1/device-types/settings/twin', {
      key: other,
      json: { delivery: 'http' },
    });
    expectProblem(foreign, 404, 'not_found');
    expect((await ok('GET', '/v1/device-types/settings/twin')).body).toEqual(kept);
    expectProblem(
      await ts.request('PUT', '/v1/device-types/nope/twin', { json: { delivery: 'http' } }),
      404,
      'not_found',
    );
  });
});
