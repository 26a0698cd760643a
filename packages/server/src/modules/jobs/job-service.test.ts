import { afterEach, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { isAppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { CommandService } from '../commands/index.js';
import { targetDeviceIdsPage } from '../devices/index.js';
import { Scheduler } from '../scheduler/index.js';
import { TwinService } from '../twins/index.js';
import { commandJobActions } from './job-actions.js';
import { type JobActions, JobService, type TargetScan } from './job-service.js';

async function addDevices(
  store: Store,
  tenantId: string,
  ids: readonly string[],
  tags: Record<string, string> = {},
): Promise<void> {
  for (const id of ids) {
    await store.db
      .insertInto('devices')
      .values({
        tenant_id: tenantId,
        id,
        type_id: 'meter',
        name: id,
        tags: JSON.stringify(tags),
        attributes: '{}',
        version: 1,
        created_at: 1,
        updated_at: 1,
        deleted_at: null,
      })
      .execute();
  }
  for (const id of ids)
    for (const [key, value] of Object.entries(tags))
      await store.db
        .insertInto('device_tags')
        .values({ tenant_id: tenantId, device_id: id, key, value })
        .execute();
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; data: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return { code: error.code, data: error.data };
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Waits (real time) until `check` holds: the progress consumer runs on its own. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeEachDialect('fleet jobs', (dialect) => {
  const db = suiteStore(dialect);
  let n = 0;
  const open: JobService[] = [];
  afterEach(async () => {
    for (const service of open.splice(0)) await service.close();
  });

  /** A tenant of its own per test, with devices d01…d<count>, and the services over it. */
  async function setup(
    count: number,
    options: { actions?: (real: JobActions, commands: CommandService) => JobActions } = {},
  ) {
    n += 1;
    const tenantId = `t${n}`;
    await seedTenantWithTypes(db.store, tenantId, { meter: {} });
    const ids = Array.from({ length: count }, (_, i) => `d${String(i + 1).padStart(2, '0')}`);
    await addDevices(db.store, tenantId, ids, { group: 'a' });
    const clock = new ManualClock(Date.UTC(2026, 6, 1) + n * 3_600_000);
    const bus = new EventBus();
    const deps = { store: db.store, clock, bus, logger: silentLogger };
    const scheduler = new Scheduler(deps);
    const commands = new CommandService({ ...deps, scheduler });
    const twins = new TwinService(deps);
    const real: JobActions = {
      ...commandJobActions(commands),
      patchTwin: (t, d, patch, setBy) => twins.patchDesired(t, d, patch, { setBy }),
      readTwin: (t, d) => twins.get(t, d),
    };
    const scan: TargetScan = (t, where, page) => targetDeviceIdsPage(deps, t, where, page);
    // Small resolution pages, so that a condition's targets take several.
    const jobs = new JobService({ ...deps, scheduler }, options.actions?.(real, commands) ?? real, scan, {
      resolvePage: 7,
    });
    open.push(jobs);
    await jobs.start();
    const commandsOf = async (deviceId?: string) => {
      let query = db.store.db
        .selectFrom('commands')
        .select(['id', 'device_id', 'idempotency_key', 'status'])
        .where('tenant_id', '=', tenantId);
      if (deviceId !== undefined) query = query.where('device_id', '=', deviceId);
      return query.orderBy('device_id').orderBy('id').execute();
    };
    const ack = async (failed = false, only?: string[]) => {
      for (const command of await commandsOf()) {
        if (command.status !== 'queued' && command.status !== 'sent') continue;
        if (only !== undefined && !only.includes(command.device_id)) continue;
        await commands.acknowledge(tenantId, command.device_id, command.id, {
          failed,
          result: undefined,
          detail: {},
        });
      }
    };
    const job = (id: string) => jobs.get(tenantId, id);
    const until = (id: string, check: (j: Awaited<ReturnType<typeof job>>) => boolean, what: string) =>
      eventually(() => job(id), check, what);
    return {
      tenantId,
      ids,
      clock,
      scheduler,
      commands,
      twins,
      jobs,
      commandsOf,
      ack,
      job,
      until,
      real,
      scan,
    };
  }

  it('runs a command over a list of devices, each once, until every one acknowledged', async () => {
    const { tenantId, ids, scheduler, jobs, commandsOf, ack, until } = await setup(3);
    const created = await jobs.create(tenantId, {
      name: 'reboot all',
      command: { hex: 'cafe', confirmed: true },
      target: { deviceIds: ids },
    });
    expect(created).toMatchObject({ status: 'queued', kind: 'command', resolved: true });
    expect(created.progress).toMatchObject({ targeted: 3, pending: 3, inProgress: 0 });
    await scheduler.runDue();
    const sent = await commandsOf();
    expect(sent.map((c) => [c.device_id, c.idempotency_key])).toEqual(
      ids.map((id) => [id, `job:${created.id}:1`]),
    );
    const running = await jobs.get(tenantId, created.id);
    expect(running.status).toBe('in_progress');
    expect(running.progress).toMatchObject({ pending: 0, inProgress: 3 });
    await ack();
    const done = await until(created.id, (j) => j.status === 'completed', 'completion');
    expect(done.progress).toEqual({
      targeted: 3,
      pending: 0,
      inProgress: 0,
      succeeded: 3,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
    });
    const devices = await jobs.executions(tenantId, created.id, { limit: 10 });
    expect(devices.items.map((d) => [d.deviceId, d.status, d.attempts, d.commandId])).toEqual(
      sent.map((c) => [c.device_id, 'succeeded', 1, c.id]),
    );
    // Nothing more is sent however often the job is looked at.
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(3);
    const kinds = await db.store.db
      .selectFrom('changes')
      .select(['kind'])
      .where('tenant_id', '=', tenantId)
      .where('entity_id', '=', created.id)
      .orderBy('position')
      .execute();
    expect(kinds[0]?.kind).toBe('job.created');
    expect(kinds.at(-1)?.kind).toBe('job.status_changed');
    expect(kinds.some((k) => k.kind === 'job.progress')).toBe(true);
  });

  it('targets the devices a condition selects, in this tenant only, streamed in pages', async () => {
    const { tenantId, scheduler, jobs, commandsOf } = await setup(20);
    await addDevices(db.store, tenantId, ['x1', 'x2'], { group: 'b' });
    await seedTenantWithTypes(db.store, `${tenantId}-other`, { meter: {} });
    await addDevices(db.store, `${tenantId}-other`, ['d01', 'd02', 'o1'], { group: 'a' });
    const created = await jobs.create(tenantId, {
      command: { hex: '01' },
      target: { where: 'tags.group == "a"' },
    });
    expect(created.resolved).toBe(false);
    await scheduler.runDue();
    const job = await jobs.get(tenantId, created.id);
    expect(job.resolved).toBe(true);
    expect(job.progress.targeted).toBe(20);
    const sent = await commandsOf();
    expect(sent.map((c) => c.device_id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `d${String(i + 1).padStart(2, '0')}`),
    );
    const others = await db.store.db
      .selectFrom('commands')
      .select('id')
      .where('tenant_id', '=', `${tenantId}-other`)
      .execute();
    expect(others).toHaveLength(0);
  });

  it('refuses bad input with a code and stores nothing', async () => {
    const { tenantId, jobs } = await setup(2);
    await seedTenantWithTypes(db.store, `${tenantId}-x`, { meter: {} });
    await addDevices(db.store, `${tenantId}-x`, ['theirs']);
    const unknown = await rejection(
      jobs.create(tenantId, { command: { hex: '01' }, target: { deviceIds: ['d01', 'nope', 'theirs'] } }),
    );
    expect(unknown).toEqual({
      code: 'unknown_devices',
      data: { deviceIds: ['nope', 'theirs'], count: 2 },
    });
    const cel = await rejection(
      jobs.create(tenantId, { command: { hex: '01' }, target: { where: 'tags.group ==' } }),
    );
    expect(cel.code).toBe('invalid_condition');
    expect(cel.data).toMatchObject({ field: 'target.where', line: 1 });
    expect((cel.data as { column: number }).column).toBeGreaterThan(1);
    const both = await rejection(
      jobs.create(tenantId, {
        command: { hex: '01' },
        twin: { desired: { a: 1 } },
        target: { deviceIds: ['d01'] },
      }),
    );
    expect(both.code).toBe('validation_failed');
    const neither = await rejection(jobs.create(tenantId, { command: { hex: '01' }, target: {} }));
    expect(neither.code).toBe('validation_failed');
    const twoPayloads = await rejection(
      jobs.create(tenantId, { command: { hex: '01', data: { a: 1 } }, target: { deviceIds: ['d01'] } }),
    );
    expect(twoPayloads.code).toBe('validation_failed');
    const stored = await db.store.db
      .selectFrom('fleet_jobs')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .execute();
    expect(stored).toHaveLength(0);
    expect((await rejection(jobs.get(`${tenantId}-x`, 'job_00000000000000000000000000000000'))).code).toBe(
      'not_found',
    );
  });

  it('keeps to the rollout rate on the scheduler clock', async () => {
    const { tenantId, ids, clock, scheduler, jobs, commandsOf } = await setup(5);
    const created = await jobs.create(tenantId, {
      command: { hex: '01' },
      target: { deviceIds: ids },
      rolloutPerMinute: 60,
    });
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(1);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(1);
    clock.advance(999);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(1);
    clock.advance(1);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(2);
    clock.advance(1000);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(3);
    // Idling saves up at most one second's worth.
    clock.advance(60_000);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(4);
    expect((await jobs.get(tenantId, created.id)).progress.pending).toBe(1);
  });

  it('keeps at most maxConcurrency devices in progress', async () => {
    const { tenantId, ids, scheduler, jobs, commandsOf, ack, until } = await setup(5);
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
      maxConcurrency: 2,
    });
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(2);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(2);
    await ack(false, ['d01']);
    await until(created.id, (j) => j.progress.succeeded === 1, 'one done');
    await scheduler.runDue();
    expect((await commandsOf()).map((c) => c.device_id)).toEqual(['d01', 'd02', 'd03']);
    const job = await jobs.get(tenantId, created.id);
    expect(job.progress).toMatchObject({ inProgress: 2, pending: 2, succeeded: 1 });
  });

  it('aborts when more than failedPercent of at least minFinished devices failed', async () => {
    const { tenantId, ids, scheduler, jobs, commandsOf, ack, until } = await setup(10);
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
      maxConcurrency: 4,
      abort: { failedPercent: 50, minFinished: 4 },
    });
    await scheduler.runDue();
    await ack(true, ['d01', 'd02']);
    await ack(false, ['d03']);
    // 2 of 3 failed: under minFinished, so it goes on.
    const going = await until(
      created.id,
      (j) => j.progress.failed + j.progress.succeeded === 3,
      'three ended',
    );
    expect(going.status).toBe('in_progress');
    await ack(true, ['d04']);
    const aborted = await until(created.id, (j) => j.status === 'aborted', 'abort');
    expect(aborted.reason).toContain('3 of 4');
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(4);
    expect(aborted.progress).toMatchObject({ failed: 3, succeeded: 1, pending: 0 });
    expect(aborted.progress.cancelled).toBe(6);
  });

  it('pauses, resumes and cancels', async () => {
    const { tenantId, ids, clock, scheduler, jobs, commandsOf } = await setup(6);
    const created = await jobs.create(tenantId, {
      command: { hex: '01' },
      target: { deviceIds: ids },
      rolloutPerMinute: 60,
    });
    await scheduler.runDue();
    expect((await jobs.pause(tenantId, created.id)).status).toBe('paused');
    expect((await jobs.pause(tenantId, created.id)).status).toBe('paused');
    clock.advance(5_000);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(1);
    expect((await jobs.resume(tenantId, created.id)).status).toBe('in_progress');
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(2);
    const cancelled = await jobs.cancel(tenantId, created.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.progress.cancelled).toBe(4);
    expect(cancelled.progress.pending).toBe(0);
    expect((await jobs.cancel(tenantId, created.id)).status).toBe('cancelled');
    expect((await rejection(jobs.resume(tenantId, created.id))).code).toBe('job_state_conflict');
    expect((await rejection(jobs.pause(tenantId, created.id))).data).toMatchObject({ status: 'cancelled' });
    clock.advance(60_000);
    await scheduler.runDue();
    expect(await commandsOf()).toHaveLength(2);
  });

  it('times out, retries with a new command, then records timed_out', async () => {
    const { tenantId, clock, scheduler, jobs, commandsOf, until } = await setup(1);
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ['d01'] },
      timeoutSeconds: 60,
      retries: 1,
    });
    await scheduler.runDue();
    clock.advance(60_000);
    await scheduler.runDue();
    const sent = await commandsOf();
    expect(sent.map((c) => [c.idempotency_key, c.status])).toEqual([
      [`job:${created.id}:1`, 'cancelled'],
      [`job:${created.id}:2`, 'queued'],
    ]);
    const retried = (await jobs.executions(tenantId, created.id, { limit: 10 })).items[0];
    expect(retried).toMatchObject({ status: 'in_progress', attempts: 2, commandId: sent[1]?.id });
    clock.advance(60_000);
    await scheduler.runDue();
    const done = await until(created.id, (j) => j.status === 'completed', 'completion');
    expect(done.progress).toMatchObject({ timedOut: 1, succeeded: 0, failed: 0 });
    expect(await commandsOf()).toHaveLength(2);
  });

  it('applies a twin patch and succeeds when the device reports the values', async () => {
    const { tenantId, scheduler, twins, jobs, until } = await setup(2);
    const created = await jobs.create(tenantId, {
      twin: { desired: { interval: 60, mode: 'eco' } },
      target: { deviceIds: ['d01', 'd02'] },
    });
    await scheduler.runDue();
    expect((await twins.get(tenantId, 'd01')).desired).toEqual({ interval: 60, mode: 'eco' });
    await twins.patchReported(tenantId, 'd01', { interval: 60, mode: 'eco' });
    await twins.patchReported(tenantId, 'd02', { interval: 60 });
    await until(created.id, (j) => j.progress.succeeded === 1, 'd01 applied');
    expect((await jobs.get(tenantId, created.id)).status).toBe('in_progress');
    await twins.patchReported(tenantId, 'd02', { mode: 'eco' });
    const done = await until(created.id, (j) => j.status === 'completed', 'completion');
    expect(done.progress).toMatchObject({ succeeded: 2, failed: 0 });
    const executions = await jobs.executions(tenantId, created.id, { limit: 10 });
    expect(executions.items.every((e) => e.twinVersion === 1)).toBe(true);
  });

  it('fails a twin device whose value someone else replaced', async () => {
    const { tenantId, scheduler, twins, jobs, until } = await setup(1);
    const created = await jobs.create(tenantId, {
      twin: { desired: { interval: 60 } },
      target: { deviceIds: ['d01'] },
    });
    await scheduler.runDue();
    await twins.patchDesired(tenantId, 'd01', { interval: 30 });
    const done = await until(created.id, (j) => j.status === 'completed', 'completion');
    expect(done.progress.failed).toBe(1);
    const [execution] = (await jobs.executions(tenantId, created.id, { limit: 1 })).items;
    expect(execution?.error).toContain('superseded');
  });

  it('makes a batch of commands again without a second one after a crash before the claim', async () => {
    let dying = true;
    const { tenantId, ids, clock, scheduler, jobs, commandsOf, ack, real, scan } = await setup(3, {
      actions: (actions) => ({
        ...actions,
        // The commands are stored, then the process "dies" before claiming them.
        sendCommands: async (t, items) => {
          const answers = await actions.sendCommands(t, items);
          if (dying) throw new Error('killed');
          return answers;
        },
      }),
    });
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
    });
    await scheduler.runDue();
    const first = await jobs.executions(tenantId, created.id, { limit: 10 });
    expect(first.items.map((e) => [e.status, e.attempts, e.commandId])).toEqual(
      ids.map(() => ['pending', 0, null]),
    );
    const made = await commandsOf();
    expect(made).toHaveLength(3);
    dying = false;
    // A new process takes the job up: the keys answer the commands made before.
    await jobs.close();
    const deps = { store: db.store, clock, bus: new EventBus(), logger: silentLogger };
    const next = new Scheduler(deps);
    const restarted = new JobService({ ...deps, scheduler: next }, real, scan);
    open.push(restarted);
    await restarted.start();
    await next.runDue();
    const sent = await commandsOf();
    expect(sent.map((c) => c.id)).toEqual(made.map((c) => c.id));
    const recorded = await restarted.executions(tenantId, created.id, { limit: 10 });
    expect(recorded.items.map((e) => [e.status, e.commandId, e.attempts])).toEqual(
      sent.map((c) => ['in_progress', c.id, 1]),
    );
    await ack();
    await eventually(
      () => restarted.get(tenantId, created.id),
      (job) => job.status === 'completed' && job.progress.succeeded === 3,
      'completion',
    );
  });

  it('starts again, once, an attempt an earlier version claimed and never sent', async () => {
    const { tenantId, ids, clock, jobs, commandsOf, real, scan } = await setup(2);
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
    });
    await jobs.close();
    // What a process that claimed before sending left when it died: claimed, no command.
    await db.store.db
      .updateTable('fleet_job_devices')
      .set({ status: 'in_progress', attempts: 1, started_at: clock.now(), updated_at: clock.now() })
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', created.id)
      .execute();
    await db.store.db
      .updateTable('fleet_jobs')
      .set({ status: 'in_progress', pending: 0, in_progress: 2, started_at: clock.now() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', created.id)
      .execute();
    const deps = { store: db.store, clock, bus: new EventBus(), logger: silentLogger };
    const next = new Scheduler(deps);
    const restarted = new JobService({ ...deps, scheduler: next }, real, scan);
    open.push(restarted);
    await restarted.start();
    await next.runDue();
    await next.runDue();
    const sent = await commandsOf();
    expect(sent.map((c) => [c.device_id, c.idempotency_key])).toEqual(
      ids.map((id) => [id, `job:${created.id}:1`]),
    );
    const recorded = await restarted.executions(tenantId, created.id, { limit: 10 });
    expect(recorded.items.map((e) => [e.status, e.commandId, e.attempts])).toEqual(
      sent.map((c) => ['in_progress', c.id, 1]),
    );
  });

  it('ends attempts answered at once in the transaction that claims them', async () => {
    const { tenantId, ids, scheduler, jobs, commandsOf } = await setup(4, {
      actions: (actions, commands) => ({
        ...actions,
        sendCommands: async (t, items) => {
          const answers = await actions.sendCommands(t, items);
          // d02's device refuses it at once; every other one acknowledges it at once.
          return Promise.all(
            answers.map(async (answer) =>
              isAppError(answer)
                ? answer
                : commands.acknowledge(t, answer.deviceId, answer.id, {
                    failed: answer.deviceId === 'd02',
                    result: undefined,
                    detail: {},
                  }),
            ),
          );
        },
      }),
    });
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
    });
    await scheduler.runDue();
    const done = await jobs.get(tenantId, created.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ targeted: 4, succeeded: 3, failed: 1, inProgress: 0, pending: 0 });
    const kinds = await db.store.db
      .selectFrom('changes')
      .select(['kind', 'data'])
      .where('tenant_id', '=', tenantId)
      .where('entity_id', '=', created.id)
      .orderBy('position')
      .execute();
    // Claimed and ended by one write: no progress change between starting and completing.
    expect(kinds.map((k) => k.kind)).toEqual(['job.created', 'job.status_changed', 'job.status_changed']);
    const executions = await jobs.executions(tenantId, created.id, { limit: 10 });
    const sent = await commandsOf();
    expect(executions.items.map((e) => [e.deviceId, e.status, e.attempts, e.commandId])).toEqual(
      sent.map((c) => [c.device_id, c.device_id === 'd02' ? 'failed' : 'succeeded', 1, c.id]),
    );
    expect(executions.items.find((e) => e.deviceId === 'd02')?.error).toBe('command failed');
  });
  it('ends an attempt whose answer comes before its batch is claimed, once', async () => {
    const { tenantId, ids, scheduler, jobs, commandsOf } = await setup(2, {
      actions: (actions, commands) => ({
        ...actions,
        sendCommands: async (t, items) => {
          const answers = await actions.sendCommands(t, items);
          // The devices answer, and the progress consumer records it, before the claim.
          for (const answer of answers)
            if (!isAppError(answer))
              await commands.acknowledge(t, answer.deviceId, answer.id, {
                failed: false,
                result: undefined,
                detail: {},
              });
          await eventually(
            () =>
              db.store.db
                .selectFrom('fleet_job_devices')
                .select('status')
                .where('tenant_id', '=', t)
                .where('status', '=', 'succeeded')
                .execute(),
            (rows) => rows.length === answers.length,
            'the consumer to end them',
          );
          return answers;
        },
      }),
    });
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
    });
    await scheduler.runDue();
    const done = await eventually(
      () => jobs.get(tenantId, created.id),
      (j) => j.status === 'completed',
      'completion',
    );
    expect(done.progress).toEqual({
      targeted: 2,
      pending: 0,
      inProgress: 0,
      succeeded: 2,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
    });
    const sent = await commandsOf();
    const executions = await jobs.executions(tenantId, created.id, { limit: 10 });
    expect(executions.items.map((e) => [e.deviceId, e.status, e.attempts, e.commandId])).toEqual(
      sent.map((c) => [c.device_id, 'succeeded', 1, c.id]),
    );
  });

  it('cancels the commands of a batch whose job was cancelled before the claim', async () => {
    const late: { cancel?: () => Promise<unknown> } = {};
    const { tenantId, ids, scheduler, jobs, commandsOf } = await setup(2, {
      actions: (actions) => ({
        ...actions,
        sendCommands: async (t, items) => {
          const answers = await actions.sendCommands(t, items);
          await late.cancel?.();
          return answers;
        },
      }),
    });
    const created = await jobs.create(tenantId, {
      command: { hex: '01', confirmed: true },
      target: { deviceIds: ids },
    });
    late.cancel = () => jobs.cancel(tenantId, created.id);
    await scheduler.runDue();
    const job = await jobs.get(tenantId, created.id);
    expect(job.status).toBe('cancelled');
    expect(job.progress).toMatchObject({ cancelled: 2, pending: 0, inProgress: 0 });
    expect((await commandsOf()).map((c) => [c.device_id, c.status])).toEqual(
      ids.map((id) => [id, 'cancelled']),
    );
  });

  it('does not target retired devices, by condition or by list', async () => {
    const { tenantId, scheduler, jobs, commandsOf } = await setup(3);
    await db.store.db
      .updateTable('devices')
      .set({ lifecycle: 'retired' })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', 'd02')
      .execute();
    const created = await jobs.create(tenantId, {
      command: { hex: '01' },
      target: { where: 'tags.group == "a"' },
    });
    await scheduler.runDue();
    expect((await jobs.get(tenantId, created.id)).progress.targeted).toBe(2);
    expect((await commandsOf()).map((c) => c.device_id)).toEqual(['d01', 'd03']);
    const listed = await rejection(
      jobs.create(tenantId, { command: { hex: '01' }, target: { deviceIds: ['d01', 'd02'] } }),
    );
    expect(listed).toEqual({ code: 'unknown_devices', data: { deviceIds: ['d02'], count: 1 } });
  });
});
