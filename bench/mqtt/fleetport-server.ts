import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { ApiClient, ApiError, stringField } from '../support/api-client.js';
import { oweCleanup } from '../support/cleanup.js';
import { captureWindow, readMetrics } from '../support/server-metrics.js';
import type { LoadAccess } from './broker-load.js';
import {
  BrokerUnavailable,
  type BrokerUnderTest,
  type CommitSizes,
  commitSizesOf,
  profileFlags,
  type RunningBroker,
  type StartOptions,
} from './broker-under-test.js';
import { freePort, REPO_ROOT, sleep, spawnWithFileLimit, waitForPort } from './processes.js';

const CLI = path.join(REPO_ROOT, 'packages/cli/src/main.ts');
const MQTT_INDEX = path.join(REPO_ROOT, 'packages/server/src/mqtt/index.ts');
// A loaded machine (load average 20 on 2 cores) takes 30–60 s to transpile and start the server.
const READY_TIMEOUT_MS = 180_000;
/** After /readyz answers, the MQTT listener must accept connections within this. */
const MQTT_LISTEN_TIMEOUT_MS = 5000;
const DEVICE_TYPE = 'bench-mqtt';
const DEVICE = 'bench-mqtt-0001';

async function waitForReady(url: string, exited: () => number | string | undefined, describe: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = exited();
    if (status !== undefined)
      throw new Error(`fleetport serve exited (${status}) before it was ready: ${describe()}`);
    const ready = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await sleep(100);
  }
  throw new Error(`fleetport serve was not ready within ${READY_TIMEOUT_MS / 1000} s: ${describe()}`);
}

/**
 * For the many-connection load: its connections may all arrive within a second, and a
 * subscriber's queue may hold a burst of every publisher it follows (the defaults would
 * refuse connections and drop messages); the peers run without such limits.
 */
function loadFlags(connections: number | undefined): string[] {
  if (connections === undefined) return [];
  return [
    '--mqtt-connections-per-second',
    String(Math.max(1000, connections)),
    '--mqtt-max-queued-messages',
    '10000000',
  ];
}

/** Token requests at once while provisioning the load's devices. */
const PROVISIONING_CONCURRENCY = 8;

/**
 * Creates `count` devices of the benchmark's type (one NDJSON import), each with a token
 * (a request each: there is no bulk route for credentials), and returns them as the
 * load's publishers, each on its own `devices/{id}/up`, with the application (the admin
 * key) as subscriber.
 */
async function provisionLoadDevices(admin: ApiClient, adminKey: string, count: number): Promise<LoadAccess> {
  const ids = Array.from({ length: count }, (_, index) => `bench-load-${String(index).padStart(6, '0')}`);
  const response = await admin.request('/v1/devices/import?atomic=true', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ids.map((id) => `${JSON.stringify({ id, typeId: DEVICE_TYPE })}\n`).join(''),
  });
  const report = await response.text();
  if (!response.ok) throw new ApiError(response.status, report, 'POST /v1/devices/import');
  const publishers: { topic: string; credentials: { username: string; password: string } }[] = [];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const id = ids[index] ?? '';
      const token = stringField(
        await admin.json('POST', `/v1/devices/${id}/credentials`, { kind: 'token' }),
        'token',
      );
      publishers[index] = { topic: `devices/${id}/up`, credentials: { username: id, password: token } };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PROVISIONING_CONCURRENCY, count) }, worker));
  return { publishers, subscriber: { username: 'bench-application', password: adminKey } };
}

/**
 * HOOK for the durable QoS 1 uplink case (issue 4, item 8: "for Fleetport: device uplinks,
 * durable"). Starts a full Fleetport, `fleetport serve` from source in a child process on
 * a fresh SQLite data directory (WAL, synchronous=FULL, the durable default, unless
 * `synchronous` says `normal`), provisions
 * one device with a token over the HTTP API, and returns the MQTT port with the uplink
 * access the load uses: the device publishes to `devices/{id}/up`, an application
 * subscribes to it.
 *
 * LEAD, assumptions to check once the broker is wired into `serve`:
 * - the broker listens on `--mqtt-port` (config key `mqttPort`) at `--host`;
 * - a device connects with username = device id, password = its token;
 * - an application connects with its API key as the password (username ignored) and
 *   sees its tenant's `devices/{id}/up` under that same name;
 * - a ~50-byte ASCII payload is an acceptable uplink body for the capture pipeline.
 * Until the MQTT listener accepts connections, this reports "not available".
 */
export async function startFleetportServer(
  options?: StartOptions,
  synchronous: 'full' | 'normal' = 'full',
): Promise<RunningBroker> {
  if (!existsSync(MQTT_INDEX)) {
    throw new BrokerUnavailable(`${path.relative(REPO_ROOT, MQTT_INDEX)} does not exist yet`);
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-mqtt-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  const settled = oweCleanup(async () => removeDir());
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const adminKey = `fpk_bench_${randomBytes(24).toString('base64url')}`;
  // The environment is not passed on as FLEETPORT_* flags would be: every setting is a flag.
  const server = spawnWithFileLimit(process.execPath, [
    ...profileFlags(options),
    '--import',
    'tsx',
    CLI,
    'serve',
    '--data-dir',
    dataDir,
    '--host',
    '127.0.0.1',
    '--http-port',
    String(httpPort),
    '--mqtt-port',
    String(mqttPort),
    '--admin-key',
    adminKey,
    '--log-level',
    'warn',
    '--sqlite-synchronous',
    synchronous,
    ...loadFlags(options?.loadConnections),
  ]);
  const stop = async () => {
    await server.stop(15_000);
    removeDir();
    settled();
  };
  let exitStatus: number | string | undefined;
  void server.exited.then((status) => {
    exitStatus = status;
  });
  try {
    const url = `http://127.0.0.1:${httpPort}`;
    await waitForReady(
      url,
      () => exitStatus,
      () => server.stderrTail(),
    );
    await waitForPort(mqttPort, server, MQTT_LISTEN_TIMEOUT_MS, (status) => {
      return new Error(`fleetport serve exited (${status}): ${server.stderrTail()}`);
    }).catch((error: unknown) => {
      if (exitStatus !== undefined) throw error;
      throw new BrokerUnavailable(`fleetport serve does not listen for MQTT on --mqtt-port ${mqttPort} yet`);
    });
    const admin = new ApiClient(url, adminKey);
    await admin.json('POST', '/v1/device-types', { id: DEVICE_TYPE, name: 'Benchmark MQTT device' });
    await admin.json('POST', '/v1/devices', { id: DEVICE, typeId: DEVICE_TYPE });
    const token = stringField(
      await admin.json('POST', `/v1/devices/${DEVICE}/credentials`, { kind: 'token' }),
      'token',
    );
    return {
      port: mqttPort,
      pid: server.pid,
      commits: () => storedCommitSizes(path.join(dataDir, 'fleetport.db')),
      capture: async () => captureWindow(new Map(), await readMetrics(url)),
      loadAccess: (publishers) => provisionLoadDevices(admin, adminKey, publishers),
      api: { url, adminKey },
      uplink: {
        topic: `devices/${DEVICE}/up`,
        publisher: { username: DEVICE, password: token },
        subscriber: { username: 'bench-application', password: adminKey },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The commits of the messages in the server's database, read while it runs (WAL readers do not block it). */
function storedCommitSizes(file: string): CommitSizes {
  const database = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    const rows = database
      .prepare<[], { size: number }>('select count(*) as size from messages group by stored_at')
      .all();
    return commitSizesOf(rows.map((row) => row.size));
  } finally {
    database.close();
  }
}

/** A full Fleetport (`fleetport serve`) as the broker of durable device uplinks: QoS 1 only. */
export function fleetportServerBroker(synchronous: 'full' | 'normal' = 'full'): BrokerUnderTest {
  const durability =
    synchronous === 'full'
      ? 'synchronous=FULL'
      : 'synchronous=NORMAL: commits are not synced, so not durable across power loss';
  return {
    name: 'fleetport durable',
    description: `fleetport serve (SQLite WAL, ${durability}; a device publishing devices/{id}/up, acknowledged once stored; an application subscribed)`,
    measures: ['qos1', 'load-qos1'],
    start: (options) => startFleetportServer(options, synchronous),
  };
}
