import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { TEST_CERTIFICATE_1, TEST_CERTIFICATE_2 } from '../../../test/support/certificates.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/** Device credentials over real HTTP: tokens shown once, X.509 certificates by PEM or fingerprint. */

/** SHA-256 of the DER certificate as the API stores it: lower-case hex without colons. */
const fingerprintOf = (pem: string) =>
  new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`device credentials: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;

    async function credentials(deviceId: string): Promise<TestResponse> {
      const response = await ts.request('GET', `/v1/devices/${deviceId}/credentials`);
      expect(response.status, response.text).toBe(200);
      return response;
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      expect(
        (await ts.request('POST', '/v1/device-types', { json: { id: 'gw', name: 'Gateway' } })).status,
      ).toBe(201);
      for (const id of ['dev-1', 'dev-2', 'dev-3']) {
        expect((await ts.request('POST', '/v1/devices', { json: { id, typeId: 'gw' } })).status).toBe(201);
      }
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('returns a token once and never again in the list', async () => {
      const created = await ts.request('POST', '/v1/devices/dev-1/credentials', {
        json: { kind: 'token', name: 'factory' },
      });
      expect(created.status, created.text).toBe(201);
      const token = mustBeString(created.body.token, 'token');
      expect(token).toMatch(/^fpd_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({
        deviceId: 'dev-1',
        kind: 'token',
        name: 'factory',
        fingerprint: null,
        expiresAt: null,
      });
      expect(created.body.id).toMatch(/^cred_/);
      const list = await credentials('dev-1');
      expect(list.body.items).toEqual([
        {
          id: created.body.id,
          deviceId: 'dev-1',
          kind: 'token',
          name: 'factory',
          fingerprint: null,
          expiresAt: null,
          createdAt: created.body.createdAt,
        },
      ]);
      expect(list.text).not.toContain(token);
      const device = await ts.request('GET', '/v1/devices/dev-1');
      expect(device.text).not.toContain(token);
      const exported = await ts.request('GET', '/v1/devices/export');
      expect(exported.text).not.toContain(token);
    });

    it('holds several tokens per device, each different', async () => {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const second = await ts.request('POST', '/v1/devices/dev-1/credentials', {
        json: { kind: 'token', name: 'rotation', expiresAt },
      });
      const third = await ts.request('POST', '/v1/devices/dev-1/credentials', { json: { kind: 'token' } });
      expect(second.status).toBe(201);
      expect(third.status).toBe(201);
      expect(second.body.expiresAt).toBe(expiresAt);
      expect(second.body.token).not.toBe(third.body.token);
      const list = await credentials('dev-1');
      expect(list.body.items.map((c: { name: string }) => c.name).sort()).toEqual([
        '',
        'factory',
        'rotation',
      ]);
      for (const item of list.body.items) expect(item).not.toHaveProperty('token');
    });

    it('refuses a token whose expiresAt is in the past', async () => {
      const before = (await credentials('dev-1')).body;
      const response = await ts.request('POST', '/v1/devices/dev-1/credentials', {
        json: { kind: 'token', expiresAt: new Date(Date.now() - 1000).toISOString() },
      });
      expectProblem(response, 400, 'validation_failed');
      expect((await credentials('dev-1')).body).toEqual(before);
    });

    it('registers an X.509 certificate by its PEM and stores its SHA-256 fingerprint', async () => {
      const created = await ts.request('POST', '/v1/devices/dev-2/credentials', {
        json: { kind: 'x509', name: 'tls', certificate: TEST_CERTIFICATE_1 },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({
        kind: 'x509',
        name: 'tls',
        fingerprint: fingerprintOf(TEST_CERTIFICATE_1),
      });
      expect(created.body).not.toHaveProperty('token');
      expect(created.body.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      const list = await credentials('dev-2');
      expect(list.body.items).toEqual([
        expect.objectContaining({ fingerprint: fingerprintOf(TEST_CERTIFICATE_1) }),
      ]);
    });

    it('registers an X.509 certificate by fingerprint, colons and case normalised', async () => {
      const colons = new X509Certificate(TEST_CERTIFICATE_2).fingerprint256.toUpperCase();
      expect(colons).toContain(':');
      const created = await ts.request('POST', '/v1/devices/dev-3/credentials', {
        json: { kind: 'x509', fingerprint: colons },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.fingerprint).toBe(fingerprintOf(TEST_CERTIFICATE_2));
    });

    it('answers 409 to the same certificate on a second device, in any spelling', async () => {
      const attempts = [
        { kind: 'x509', certificate: TEST_CERTIFICATE_1 },
        { kind: 'x509', fingerprint: fingerprintOf(TEST_CERTIFICATE_1) },
        { kind: 'x509', fingerprint: new X509Certificate(TEST_CERTIFICATE_1).fingerprint256 },
        { kind: 'x509', certificate: TEST_CERTIFICATE_2 },
      ];
      for (const json of attempts) {
        const response = await ts.request('POST', '/v1/devices/dev-1/credentials', { json });
        expectProblem(response, 409, 'already_exists');
      }
      const again = await ts.request('POST', '/v1/devices/dev-2/credentials', {
        json: { kind: 'x509', certificate: TEST_CERTIFICATE_1 },
      });
      expectProblem(again, 409, 'already_exists');
      const kinds = (await credentials('dev-1')).body.items.map((c: { kind: string }) => c.kind);
      expect(kinds).toEqual(['token', 'token', 'token']);
      expect((await credentials('dev-2')).body.items).toHaveLength(1);
    });

    it('answers 400 to a bad PEM, a bad fingerprint or an x509 credential with neither', async () => {
      const before = (await credentials('dev-3')).body;
      const broken = TEST_CERTIFICATE_1.replace('MIIBjDCC', 'MIIBjDXX');
      for (const json of [
        { kind: 'x509', certificate: 'not a certificate' },
        { kind: 'x509', certificate: broken },
        { kind: 'x509', certificate: TEST_CERTIFICATE_1.split('\n').slice(0, 4).join('\n') },
        { kind: 'x509', certificate: '' },
        { kind: 'x509', fingerprint: 'abc' },
        { kind: 'x509', fingerprint: 'zz'.repeat(32) },
        { kind: 'x509', fingerprint: 'ab'.repeat(33) },
        { kind: 'x509' },
        { kind: 'password', secret: 'x' },
        { kind: 'token', certificate: TEST_CERTIFICATE_1 },
      ]) {
        const response = await ts.request('POST', '/v1/devices/dev-3/credentials', { json });
        expectProblem(response, 400, 'validation_failed');
      }
      expect((await credentials('dev-3')).body).toEqual(before);
    });

    it('removes a credential, and answers 404 to removing it again', async () => {
      const list = (await credentials('dev-1')).body.items as { id: string; name: string }[];
      const rotation = list.find((c) => c.name === 'rotation');
      if (!rotation) throw new Error('the rotation token is missing');
      const removed = await ts.request('DELETE', `/v1/devices/dev-1/credentials/${rotation.id}`);
      expect(removed.status).toBe(204);
      const names = (await credentials('dev-1')).body.items.map((c: { name: string }) => c.name);
      expect(names.sort()).toEqual(['', 'factory']);
      expectProblem(
        await ts.request('DELETE', `/v1/devices/dev-1/credentials/${rotation.id}`),
        404,
        'not_found',
      );
      expectProblem(
        await ts.request('DELETE', '/v1/devices/dev-1/credentials/not-a-credential'),
        400,
        'validation_failed',
      );
    });

    it("answers 404 to removing a credential through another device's path", async () => {
      const [credential] = (await credentials('dev-2')).body.items as { id: string }[];
      if (!credential) throw new Error('dev-2 has no credential');
      expectProblem(
        await ts.request('DELETE', `/v1/devices/dev-1/credentials/${credential.id}`),
        404,
        'not_found',
      );
      expect((await credentials('dev-2')).body.items).toHaveLength(1);
    });

    it('frees a certificate when its credential is removed', async () => {
      const [credential] = (await credentials('dev-3')).body.items as { id: string }[];
      if (!credential) throw new Error('dev-3 has no credential');
      expect((await ts.request('DELETE', `/v1/devices/dev-3/credentials/${credential.id}`)).status).toBe(204);
      const moved = await ts.request('POST', '/v1/devices/dev-1/credentials', {
        json: { kind: 'x509', certificate: TEST_CERTIFICATE_2 },
      });
      expect(moved.status, moved.text).toBe(201);
    });

    it('answers 404 for the credentials of a device that does not exist', async () => {
      expectProblem(await ts.request('GET', '/v1/devices/ghost/credentials'), 404, 'not_found');
      expectProblem(
        await ts.request('POST', '/v1/devices/ghost/credentials', { json: { kind: 'token' } }),
        404,
        'not_found',
      );
    });

    it("keeps a deleted device's credentials and shows them again after restore", async () => {
      const before = (await credentials('dev-2')).body;
      expect((await ts.request('DELETE', '/v1/devices/dev-2')).status).toBe(204);
      expectProblem(await ts.request('GET', '/v1/devices/dev-2/credentials'), 404, 'not_found');
      expect((await ts.request('POST', '/v1/devices/dev-2/restore')).status).toBe(200);
      expect((await credentials('dev-2')).body).toEqual(before);
    });
  });
}
