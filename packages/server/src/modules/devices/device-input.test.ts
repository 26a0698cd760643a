import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectProblem } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestResponse, type TestServer } from '../../../test/support/test-server.js';

/**
 * Bad input never gets further than a problem document with a stable code: after every bad
 * request the device and device type lists are exactly as they were, and the server goes on
 * answering. The server runs with a 2 KiB JSON body limit.
 */

const BODY_LIMIT = 2048;

const json = { 'content-type': 'application/json' };

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`bad input: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;
    let state = '';

    async function registryState(): Promise<string> {
      const devices = await ts.request('GET', '/v1/devices?deleted=include&limit=1000');
      const types = await ts.request('GET', '/v1/device-types?limit=1000');
      expect(devices.status).toBe(200);
      expect(types.status).toBe(200);
      return `${devices.text}\n${types.text}`;
    }

    /** The request is refused with this problem and nothing of the registry changed. */
    async function expectRefused(response: TestResponse, status: number, code: string): Promise<void> {
      expectProblem(response, status, code);
      expect(await registryState(), 'nothing was written').toBe(state);
    }

    function send(method: string, path: string, body: string, headers = json): Promise<TestResponse> {
      return ts.request(method, path, { body, headers });
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database, { 'body-limit': BODY_LIMIT });
      for (const id of ['t1', 't2']) {
        expect((await ts.request('POST', '/v1/device-types', { json: { id, name: id } })).status).toBe(201);
      }
      const device = await ts.request('POST', '/v1/devices', {
        json: { id: 'd1', typeId: 't1', name: 'one', tags: { k: 'v' } },
      });
      expect(device.status).toBe(201);
    });
    beforeEach(async () => {
      state = await registryState();
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    it('answers malformed_body to malformed JSON', async () => {
      for (const body of ['{"id":', '{id: "x"}', "{'id':'x'}", '{"id":"x",}', 'nul', '\u0000']) {
        await expectRefused(await send('POST', '/v1/devices', body), 400, 'malformed_body');
        await expectRefused(await send('PATCH', '/v1/devices/d1', body), 400, 'malformed_body');
        await expectRefused(await send('POST', '/v1/device-types', body), 400, 'malformed_body');
      }
    });

    it('answers malformed_body to an empty body that claims to be JSON', async () => {
      await expectRefused(await send('POST', '/v1/devices', ''), 400, 'malformed_body');
    });

    it('answers validation_failed to unknown fields', async () => {
      await expectRefused(
        await ts.request('POST', '/v1/devices', { json: { id: 'd2', typeId: 't1', colour: 'red' } }),
        400,
        'validation_failed',
      );
      await expectRefused(
        await ts.request('PATCH', '/v1/devices/d1', { json: { version: 7 } }),
        400,
        'validation_failed',
      );
      await expectRefused(
        await ts.request('POST', '/v1/device-types', { json: { id: 't3', name: 'x', codec: 'evil()' } }),
        400,
        'validation_failed',
      );
      await expectRefused(
        await ts.request('POST', '/v1/devices/d1/credentials', { json: { kind: 'token', secret: 'mine' } }),
        400,
        'validation_failed',
      );
    });

    it('answers validation_failed to values of the wrong type', async () => {
      for (const body of [
        { id: 'd2', typeId: 't1', tags: ['k'] },
        { id: 'd2', typeId: 't1', tags: 'k=v' },
        { id: 'd2', typeId: 't1', tags: { k: { nested: 'v' } } },
        { id: 'd2', typeId: 't1', attributes: 'x' },
        { id: 'd2', typeId: 't1', attributes: [1, 2] },
        { id: 'd2', typeId: 't1', name: { first: 'x' } },
        { id: { $ne: null }, typeId: 't1' },
        { id: 'd2', typeId: null },
        [{ id: 'd2', typeId: 't1' }],
        'd2',
      ]) {
        await expectRefused(
          await ts.request('POST', '/v1/devices', { json: body }),
          400,
          'validation_failed',
        );
      }
      await expectRefused(
        await ts.request('POST', '/v1/device-types', {
          json: { id: 't3', name: 'x', expectedUplinkIntervalSeconds: 1.5 },
        }),
        400,
        'validation_failed',
      );
      await expectRefused(
        await ts.request('PATCH', '/v1/devices/d1', { json: {} }),
        400,
        'validation_failed',
      );
    });

    it('answers 413 body_too_large to a body over the limit', async () => {
      const big = JSON.stringify({ id: 'd-big', typeId: 't1', name: 'x'.repeat(BODY_LIMIT) });
      await expectRefused(await send('POST', '/v1/devices', big), 413, 'body_too_large');
      const bigPatch = JSON.stringify({ attributes: { blob: 'x'.repeat(BODY_LIMIT) } });
      await expectRefused(await send('PATCH', '/v1/devices/d1', bigPatch), 413, 'body_too_large');
      const justUnder = JSON.stringify({ id: 'd-fits', typeId: 't1', name: 'x'.repeat(150) });
      expect(justUnder.length).toBeLessThan(BODY_LIMIT);
      const fits = await send('POST', '/v1/devices', justUnder);
      expect(fits.status, 'a body under the limit is served').toBe(201);
      expect((await ts.request('DELETE', '/v1/devices/d-fits')).status).toBe(204);
    });

    it('answers validation_failed to bad ids in the path', async () => {
      const bad = ['a%20b', 'a%2Fb', '..%2F..%2Fetc', '-leading', '%C3%A9t%C3%A9', 'a%00b', '.', '%20'];
      for (const id of bad) {
        await expectRefused(await ts.request('GET', `/v1/devices/${id}`), 400, 'validation_failed');
        await expectRefused(
          await ts.request('PATCH', `/v1/devices/${id}`, { json: { name: 'x' } }),
          400,
          'validation_failed',
        );
        await expectRefused(await ts.request('DELETE', `/v1/devices/${id}`), 400, 'validation_failed');
        await expectRefused(await ts.request('GET', `/v1/device-types/${id}`), 400, 'validation_failed');
      }
      await expectRefused(await ts.request('GET', '/v1/devices/'), 400, 'validation_failed');
    });

    it('answers validation_failed to bad ids in a body', async () => {
      for (const id of ['a b', 'a/b', '', 'x'.repeat(129), '-x', '.x', 'ünï', 'a\nb']) {
        await expectRefused(
          await ts.request('POST', '/v1/devices', { json: { id, typeId: 't1' } }),
          400,
          'validation_failed',
        );
        await expectRefused(
          await ts.request('POST', '/v1/device-types', { json: { id, name: 'x' } }),
          400,
          'validation_failed',
        );
      }
    });

    it('answers validation_failed to control characters in names', async () => {
      for (const name of [
        'a\u0000b',
        'line\nbreak',
        'tab\there',
        'bell\u0007',
        'del\u007f',
        '\u001b[31mred',
      ]) {
        await expectRefused(
          await ts.request('POST', '/v1/devices', { json: { id: 'd-ctl', typeId: 't1', name } }),
          400,
          'validation_failed',
        );
        await expectRefused(
          await ts.request('PATCH', '/v1/devices/d1', { json: { name } }),
          400,
          'validation_failed',
        );
        await expectRefused(
          await ts.request('POST', '/v1/device-types', { json: { id: 't-ctl', name } }),
          400,
          'validation_failed',
        );
        await expectRefused(
          await ts.request('POST', '/v1/devices/d1/credentials', { json: { kind: 'token', name } }),
          400,
          'validation_failed',
        );
      }
    });

    it('answers forbidden_key to __proto__ and constructor.prototype keys in JSON bodies', async () => {
      for (const body of [
        '{"id":"d-proto","typeId":"t1","__proto__":{"polluted":true}}',
        '{"id":"d-proto","typeId":"t1","tags":{"__proto__":"x"}}',
        '{"id":"d-proto","typeId":"t1","attributes":{"__proto__":{"polluted":true}}}',
        '{"id":"d-proto","typeId":"t1","attributes":{"constructor":{"prototype":{"polluted":true}}}}',
      ]) {
        await expectRefused(await send('POST', '/v1/devices', body), 400, 'forbidden_key');
      }
      await expectRefused(
        await send('PATCH', '/v1/devices/d1', '{"attributes":{"a":{"__proto__":{"polluted":true}}}}'),
        400,
        'forbidden_key',
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('stores SQL-looking and unusual strings verbatim and returns them exactly', async () => {
      const sql = `'; DROP TABLE devices; -- " \\ %_ ' OR '1'='1`;
      const unicode = 'Zürich 東京 مرحبا 🚀 \u200b';
      const created = await ts.request('POST', '/v1/devices', {
        json: {
          id: 'd-hostile',
          typeId: 't1',
          name: sql,
          tags: { 'sql:v': sql, 'uni/v': unicode, percent: '%' },
          attributes: { [sql]: sql, nested: { unicode, list: [sql, null, 1.5, true] } },
        },
      });
      expect(created.status, created.text).toBe(201);
      const fetched = await ts.request('GET', '/v1/devices/d-hostile');
      expect(fetched.body.name).toBe(sql);
      expect(fetched.body.tags).toEqual({ 'sql:v': sql, 'uni/v': unicode, percent: '%' });
      expect(fetched.body.attributes).toEqual({
        [sql]: sql,
        nested: { unicode, list: [sql, null, 1.5, true] },
      });
      const byTag = await ts.request('GET', `/v1/devices?tag=${encodeURIComponent(`sql:v=${sql}`)}`);
      expect(byTag.body.items.map((d: { id: string }) => d.id)).toEqual(['d-hostile']);
      const wildcard = await ts.request('GET', '/v1/devices?tag=percent=%25%25');
      expect(wildcard.body.items, 'a % in a filter is not a wildcard').toEqual([]);
      const type = await ts.request('POST', '/v1/device-types', {
        json: { id: 't-hostile', name: sql, description: unicode, settings: { [sql]: [sql] } },
      });
      expect(type.status).toBe(201);
      expect((await ts.request('GET', '/v1/device-types/t-hostile')).body).toMatchObject({
        name: sql,
        description: unicode,
        settings: { [sql]: [sql] },
      });
      const all = await ts.request('GET', '/v1/devices?limit=1000');
      expect(all.body.items.map((d: { id: string }) => d.id)).toEqual(['d-hostile', 'd1']);
    });

    it('answers validation_failed to tag values over 256 characters and to bad tag keys', async () => {
      const tooLong = await ts.request('POST', '/v1/devices', {
        json: { id: 'd-tags', typeId: 't1', tags: { k: 'v'.repeat(257) } },
      });
      await expectRefused(tooLong, 400, 'validation_failed');
      await expectRefused(
        await ts.request('PATCH', '/v1/devices/d1', { json: { tags: { k: 'v'.repeat(1500) } } }),
        400,
        'validation_failed',
      );
      const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
      await expectRefused(
        await ts.request('POST', '/v1/devices', { json: { id: 'd-tags', typeId: 't1', tags: many } }),
        400,
        'validation_failed',
      );
      for (const key of ['a b', 'k=v', '', 'ключ', 'x'.repeat(65)]) {
        await expectRefused(
          await ts.request('POST', '/v1/devices', {
            json: { id: 'd-tags', typeId: 't1', tags: { [key]: `v` } },
          }),
          400,
          'validation_failed',
        );
      }
      const longest = await ts.request('PATCH', '/v1/devices/d1', { json: { tags: { k: 'v'.repeat(256) } } });
      expect(longest.status, 'a 256-character tag value is allowed').toBe(200);
      expect((await ts.request('PATCH', '/v1/devices/d1', { json: { tags: { k: 'v' } } })).status).toBe(200);
    });

    it('answers validation_failed to absurd limits', async () => {
      for (const limit of ['0', '-1', '100000', '1001', 'abc', '1.5', '']) {
        for (const path of ['/v1/devices', '/v1/device-types', '/v1/tenants']) {
          await expectRefused(await ts.request('GET', `${path}?limit=${limit}`), 400, 'validation_failed');
        }
      }
      const largest = await ts.request('GET', '/v1/devices?limit=1000');
      expect(largest.status).toBe(200);
    });

    it('answers validation_failed to cursors this API did not return', async () => {
      const forged = [
        'garbage!',
        'not-base64',
        Buffer.from('{"x":1}').toString('base64url'),
        Buffer.from('[]').toString('base64url'),
        Buffer.from('{"k":42}').toString('base64url'),
        Buffer.from('null').toString('base64url'),
        'a'.repeat(401),
      ];
      for (const cursor of forged) {
        for (const path of ['/v1/devices', '/v1/device-types']) {
          await expectRefused(
            await ts.request('GET', `${path}?cursor=${encodeURIComponent(cursor)}`),
            400,
            'validation_failed',
          );
        }
      }
    });

    it('answers validation_failed to bad query parameters', async () => {
      for (const query of [
        'deleted=all',
        'unknown=1',
        'tag=',
        'tag=a%20b=v',
        `tag=k=${'v'.repeat(400)}`,
        Array.from({ length: 17 }, (_, i) => `tag=k${i}`).join('&'),
        'typeId=a%20b',
        '__proto__=x',
      ]) {
        await expectRefused(await ts.request('GET', `/v1/devices?${query}`), 400, 'validation_failed');
      }
      await expectRefused(await ts.request('GET', '/v1/devices/d1?deleted=only'), 400, 'validation_failed');
      await expectRefused(await ts.request('GET', '/v1/devices/export?format=xml'), 400, 'validation_failed');
    });

    it('answers 415 to a body in a media type the API does not read', async () => {
      const body = JSON.stringify({ id: 'd-media', typeId: 't1' });
      for (const type of ['application/xml', 'application/x-www-form-urlencoded', 'image/png']) {
        await expectRefused(
          await send('POST', '/v1/devices', body, { 'content-type': type }),
          415,
          'unsupported_media_type',
        );
      }
    });

    it('answers 415 to a JSON body sent as text/plain, text/csv or NDJSON, without writing it', async () => {
      // Only the import route reads CSV and NDJSON; text/plain is read by no route.
      const body = JSON.stringify({ id: 'd-media', typeId: 't1' });
      for (const type of ['text/plain', 'text/csv', 'application/x-ndjson']) {
        const response = await send('POST', '/v1/devices', body, { 'content-type': type });
        await expectRefused(response, 415, 'unsupported_media_type');
      }
      const noType = await ts.request('POST', '/v1/devices', { body });
      expect([400, 415]).toContain(noType.status);
      expect(await registryState()).toBe(state);
    });

    it('answers precondition_failed to an If-Match that is not an ETag', async () => {
      for (const ifMatch of ['1', 'abc', '"x"', '"1", "2"', '"-1"']) {
        await expectRefused(
          await ts.request('PATCH', '/v1/devices/d1', {
            json: { name: 'changed' },
            headers: { 'if-match': ifMatch },
          }),
          412,
          'precondition_failed',
        );
      }
      await expectRefused(
        await ts.request('PATCH', '/v1/devices/d1', {
          json: { name: 'changed' },
          headers: { 'if-match': `"${'9'.repeat(65)}"` },
        }),
        400,
        'validation_failed',
      );
    });

    it('answers 404 route_not_found to unknown routes and methods', async () => {
      await expectRefused(await ts.request('GET', '/v1/gadgets'), 404, 'route_not_found');
      await expectRefused(
        await ts.request('PUT', '/v1/devices/d1', { json: { name: 'x' } }),
        404,
        'route_not_found',
      );
    });

    it('goes on serving after all of the above', async () => {
      expect((await ts.request('GET', '/healthz', { key: null })).status).toBe(200);
      expect((await ts.request('GET', '/readyz', { key: null })).status).toBe(200);
      const device = await ts.request('GET', '/v1/devices/d1');
      expect(device.body).toMatchObject({ id: 'd1', name: 'one', tags: { k: 'v' } });
    });
    // Bodies are validated without type coercion (only query strings and paths are coerced).
    it('answers validation_failed to a number where a string belongs', async () => {
      await expectRefused(
        await ts.request('POST', '/v1/devices', { json: { id: 12345, typeId: 't1' } }),
        400,
        'validation_failed',
      );
    });
    it('answers validation_failed to a scalar where a tag value string belongs', async () => {
      await expectRefused(
        await ts.request('POST', '/v1/devices', { json: { id: 'coerced', typeId: 't1', tags: { k: true } } }),
        400,
        'validation_failed',
      );
    });

    // Path parameters are allowed past Fastify's default of 100 characters, so that every id
    // the API accepts can be used in a URL, and longer ones get a problem document.
    it('reads, changes and deletes a device whose id is 128 characters long', async () => {
      const id = 'L'.repeat(128);
      const created = await ts.request('POST', '/v1/devices', { json: { id, typeId: 't1' } });
      expect(created.status, created.text).toBe(201);
      expect((await ts.request('GET', `/v1/devices/${id}`)).status).toBe(200);
      expect((await ts.request('PATCH', `/v1/devices/${id}`, { json: { name: 'long' } })).status).toBe(200);
      expect((await ts.request('DELETE', `/v1/devices/${id}`)).status).toBe(204);
    });
    it('answers validation_failed to a path id of 129 characters', async () => {
      expectProblem(await ts.request('GET', `/v1/devices/${'x'.repeat(129)}`), 400, 'validation_failed');
    });
  });
}
