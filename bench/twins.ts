import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { insertDevicesIn, type NewDeviceRow } from '../packages/server/src/modules/devices/device-store.js';
import { startBenchServer } from './support/bench-server.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { type RunContext, repeatOnDatabases } from './support/repeat-on-databases.js';
import { formatNumber } from './support/report-table.js';
import { perSecond } from './support/stats.js';

/**
 * Fleet configurations (issue 19 item 6) over the HTTP API of a real server:
 *
 * - rollout: the time from `POST /v1/configurations` to the configuration `applied` (its
 *   desired value written on every targeted device), for a target SQL answers alone
 *   (`tags.site == "paris"`, half the fleet) and for one evaluated in process
 *   (`size(name) % 2 == 0`, SQL returns every device), as targeted devices per second;
 * - a new device: p50 and p99 from `POST /v1/devices` to its `twin.desired.changed`
 *   change, read by a long poll of the change feed (no sleeping, no polling interval);
 * - reported patches: MQTT devices (mqtt.js, in this process) each publish merge patches on
 *   `devices/{id}/twin/reported` at QoS 1, one outstanding at a time, for REPORT_SECONDS; the
 *   PUBACK comes after the patch is committed, so acknowledged patches per second is the
 *   figure, checked against the devices' reported versions.
 *
 * `--devices` sets the fleet (100,000 for the issue's target, 1,000,000 as an option).
 */

const NEW_DEVICES = 200;
const REPORTERS = 100;
const REPORT_SECONDS = 10;

function deviceRow(i: number): NewDeviceRow {
  return {
    tenant_id: 'default',
    id: `d${String(i).padStart(7, '0')}`,
    type_id: 'tracker',
    name: `device ${i}`,
    tags: JSON.stringify({ site: i % 2 === 0 ? 'paris' : 'lyon' }),
    attributes: JSON.stringify({ fw: 1 + (i % 4) * 0.5 }),
    version: 1,
    created_at: 1,
    updated_at: 1,
    deleted_at: null,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the benchmark reads a few fields of the API's answers
type Answer = { status: number; json: any };

async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function once(options: BenchOptions, context: RunContext): Promise<void> {
  const server = await startBenchServer(context.database);
  const call = (method: string, path: string, body?: unknown) =>
    api(server.url, server.adminKey, method, path, body);
  try {
    await call('POST', '/v1/device-types', { id: 'tracker', name: 'tracker' });
    for (let start = 0; start < options.devices; start += 10_000) {
      const rows: NewDeviceRow[] = [];
      for (let i = start; i < Math.min(options.devices, start + 10_000); i++) rows.push(deviceRow(i));
      await server.store.db.transaction().execute((trx) => insertDevicesIn(trx, rows));
    }
    context.say(`${formatNumber(options.devices)} devices stored`);

    for (const { id, target, kind } of [
      { id: 'pushed', target: 'tags.site == "paris"', kind: 'pushed-down' },
      { id: 'in-process', target: 'size(name) % 2 == 0', kind: 'in-process' },
    ]) {
      const started = performance.now();
      await call('POST', '/v1/configurations', { id, target, content: { [`interval_${id}`]: 600 } });
      for (;;) {
        const { json } = await call('GET', `/v1/configurations/${id}`);
        if (json.status === 'applied') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const elapsed = performance.now() - started;
      const { json: metrics } = await call('GET', `/v1/configurations/${id}/metrics?history=0`);
      const targeted = metrics.current.targeted as number;
      context.record(`rollout, ${kind} target: time to every targeted desired written`, 's', elapsed / 1000);
      context.record(
        `rollout, ${kind} target: targeted devices configured`,
        'devices/s',
        perSecond(targeted, elapsed),
      );
      context.record(
        `rollout, ${kind} target: devices looked at`,
        'devices/s',
        perSecond(options.devices, elapsed),
      );
      context.say(
        `${kind}: ${formatNumber(targeted)} devices configured in ${(elapsed / 1000).toFixed(2)} s`,
      );
    }

    const latencies: number[] = [];
    for (let i = 0; i < NEW_DEVICES; i++) {
      const deviceId = `new${String(i).padStart(5, '0')}`;
      let cursor = String((await call('GET', '/v1/changes?since=latest&limit=1')).json.nextCursor);
      const started = performance.now();
      await call('POST', '/v1/devices', { id: deviceId, typeId: 'tracker', tags: { site: 'paris' } });
      let seen = false;
      while (!seen) {
        const { json } = await call('GET', `/v1/changes?since=${cursor}&limit=1000&wait=5`);
        for (const change of json.items as { kind: string; entityId: string }[])
          if (change.kind === 'twin.desired.changed' && change.entityId === deviceId) seen = true;
        cursor = json.nextCursor;
      }
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    context.record('new device to its configured desired, p50', 'ms', percentile(latencies, 50));
    context.record('new device to its configured desired, p99', 'ms', percentile(latencies, 99));
    context.say(
      `new devices: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );

    await measureReportedPatches(server.mqttPort, call, context);
  } finally {
    await server.close();
  }
}

async function measureReportedPatches(
  mqttPort: number | undefined,
  call: (method: string, path: string, body?: unknown) => Promise<Answer>,
  context: RunContext,
): Promise<void> {
  if (mqttPort === undefined) throw new Error('the bench server has no MQTT listener');
  const clients: mqtt.MqttClient[] = [];
  try {
    for (let i = 0; i < REPORTERS; i++) {
      const deviceId = `rep${String(i).padStart(4, '0')}`;
      await call('POST', '/v1/devices', { id: deviceId, typeId: 'tracker' });
      const { json } = await call('POST', `/v1/devices/${deviceId}/credentials`, { kind: 'token' });
      clients.push(
        await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
          clientId: `bench-${deviceId}`,
          username: deviceId,
          password: json.token as string,
          protocolVersion: 5,
          reconnectPeriod: 0,
        }),
      );
    }
    let acknowledged = 0;
    const deadline = performance.now() + REPORT_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        const topic = `devices/rep${String(i).padStart(4, '0')}/twin/reported`;
        for (let n = 1; performance.now() < deadline; n++) {
          await client.publishAsync(topic, JSON.stringify({ interval: n, battery: 100 - (n % 100) }), {
            qos: 1,
          });
          acknowledged++;
        }
      }),
    );
    const elapsed = performance.now() - started;
    // Every acknowledged patch moved its device's reported version on by one.
    let versions = 0;
    for (let i = 0; i < REPORTERS; i++)
      versions += (await call('GET', `/v1/devices/rep${String(i).padStart(4, '0')}/twin`)).json
        .reportedVersion as number;
    if (versions !== acknowledged)
      throw new Error(`reported versions add up to ${versions}, ${acknowledged} patches were acknowledged`);
    context.record(
      'reported patches from MQTT devices (QoS 1, acknowledged)',
      'patches/s',
      perSecond(acknowledged, elapsed),
    );
    context.say(
      `reported: ${formatNumber(acknowledged)} patches from ${REPORTERS} MQTT devices in ${(elapsed / 1000).toFixed(1)} s`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.endAsync()));
  }
}

export const twins: Benchmark = {
  name: 'twins',
  description:
    'fleet configurations: rollout time over the fleet (pushed-down and in-process targets), a new device to its configured desired (p50/p99), reported patches/s from MQTT devices',
  async run(options: BenchOptions): Promise<BenchResult> {
    const databases = await repeatOnDatabases(options, 'twins', (context) => once(options, context));
    return {
      benchmark: 'twins',
      runs: options.runs,
      parameters: {
        devices: options.devices,
        'new devices': NEW_DEVICES,
        'reporting devices': REPORTERS,
        'reporting seconds': REPORT_SECONDS,
      },
      databases,
    };
  },
};

if (isEntryPoint(import.meta.url)) process.exitCode = await runBenchmarkCli([twins], process.argv.slice(2));
