import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import SqliteDatabase from 'better-sqlite3';
import { EventBus } from '../packages/server/src/bus/event-bus.js';
import { silentLogger } from '../packages/server/src/kernel/logger.js';
import { AlertService, SilenceWatch } from '../packages/server/src/modules/alerts/index.js';
import { Scheduler } from '../packages/server/src/modules/scheduler/index.js';
import { openSqliteStore } from '../packages/server/src/store/dialects/sqlite/sqlite-store.js';
import { migrateToLatest } from '../packages/server/src/store/migrate.js';
import type { Store } from '../packages/server/src/store/store.js';
import { ManualClock } from '../packages/server/test/support/manual-clock.js';
import { seedTenantWithTypes } from '../packages/server/test/support/seed.js';
import { healthIngestRun } from './fleet-health/health-ingest.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { oweCleanup } from './support/cleanup.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { formatNumber } from './support/report-table.js';
import { SampleSet } from './support/stats.js';

const TENANT = 't';
const INTERVAL_S = 60;
const INTERVALS = 3;
const WINDOW_MS = INTERVAL_S * INTERVALS * 1000;
/** The share of the fleet that falls silent in the incremental scan. */
const DUE_SHARE = 0.01;
/** Alerts raised per call (one transaction) in the alerts phase, and how many calls. */
const ALERT_BATCH = 1000;
const ALERT_BATCHES = 20;

/** What a phase gets: a migrated store with one tenant, a manual clock, and where its figures go. */
interface PhaseContext {
  readonly options: BenchOptions;
  readonly run: number;
  readonly file: string;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly samples: SampleSet;
}

/** One part of the benchmark. Phases run in order, each on its own fresh database. */
interface Phase {
  readonly name: string;
  readonly describe: string;
  run(context: PhaseContext): Promise<void>;
}

const time = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
};

/**
 * Writes `count` watched devices straight into the file (devices, capture's state, the
 * silence rows): each last heard within the last window before `now`, so that `DUE_SHARE`
 * of them are due once the clock moves on by that share of the window.
 */
function seedWatchedFleet(file: string, count: number, now: number): void {
  const database = new SqliteDatabase(file);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    const device = database.prepare(
      "insert into devices (tenant_id, id, type_id, name, tags, attributes, version, created_at, updated_at, lifecycle) values (?, ?, 'tracker', ?, '{}', '{}', 1, 1, 1, 'activated')",
    );
    const state = database.prepare(
      "insert into device_state (tenant_id, device_id, last_seen_at, last_message_id) values (?, ?, ?, 'm')",
    );
    const silence = database.prepare(
      'insert into device_silence (tenant_id, device_id, last_seen_at, due_at) values (?, ?, ?, ?)',
    );
    const insertChunk = database.transaction((from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const id = `dev-${index.toString().padStart(8, '0')}`;
        // Spread evenly over the window: device k was heard (k / count) of a window ago.
        const lastSeen = now - Math.floor((index / count) * WINDOW_MS);
        device.run(TENANT, id, id);
        state.run(TENANT, id, lastSeen);
        silence.run(TENANT, id, lastSeen, lastSeen + WINDOW_MS);
      }
    });
    for (let from = 0; from < count; from += 50_000) insertChunk(from, Math.min(count, from + 50_000));
    database.pragma('wal_checkpoint(TRUNCATE)');
    database.exec('analyze');
  } finally {
    database.close();
  }
}

function silenceWatch(context: PhaseContext, alerts: AlertService): SilenceWatch {
  const deps = { store: context.store, clock: context.clock, bus: new EventBus(), logger: silentLogger };
  return new SilenceWatch({ ...deps, scheduler: new Scheduler(deps) }, alerts, {
    silentAfterIntervals: INTERVALS,
    scanMs: 3_600_000,
  });
}

const scanPhase: Phase = {
  name: 'scan',
  describe: 'the silent-device scan over a watched fleet: nothing due, 1 % due, and a full pass',
  async run(context) {
    const { options, clock, samples, store } = context;
    const devices = options.devices;
    const seeded = await time(async () => seedWatchedFleet(context.file, devices, clock.now()));
    options.progress(
      `run ${context.run}: scan: ${formatNumber(devices)} watched devices written in ${(seeded.ms / 1000).toFixed(1)} s`,
    );
    const alerts = new AlertService({ store, clock, bus: new EventBus(), logger: silentLogger });
    const watch = silenceWatch(context, alerts);
    await watch.start({ follow: false });
    // Nothing due yet: the scan reads an empty index range.
    const idle = await time(() => watch.scan());
    if (idle.value !== 0) throw new Error(`${idle.value} devices flagged with none due`);
    // A full pass: every watch row's due time read through the index, the floor of any
    // scan that had to look at the whole fleet.
    const full = await time(async () => {
      const row = await store.db
        .selectFrom('device_silence')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('due_at', '<=', Number.MAX_SAFE_INTEGER)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    });
    if (full.value !== devices) throw new Error(`the full pass read ${full.value} rows of ${devices}`);
    // Move on by a share of the window: that share of the fleet is due and silent.
    clock.advance(Math.ceil(WINDOW_MS * DUE_SHARE));
    const due = await time(() => watch.scan());
    const expected = Math.floor(devices * DUE_SHARE);
    if (Math.abs(due.value - expected) > 2)
      throw new Error(`flagged ${due.value}, expected about ${expected}`);
    const again = await time(() => watch.scan());
    if (again.value !== 0) throw new Error(`${again.value} devices flagged twice`);
    await watch.close();
    options.progress(
      `run ${context.run}: scan of ${formatNumber(devices)}: none due ${idle.ms.toFixed(1)} ms, full pass ${full.ms.toFixed(0)} ms, ${formatNumber(due.value)} due ${due.ms.toFixed(0)} ms (${formatNumber((due.value * 1000) / due.ms)} flagged/s), right after ${again.ms.toFixed(1)} ms`,
    );
    samples.add(`scan: none due (${formatNumber(devices)} watched)`, 'ms', idle.ms);
    samples.add(`scan: full pass over every due time (${formatNumber(devices)})`, 'ms', full.ms);
    samples.add(`scan: ${formatNumber(due.value)} due, flagged and raised`, 'ms', due.ms);
    samples.add('scan: devices flagged', 'devices/s', (due.value * 1000) / due.ms);
    samples.add('scan: again right after (nothing due)', 'ms', again.ms);
  },
};

const alertsPhase: Phase = {
  name: 'alerts',
  describe: 'alerts raised and deduplicated per second, 1,000 a transaction',
  async run(context) {
    const { options, clock, samples, store } = context;
    const alerts = new AlertService({ store, clock, bus: new EventBus(), logger: silentLogger });
    const batch = (round: number) =>
      Array.from({ length: ALERT_BATCH }, (_, index) => ({
        type: 'device_silent',
        severity: 'major' as const,
        deviceId: `dev-${round * ALERT_BATCH + index}`,
        source: 'bench',
      }));
    const raiseAll = async () => {
      for (let round = 0; round < ALERT_BATCHES; round += 1) {
        clock.advance(1);
        await alerts.raise(TENANT, batch(round));
      }
    };
    const total = ALERT_BATCH * ALERT_BATCHES;
    const opened = await time(raiseAll);
    // The same keys again: every raise finds its active alert and counts an occurrence.
    const repeated = await time(raiseAll);
    const row = await store.db
      .selectFrom('alerts')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('occurrences').as('occurrences')])
      .executeTakeFirstOrThrow();
    if (Number(row.n) !== total || Number(row.occurrences) !== 2 * total)
      throw new Error(
        `expected ${total} alerts with ${2 * total} occurrences, found ${row.n} and ${row.occurrences}`,
      );
    options.progress(
      `run ${context.run}: alerts: ${formatNumber((total * 1000) / opened.ms)} new/s, ${formatNumber((total * 1000) / repeated.ms)} deduplicated/s`,
    );
    samples.add('alerts: new alerts raised', 'alerts/s', (total * 1000) / opened.ms);
    samples.add(
      'alerts: repeats deduplicated (counted on the active alert)',
      'alerts/s',
      (total * 1000) / repeated.ms,
    );
  },
};

const ingestPhase: Phase = {
  name: 'ingest',
  describe: 'batched HTTP ingest against a real server with the health consumer off and on, back to back',
  async run(context) {
    // Real servers on fresh databases of their own (bench/fleet-health/health-ingest.ts); the phase's store is not used.
    const [sqlite] = context.options.databases;
    if (sqlite === undefined) throw new Error('no database target for the ingest phase');
    await healthIngestRun(context.options, sqlite, context.run, context.samples);
  },
};

/** The phases, in order; another phase is one more entry here. */
const PHASES: readonly Phase[] = [scanPhase, alertsPhase, ingestPhase];

async function runFleetHealth(options: BenchOptions): Promise<BenchResult> {
  const samples = new SampleSet();
  for (let run = 1; run <= options.runs; run += 1) {
    for (const phase of PHASES) {
      const directory = mkdtempSync(path.join(tmpdir(), `fleetport-bench-fleet-health-${phase.name}-`));
      const removed = oweCleanup(async () => rmSync(directory, { recursive: true, force: true }));
      const file = path.join(directory, 'fleetport.db');
      const store = openSqliteStore({ file });
      try {
        await migrateToLatest(store.db);
        await seedTenantWithTypes(store, TENANT, { tracker: {} });
        await store.db.updateTable('device_types').set({ expected_uplink_interval_s: INTERVAL_S }).execute();
        const clock = new ManualClock(Date.UTC(2026, 11, 1));
        await phase.run({ options, run, file, store, clock, samples });
      } finally {
        await store.close();
        rmSync(directory, { recursive: true, force: true });
        removed();
      }
    }
  }
  return {
    benchmark: 'fleet-health',
    runs: options.runs,
    parameters: {
      'watched devices (--devices)': options.devices,
      'silent after': `${INTERVALS} × ${INTERVAL_S} s`,
      'due in the incremental scan': `${DUE_SHARE * 100} %`,
      'alerts a transaction': ALERT_BATCH,
      phases: PHASES.map((phase) => phase.name).join(', '),
    },
    databases: [{ dialect: 'sqlite', label: 'sqlite (WAL, synchronous=FULL)', metrics: samples.summaries() }],
  };
}

/**
 * Fleet health: the silent-device scan over a watched fleet (`--devices`, 1,000,000 for
 * the issue's figure) and alerts raised and deduplicated per second, each phase on a fresh
 * SQLite file with a manual clock. The phases are a list (`PHASES`), so more can join.
 */
export const fleetHealth: Benchmark = {
  name: 'fleet-health',
  description: `fleet health phases: ${PHASES.map((phase) => `${phase.name} (${phase.describe})`).join('; ')}`,
  run: runFleetHealth,
};

export default fleetHealth;

if (isEntryPoint(import.meta.url))
  process.exitCode = await runBenchmarkCli([fleetHealth], process.argv.slice(2));
