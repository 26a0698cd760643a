import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventBus } from '../../packages/server/src/bus/event-bus.js';
import { systemClock } from '../../packages/server/src/kernel/clock.js';
import { AppError } from '../../packages/server/src/kernel/errors.js';
import { silentLogger } from '../../packages/server/src/kernel/logger.js';
import { type Command, CommandService } from '../../packages/server/src/modules/commands/index.js';
import {
  insertDevicesIn,
  type NewDeviceRow,
} from '../../packages/server/src/modules/devices/device-store.js';
import { targetDeviceIdsPage } from '../../packages/server/src/modules/devices/index.js';
import {
  commandJobActions,
  type JobActions,
  JobService,
  type TargetScan,
} from '../../packages/server/src/modules/jobs/index.js';
import { Scheduler } from '../../packages/server/src/modules/scheduler/index.js';
import { openPostgresStore } from '../../packages/server/src/store/dialects/postgres/postgres-store.js';
import { openSqliteStore } from '../../packages/server/src/store/dialects/sqlite/sqlite-store.js';
import { migrateToLatest } from '../../packages/server/src/store/migrate.js';
import type { Store } from '../../packages/server/src/store/store.js';
import { seedTenantWithTypes } from '../../packages/server/test/support/seed.js';
import type { BenchOptions, DatabaseResult } from '../support/benchmark.js';
import type { FreshDatabase } from '../support/database-targets.js';
import { type RunContext, repeatOnDatabases } from '../support/repeat-on-databases.js';
import { formatNumber } from '../support/report-table.js';
import { perSecond } from '../support/stats.js';

/*
 * Commands (issue 20), phase `job`: a fleet job over `--devices` devices (default 100,000)
 * chosen by a condition, with instant acknowledgements: each device's command is answered
 * `acknowledged` the moment it is queued. Two figures:
 * - bookkeeping: the jobs module alone (resolving the condition page by page, claiming,
 *   recording, ending, counters and `job.*` changes), its commands answered by a stand-in;
 * - with commands: the same over a tenth of the devices, each batch's commands created by the
 *   real CommandService and acknowledged at once, together (its rows, history and changes included).
 */

const TENANT = 'bench';
const WHERE = 'tags.fleet == "job"';

async function openStore(database: FreshDatabase): Promise<Store> {
  const store = database.databaseUrl
    ? openPostgresStore({ url: database.databaseUrl })
    : openSqliteStore({ file: path.join(database.dataDir, 'fleetport.db') });
  await migrateToLatest(store.db);
  return store;
}

async function addFleet(store: Store, tenantId: string, count: number): Promise<void> {
  await seedTenantWithTypes(store, tenantId, { meter: {} });
  for (let start = 0; start < count; start += 10_000) {
    const rows: NewDeviceRow[] = [];
    for (let i = start; i < Math.min(count, start + 10_000); i++)
      rows.push({
        tenant_id: tenantId,
        id: `m${String(i).padStart(7, '0')}`,
        type_id: 'meter',
        name: `meter ${i}`,
        tags: JSON.stringify({ fleet: 'job' }),
        attributes: '{}',
        version: 1,
        created_at: 1,
        updated_at: 1,
        deleted_at: null,
      });
    await store.db.transaction().execute((trx) => insertDevicesIn(trx, rows));
  }
}

/** A command answered at once: what the stand-in hands back for every device. */
function acknowledged(deviceId: string, key: string | undefined): Command {
  const at = new Date().toISOString();
  return {
    id: `cmd_${deviceId}`,
    deviceId,
    kind: 'command',
    name: 'command',
    transport: 'mqtt',
    status: 'acknowledged',
    hex: '01',
    data: null,
    priority: 5,
    qos: 1,
    confirmed: true,
    retry: { attempts: 1, backoffSeconds: 30 },
    attempts: 1,
    expiresAt: null,
    idempotencyKey: key ?? null,
    twinParameter: null,
    result: null,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Runs one job over the tenant's fleet to its end: device executions per second of wall
 * time, and per second of this process's CPU time (what a loaded machine's figure hides).
 */
async function runJob(
  store: Store,
  tenantId: string,
  actions: JobActions,
  name: string,
): Promise<{ wall: number; cpu: number }> {
  const deps = { store, clock: systemClock, bus: new EventBus(), logger: silentLogger };
  const scheduler = new Scheduler(deps, { pollMs: 100 });
  const scan: TargetScan = (t, where, page) => targetDeviceIdsPage(deps, t, where, page);
  const jobs = new JobService({ ...deps, scheduler }, actions, scan, { consumerName: `bench.${name}` });
  await jobs.start();
  scheduler.start();
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const job = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { where: WHERE },
    });
    for (;;) {
      const now = await jobs.get(tenantId, job.id);
      if (now.status === 'completed') {
        if (now.progress.succeeded !== now.progress.targeted)
          throw new Error(`${name}: ${JSON.stringify(now.progress)}`);
        const used = process.cpuUsage(cpu);
        return {
          wall: perSecond(now.progress.succeeded, performance.now() - started),
          cpu: perSecond(now.progress.succeeded, (used.user + used.system) / 1000),
        };
      }
      if (now.status !== 'queued' && now.status !== 'in_progress') throw new Error(`${name}: ${now.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await scheduler.close();
    await jobs.close();
  }
}

async function jobOnce(options: BenchOptions, context: RunContext): Promise<void> {
  const store = await openStore(context.database);
  try {
    await addFleet(store, TENANT, options.devices);
    context.say(`${formatNumber(options.devices)} devices stored`);
    const stand: JobActions = {
      sendCommands: async (_t, items) =>
        items.map((item) => acknowledged(item.deviceId, item.body.idempotencyKey)),
      findCommands: async () => [],
      cancelCommand: async () => {},
      patchTwin: () => Promise.reject(new Error('no twins in this phase')),
      readTwin: () => Promise.reject(new Error('no twins in this phase')),
    };
    const bookkeeping = await runJob(store, TENANT, stand, 'bookkeeping');
    context.say(
      `job bookkeeping: ${formatNumber(bookkeeping.wall)} device executions/s (${formatNumber(bookkeeping.cpu)} per CPU second)`,
    );
    context.record('job: bookkeeping (commands answered by a stand-in)', 'devices/s', bookkeeping.wall);
    context.record('job: bookkeeping, per CPU second of this process', 'devices/s', bookkeeping.cpu);

    const e2eTenant = `${TENANT}-commands`;
    await addFleet(store, e2eTenant, Math.max(1, Math.floor(options.devices / 10)));
    const commands = new CommandService({
      store,
      clock: systemClock,
      bus: new EventBus(),
      logger: silentLogger,
      scheduler: new Scheduler({ store, clock: systemClock, logger: silentLogger }),
    });
    const through = commandJobActions(commands);
    const real: JobActions = {
      ...through,
      // Each batch's commands acknowledged the moment they are queued, together, as the
      // devices' answers arriving at once would be (`acknowledgeMany`).
      sendCommands: async (tenantId, items) => {
        const answers = await through.sendCommands(tenantId, items);
        const queued = answers.filter(
          (answer): answer is Command => !(answer instanceof AppError) && answer.status === 'queued',
        );
        const outcomes = await commands.acknowledgeMany(
          tenantId,
          queued.map((command) => ({
            deviceId: command.deviceId,
            commandId: command.id,
            failed: false,
            result: undefined,
            detail: {},
          })),
        );
        const moved = new Map(queued.map((command, index) => [command.id, outcomes[index]]));
        return answers.map((answer) => {
          if (answer instanceof AppError) return answer;
          const outcome = moved.get(answer.id);
          if (outcome === undefined) return answer;
          return outcome.error ?? outcome.command;
        });
      },
      patchTwin: () => Promise.reject(new Error('no twins in this phase')),
      readTwin: () => Promise.reject(new Error('no twins in this phase')),
    };
    const withCommands = await runJob(store, e2eTenant, real, 'commands');
    context.say(
      `job with real commands: ${formatNumber(withCommands.wall)} device executions/s (${formatNumber(withCommands.cpu)} per CPU second)`,
    );
    context.record('job: with commands created and acknowledged', 'devices/s', withCommands.wall);
    context.record('job: with commands, per CPU second of this process', 'devices/s', withCommands.cpu);
  } finally {
    await store.close();
  }
}

/** The `job` phase on every database of the run (`--pg` adds PostgreSQL). */
export function runJobPhase(options: BenchOptions): Promise<DatabaseResult[]> {
  return repeatOnDatabases(options, 'commands job', (context) => jobOnce(options, context));
}
