import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import { CapturePipeline } from '../capture/index.js';

/** `GET /v1/fleet` over real HTTP on both dialects, with messages captured at chosen times. */

const MINUTE = 60_000;

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`fleet overview (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let pipeline: CapturePipeline;
    const keys = { adminA: '', readerA: '', readerB: '' };
    const now = Date.now();
    let payloads = 0;

    async function mint(tenant: string, scope: string): Promise<string> {
      const response = await server.request('POST', `/v1/tenants/${tenant}/keys`, {
        json: { name: `${scope} key`, scope },
      });
      expect(response.status, response.text).toBe(201);
      return response.body.secret as string;
    }

    async function create(path: string, json: unknown): Promise<void> {
      const response = await server.request('POST', path, { key: keys.adminA, json });
      expect(response.status, response.text).toBe(201);
    }

    /** A message of tenant A's device received at an exact time. */
    async function received(deviceId: string, typeId: string, at: number): Promise<void> {
      payloads += 1;
      const outcome = await pipeline.capture({
        tenantId: 'a',
        deviceId,
        typeId,
        transport: 'sigfox',
        receivedAt: at,
        payload: Buffer.from(payloads.toString(16).padStart(4, '0'), 'hex'),
        receptions: [],
      });
      expect(outcome).toMatchObject({ duplicate: false });
    }

    const fleet = (query = '', key: string | null = keys.readerA) =>
      server.request('GET', `/v1/fleet${query ? `?${query}` : ''}`, { key });

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      for (const id of ['a', 'b']) {
        const tenant = await server.request('POST', '/v1/tenants', { json: { id, name: id } });
        expect(tenant.status, tenant.text).toBe(201);
      }
      keys.adminA = await mint('a', 'admin');
      keys.readerA = await mint('a', 'reader');
      keys.readerB = await mint('b', 'reader');
      await create('/v1/device-types', { id: 'meter', name: 'Meter' });
      // Heard from every minute: silent after two.
      await create('/v1/device-types', { id: 'tracker', name: 'Tracker', expectedUplinkIntervalSeconds: 60 });
      await create('/v1/device-types', { id: 'spare', name: 'Spare' });
      for (const id of ['m-seen', 'm-silent', 'm-never', 'm-deleted', 'm-retired'])
        await create('/v1/devices', { id, typeId: 'meter' });
      // Retired before its message: it would be seen if it were counted with the others.
      const retired = await server.request('POST', '/v1/devices/m-retired/lifecycle', {
        key: keys.adminA,
        json: { state: 'retired', reason: 'end of life' },
      });
      expect(retired.status, retired.text).toBe(200);
      for (const id of ['t-seen', 't-silent']) await create('/v1/devices', { id, typeId: 'tracker' });
      pipeline = new CapturePipeline(
        {
          store: server.server.store,
          clock: { now: () => Date.now() },
          bus: new EventBus(),
          logger: silentLogger,
        },
        { writer: openCaptureWriter(server.server.store) },
      );
      await received('m-seen', 'meter', now - 10 * MINUTE);
      await received('m-silent', 'meter', now - 120 * MINUTE);
      await received('m-deleted', 'meter', now - 1 * MINUTE);
      await received('m-retired', 'meter', now - 2 * MINUTE);
      await received('t-seen', 'tracker', now - 1 * MINUTE);
      await received('t-seen', 'tracker', now - 1 * MINUTE + 5);
      await received('t-silent', 'tracker', now - 5 * MINUTE);
      const deleted = await server.request('DELETE', '/v1/devices/m-deleted', { key: keys.adminA });
      expect(deleted.status, deleted.text).toBe(204);
    });

    afterAll(async () => {
      await pipeline?.drained();
      await server?.close();
      await database?.drop();
    });

    it('counts devices by type as seen, silent or never seen, each type by its own silence limit, retired ones apart', async () => {
      const response = await fleet();
      expect(response.status, response.text).toBe(200);
      expect(response.body.byType).toEqual([
        {
          typeId: 'meter',
          name: 'Meter',
          silentAfterSeconds: 3600,
          devices: 3,
          seen: 1,
          silent: 1,
          never: 1,
          retired: 1,
        },
        {
          typeId: 'spare',
          name: 'Spare',
          silentAfterSeconds: 3600,
          devices: 0,
          seen: 0,
          silent: 0,
          never: 0,
          retired: 0,
        },
        {
          typeId: 'tracker',
          name: 'Tracker',
          silentAfterSeconds: 120,
          devices: 2,
          seen: 1,
          silent: 1,
          never: 0,
          retired: 0,
        },
      ]);
      expect(response.body.totals).toEqual({ devices: 5, seen: 2, silent: 2, never: 1, retired: 1 });
      // A longer limit makes the meter heard two hours ago seen again; the tracker keeps its own.
      const patient = await fleet('silentAfter=10800');
      expect(patient.body.byType[0]).toMatchObject({
        typeId: 'meter',
        seen: 2,
        silent: 0,
        silentAfterSeconds: 10800,
      });
      expect(patient.body.byType[2]).toMatchObject({ typeId: 'tracker', seen: 1, silent: 1 });
    });

    it('counts messages per minute by receive time, every minute of the window listed', async () => {
      const response = await fleet('minutes=15');
      expect(response.status, response.text).toBe(200);
      const minutes = response.body.messagesPerMinute as Array<{ minute: string; count: number }>;
      expect(minutes).toHaveLength(15);
      const first = Date.parse(minutes[0]?.minute ?? '');
      expect(first % MINUTE).toBe(0);
      expect(minutes.map((entry) => Date.parse(entry.minute) - first)).toEqual(
        Array.from({ length: 15 }, (_, index) => index * MINUTE),
      );
      // The last entry is the minute the answer was made in.
      expect(Math.floor(Date.parse(response.body.at) / MINUTE) * MINUTE).toBe(first + 14 * MINUTE);
      const expected = new Map<number, number>();
      for (const at of [
        now - 10 * MINUTE,
        now - MINUTE,
        now - 2 * MINUTE,
        now - MINUTE,
        now - MINUTE + 5,
        now - 5 * MINUTE,
      ]) {
        const minute = Math.floor(at / MINUTE) * MINUTE;
        expected.set(minute, (expected.get(minute) ?? 0) + 1);
      }
      for (const entry of minutes)
        expect(entry.count, entry.minute).toBe(expected.get(Date.parse(entry.minute)) ?? 0);
      // The message two hours ago is outside the window; deleted and retired devices' messages still count.
      expect(minutes.reduce((sum, entry) => sum + entry.count, 0)).toBe(6);
    });

    it("shows another tenant nothing of this tenant's fleet", async () => {
      const response = await fleet('', keys.readerB);
      expect(response.status, response.text).toBe(200);
      expect(response.body.byType).toEqual([]);
      expect(response.body.totals).toEqual({ devices: 0, seen: 0, silent: 0, never: 0, retired: 0 });
      expect(response.body.messagesPerMinute.every((entry: { count: number }) => entry.count === 0)).toBe(
        true,
      );
    });

    it('refuses a bad window or limit, an unknown parameter, and a missing key', async () => {
      expectProblem(await fleet('minutes=0'), 400, 'validation_failed');
      expectProblem(await fleet('minutes=1441'), 400, 'validation_failed');
      expectProblem(await fleet('silentAfter=59'), 400, 'validation_failed');
      expectProblem(await fleet('where=x'), 400, 'validation_failed');
      expectProblem(await fleet('', null), 401, 'unauthenticated');
    });
  });
}
