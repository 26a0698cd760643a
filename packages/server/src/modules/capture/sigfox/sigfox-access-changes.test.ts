import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../../test/support/test-server.js';

/** Admissions and secrets are remembered for a few seconds; these changes must still count at once. */
for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`Sigfox callbacks after access changes (${dialect.name})`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let secret: string;
    let secretId: string;
    let seq = 0;

    const callback = (device: string, withSecret = secret) => {
      seq += 1;
      return server.request('POST', '/v1/callbacks/sigfox/sfx', {
        key: null,
        headers: { 'x-fleetport-secret': withSecret },
        json: { device, time: Math.floor(Date.now() / 1000), data: '0102', seqNumber: seq, station: 'A1B2' },
      });
    };

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer(database);
      for (const id of ['sfx', 'other']) {
        await server.request('POST', '/v1/device-types', {
          json: { id, name: id, capture: { sequenceBits: 12 } },
        });
      }
      await server.request('POST', '/v1/devices', { json: { id: 'ABC123', typeId: 'sfx' } });
      const created = await server.request('POST', '/v1/device-types/sfx/callback-secrets', {
        json: { name: 'main' },
      });
      secret = created.body.secret;
      secretId = created.body.id;
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    it('refuses a device as soon as it is deleted, and accepts it again once restored', async () => {
      expect((await callback('ABC123')).status).toBe(200);
      expect((await server.request('DELETE', '/v1/devices/ABC123')).status).toBe(204);
      const refused = await callback('ABC123');
      expect(refused.status).toBe(404);
      expect(refused.body.code).toBe('not_found');
      expect((await server.request('POST', '/v1/devices/ABC123/restore')).status).toBe(200);
      expect((await callback('ABC123')).status).toBe(200);
    });

    it('refuses a device as soon as it moves to another type', async () => {
      expect((await callback('ABC123')).status).toBe(200);
      await server.request('PATCH', '/v1/devices/ABC123', { json: { typeId: 'other' } });
      expect((await callback('ABC123')).status).toBe(409);
      await server.request('PATCH', '/v1/devices/ABC123', { json: { typeId: 'sfx' } });
      expect((await callback('ABC123')).status).toBe(200);
    });

    it('refuses a secret as soon as it is revoked', async () => {
      expect((await callback('ABC123')).status).toBe(200);
      expect(
        (await server.request('DELETE', `/v1/device-types/sfx/callback-secrets/${secretId}`)).status,
      ).toBe(204);
      const refused = await callback('ABC123');
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('unauthenticated');
    });
  });
}
