import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DeviceCounters, DeviceLoadConfig } from './commands/device-load.js';
import { runJobPhase } from './commands/job-phase.js';
import type { RunningBroker } from './mqtt/broker-under-test.js';
import { startFleetportServer } from './mqtt/fleetport-server.js';
import { takeIntegerOption, takeListOption } from './mqtt/options.js';
import { REPO_ROOT, type Spawned, sleep, spawnWithFileLimit } from './mqtt/processes.js';
import type {
  Benchmark,
  BenchOptions,
  BenchResult,
  DatabaseResult,
  MetricSummary,
} from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { formatNumber } from './support/report-table.js';

const DEVICE_LOAD = path.join(REPO_ROOT, 'bench/commands/device-load.ts');
const PHASES = ['roundtrip', 'job'] as const;
type Phase = (typeof PHASES)[number];
const SYNCHRONOUS = ['full', 'normal'] as const;
type Synchronous = (typeof SYNCHRONOUS)[number];

// Options of this benchmark only, taken out of argv before the shared harness parses it.
const phasesOption = takeListOption(process.argv, 'phases', PHASES);
const devicesOption = takeIntegerOption(process.argv, 'command-devices', 1, 100_000);
const loadProcessesOption = takeIntegerOption(process.argv, 'command-load-processes', 1, 16);
const creatorsOption = takeIntegerOption(process.argv, 'command-creators', 1, 1000);
const secondsOption = takeIntegerOption(process.argv, 'command-seconds', 1, 600);
const synchronousOption = takeListOption(process.argv, 'command-sqlite-synchronous', SYNCHRONOUS);
const CREATE_MODES = ['batch', 'single'] as const;
type CreateMode = (typeof CREATE_MODES)[number];
const createOption = takeListOption(process.argv, 'command-create', CREATE_MODES);
const batchSizeOption = takeIntegerOption(process.argv, 'command-batch', 1, 1000);

const DEFAULTS = {
  devices: 10_000,
  loadProcesses: 2,
  /** HTTP loops creating commands: one command per request (`single`) needs many; batches need few. */
  creators: { single: 64, batch: 8 },
  batch: 250,
  seconds: 10,
  warmupSeconds: 3,
};
/** Commands queued and not yet acknowledged at most: the creators wait beyond it. */
const MAX_OUTSTANDING = 4_000;
const READY_TIMEOUT_MS = 300_000;

function optionValue(option: { value: number | undefined } | { error: string }, fallback: number): number {
  if ('error' in option) throw new Error(option.error);
  return option.value ?? fallback;
}

function listValue<T extends string>(
  option: { values: readonly T[] | undefined } | { error: string },
  fallback: readonly T[],
): readonly T[] {
  if ('error' in option) throw new Error(option.error);
  return option.values ?? fallback;
}

/** One device-load child: its process and a way to ask for its counters. */
interface LoadProcess {
  readonly spawned: Spawned;
  mark(): Promise<DeviceCounters>;
  readonly ready: Promise<void>;
}

function startLoadProcess(config: DeviceLoadConfig): LoadProcess {
  const spawned = spawnWithFileLimit(process.execPath, ['--import', 'tsx', DEVICE_LOAD], { stdin: 'pipe' });
  const waiting: ((counters: DeviceCounters) => void)[] = [];
  let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  const stdout = spawned.child.stdout;
  if (stdout === null) throw new Error('device load: no stdout');
  createInterface({ input: stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: number; failed?: string } & Partial<DeviceCounters>;
    if (message.ready !== undefined) settleReady?.resolve();
    else if (message.failed !== undefined) settleReady?.reject(new Error(`device load: ${message.failed}`));
    else waiting.shift()?.(message as DeviceCounters);
  });
  void spawned.exited.then((status) =>
    settleReady?.reject(new Error(`device load exited (${status}): ${spawned.stderrTail()}`)),
  );
  spawned.child.stdin?.write(`${JSON.stringify(config)}\n`);
  return {
    spawned,
    ready,
    mark: () =>
      new Promise((resolve) => {
        waiting.push(resolve);
        spawned.child.stdin?.write('mark\n');
      }),
  };
}

async function totals(loads: readonly LoadProcess[]): Promise<DeviceCounters> {
  const all = await Promise.all(loads.map((load) => load.mark()));
  return all.reduce(
    (sum, c) => ({
      commands: sum.commands + c.commands,
      roundTrips: sum.roundTrips + c.roundTrips,
      closed: sum.closed + c.closed,
    }),
    { commands: 0, roundTrips: 0, closed: 0 },
  );
}

/** CPU seconds (user + system) a process used so far, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface RoundTripFigures {
  readonly roundTripsPerSecond: number;
  readonly createdPerSecond: number;
  readonly serverCpuCores: number;
}

/**
 * Queues commands over the HTTP API at the devices, round robin, from `creators` loops (in
 * batches through `POST /v1/commands/batch`, or one request per command in `single` mode),
 * while `MAX_OUTSTANDING` are not yet acknowledged; measures the round trips finished in
 * the window (a device's acknowledgement stored and PUBACKed).
 */
async function measureRoundTrips(
  server: RunningBroker,
  loads: readonly LoadProcess[],
  deviceIds: readonly string[],
  settings: { creators: number; seconds: number; mode: CreateMode; batch: number },
): Promise<RoundTripFigures> {
  const { creators, seconds } = settings;
  const api = server.api;
  if (api === undefined) throw new Error('the server has no API');
  let created = 0;
  let acknowledged = 0;
  let stop = false;
  let next = 0;
  let firstError: string | undefined;
  const create = async () => {
    while (!stop) {
      if (created - acknowledged >= MAX_OUTSTANDING) {
        await sleep(5);
        continue;
      }
      if (settings.mode === 'single') {
        const id = deviceIds[next++ % deviceIds.length] ?? '';
        const response = await fetch(`${api.url}/v1/devices/${id}/commands`, {
          method: 'POST',
          headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
          body: '{"hex":"01"}',
        });
        await response.arrayBuffer();
        if (response.status === 201) created += 1;
        else firstError ??= `POST commands answered ${response.status}`;
        continue;
      }
      const items = Array.from({ length: settings.batch }, () => ({
        deviceId: deviceIds[next++ % deviceIds.length] ?? '',
        hex: '01',
      }));
      const response = await fetch(`${api.url}/v1/commands/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      const answer = (await response.json()) as { items?: { status: number }[] };
      if (response.status !== 200) firstError ??= `POST commands/batch answered ${response.status}`;
      for (const item of answer.items ?? []) {
        if (item.status === 201) created += 1;
        else firstError ??= `an item of POST commands/batch answered ${item.status}`;
      }
    }
  };
  const poll = (async () => {
    while (!stop) {
      acknowledged = (await totals(loads)).roundTrips;
      await sleep(100);
    }
  })();
  const workers = Array.from({ length: creators }, create);
  await sleep(DEFAULTS.warmupSeconds * 1000);
  const before = await totals(loads);
  const createdBefore = created;
  const cpuBefore = await cpuSeconds(server.pid);
  const started = performance.now();
  await sleep(seconds * 1000);
  const after = await totals(loads);
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = await cpuSeconds(server.pid);
  const createdAfter = created;
  stop = true;
  await Promise.all([...workers, poll]);
  if (firstError !== undefined) throw new Error(firstError);
  if (after.closed > 0) throw new Error(`${after.closed} device connections closed during the run`);
  return {
    roundTripsPerSecond: (after.roundTrips - before.roundTrips) / elapsed,
    createdPerSecond: (createdAfter - createdBefore) / elapsed,
    serverCpuCores: (cpuAfter - cpuBefore) / elapsed,
  };
}

async function runRoundTrip(
  options: BenchOptions,
  synchronous: Synchronous,
  settings: {
    devices: number;
    loadProcesses: number;
    creators: number;
    seconds: number;
    mode: CreateMode;
    batch: number;
  },
): Promise<RoundTripFigures[]> {
  const figures: RoundTripFigures[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    options.progress(
      `commands roundtrip (synchronous=${synchronous}) run ${run}/${options.runs}: starting fleetport serve`,
    );
    const server = await startFleetportServer({ loadConnections: settings.devices }, synchronous);
    const loads: LoadProcess[] = [];
    try {
      options.progress(`  provisioning ${formatNumber(settings.devices)} devices with tokens`);
      const access = await server.loadAccess?.(settings.devices);
      if (access === undefined) throw new Error('the server cannot provision devices');
      const devices = access.publishers.map((publisher) => ({
        id: publisher.credentials?.username ?? '',
        token: publisher.credentials?.password ?? '',
      }));
      const per = Math.ceil(devices.length / settings.loadProcesses);
      for (let index = 0; index < settings.loadProcesses; index += 1) {
        const share = devices.slice(index * per, (index + 1) * per);
        if (share.length > 0) loads.push(startLoadProcess({ port: server.port, devices: share }));
      }
      options.progress(`  connecting ${formatNumber(devices.length)} devices from ${loads.length} processes`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(loads.map((load) => load.ready)),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('the devices did not connect in time')),
            READY_TIMEOUT_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      options.progress(
        `  measuring ${settings.seconds} s with ${settings.creators} creators (${settings.mode === 'batch' ? `batches of ${settings.batch}` : 'one command per request'})`,
      );
      const measured = await measureRoundTrips(
        server,
        loads,
        devices.map((device) => device.id),
        settings,
      );
      options.progress(
        `  ${formatNumber(Math.round(measured.roundTripsPerSecond))} round trips/s, ${formatNumber(Math.round(measured.createdPerSecond))} created/s, server ${measured.serverCpuCores.toFixed(2)} cores`,
      );
      figures.push(measured);
    } finally {
      await Promise.all(loads.map((load) => load.spawned.stop(5000)));
      await server.stop();
    }
  }
  return figures;
}

function summary(metric: string, unit: string, samples: readonly number[]): MetricSummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    metric,
    unit,
    median: round(sorted[Math.floor((sorted.length - 1) / 2)] ?? 0),
    min: round(sorted[0] ?? 0),
    max: round(sorted.at(-1) ?? 0),
    samples: samples.map(round),
  };
}

async function runCommands(options: BenchOptions): Promise<BenchResult> {
  const phases = listValue(phasesOption, PHASES);
  const mode = listValue(createOption, ['batch'] as const)[0] ?? 'batch';
  const settings = {
    devices: optionValue(devicesOption, DEFAULTS.devices),
    loadProcesses: optionValue(loadProcessesOption, DEFAULTS.loadProcesses),
    creators: optionValue(creatorsOption, DEFAULTS.creators[mode]),
    seconds: optionValue(secondsOption, DEFAULTS.seconds),
    mode,
    batch: optionValue(batchSizeOption, DEFAULTS.batch),
  };
  const metrics: MetricSummary[] = [];
  const jobResults: DatabaseResult[] = [];
  const run: Record<Phase, () => Promise<void>> = {
    roundtrip: async () => {
      for (const synchronous of listValue(synchronousOption, ['full'] as const)) {
        const figures = await runRoundTrip(options, synchronous, settings);
        const label = `roundtrip (synchronous=${synchronous})`;
        metrics.push(
          summary(
            `${label}: round trips`,
            '/s',
            figures.map((f) => f.roundTripsPerSecond),
          ),
          summary(
            `${label}: commands created`,
            '/s',
            figures.map((f) => f.createdPerSecond),
          ),
          summary(
            `${label}: server CPU`,
            'cores',
            figures.map((f) => f.serverCpuCores),
          ),
          // What a loaded machine does not change: the server's CPU time per finished round trip.
          summary(
            `${label}: server CPU per round trip`,
            'ms',
            figures.map((f) =>
              f.roundTripsPerSecond === 0 ? 0 : (f.serverCpuCores * 1000) / f.roundTripsPerSecond,
            ),
          ),
        );
      }
    },
    job: async () => {
      jobResults.push(...(await runJobPhase(options)));
    },
  };
  for (const phase of phases) await run[phase]();
  return {
    benchmark: 'commands',
    runs: options.runs,
    parameters: {
      devices: settings.devices,
      'load processes': settings.loadProcesses,
      'HTTP creators': settings.creators,
      creation:
        settings.mode === 'batch'
          ? `POST /v1/commands/batch, ${settings.batch} a request`
          : 'POST /v1/devices/{id}/commands',
      'window s': settings.seconds,
      'round trip': 'command queued (HTTP) → sent → PUBACK (delivered) → device ack stored → PUBACK',
      'job devices (bookkeeping; a tenth with commands)': options.devices,
    },
    databases: [
      ...(metrics.length > 0
        ? [
            {
              dialect: 'sqlite' as const,
              label: 'fleetport serve (SQLite WAL), raw MQTT 3.1.1 devices in load processes',
              metrics,
            },
          ]
        : []),
      ...jobResults,
    ],
  };
}

/**
 * Commands end to end (issue 20): `roundtrip` queues commands over the HTTP API for
 * 10,000 devices connected over MQTT, which acknowledge the PUBLISH and answer on their
 * ack topic; a round trip is queued → sent → delivered → acknowledged. `job` runs a fleet
 * job over `--devices` devices with instant acknowledgements (commands/job-phase.ts).
 */
export const commands: Benchmark = {
  name: 'commands',
  description: `commands: round trips (queued → delivered over MQTT → acknowledged) per second with ${formatNumber(DEFAULTS.devices)} devices connected; a fleet job over --devices devices`,
  run: runCommands,
};

export default commands;

if (isEntryPoint(import.meta.url))
  process.exitCode = await runBenchmarkCli([commands], process.argv.slice(2));
