import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupServer, listen } from '../src/backup-server.js';
import { jsonLogger } from '../src/logger.js';
import { SegmentLog } from '../src/segment-log.js';

const KEY = 'backup-read-key-0123456789abcdef';
const SECRET = 'fpc_callback_secret_for_the_test_0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;
let log: SegmentLog;
let server: Server;
let url: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fleetport-backup-http-'));
  const logger = jsonLogger({ write: () => true });
  log = await SegmentLog.open({
    dir,
    segmentBytes: 1024 * 1024,
    segmentMs: 3600_000,
    retentionMs: 86_400_000,
    maxBytes: 1024 ** 3,
    now: Date.now,
    logger,
  });
  server = createBackupServer({ log, readKey: KEY, maxBodyBytes: 4096, logger, now: Date.now });
  url = `http://127.0.0.1:${await listen(server, '127.0.0.1', 0)}`;
});

afterAll(async () => {
  await new Promise((resolve) => {
    server.close(resolve);
    server.closeAllConnections();
  });
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readAll(key = KEY) {
  const response = await fetch(`${url}/records?since=0&limit=5000`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function storedCount(): Promise<number> {
  return ((await readAll()).body.records as unknown[]).length;
}

describe('fleetport-backup over HTTP', () => {
  it('stores a Sigfox form callback byte for byte and answers 204 with its record number once synced', async () => {
    const form = 'device=1A2B3C&time=1765000000&data=c0ffee&seqNumber=12&station=0A1B&rssi=-120.5';
    const response = await fetch(`${url}/v1/callbacks/sigfox/tracker?source=sigfox`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-fleetport-secret': SECRET },
      body: form,
    });
    expect(response.status).toBe(204);
    const seq = response.headers.get('fleetport-backup-record');
    expect(seq).toMatch(/^\d+$/);
    const { status, body } = await readAll();
    expect(status).toBe(200);
    const record = (body.records as Record<string, unknown>[]).find((r) => r.id === seq);
    expect(record).toMatchObject({
      method: 'POST',
      path: '/v1/callbacks/sigfox/tracker?source=sigfox',
      contentType: 'application/x-www-form-urlencoded',
      credentialSha256: sha256(SECRET),
    });
    expect(Buffer.from(String(record?.body), 'base64').toString()).toBe(form);
    // The secret itself is on no disk of the backup.
    for (const name of readdirSync(dir)) {
      expect(readFileSync(path.join(dir, name)).includes(SECRET)).toBe(false);
    }
  });

  it('stores HTTP ingest with a device token, whatever the body is: the server judges it on resync', async () => {
    const response = await fetch(`${url}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer fpd_device_token' },
      body: '{"hex": not json',
    });
    expect(response.status).toBe(204);
    const { body } = await readAll();
    const last = (body.records as Record<string, unknown>[]).at(-1);
    expect(last).toMatchObject({ path: '/v1/ingest', credentialSha256: sha256('fpd_device_token') });
    expect(Buffer.from(String(last?.body), 'base64').toString()).toBe('{"hex": not json');
  });

  it('refuses a request without a credential, one too large, and other paths, storing nothing', async () => {
    const before = await storedCount();
    const bare = await fetch(`${url}/v1/ingest`, { method: 'POST', body: '{"hex":"00"}' });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ code: 'unauthenticated' });
    const large = await fetch(`${url}/v1/ingest`, {
      method: 'POST',
      headers: { authorization: 'Bearer fpd_x' },
      body: 'x'.repeat(5000),
    });
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ code: 'body_too_large' });
    const other = await fetch(`${url}/v1/devices`, {
      method: 'POST',
      headers: { authorization: 'Bearer fpd_x' },
    });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 'not_found' });
    const wrongMethod = await fetch(`${url}/v1/ingest`, { headers: { authorization: 'Bearer fpd_x' } });
    expect(wrongMethod.status).toBe(405);
    expect(await storedCount()).toBe(before);
  });

  it('serves records only with its key', async () => {
    const missing = await fetch(`${url}/records`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'unauthenticated' });
    expect((await readAll(`${KEY}x`)).status).toBe(401);
    expect((await readAll(SECRET)).status).toBe(401);
  });

  it('refuses bad cursors, times and limits with validation_failed', async () => {
    for (const query of [
      'since=-1',
      'since=abc',
      'limit=0',
      'limit=5001',
      'from=yesterday',
      'from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z',
    ]) {
      const response = await fetch(`${url}/records?${query}`, {
        headers: { authorization: `Bearer ${KEY}` },
      });
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'validation_failed' });
    }
  });

  it('pages with next and more', async () => {
    for (let i = 0; i < 3; i++) {
      await fetch(`${url}/v1/ingest`, {
        method: 'POST',
        headers: { authorization: 'Bearer fpd_pager' },
        body: `{"hex":"0${i}"}`,
      });
    }
    const first = await fetch(`${url}/records?since=0&limit=2`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const page = (await first.json()) as { records: { id: string }[]; next: string; more: boolean };
    expect(page.records.map((r) => r.id)).toEqual(['1', '2']);
    expect(page).toMatchObject({ next: '2', more: true });
    const rest = await fetch(`${url}/records?since=${page.next}&limit=5000`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const last = (await rest.json()) as { records: { id: string }[]; more: boolean };
    expect(last.records[0]?.id).toBe('3');
    expect(last.more).toBe(false);
  });

  it('answers /healthz with what it holds', async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', segments: 1, lastError: null, recoveries: [] });
    expect(health.lastRecord).toBe(await storedCount());
  });
});
