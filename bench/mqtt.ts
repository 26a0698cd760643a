import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  anonymousLoadAccess,
  LoadCheckFailed,
  type LoadResult,
  type LoadScenario,
  runLoad,
} from './mqtt/broker-load.js';
import {
  BrokerUnavailable,
  type BrokerUnderTest,
  type CommitSizes,
  type MeasurementId,
} from './mqtt/broker-under-test.js';
import { aedesBroker, fleetportBroker, mosquittoBroker } from './mqtt/brokers.js';
import { PAYLOAD_BYTES, writePublisherInputs } from './mqtt/deliveries.js';
import { fleetportServerBroker } from './mqtt/fleetport-server.js';
import { measureIdleMemory } from './mqtt/idle-memory.js';
import { requireMosquittoTools } from './mqtt/mosquitto-tools.js';
import { takeIntegerOption, takeListOption } from './mqtt/options.js';
import { hardFileLimit, REPO_ROOT } from './mqtt/processes.js';
import { formatSummary, type SummaryRow } from './mqtt/summary.js';
import {
  DeliveryCheckFailed,
  PUBLISHER_MAX_INFLIGHT,
  runThroughput,
  type ThroughputResult,
  type ThroughputScenario,
} from './mqtt/throughput.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { oweCleanup } from './support/cleanup.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import {
  busyShare,
  formatProfileSummary,
  type Profile,
  summarizeProfile,
  workerLabel,
} from './support/cpu-profile.js';
import { formatNumber } from './support/report-table.js';
import { describeCapture } from './support/server-metrics.js';
import { SampleSet, summarize } from './support/stats.js';

/** The issue's figure: at least 200k messages per throughput scenario. */
const DEFAULT_MESSAGES = 200_000;
const FAN_IN_PUBLISHERS = 4;
/** The issue's figure: resident memory per 10k idle connections. */
const IDLE_CONNECTIONS = 10_000;
/** Spare open files beyond the connections (listeners, pipes, the runtime's own). */
const SPARE_FILES = 200;
/**
 * Messages per `mosquitto_pub` process. mosquitto_pub -l (2.0.11) numbers its messages
 * with 16-bit packet ids and, at the end of its input, disconnects on the first
 * acknowledgement carrying the last message's id: with more than 65,535 messages queued
 * that is an earlier message's, and the rest is dropped. So each publisher sends its
 * messages as a sequence of processes of at most this many.
 */
const PUBLISHER_CHUNK = 50_000;
/** Payloads carry a 7-digit sequence number. */
const MAX_MESSAGES = 9_999_999;

// `--messages N`, this benchmark's own option, leaves the command line before the shared
// harness parses it strictly (see `takeIntegerOption`).
const messagesOption = takeIntegerOption(process.argv, 'messages', FAN_IN_PUBLISHERS, MAX_MESSAGES);
/** `--inflight N`: the QoS 1 publisher's window (`mosquitto_pub -M`, at most 65,535 packet ids). */
const inflightOption = takeIntegerOption(process.argv, 'inflight', 1, 65_535);
/**
 * `--only idle` (or `qos0,qos1,fan-in,idle,load`): just these measurements, e.g. memory
 * alone in about a minute a run; `load` is the many-connection scenario at both QoS
 * (`load-qos0`, `load-qos1`: one of them).
 */
const ONLY_CHOICES = ['qos0', 'qos1', 'fan-in', 'idle', 'load', 'load-qos0', 'load-qos1'] as const;
const onlyOption = takeListOption(process.argv, 'only', ONLY_CHOICES);
/** `--brokers fleetport,mosquitto`: just these brokers (names as in the report, `-` for a space). */
const BROKER_CHOICES = ['mosquitto', 'aedes', 'fleetport', 'fleetport-durable'] as const;
const brokersOption = takeListOption(process.argv, 'brokers', BROKER_CHOICES);
/**
 * `--sqlite-synchronous normal`: fleetport durable commits without syncing (safe from a
 * crash of the process, not from power loss), to see what the disk's syncs cost it.
 */
const SYNCHRONOUS_CHOICES = ['full', 'normal'] as const;
const synchronousOption = takeListOption(process.argv, 'sqlite-synchronous', SYNCHRONOUS_CHOICES);

/** The many-connection scenario (`--load-…`, see bench/README.md): its defaults and flags. */
const LOAD_DEFAULTS = { connections: 1000, processes: 2, subscribers: 20, burst: 1, seconds: 3 };
const LOAD_WARMUP_MS = 1000;
const loadConnectionsOption = takeIntegerOption(process.argv, 'load-connections', 1, 100_000);
const loadProcessesOption = takeIntegerOption(process.argv, 'load-processes', 1, 16);
const loadSubscribersOption = takeIntegerOption(process.argv, 'load-subscribers', 1, 10_000);
/** Messages a load publisher writes at once; QoS 1 numbers them, so at most 65,535. */
const loadBurstOption = takeIntegerOption(process.argv, 'load-burst', 1, 1000);
const loadSecondsOption = takeIntegerOption(process.argv, 'load-seconds', 1, 60);

/** Throughput for one broker over `a`, relative to `b`: the pairs whose ratio is printed. */
const RATIO_PAIRS: readonly (readonly [string, string])[] = [
  ['fleetport', 'mosquitto'],
  ['fleetport', 'aedes'],
  ['fleetport durable', 'mosquitto'],
  ['fleetport durable', 'aedes'],
  ['aedes', 'mosquitto'],
];

const IDLE_LABEL = `idle connections (${formatNumber(IDLE_CONNECTIONS)})`;

/** Where one broker's profiles of one measurement go under `--profile DIR`, if given. */
function profileFolder(
  dir: string | undefined,
  run: number,
  measurement: MeasurementId | 'load',
  broker: string,
): string | undefined {
  return dir === undefined
    ? undefined
    : path.join(dir, `mqtt-${run}-${measurement}-${broker.replaceAll(' ', '-')}`);
}

/** Threads busy less than this share of their life are listed, not summarised (idle pools). */
const QUIET_THREAD = 0.05;

/**
 * Prints the top functions of each profile a stopped broker wrote to `dir` (none for
 * Mosquitto): Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>, the main thread first.
 */
function reportProfiles(dir: string | undefined, say: (line: string) => void): void {
  if (dir === undefined || !existsSync(dir)) return;
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .sort();
  for (const [index, name] of files.entries()) {
    const file = path.join(dir, name);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const thread = index === 0 ? 'main thread' : workerLabel(profile, index);
    const busy = busyShare(profile);
    say(`${thread}: busy ${(busy * 100).toFixed(0)}% of its life, ${file}`);
    if (busy >= QUIET_THREAD)
      for (const line of formatProfileSummary(summarizeProfile(profile, file))) say(line);
  }
}

/** Each fan-in publisher's share, rounded up so that the total is at least `messages`. */
function perFanInPublisher(messages: number): number {
  return Math.ceil(messages / FAN_IN_PUBLISHERS);
}

/** The measurements `--only` asks for (all of them without it). */
function selectedMeasurements(
  only: readonly (typeof ONLY_CHOICES)[number][] | undefined,
): Set<MeasurementId> {
  const all: MeasurementId[] = ['qos0', 'qos1', 'fan-in', 'idle-memory', 'load-qos0', 'load-qos1'];
  if (only === undefined) return new Set(all);
  return new Set(
    only.flatMap((choice): MeasurementId[] => {
      if (choice === 'idle') return ['idle-memory'];
      if (choice === 'load') return ['load-qos0', 'load-qos1'];
      return [choice];
    }),
  );
}

function takesPart(
  broker: BrokerUnderTest,
  measurement: MeasurementId,
  selected: Set<MeasurementId>,
): boolean {
  if (!selected.has(measurement)) return false;
  return broker.measures === undefined || broker.measures.includes(measurement);
}

function aedesVersion(): string {
  const manifest: unknown = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'node_modules/aedes/package.json'), 'utf8'),
  );
  const version =
    manifest !== null && typeof manifest === 'object' ? (manifest as { version?: unknown }).version : '';
  return typeof version === 'string' ? version : 'unknown version';
}

function describeThroughput(result: ThroughputResult): string {
  const extras = [
    result.duplicates > 0 ? `${result.duplicates} duplicates` : '',
    result.reordered > 0 ? `${result.reordered} out of order` : '',
  ].filter((part) => part !== '');
  return `${formatNumber(result.rate)} msgs/s (${formatNumber(result.delivered)} delivered over ${formatNumber((result.lastMs - result.firstMs) / 1000)} s at the subscriber; wall ${formatNumber(result.wallMs / 1000)} s), lost ${formatNumber(result.lost)} of ${formatNumber(result.sent)}${extras.length > 0 ? `, ${extras.join(', ')}` : ''}, broker CPU ${formatNumber(result.brokerCpuPercent)}%, machine CPU ${formatNumber(result.machineCpuPercent)}% of ${cpus().length * 100}%`;
}

/**
 * A durable broker's commits. A QoS 1 publisher's window goes through as two commits one
 * after the other; Nagle's algorithm in `mosquitto_pub` often splits it 1 and W − 1
 * rather than evenly, which changes the sizes but not the number of commits (see
 * bench/README.md).
 */
function describeCommits(commits: CommitSizes): string {
  const mean = commits.messages / Math.max(1, commits.commits);
  const singles = (commits.singles / Math.max(1, commits.commits)) * 100;
  return `${formatNumber(commits.commits)} commits (≈), ${formatNumber(mean)} messages each on average, median ${formatNumber(commits.median)}, ${formatNumber(singles)}% of one message`;
}

/** A load measurement's progress line: what the broker did, and whether it was the limit. */
function describeLoad(result: LoadResult): string {
  const each = (values: readonly number[]) => values.map((value) => `${formatNumber(value)}%`).join(', ');
  return `${formatNumber(result.rate)} msgs/s received (${formatNumber(result.publishedRate)} published) over ${formatNumber(result.windowMs / 1000)} s; broker ${formatNumber(result.brokerUsPerMessage)} µs CPU per message, CPU ${formatNumber(result.brokerCpuPercent)}% of a core (${formatNumber(result.brokerSystemShare)}% of it in the kernel), main thread running or waiting for a core ${formatNumber(result.brokerDemandPercent)}% of the window; load processes ${formatNumber(result.loadUsPerMessage)} µs CPU per message, CPU ${each(result.loadCpuPercent)} (running or waiting ${each(result.loadDemandPercent)}); machine CPU ${formatNumber(result.machineCpuPercent)}% of ${cpus().length * 100}%; after the window: ${formatNumber(result.received)} of ${formatNumber(result.sent)} received, lost ${formatNumber(result.lost)}`;
}

/** Records this run's ratios for every pair whose both figures exist. */
function recordRatios(samples: SampleSet, label: string, values: ReadonlyMap<string, number>): void {
  for (const [a, b] of RATIO_PAIRS) {
    const numerator = values.get(a);
    const denominator = values.get(b);
    if (numerator !== undefined && denominator !== undefined && denominator > 0) {
      samples.add(`${label}: ${a} / ${b}`, '×', numerator / denominator);
    }
  }
}

async function runMqtt(options: BenchOptions): Promise<BenchResult> {
  if ('error' in messagesOption) throw new Error(messagesOption.error);
  if ('error' in inflightOption) throw new Error(inflightOption.error);
  if ('error' in onlyOption) throw new Error(onlyOption.error);
  if ('error' in brokersOption) throw new Error(brokersOption.error);
  if ('error' in synchronousOption) throw new Error(synchronousOption.error);
  const load = { ...LOAD_DEFAULTS };
  for (const [key, option] of [
    ['connections', loadConnectionsOption],
    ['processes', loadProcessesOption],
    ['subscribers', loadSubscribersOption],
    ['burst', loadBurstOption],
    ['seconds', loadSecondsOption],
  ] as const) {
    if ('error' in option) throw new Error(option.error);
    if (option.value !== undefined) load[key] = option.value;
  }
  if (load.subscribers < load.processes || load.connections < load.subscribers)
    throw new Error(
      'the load needs at least one subscriber per load process and one publisher per subscriber',
    );
  const synchronousValues = synchronousOption.values ?? ['full'];
  const [synchronous] = synchronousValues;
  if (synchronous === undefined || synchronousValues.length > 1)
    throw new Error('--sqlite-synchronous takes one of full, normal');
  const selected = selectedMeasurements(onlyOption.values);
  const messages = messagesOption.value ?? DEFAULT_MESSAGES;
  const inflight = inflightOption.value ?? PUBLISHER_MAX_INFLIGHT;
  const say = options.progress;
  const tools = requireMosquittoTools();
  const hardLimit = hardFileLimit();
  if (hardLimit < IDLE_CONNECTIONS + SPARE_FILES) {
    throw new Error(
      `${formatNumber(IDLE_CONNECTIONS)} idle connections need at least ${IDLE_CONNECTIONS + SPARE_FILES} open files per process, but the hard limit (ulimit -Hn) is ${hardLimit}; raise it (e.g. in /etc/security/limits.conf) and try again`,
    );
  }
  const loadFiles = load.connections + load.subscribers + SPARE_FILES;
  if ((selected.has('load-qos0') || selected.has('load-qos1')) && hardLimit < loadFiles) {
    throw new Error(
      `the load's ${formatNumber(load.connections + load.subscribers)} connections need at least ${loadFiles} open files in the broker, but the hard limit (ulimit -Hn) is ${hardLimit}; lower --load-connections or raise the limit`,
    );
  }
  if (messages < DEFAULT_MESSAGES) {
    say(
      `mqtt: ${formatNumber(messages)} messages per scenario (the issue asks for at least ${formatNumber(DEFAULT_MESSAGES)}): figures for development only`,
    );
  }
  if (options.databases.length > 1) say('mqtt: --pg does not apply; fleetport durable runs on SQLite');

  const wanted = brokersOption.values;
  const brokers: BrokerUnderTest[] = [
    mosquittoBroker(tools),
    aedesBroker(aedesVersion()),
    fleetportBroker(),
    fleetportServerBroker(synchronous),
  ].filter(
    (broker) => wanted === undefined || wanted.some((name) => name === broker.name.replaceAll(' ', '-')),
  );
  const unavailable = new Map<string, string>();
  const failures: string[] = [];
  const samples = new SampleSet();
  const medians = new Map<string, Map<string, number[]>>();
  const keep = (measurement: string, broker: string, value: number) => {
    const byBroker = medians.get(measurement) ?? new Map<string, number[]>();
    byBroker.set(broker, [...(byBroker.get(broker) ?? []), value]);
    medians.set(measurement, byBroker);
  };

  const inputDir = mkdtempSync(path.join(tmpdir(), 'fleetport-bench-mqtt-input-'));
  const removeInputs = () => rmSync(inputDir, { recursive: true, force: true });
  const settled = oweCleanup(async () => removeInputs());
  try {
    mkdirSync(path.join(inputDir, 'single'));
    mkdirSync(path.join(inputDir, 'fan-in'));
    const single = writePublisherInputs(path.join(inputDir, 'single'), 1, messages, PUBLISHER_CHUNK);
    const perFanIn = perFanInPublisher(messages);
    const fanIn = writePublisherInputs(
      path.join(inputDir, 'fan-in'),
      FAN_IN_PUBLISHERS,
      perFanIn,
      PUBLISHER_CHUNK,
    );
    const loadLabel = `many connections (${load.connections.toLocaleString('en-US')} publishers → ${load.subscribers.toLocaleString('en-US')} subscribers)`;
    const loadScenarios: LoadScenario[] = ([0, 1] as const).map((qos) => ({
      id: qos === 0 ? 'load-qos0' : 'load-qos1',
      label: `QoS ${qos}, ${load.connections.toLocaleString('en-US')} → ${load.subscribers.toLocaleString('en-US')} (many connections)`,
      qos,
      connections: load.connections,
      processes: load.processes,
      subscribers: load.subscribers,
      burst: load.burst,
      warmupMs: LOAD_WARMUP_MS,
      windowMs: load.seconds * 1000,
    }));
    const scenarios: ThroughputScenario[] = [
      {
        id: 'qos0',
        label: 'QoS 0, 1 → 1',
        qos: 0,
        perPublisher: messages,
        inputs: single,
        chunk: PUBLISHER_CHUNK,
      },
      {
        id: 'qos1',
        label: 'QoS 1, 1 → 1',
        qos: 1,
        perPublisher: messages,
        inputs: single,
        chunk: PUBLISHER_CHUNK,
        inflight,
      },
      {
        id: 'fan-in',
        label: `QoS 0, ${FAN_IN_PUBLISHERS} → 1 (bench/+/x)`,
        qos: 0,
        perPublisher: perFanIn,
        inputs: fanIn,
        chunk: PUBLISHER_CHUNK,
      },
    ];

    /**
     * Starts `broker`, or notes once that it is not available; undefined when it is not.
     * With `--profile DIR`, Node brokers write their CPU profiles to a folder of `DIR` named
     * after the run, the measurement and the broker (read by `reportProfiles` once stopped).
     */
    const start = async (
      broker: BrokerUnderTest,
      prefix: string,
      cpuProfileDir: string | undefined,
      loadConnections?: number,
    ) => {
      if (unavailable.has(broker.name)) return undefined;
      try {
        if (cpuProfileDir !== undefined) mkdirSync(cpuProfileDir, { recursive: true });
        return await broker.start({ cpuProfileDir, loadConnections });
      } catch (error) {
        if (!(error instanceof BrokerUnavailable)) throw error;
        unavailable.set(broker.name, error.message);
        say(`${prefix} ${broker.name}: not available (${error.message}); going on without it`);
        return undefined;
      }
    };

    for (let run = 1; run <= options.runs; run += 1) {
      const prefix = `[mqtt ${run}/${options.runs}]`;
      for (const scenario of scenarios) {
        const rates = new Map<string, number>();
        for (const broker of brokers) {
          if (!takesPart(broker, scenario.id, selected)) continue;
          const where = `${scenario.label}, ${broker.name}`;
          const profiles = profileFolder(options.profileDir, run, scenario.id, broker.name);
          try {
            const running = await start(broker, prefix, profiles);
            if (running === undefined) continue;
            try {
              const result = await runThroughput(tools, running, scenario);
              rates.set(broker.name, result.rate);
              samples.add(`${scenario.label}: ${broker.name}`, 'msgs/s', result.rate);
              if (scenario.qos === 0)
                samples.add(`${scenario.label}: ${broker.name} lost`, 'messages', result.lost);
              samples.add(
                `${scenario.label}: ${broker.name} broker CPU`,
                '% of a core',
                result.brokerCpuPercent,
              );
              keep(scenario.label, broker.name, result.rate);
              const commits = running.commits?.();
              if (commits !== undefined) {
                samples.add(
                  `${scenario.label}: ${broker.name} messages per commit (≈)`,
                  'messages',
                  commits.messages / Math.max(1, commits.commits),
                );
                samples.add(
                  `${scenario.label}: ${broker.name} commits of one message`,
                  '% of commits',
                  (commits.singles / Math.max(1, commits.commits)) * 100,
                );
              }
              const capture = await running.capture?.();
              if (capture !== undefined) {
                samples.add(`${scenario.label}: ${broker.name} capture batch commit`, 'ms', capture.commitMs);
                samples.add(
                  `${scenario.label}: ${broker.name} capture batch durable`,
                  'ms',
                  capture.durableMs,
                );
              }
              say(
                `${prefix} ${where}: ${describeThroughput(result)}${commits === undefined ? '' : `; ${describeCommits(commits)}`}${capture === undefined ? '' : `; ${describeCapture(capture)}`}`,
              );
            } finally {
              await running.stop();
              reportProfiles(profiles, say);
            }
          } catch (error) {
            const detail =
              error instanceof DeliveryCheckFailed ? `; ${describeThroughput(error.result)}` : '';
            const message = error instanceof Error ? error.message : String(error);
            failures.push(`${prefix} ${where}: ${message}`);
            say(`${prefix} ${where}: FAILED: ${message}${detail}`);
          }
        }
        recordRatios(samples, scenario.label, rates);
      }

      const memory = new Map<string, number>();
      for (const broker of brokers) {
        if (!takesPart(broker, 'idle-memory', selected)) continue;
        const where = `${IDLE_LABEL}, ${broker.name}`;
        const profiles = profileFolder(options.profileDir, run, 'idle-memory', broker.name);
        try {
          const running = await start(broker, prefix, profiles);
          if (running === undefined) continue;
          try {
            const result = await measureIdleMemory(running, IDLE_CONNECTIONS);
            memory.set(broker.name, result.mbPer10k);
            samples.add(`${IDLE_LABEL}: ${broker.name}`, 'MB per 10k', result.mbPer10k);
            samples.add(`${IDLE_LABEL}: ${broker.name} RSS before`, 'MB', result.idleRssBytes / 2 ** 20);
            keep(IDLE_LABEL, broker.name, result.mbPer10k);
            say(
              `${prefix} ${where}: ${formatNumber(result.mbPer10k)} MB per 10k (RSS ${formatNumber(result.idleRssBytes / 2 ** 20)} MB idle → ${formatNumber(result.loadedRssBytes / 2 ** 20)} MB with ${formatNumber(result.connections)} connections)`,
            );
          } finally {
            await running.stop();
            reportProfiles(profiles, say);
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push(`${prefix} ${where}: ${message}`);
          say(`${prefix} ${where}: FAILED: ${message}`);
        }
      }
      recordRatios(samples, IDLE_LABEL, memory);

      // The many-connection load: each broker is started once and measured at each QoS it
      // takes part in, the load processes started afresh for each.
      const rates = new Map<string, Map<string, number>>();
      const costs = new Map<string, Map<string, number>>();
      for (const broker of brokers) {
        const own = loadScenarios.filter((scenario) => takesPart(broker, scenario.id, selected));
        if (own.length === 0) continue;
        const profiles = profileFolder(options.profileDir, run, 'load', broker.name);
        let where = `${loadLabel}, ${broker.name}`;
        try {
          const running = await start(broker, prefix, profiles, load.connections);
          if (running === undefined) continue;
          try {
            const provisioning = performance.now();
            const access = running.loadAccess
              ? await running.loadAccess(load.connections)
              : anonymousLoadAccess(load.connections);
            if (running.loadAccess !== undefined)
              say(
                `${prefix} ${where}: ${formatNumber(load.connections)} devices with a token each provisioned in ${formatNumber((performance.now() - provisioning) / 1000)} s`,
              );
            for (const scenario of own) {
              where = `${scenario.label}, ${broker.name}`;
              try {
                const result = await runLoad(running, scenario, access);
                const byBroker = rates.get(scenario.label) ?? new Map<string, number>();
                rates.set(scenario.label, byBroker.set(broker.name, result.rate));
                const cost = costs.get(scenario.label) ?? new Map<string, number>();
                costs.set(scenario.label, cost.set(broker.name, result.brokerUsPerMessage));
                samples.add(`${scenario.label}: ${broker.name}`, 'msgs/s', result.rate);
                samples.add(
                  `${scenario.label}: ${broker.name} broker CPU per message`,
                  'µs',
                  result.brokerUsPerMessage,
                );
                samples.add(
                  `${scenario.label}: ${broker.name} broker CPU`,
                  '% of a core',
                  result.brokerCpuPercent,
                );
                samples.add(
                  `${scenario.label}: ${broker.name} broker CPU in the kernel`,
                  '% of its CPU',
                  result.brokerSystemShare,
                );
                samples.add(
                  `${scenario.label}: ${broker.name} broker running or waiting`,
                  '% of window',
                  result.brokerDemandPercent,
                );
                samples.add(
                  `${scenario.label}: ${broker.name} load CPU per message`,
                  'µs',
                  result.loadUsPerMessage,
                );
                samples.add(
                  `${scenario.label}: ${broker.name} load CPU, all processes`,
                  '% of a core',
                  result.loadCpuPercent.reduce((total, value) => total + value, 0),
                );
                if (scenario.qos === 0)
                  samples.add(`${scenario.label}: ${broker.name} lost`, 'messages', result.lost);
                keep(scenario.label, broker.name, result.rate);
                keep(`${scenario.label}: broker CPU`, broker.name, result.brokerUsPerMessage);
                say(`${prefix} ${where}: ${describeLoad(result)}`);
              } catch (error) {
                const detail = error instanceof LoadCheckFailed ? `; ${describeLoad(error.result)}` : '';
                const message = error instanceof Error ? error.message : String(error);
                failures.push(`${prefix} ${where}: ${message}`);
                say(`${prefix} ${where}: FAILED: ${message}${detail}`);
              }
            }
          } finally {
            await running.stop();
            reportProfiles(profiles, say);
          }
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          failures.push(`${prefix} ${where}: ${message}`);
          say(`${prefix} ${where}: FAILED: ${message}`);
        }
      }
      for (const [label, byBroker] of rates) recordRatios(samples, label, byBroker);
      for (const [label, byBroker] of costs) recordRatios(samples, `${label}: broker CPU`, byBroker);
    }
  } finally {
    removeInputs();
    settled();
  }

  const summaries = samples.summaries();
  const rows: SummaryRow[] = [...medians].map(([measurement, byBroker]) => ({
    measurement,
    unit:
      measurement === IDLE_LABEL
        ? 'MB per 10k'
        : measurement.endsWith(': broker CPU')
          ? 'µs per message'
          : 'msgs/s',
    values: new Map([...byBroker].map(([broker, values]) => [broker, summarize(broker, '', values).median])),
    ratios: new Map(
      summaries
        .filter(
          (summary) =>
            summary.unit === '×' &&
            summary.metric.startsWith(`${measurement}: `) &&
            !summary.metric.slice(measurement.length + 2).includes(': '),
        )
        .map((summary) => [summary.metric.slice(measurement.length + 2), summary.median]),
    ),
  }));
  say('');
  say(
    'mqtt summary (msgs/s: higher is better; MB per 10k and µs per message: lower is better; ratios are medians of per-run ratios):',
  );
  for (const line of formatSummary(
    rows,
    brokers.map((broker) => broker.name),
  ))
    say(`  ${line}`);
  for (const [name, reason] of unavailable) say(`  ${name}: not available (${reason})`);
  if (failures.length > 0)
    throw new Error(`${failures.length} mqtt measurements failed:\n${failures.join('\n')}`);

  const legend = brokers
    .map((broker) => {
      const reason = unavailable.get(broker.name);
      return `  - ${broker.name}: ${reason === undefined ? broker.description : `not available (${reason})`}`;
    })
    .join('\n');
  return {
    benchmark: 'mqtt',
    runs: options.runs,
    parameters: {
      messages,
      'fan-in messages': FAN_IN_PUBLISHERS * perFanInPublisher(messages),
      'payload bytes': String(PAYLOAD_BYTES),
      'QoS 1 publisher in-flight': inflight,
      'idle connections': IDLE_CONNECTIONS,
      'load publishers': String(load.connections),
      'load subscribers': String(load.subscribers),
      'load processes': String(load.processes),
      'load burst': String(load.burst),
      'load window s': String(load.seconds),
      'msgs/s': 'subscriber timestamps, first to last message',
    },
    databases: [
      {
        dialect: 'sqlite',
        label: `brokers (load: mosquitto_pub/mosquitto_sub ${tools.version}; fleetport durable stores in SQLite, the others keep messages in memory):\n${legend}`,
        metrics: summaries,
      },
    ],
  };
}

/**
 * Fleetport's MQTT broker side by side with Mosquitto and Aedes (issue 4, item 8): the
 * load comes from Debian's mosquitto-clients; every broker runs in a process of its own.
 */
export const mqtt: Benchmark = {
  name: 'mqtt',
  description: `MQTT broker: Fleetport beside Mosquitto and Aedes; QoS 0 and QoS 1 one-to-one, ${FAN_IN_PUBLISHERS} publishers to a wildcard subscriber, memory per 10k idle connections, ${formatNumber(LOAD_DEFAULTS.connections)} publishers loading the broker (CPU per message)`,
  run: runMqtt,
};

export default mqtt;

if (isEntryPoint(import.meta.url)) process.exitCode = await runBenchmarkCli([mqtt], process.argv.slice(2));
