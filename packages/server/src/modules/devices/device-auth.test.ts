import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mustBeString } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';
import { EventBus } from '../../bus/event-bus.js';
import { isAppError } from '../../kernel/errors.js';
import { DEVICE_AUTH_TTL_MS, DeviceAuthenticator } from './device-auth.js';

/**
 * The device token cache as another process sees it: an authenticator with its own clock
 * and bus over the server's database. The server removes credentials through its API, so
 * this one hears of nothing and must find out by asking again, within the TTL.
 */

const TOKENS = 200;

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`device token cache: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    const devices: { id: string; token: string; credentialId: string }[] = [];

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      expect(
        (await ts.request('POST', '/v1/device-types', { json: { id: 'gw', name: 'Gateway' } })).status,
      ).toBe(201);
      for (let index = 0; index < TOKENS; index++) {
        const id = `cache-${index}`;
        expect((await ts.request('POST', '/v1/devices', { json: { id, typeId: 'gw' } })).status).toBe(201);
        const credential = await ts.request('POST', `/v1/devices/${id}/credentials`, {
          json: { kind: 'token' },
        });
        expect(credential.status, credential.text).toBe(201);
        devices.push({
          id,
          token: mustBeString(credential.body.token, 'token'),
          credentialId: mustBeString(credential.body.id, 'credential id'),
        });
      }
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    /** An authenticator of "another process" whose time the test sets. */
    function otherProcess() {
      const clock = { at: Date.now(), now: () => clock.at };
      const bus = new EventBus();
      return { clock, bus, auth: new DeviceAuthenticator({ store: ts.server.store, clock, bus }) };
    }

    /** How many of the tokens are refused now (as unauthenticated; anything else fails the test). */
    async function refused(auth: DeviceAuthenticator): Promise<number> {
      let count = 0;
      for (const device of devices) {
        try {
          const principal = await auth.authenticate(device.token);
          expect(principal.deviceId).toBe(device.id);
        } catch (error) {
          expect(isAppError(error) && error.code).toBe('unauthenticated');
          count++;
        }
      }
      return count;
    }

    it('trusts a cached token for less than the TTL, refreshes entries spread over its last quarter, and sees removals within it', async () => {
      const { clock, auth } = otherProcess();
      const start = clock.at;
      expect(await refused(auth)).toBe(0);
      // Removed through the API: this authenticator's bus hears nothing.
      for (const device of devices) {
        const removed = await ts.request(
          'DELETE',
          `/v1/devices/${device.id}/credentials/${device.credentialId}`,
        );
        expect(removed.status, removed.text).toBe(204);
      }

      // Before three quarters of the TTL every entry still answers from the cache.
      clock.at = start + DEVICE_AUTH_TTL_MS * 0.75 - 1;
      expect(await refused(auth)).toBe(0);
      // Midway through the last quarter some entries were asked for again, not all at once.
      clock.at = start + DEVICE_AUTH_TTL_MS * 0.875;
      const midway = await refused(auth);
      expect(midway).toBeGreaterThan(0);
      expect(midway).toBeLessThan(TOKENS);
      // At the TTL no removed token is accepted any more.
      clock.at = start + DEVICE_AUTH_TTL_MS;
      expect(await refused(auth)).toBe(TOKENS);
    });

    it('drops a device’s cached tokens at once when its access changes in this process', async () => {
      const { bus, auth } = otherProcess();
      const device = await ts.request('POST', '/v1/devices', { json: { id: 'cache-bus', typeId: 'gw' } });
      expect(device.status).toBe(201);
      const credential = await ts.request('POST', '/v1/devices/cache-bus/credentials', {
        json: { kind: 'token' },
      });
      const token = mustBeString(credential.body.token, 'token');
      const principal = await auth.authenticate(token);
      expect(principal.deviceId).toBe('cache-bus');
      const removed = await ts.request(
        'DELETE',
        `/v1/devices/cache-bus/credentials/${mustBeString(credential.body.id, 'credential id')}`,
      );
      expect(removed.status).toBe(204);
      // Still cached until told; told, it asks the database and finds the token gone.
      expect((await auth.authenticate(token)).deviceId).toBe('cache-bus');
      bus.publish('device.access_changed', { tenantId: principal.tenantId, deviceId: 'cache-bus' });
      await expect(auth.authenticate(token)).rejects.toMatchObject({ code: 'unauthenticated' });
    });
  });
}
