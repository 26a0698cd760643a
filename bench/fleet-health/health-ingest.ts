import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../../packages/server/src/store/store.js';
import { ApiClient, ApiError, field, stringField } from '../support/api-client.js';
import { startBenchServer } from '../support/bench-server.js';
import type { BenchOptions } from '../support/benchmark.js';
import { runLoad } from '../support/load-generator.js';
import type { TokenDevice } from '../support/load-workloads.js';
import { formatNumber } from '../support/report-table.js';
import { perSecond, type SampleSet } from '../support/stats.js';

const TYPE = 'bench-health';
const DEVICES = 500;
const BATCH = 100;
const WARMUP_SECONDS = 2;
const PROVISION_CONCURRENCY = 16;
/** How long the health consumer may take to catch up after a window before the run says so. */
const CATCH_UP_LIMIT_S = 120;
/** The issue's target: health costs batched ingest at most this much. */
const COST_TARGET_PERCENT = 10;

type Mode = 'off' | 'on';

async function provision(admin: ApiClient): Promise<TokenDevice[]> {
  await admin.json('POST', '/v1/device-types', { id: TYPE, name: 'Benchmark health device' });
  // A crazy threshold no device reaches: the per-batch count runs, nothing is quarantined.
  await admin.json('PUT', `/v1/device-types/${TYPE}/health`, {
    crazy: { uplinks: 1_000_000, windowSeconds: 600, quietSeconds: 3600 },
  });
  const ids = Array.from({ length: DEVICES }, (_, index) => `hdev-${index.toString().padStart(5, '0')}`);
  const response = await admin.request('/v1/devices/import', {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: ids.map((id) => JSON.stringify({ id, typeId: TYPE })).join('\n'),
  });
  const text = await response.text();
  if (!response.ok) throw new ApiError(response.status, text, 'POST /v1/devices/import');
  if (field(JSON.parse(text), 'created') !== DEVICES) throw new Error(`import: ${text}`);
  const devices: TokenDevice[] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: PROVISION_CONCURRENCY }, async () => {
      for (let index = next++; index < ids.length; index = next++) {
        const deviceId = ids[index] ?? '';
        const credential = await admin.json('POST', `/v1/devices/${deviceId}/credentials`, { kind: 'token' });
        devices[index] = { deviceId, token: stringField(credential, 'token') };
      }
    }),
  );
  return devices;
}

async function count(store: Store, table: 'messages' | 'health_samples'): Promise<number> {
  const row = await store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One window of batched ingest against a fresh server with health on or off. */
async function window(
  options: BenchOptions,
  database: Awaited<ReturnType<BenchOptions['databases'][number]['create']>>,
  mode: Mode,
  say: (line: string) => void,
): Promise<{ rate: number; load: number; catchUpS: number | undefined }> {
  const server = await startBenchServer(database, { health: mode === 'on' });
  try {
    const devices = await provision(new ApiClient(server.url, server.adminKey));
    const report = await runLoad(
      {
        url: server.url,
        connections: options.connections,
        warmupSeconds: WARMUP_SECONDS,
        durationSeconds: options.duration,
        workload: { kind: 'ingest', devices, perRequest: BATCH },
      },
      () => {},
    );
    const ended = performance.now();
    const load = loadavg()[0] ?? 0;
    const non2xx = Object.entries(report.measured.statuses).filter(([status]) => !status.startsWith('2'));
    if (non2xx.length > 0 || report.measured.errors > 0)
      throw new Error(
        `health ${mode}: answers ${JSON.stringify(report.measured.statuses)}, ${report.measured.errors} errors`,
      );
    const rate = perSecond(report.measured.answered2xx, report.measured.elapsedMs) * BATCH;
    let catchUpS: number | undefined;
    if (mode === 'on') {
      // The consumer follows capture: the window's cost is only honest if it keeps up.
      const messages = await count(server.store, 'messages');
      for (;;) {
        const samples = await count(server.store, 'health_samples');
        if (samples >= messages) {
          catchUpS = (performance.now() - ended) / 1000;
          break;
        }
        if (performance.now() - ended > CATCH_UP_LIMIT_S * 1000) {
          say(
            `health on: ${messages - samples} of ${messages} samples still missing after ${CATCH_UP_LIMIT_S} s`,
          );
          break;
        }
        await delay(100);
      }
    }
    say(
      `batched ingest (${BATCH}/request), health ${mode}: ${formatNumber(rate)} messages/s, load average ${load.toFixed(1)}${
        catchUpS === undefined ? '' : `; every sample written ${catchUpS.toFixed(2)} s after the window`
      }`,
    );
    return { rate, load, catchUpS };
  } finally {
    await server.close();
  }
}

/**
 * One run of batched HTTP ingest with the health consumer on and off, back to back on
 * fresh databases of `target` (the order alternates between runs, so neither always runs
 * second on a machine whose load drifts): messages/s of each, the cost of health in %, and
 * how long after the window the last sample was written. The issue's target: health costs
 * at most 10 %.
 */
export async function healthIngestRun(
  options: BenchOptions,
  target: BenchOptions['databases'][number],
  run: number,
  samples: SampleSet,
): Promise<void> {
  const say = (line: string) => options.progress(`run ${run}: ingest (${target.dialect}): ${line}`);
  const order: Mode[] = run % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
  const rates: Partial<Record<Mode, number>> = {};
  for (const mode of order) {
    const database = await target.create();
    try {
      const measured = await window(options, database, mode, say);
      rates[mode] = measured.rate;
      samples.add(`ingest: batched, health ${mode}`, 'messages/s', measured.rate);
      samples.add(`ingest: load average during health ${mode}`, '1 min', measured.load);
      if (measured.catchUpS !== undefined)
        samples.add('ingest: health samples written after the window', 's', measured.catchUpS);
    } finally {
      await database.drop();
    }
  }
  const { off, on } = rates;
  if (off !== undefined && on !== undefined) {
    const cost = ((off - on) / off) * 100;
    samples.add('ingest: health cost to batched ingest', '%', cost);
    say(`health costs ${cost.toFixed(1)}% of batched ingest (target ≤ ${COST_TARGET_PERCENT}%)`);
  }
}
