import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/support/child-server.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const outRoot = path.join(repoRoot, 'packages/cli/dist/test-bundles');
const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

/**
 * What users run is the esbuild bundle, not the sources the other tests import: worker
 * threads (the SQLite capture writer, the checkpointer, the codec pool) start from entry
 * files that the build must emit where the bundle looks for them.
 */
describe('the built bundle', () => {
  it('serves, captures an uplink through its worker threads, and stops on SIGTERM', async () => {
    mkdirSync(outRoot, { recursive: true });
    const outdir = mkdtempSync(path.join(outRoot, 'b-'));
    cleanup.push(outdir);
    await promisify(execFile)(process.execPath, ['scripts/build.mjs'], {
      cwd: repoRoot,
      env: { ...process.env, FLEETPORT_BUILD_OUTDIR: outdir },
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetport-bundle-'));
    cleanup.push(dataDir);
    const port = await freePort();
    const adminKey = 'fpk_bundle_test_0123456789abcdefghijklmnopqrstuv';
    const child = spawn(process.execPath, [path.join(outdir, 'fleetport.js'), 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        FLEETPORT_DATA_DIR: dataDir,
        FLEETPORT_HTTP_PORT: String(port),
        FLEETPORT_MQTT_PORT: '0',
        FLEETPORT_HOST: '127.0.0.1',
        FLEETPORT_ADMIN_KEY: adminKey,
        FLEETPORT_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = `http://127.0.0.1:${port}`;
      const until = Date.now() + 20_000;
      while (
        !(await fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`not ready:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const call = async (method: string, route: string, body: unknown, token = adminKey) => {
        const response = await fetch(`${url}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      expect((await call('POST', '/v1/device-types', { id: 'meter', name: 'Meter' })).status).toBe(201);
      expect((await call('POST', '/v1/devices', { id: 'm-1', typeId: 'meter' })).status).toBe(201);
      const credential = await call('POST', '/v1/devices/m-1/credentials', { kind: 'token' });
      const token = String(credential.body.token);
      const ingested = await call('POST', '/v1/ingest', { hex: 'c0ffee', seq: 1 }, token);
      expect(ingested.status, output).toBe(201);
      const stored = await fetch(`${url}/v1/messages/${String(ingested.body.id)}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(((await stored.json()) as { payload: { hex: string } }).payload.hex).toBe('c0ffee');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  });
});
