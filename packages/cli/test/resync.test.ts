import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupServer, listen } from '../../backup/src/backup-server.js';
import { jsonLogger } from '../../backup/src/logger.js';
import { SegmentLog } from '../../backup/src/segment-log.js';
import { type ChildServer, freePort, spawnServer } from '../../server/test/support/child-server.js';
import { dialectCases, type TestDatabase } from '../../server/test/support/databases.js';
import { SigfoxSimulator } from '../src/sigfox-simulator.js';
import { json, runCli, tempDir } from './support/cli-harness.js';

/*
 * The backup story end to end: the simulator sends every callback to the server
 * and to a fleetport-backup; the server is killed and misses some; it is started again,
 * `fleetport resync` replays the backup, and the server then holds every frame exactly
 * once, the missed ones labelled replayed. Real processes, files and loopback HTTP.
 */

const KEY = 'resync-test-backup-key-0123456789';
const sqlite = dialectCases().find((d) => d.name === 'sqlite');
if (!sqlite) throw new Error('no sqlite dialect');

let database: TestDatabase;
let server: ChildServer | undefined;
let port: number;
const adminKey = `fpk_test_${randomBytes(24).toString('base64url')}`;
let backupDir: string;
let backupLog: SegmentLog;
let backupServer: Server;
let backupUrl: string;
let secret: string;

interface Report {
  records: number;
  messages: { new: number; duplicate: number };
  refused: { id: string; code: string }[];
  skipped: number;
  faults: unknown[];
  next: string;
}

async function api(method: string, route: string, body?: unknown) {
  if (!server) throw new Error('no server');
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const start = async () => {
  // The machine running the tests may be loaded: a start can take long.
  server = await spawnServer(database, {
    adminKey,
    env: { FLEETPORT_HTTP_PORT: String(port) },
    readyTimeoutMs: 120_000,
  });
};

function simulate(frames: number, firstSeq: number) {
  return new SigfoxSimulator({
    url: `http://127.0.0.1:${port}`,
    alsoUrl: backupUrl,
    typeId: 'tracker',
    secret,
    devices: 4,
    rate: 2000,
    frames,
    receptions: 2,
    retryRatio: 0.1,
    lateRatio: 0,
    devicePrefix: 'E2',
    concurrency: 8,
    firstSeq,
  }).run();
}

/** Every stored message of the simulated devices. */
async function stored(): Promise<{ deviceId: string; seq: number; timeliness: string }[]> {
  const devices = await api('GET', '/v1/devices?limit=100');
  const all: { deviceId: string; seq: number; timeliness: string }[] = [];
  for (const device of devices.body.items as { id: string }[]) {
    const page = await api('GET', `/v1/devices/${device.id}/messages?limit=1000`);
    all.push(...(page.body.items as { deviceId: string; seq: number; timeliness: string }[]));
  }
  return all;
}

function resync(...args: string[]) {
  if (!server) throw new Error('no server');
  return runCli(['--json', 'resync', '--from', backupUrl, '--quiet', ...args], {
    FLEETPORT_URL: server.url,
    FLEETPORT_API_KEY: adminKey,
    FLEETPORT_BACKUP_KEY: KEY,
  });
}

beforeAll(async () => {
  database = await sqlite.create();
  port = await freePort();
  backupDir = tempDir();
  const logger = jsonLogger({ write: () => true });
  backupLog = await SegmentLog.open({
    dir: path.join(backupDir, 'segments'),
    segmentBytes: 64 * 1024,
    segmentMs: 3600_000,
    retentionMs: 86_400_000,
    maxBytes: 1024 ** 3,
    now: Date.now,
    logger,
  });
  backupServer = createBackupServer({
    log: backupLog,
    readKey: KEY,
    maxBodyBytes: 1024 * 1024,
    logger,
    now: Date.now,
  });
  backupUrl = `http://127.0.0.1:${await listen(backupServer, '127.0.0.1', 0)}`;
  await start();
  expect(
    (
      await api('POST', '/v1/device-types', {
        id: 'tracker',
        name: 'Tracker',
        capture: { autoCreateDevices: true },
      })
    ).status,
  ).toBe(201);
  secret = String((await api('POST', '/v1/device-types/tracker/callback-secrets', {})).body.secret);
}, 240_000);

afterAll(async () => {
  server?.process.kill('SIGKILL');
  await new Promise((resolve) => {
    backupServer?.close(resolve);
    backupServer?.closeAllConnections();
  });
  await backupLog?.close();
  await database?.drop();
  rmSync(backupDir, { recursive: true, force: true });
});

describe('fleetport resync from a fleetport-backup', () => {
  it('after a SIGKILL the server holds every frame once, the missed ones replayed; a second resync adds nothing', async () => {
    const before = await simulate(24, 0);
    expect(before.answers['2xx']).toBe(before.sent.callbacks);
    expect(before.backup).toMatchObject({ '2xx': before.sent.callbacks, failed: 0 });

    server?.process.kill('SIGKILL');
    await server?.exited;
    // The server is down: only the backup hears these frames.
    const during = await simulate(16, 100);
    expect(during.answers.networkErrors).toBe(during.sent.callbacks);
    expect(during.backup).toMatchObject({ '2xx': during.sent.callbacks, failed: 0 });

    await start();
    expect(await stored()).toHaveLength(24);
    const cursorFile = path.join(tempDir(), 'cursor');
    const first = await resync('--cursor-file', cursorFile, '--page', '7');
    expect(first.code, first.stderr).toBe(0);
    const report = json<Report>(first);
    expect(report.records).toBe(before.sent.callbacks + during.sent.callbacks);
    expect(report.messages.new).toBe(16);
    expect(report.messages.duplicate).toBe(report.records - 16);
    expect(report.refused).toEqual([]);
    expect(report.faults).toEqual([]);
    expect(readFileSync(cursorFile, 'utf8').trim()).toBe(report.next);

    const messages = await stored();
    expect(messages).toHaveLength(40);
    const keys = messages.map((m) => `${m.deviceId}:${m.seq}`);
    expect(new Set(keys).size).toBe(40);
    expect(messages.filter((m) => m.timeliness === 'replayed').map((m) => m.seq >= 100)).toEqual(
      Array(16).fill(true),
    );
    expect(messages.filter((m) => m.timeliness === 'live')).toHaveLength(24);

    // From the start again: everything is a duplicate.
    const again = await resync();
    expect(again.code, again.stderr).toBe(0);
    expect(json<Report>(again).messages).toEqual({ new: 0, duplicate: report.records });
    expect(await stored()).toHaveLength(40);
    // Resumed from the cursor file: nothing new to read.
    const resumed = await resync('--cursor-file', cursorFile);
    expect(json<Report>(resumed)).toMatchObject({ records: 0, next: report.next });
  }, 240_000);

  it('lists the records the server refuses, and exits 6 on a wrong backup key and 7 on no backup', async () => {
    // A request with a secret the server does not know: the backup keeps it, the server refuses it.
    const stray = await fetch(`${backupUrl}/v1/callbacks/sigfox/tracker`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fleetport-secret': 'fpc_not_a_secret' },
      body: JSON.stringify({
        device: 'E2FFFF',
        seqNumber: 1,
        time: Math.floor(Date.now() / 1000),
        data: '00',
      }),
    });
    expect(stray.status).toBe(204);
    const id = String(stray.headers.get('fleetport-backup-record'));
    const result = await resync('--after', String(Number(id) - 1));
    expect(result.code, result.stderr).toBe(0);
    expect(json<Report>(result)).toMatchObject({ records: 1, refused: [{ id, code: 'unauthenticated' }] });

    const wrongKey = await runCli(['resync', '--from', backupUrl, '--backup-key', `${KEY}x`], {
      FLEETPORT_URL: server?.url ?? '',
      FLEETPORT_API_KEY: adminKey,
    });
    expect(wrongKey.code).toBe(6);
    expect(wrongKey.stderr).toMatch(/backup_unauthenticated/);
    const nowhere = await runCli(
      ['resync', '--from', `http://127.0.0.1:${await freePort()}`, '--backup-key', KEY],
      {
        FLEETPORT_URL: server?.url ?? '',
        FLEETPORT_API_KEY: adminKey,
      },
    );
    expect(nowhere.code).toBe(7);
    expect(nowhere.stderr).toMatch(/backup_unreachable/);
    const future = await resync('--since', new Date(Date.now() + 86_400_000).toISOString());
    expect(future.code).toBe(2);
    expect(future.stderr).toMatch(/in the future/);
  }, 60_000);
});
