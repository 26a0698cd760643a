import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { TEST_CERTIFICATE_1 } from '../../../test/support/certificates.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/**
 * Tenants never see each other: with tenant B's admin key, every route aimed at tenant A's
 * resources answers 404 (never 403, which would confirm that they exist), lists and exports
 * hold only B's items, and A is byte-for-byte unchanged afterwards.
 */

interface Snapshot {
  readonly tenant: unknown;
  readonly types: unknown;
  readonly devices: unknown;
  readonly credentials: unknown;
  readonly keys: unknown;
  readonly callbackSecrets: unknown;
  readonly export: string;
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`tenant isolation: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    let keyA = '';
    let keyB = '';
    let readerA = { id: '', secret: '' };
    let credentialId = '';
    let callbackSecretId = '';
    let before: Snapshot;

    async function adminKeyFor(tenantId: string): Promise<string> {
      const tenant = await ts.request('POST', '/v1/tenants', { json: { id: tenantId, name: tenantId } });
      expect(tenant.status, tenant.text).toBe(201);
      const key = await ts.request('POST', `/v1/tenants/${tenantId}/keys`, {
        json: { name: `${tenantId} admin`, scope: 'admin' },
      });
      expect(key.status, key.text).toBe(201);
      return mustBeString(key.body.secret, 'secret');
    }

    async function ok(key: string, method: string, path: string, json?: unknown): Promise<TestResponse> {
      const response = await ts.request(method, path, { key, json });
      expect(response.status, `${method} ${path}: ${response.text}`).toBeLessThan(300);
      return response;
    }

    /** Everything tenant A has, read with A's key; key use times are left out (reads set them). */
    async function snapshotA(): Promise<Snapshot> {
      const keys = await ok(keyA, 'GET', '/v1/keys');
      return {
        tenant: (await ok(keyA, 'GET', '/v1/tenants/tenant-a')).body,
        types: (await ok(keyA, 'GET', '/v1/device-types?limit=1000')).body,
        devices: (await ok(keyA, 'GET', '/v1/devices?deleted=include&limit=1000')).body,
        credentials: (await ok(keyA, 'GET', '/v1/devices/dev-1/credentials')).body,
        callbackSecrets: (await ok(keyA, 'GET', '/v1/device-types/sensor/callback-secrets')).body,
        keys: keys.body.items.map((k: Record<string, unknown>) => ({ ...k, lastUsedAt: null })),
        export: (await ok(keyA, 'GET', '/v1/devices/export?deleted=include')).text,
      };
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
      keyA = await adminKeyFor('tenant-a');
      keyB = await adminKeyFor('tenant-b');

      await ok(keyA, 'POST', '/v1/device-types', { id: 'sensor', name: 'A sensor' });
      await ok(keyA, 'POST', '/v1/device-types', { id: 'a-only', name: 'A only' });
      await ok(keyA, 'POST', '/v1/devices', {
        id: 'dev-1',
        typeId: 'sensor',
        name: 'A one',
        tags: { site: 'a-site' },
        attributes: { owner: 'A' },
      });
      await ok(keyA, 'POST', '/v1/devices', { id: 'dev-2', typeId: 'a-only', name: 'A two' });
      await ok(keyA, 'POST', '/v1/devices', { id: 'dev-del', typeId: 'sensor', name: 'A deleted' });
      await ok(keyA, 'DELETE', '/v1/devices/dev-del');
      const credential = await ok(keyA, 'POST', '/v1/devices/dev-1/credentials', { kind: 'token' });
      credentialId = mustBeString(credential.body.id, 'credential id');
      await ok(keyA, 'POST', '/v1/devices/dev-1/credentials', {
        kind: 'x509',
        certificate: TEST_CERTIFICATE_1,
      });
      const reader = await ok(keyA, 'POST', '/v1/keys', { name: 'A reader', scope: 'reader' });
      readerA = { id: reader.body.id, secret: reader.body.secret };
      const callbackSecret = await ok(keyA, 'POST', '/v1/device-types/sensor/callback-secrets', {
        name: 'A',
      });
      callbackSecretId = mustBeString(callbackSecret.body.id, 'callback secret id');

      // B has things of its own, so that "B's list holds only B's items" is not trivially true.
      await ok(keyB, 'POST', '/v1/device-types', { id: 'b-type', name: 'B type' });
      await ok(keyB, 'POST', '/v1/devices', { id: 'b-dev', typeId: 'b-type', tags: { site: 'a-site' } });

      before = await snapshotA();
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    const attempts: readonly { what: string; method: string; path: () => string; json?: unknown }[] = [
      { what: "reads A's device type", method: 'GET', path: () => '/v1/device-types/sensor' },
      {
        what: "changes A's device type",
        method: 'PATCH',
        path: () => '/v1/device-types/sensor',
        json: { name: 'pwned' },
      },
      { what: "deletes A's device type", method: 'DELETE', path: () => '/v1/device-types/a-only' },
      { what: "reads A's device", method: 'GET', path: () => '/v1/devices/dev-1' },
      {
        what: "reads A's deleted device with deleted=include",
        method: 'GET',
        path: () => '/v1/devices/dev-del?deleted=include',
      },
      {
        what: "changes A's device",
        method: 'PATCH',
        path: () => '/v1/devices/dev-1',
        json: { name: 'pwned' },
      },
      { what: "deletes A's device", method: 'DELETE', path: () => '/v1/devices/dev-1' },
      { what: "restores A's deleted device", method: 'POST', path: () => '/v1/devices/dev-del/restore' },
      { what: "lists A's device credentials", method: 'GET', path: () => '/v1/devices/dev-1/credentials' },
      {
        what: "adds a credential to A's device",
        method: 'POST',
        path: () => '/v1/devices/dev-1/credentials',
        json: { kind: 'token' },
      },
      {
        what: "removes a credential of A's device",
        method: 'DELETE',
        path: () => `/v1/devices/dev-1/credentials/${credentialId}`,
      },
      { what: "revokes A's key", method: 'DELETE', path: () => `/v1/keys/${readerA.id}` },
      { what: 'reads tenant A', method: 'GET', path: () => '/v1/tenants/tenant-a' },
      {
        what: 'creates a key in tenant A',
        method: 'POST',
        path: () => '/v1/tenants/tenant-a/keys',
        json: { name: 'sneaky', scope: 'admin' },
      },
      { what: "lists tenant A's keys", method: 'GET', path: () => '/v1/tenants/tenant-a/keys' },
      {
        what: "lists the callback secrets of A's device type",
        method: 'GET',
        path: () => '/v1/device-types/sensor/callback-secrets',
      },
      {
        what: "creates a callback secret for A's device type",
        method: 'POST',
        path: () => '/v1/device-types/sensor/callback-secrets',
        json: { name: 'sneaky' },
      },
      {
        what: "revokes a callback secret of A's device type",
        method: 'DELETE',
        path: () => `/v1/device-types/sensor/callback-secrets/${callbackSecretId}`,
      },
      { what: "reads A's device history", method: 'GET', path: () => '/v1/devices/dev-1/messages' },
      { what: "reads A's device state", method: 'GET', path: () => '/v1/devices/dev-1/state' },
      {
        what: "revokes A's key through tenant A's path",
        method: 'DELETE',
        path: () => `/v1/tenants/tenant-a/keys/${readerA.id}`,
      },
    ];

    for (const attempt of attempts) {
      it(`answers 404 when tenant B ${attempt.what}`, async () => {
        const response = await ts.request(attempt.method, attempt.path(), { key: keyB, json: attempt.json });
        expectProblem(response, 404, 'not_found');
        expect(response.text, 'the answer names nothing of A beyond the id asked for').not.toContain('A one');
      });
    }

    it('answers 404 too when tenant B uses If-Match on A resources', async () => {
      const response = await ts.request('PATCH', '/v1/devices/dev-1', {
        key: keyB,
        json: { name: 'pwned' },
        headers: { 'if-match': '"1"' },
      });
      expectProblem(response, 404, 'not_found');
      const typeResponse = await ts.request('DELETE', '/v1/device-types/sensor', {
        key: keyB,
        headers: { 'if-match': '"99"' },
      });
      expectProblem(typeResponse, 404, 'not_found');
    });

    it("refuses in B a device of A's type as an unknown type", async () => {
      const response = await ts.request('POST', '/v1/devices', {
        key: keyB,
        json: { id: 'b-on-a-type', typeId: 'a-only' },
      });
      expectProblem(response, 400, 'validation_failed');
      const change = await ts.request('PATCH', '/v1/devices/b-dev', {
        key: keyB,
        json: { typeId: 'a-only' },
      });
      expectProblem(change, 400, 'validation_failed');
    });

    it("never lists A's items in B's lists and export", async () => {
      const devices = await ok(keyB, 'GET', '/v1/devices?deleted=include&limit=1000');
      expect(devices.body.items.map((d: { id: string }) => d.id)).toEqual(['b-dev']);
      const filtered = await ok(keyB, 'GET', '/v1/devices?tag=site=a-site&deleted=include');
      expect(filtered.body.items.map((d: { id: string }) => d.id)).toEqual(['b-dev']);
      const byType = await ok(keyB, 'GET', '/v1/devices?typeId=sensor&deleted=include');
      expect(byType.body.items).toEqual([]);
      const deletedOnly = await ok(keyB, 'GET', '/v1/devices?deleted=only');
      expect(deletedOnly.body.items).toEqual([]);
      const types = await ok(keyB, 'GET', '/v1/device-types?limit=1000');
      expect(types.body.items.map((t: { id: string }) => t.id)).toEqual(['b-type']);
      const keys = await ok(keyB, 'GET', '/v1/keys');
      expect(keys.body.items.length).toBeGreaterThan(0);
      for (const key of keys.body.items) expect(key.tenantId).toBe('tenant-b');
      const tenants = await ok(keyB, 'GET', '/v1/tenants?limit=1000');
      expect(tenants.body.items.map((t: { id: string }) => t.id)).toEqual(['tenant-b']);
      for (const format of ['ndjson', 'csv']) {
        const exported = await ok(keyB, 'GET', `/v1/devices/export?format=${format}&deleted=include`);
        expect(exported.headers.get('x-total-count')).toBe('1');
        expect(exported.text).toContain('b-dev');
        for (const foreign of ['dev-1', 'dev-2', 'dev-del', 'A one', 'sensor']) {
          expect(exported.text).not.toContain(foreign);
        }
      }
    });

    it('creates in B a device with the same id as one in A: ids are per tenant', async () => {
      await ok(keyB, 'POST', '/v1/device-types', { id: 'sensor', name: 'B sensor' });
      const created = await ts.request('POST', '/v1/devices', {
        key: keyB,
        json: { id: 'dev-1', typeId: 'sensor', name: 'B one', tags: { site: 'b-site' } },
      });
      expect(created.status, created.text).toBe(201);
      expect((await ok(keyB, 'GET', '/v1/devices/dev-1')).body).toMatchObject({ name: 'B one', version: 1 });
      expect((await ok(keyA, 'GET', '/v1/devices/dev-1')).body).toMatchObject({ name: 'A one' });
      // A deleted id in A is free in B as well.
      const deletedInA = await ts.request('POST', '/v1/devices', {
        key: keyB,
        json: { id: 'dev-del', typeId: 'sensor', name: 'B not deleted' },
      });
      expect(deletedInA.status, deletedInA.text).toBe(201);
      await ok(keyB, 'DELETE', '/v1/devices/dev-1');
      await ok(keyB, 'POST', '/v1/devices/dev-1/restore');
      await ok(keyB, 'PATCH', '/v1/devices/dev-1', { name: 'B one again' });
      const credentials = await ok(keyB, 'GET', '/v1/devices/dev-1/credentials');
      expect(credentials.body.items).toEqual([]);
    });

    it('imports into B without touching A, even for ids that exist in A', async () => {
      const body = [
        JSON.stringify({ id: 'dev-2', typeId: 'sensor', name: 'B two' }),
        JSON.stringify({ id: 'b-imported', typeId: 'sensor' }),
        JSON.stringify({ id: 'b-on-a-type', typeId: 'a-only' }),
      ].join('\n');
      for (const atomic of [true, false]) {
        const response = await ts.request('POST', `/v1/devices/import?atomic=${atomic}`, {
          key: keyB,
          body,
          headers: { 'content-type': 'application/x-ndjson' },
        });
        // A failed atomic import is a 422 problem whose data is the report.
        expect(response.status, response.text).toBe(atomic ? 422 : 200);
        expect((atomic ? response.body.data : response.body).errors).toEqual([
          expect.objectContaining({ line: 3, id: 'b-on-a-type', code: 'unknown_type' }),
        ]);
      }
      const imported = await ok(keyB, 'GET', '/v1/devices/dev-2');
      expect(imported.body).toMatchObject({ name: 'B two', typeId: 'sensor' });
      expect((await ok(keyA, 'GET', '/v1/devices/dev-2')).body).toMatchObject({
        name: 'A two',
        typeId: 'a-only',
      });
    });

    it('leaves tenant A unchanged after everything B tried', async () => {
      expect(await snapshotA()).toEqual(before);
      expect((await ok(readerA.secret, 'GET', '/v1/me')).body.tenantId, "A's key was not revoked").toBe(
        'tenant-a',
      );
    });
  });
}
