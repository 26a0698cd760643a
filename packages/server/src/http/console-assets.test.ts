import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/support/databases.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

const sqlite = dialectCases()[0];
const INDEX =
  '<!doctype html><html><head><title>Fleetport</title></head><body><div id="app"></div></body></html>';
// Long enough to be worth compressing.
const SCRIPT = `console.log(${JSON.stringify('fleetport '.repeat(200))});\n`;

describe('the web console at /', () => {
  let database: TestDatabase;
  let server: TestServer;
  let consoleDir: string;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    consoleDir = mkdtempSync(path.join(tmpdir(), 'fleetport-console-'));
    mkdirSync(path.join(consoleDir, 'assets'));
    writeFileSync(path.join(consoleDir, 'index.html'), INDEX);
    writeFileSync(path.join(consoleDir, 'assets', 'index-AbC123xy.js'), SCRIPT);
    writeFileSync(path.join(consoleDir, 'assets', 'index-Zz9.css'), 'body{color:red}');
    writeFileSync(path.join(consoleDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    database = await sqlite.create();
    server = await startTestServer(database, { 'console-dir': consoleDir });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  it('serves index.html at / without caching it, with a content security policy', async () => {
    const response = await server.request('GET', '/', { key: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.text).toBe(INDEX);
  });

  it('serves hashed assets with their content type, cached for good, compressed as accepted', async () => {
    const script = await fetch(`${server.url}/assets/index-AbC123xy.js`, {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-encoding')).toBe('br');
    expect(script.headers.get('vary')).toBe('accept-encoding');
    expect(await script.text()).toBe(SCRIPT);

    const gzip = await fetch(`${server.url}/assets/index-AbC123xy.js`, {
      headers: { 'accept-encoding': 'br;q=0, gzip' },
    });
    expect(gzip.headers.get('content-encoding')).toBe('gzip');
    expect(await gzip.text()).toBe(SCRIPT);

    const css = await server.request('GET', '/assets/index-Zz9.css', { key: null });
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await server.request('GET', '/favicon.svg', { key: null });
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers 304 when the ETag still matches', async () => {
    const first = await server.request('GET', '/assets/index-AbC123xy.js', { key: null });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await server.request('GET', '/assets/index-AbC123xy.js', {
      key: null,
      headers: { 'if-none-match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it("answers the console's own routes with index.html, so that a reload keeps the page", async () => {
    for (const page of ['/devices', '/devices/sensor-1', '/sign-in?next=%2Fdevices']) {
      const response = await server.request('GET', page, { key: null });
      expect(response.status, page).toBe(200);
      expect(response.text, page).toBe(INDEX);
    }
  });

  it('answers a missing file with a route_not_found problem, not with index.html', async () => {
    const response = await server.request('GET', '/assets/gone-123.js', { key: null });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'route_not_found' });
  });

  it('leaves the API and the server pages as they were', async () => {
    const unknown = await server.request('GET', '/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(unknown.body).toMatchObject({ code: 'route_not_found' });
    const unauthenticated = await server.request('GET', '/v1/devices', { key: null });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toMatchObject({ code: 'unauthenticated' });
    const devices = await server.request('GET', '/v1/devices');
    expect(devices.status).toBe(200);
    expect(devices.body).toMatchObject({ items: [] });
    const openapi = await server.request('GET', '/openapi.json', { key: null });
    expect(openapi.body).toMatchObject({ openapi: '3.1.0' });
    // The console's catch-all is no API route.
    expect(Object.keys(openapi.body.paths).filter((route) => !route.startsWith('/v1/'))).toEqual([]);
    expect((await server.request('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    expect((await server.request('GET', '/readyz', { key: null })).status).toBe(200);
    const metrics = await server.request('GET', '/metrics', { key: null });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const docs = await server.request('GET', '/docs/', { key: null });
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
    for (const reserved of ['/docs/nothing.js', '/metrics/x', '/healthz/x', '/v1']) {
      const response = await server.request('GET', reserved, { key: null });
      expect(response.status, reserved).toBe(404);
      expect(response.body, reserved).toMatchObject({ code: 'route_not_found' });
    }
    // Only GET and HEAD reach the console.
    const post = await server.request('POST', '/devices', { json: {} });
    expect(post.status).toBe(404);
    expect(post.body).toMatchObject({ code: 'route_not_found' });
  });
});

describe('a server without a built console', () => {
  it('starts, says so in one log line, and serves the API', async () => {
    if (!sqlite) throw new Error('no sqlite case');
    const database = await sqlite.create();
    const lines: Array<{ msg: string; level: number; consoleDir?: string }> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const missing = path.join(database.dataDir, 'console-never-built');
    const config = loadConfig({
      env: {},
      flags: {
        'data-dir': database.dataDir,
        'http-port': 0,
        'mqtt-port': 0,
        'console-dir': missing,
        ...(database.databaseUrl ? { 'database-url': database.databaseUrl } : {}),
      },
    });
    const running = await startServer(config, pino({ level: 'info' }, sink));
    try {
      const warning = lines.find((line) => line.msg.includes('web console is not built'));
      expect(warning).toMatchObject({ level: 40, consoleDir: missing });
      expect(warning?.msg).toContain('npm run build');
      const root = await fetch(`${running.url}/`);
      expect(root.status).toBe(404);
      expect(await root.json()).toMatchObject({ code: 'route_not_found' });
      expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: 'ok' });
    } finally {
      await running.close();
      await database.drop();
    }
  });
});
