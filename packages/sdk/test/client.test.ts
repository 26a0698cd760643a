import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createFleetportClient, ok, ProblemError, UnreachableError } from '../src/index.js';
import { useServer } from './sdk-support.js';

const fixture = useServer();

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the typed client', () => {
  it('creates, reads and lists devices with typed paths, query and bodies', async () => {
    const { client } = fixture;
    await ok(client.POST('/v1/device-types', { body: { id: 'tracker', name: 'Tracker' } }));
    const created = await ok(
      client.POST('/v1/devices', {
        body: {
          id: 'truck-12',
          typeId: 'tracker',
          name: 'Truck 12',
          tags: { site: 'paris', fleet: 'north' },
        },
      }),
    );
    expect(created).toMatchObject({ id: 'truck-12', typeId: 'tracker', version: 1 });
    await ok(
      client.POST('/v1/devices', { body: { id: 'truck-13', typeId: 'tracker', tags: { site: 'lyon' } } }),
    );

    const read = await ok(
      client.GET('/v1/devices/{deviceId}', { params: { path: { deviceId: 'truck-12' } } }),
    );
    expect(read.tags).toEqual({ site: 'paris', fleet: 'north' });
    // Arrays go as repeated parameters: both tags must match.
    const page = await ok(
      client.GET('/v1/devices', { params: { query: { tag: ['site=paris', 'fleet=north'] } } }),
    );
    expect(page.items.map((device) => device.id)).toEqual(['truck-12']);
    // A 204 answers nothing.
    const deleted = await ok(
      client.DELETE('/v1/devices/{deviceId}', { params: { path: { deviceId: 'truck-13' } } }),
    );
    expect(deleted).toBeUndefined();
  });

  it('rejects with the problem document: code, status, detail and the request id', async () => {
    const { client } = fixture;
    const refusal = await ok(
      client.GET('/v1/devices/{deviceId}', { params: { path: { deviceId: 'nobody' } } }),
    ).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ProblemError);
    const problem = refusal as ProblemError;
    expect(problem).toMatchObject({ status: 404, code: 'not_found' });
    expect(problem.detail).toContain('nobody');
    expect(problem.message).toBe(problem.detail);
    expect(problem.requestId).toMatch(/\S/);
    expect(problem.problem.type).toMatch(/\S/);
  });

  it('refuses bad input with validation_failed and stores nothing', async () => {
    const { client } = fixture;
    const refusal = await ok(
      client.POST('/v1/devices', { body: { id: 'bad id with spaces', typeId: 'tracker' } }),
    ).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ status: 400, code: 'validation_failed' });
    const page = await ok(client.GET('/v1/devices', { params: { query: { deleted: 'include' } } }));
    expect(page.items.map((device) => device.id).sort()).toEqual(['truck-12', 'truck-13']);
  });

  it("answers another tenant's device with 404, and a wrong key with 401", async () => {
    const { client, server } = fixture;
    const tenant = await ok(client.POST('/v1/tenants', { body: { id: 'other', name: 'Other' } }));
    const key = await ok(
      client.POST('/v1/tenants/{tenantId}/keys', {
        params: { path: { tenantId: tenant.id } },
        body: { name: 'ops', scope: 'admin' },
      }),
    );
    const other = createFleetportClient({ url: server.url, apiKey: key.secret });
    const hidden = await ok(
      other.GET('/v1/devices/{deviceId}', { params: { path: { deviceId: 'truck-12' } } }),
    ).catch((error: unknown) => error);
    expect(hidden).toMatchObject({ status: 404, code: 'not_found' });

    const stranger = createFleetportClient({ url: server.url, apiKey: 'fpk_not_a_key' });
    const refused = await ok(stranger.GET('/v1/me')).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 401, code: 'unauthenticated' });
  });

  it('names an unreachable server with the reason', async () => {
    const probe = createServer();
    const url = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const client = createFleetportClient({ url, apiKey: 'fpk_x' });
    const failure = await ok(client.GET('/v1/me')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnreachableError);
    expect(failure).toMatchObject({ url, reason: 'ECONNREFUSED' });
    expect((failure as Error).message).toBe(`cannot reach Fleetport at ${url} (ECONNREFUSED)`);
  });

  it('describes an error answer that is not a problem document by its status and text', async () => {
    const proxy = createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    });
    const url = await listen(proxy);
    try {
      const client = createFleetportClient({ url, apiKey: 'fpk_x' });
      const failure = await ok(client.GET('/v1/me')).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ProblemError);
      expect(failure).toMatchObject({ status: 502, code: 'http_502', detail: '<h1>Bad gateway</h1>' });
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('keeps the caller’s abort an AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    const failure = await ok(fixture.client.GET('/v1/me', { signal: controller.signal })).catch(
      (error: unknown) => error,
    );
    expect((failure as Error).name).toBe('AbortError');
  });
});
