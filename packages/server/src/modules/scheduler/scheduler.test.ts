import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { systemClock } from '../../kernel/clock.js';
import { isAppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { type JobRun, Scheduler, type SchedulerOptions } from './scheduler.js';
import { claimJob, findDueJobs } from './scheduler-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`scheduler (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let other: Store;

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      // A second connection: another process, as far as claims go.
      other = await openTestStore(database);
    });
    afterAll(async () => {
      await other?.close();
      await store?.close();
      await database?.drop();
    });

    const schedulerOn = (clock: ManualClock, options: SchedulerOptions & { store?: Store } = {}) =>
      new Scheduler({ store: options.store ?? store, clock, logger: silentLogger }, options);

    /** Registers `handler` under `name` and records every run it is given. */
    const recording = (scheduler: Scheduler, name: string) => {
      const runs: JobRun[] = [];
      scheduler.register(name, async (run) => {
        runs.push(run);
      });
      return runs;
    };

    it('runs a job at its time, not a millisecond before, and once', async () => {
      const clock = new ManualClock();
      const scheduler = schedulerOn(clock);
      const runs = recording(scheduler, 'on-time');
      const at = clock.now() + 1_000;
      await scheduler.schedule({ key: 'on-time:1', handler: 'on-time', at, payload: { device: 'd1' } });
      clock.set(at - 1);
      expect(await scheduler.runDue()).toBe(0);
      clock.set(at);
      expect(await scheduler.runDue()).toBe(1);
      expect(runs).toEqual([{ key: 'on-time:1', payload: { device: 'd1' }, runAt: at, attempt: 1 }]);
      clock.advance(10_000);
      expect(await scheduler.runDue()).toBe(0);
      expect(await scheduler.job('on-time:1')).toBeUndefined();
    });

    it('repeats every period, and after a long pause runs once and goes back to its slots', async () => {
      const clock = new ManualClock();
      const start = clock.now();
      const scheduler = schedulerOn(clock);
      const runs = recording(scheduler, 'every');
      await scheduler.schedule({ key: 'every:1', handler: 'every', everyMs: 1_000 });
      clock.set(start + 999);
      expect(await scheduler.runDue()).toBe(0);
      clock.set(start + 1_000);
      expect(await scheduler.runDue()).toBe(1);
      expect((await scheduler.job('every:1'))?.runAt).toBe(start + 2_000);
      clock.set(start + 3_500);
      expect(await scheduler.runDue()).toBe(1);
      expect(await scheduler.runDue()).toBe(0);
      expect((await scheduler.job('every:1'))?.runAt).toBe(start + 4_000);
      expect(runs.map((r) => r.runAt)).toEqual([start + 1_000, start + 2_000]);
    });

    it('is idempotent by key: the same job again changes nothing, a different one replaces it', async () => {
      const clock = new ManualClock();
      const start = clock.now();
      const scheduler = schedulerOn(clock);
      const runs = recording(scheduler, 'idem');
      await scheduler.schedule({ key: 'idem:every', handler: 'idem', everyMs: 1_000 });
      // Asked again at a later start: the next run is not pushed back.
      clock.advance(600);
      await scheduler.schedule({ key: 'idem:every', handler: 'idem', everyMs: 1_000 });
      expect((await scheduler.job('idem:every'))?.runAt).toBe(start + 1_000);
      await scheduler.schedule({ key: 'idem:once', handler: 'idem', at: start + 5_000 });
      await scheduler.schedule({ key: 'idem:once', handler: 'idem', at: start + 5_000 });
      await scheduler.schedule({ key: 'idem:once', handler: 'idem', at: start + 2_000, payload: 'moved' });
      clock.set(start + 2_000);
      expect(await scheduler.runDue()).toBe(2);
      expect(runs.map((r) => `${r.key}:${String(r.payload)}`).sort()).toEqual([
        'idem:every:null',
        'idem:once:moved',
      ]);
      clock.set(start + 5_000);
      await scheduler.runDue();
      expect(runs.filter((r) => r.key === 'idem:once')).toHaveLength(1);
    });

    it('cancels a job, and refuses a job without a time', async () => {
      const clock = new ManualClock();
      const scheduler = schedulerOn(clock);
      const runs = recording(scheduler, 'cancel');
      await scheduler.schedule({ key: 'cancel:1', handler: 'cancel', at: clock.now() + 10 });
      expect(await scheduler.cancel('cancel:1')).toBe(true);
      expect(await scheduler.cancel('cancel:1')).toBe(false);
      clock.advance(10);
      expect(await scheduler.runDue()).toBe(0);
      expect(runs).toEqual([]);
      await expect(scheduler.schedule({ key: 'cancel:2', handler: 'cancel' })).rejects.toSatisfy(
        (error) => isAppError(error) && error.code === 'validation_failed',
      );
      await expect(scheduler.schedule({ key: 'cancel:3', handler: 'cancel', everyMs: 0 })).rejects.toSatisfy(
        (error) => isAppError(error) && error.code === 'validation_failed',
      );
    });

    it('keeps jobs across a restart: a new process runs them on time', async () => {
      const clock = new ManualClock();
      const at = clock.now() + 60_000;
      const before = await openTestStore(database);
      await schedulerOn(clock, { store: before }).schedule({
        key: 'restart:1',
        handler: 'restart',
        at,
        payload: [1, 2],
      });
      await before.close();
      const after = schedulerOn(clock, { store: other });
      const runs = recording(after, 'restart');
      clock.set(at - 1);
      expect(await after.runDue()).toBe(0);
      clock.set(at);
      expect(await after.runDue()).toBe(1);
      expect(runs.map((r) => r.payload)).toEqual([[1, 2]]);
    });

    it('runs each due job once when two processes look at the same time', async () => {
      const clock = new ManualClock();
      const one = schedulerOn(clock, { concurrency: 50 });
      const two = schedulerOn(clock, { concurrency: 50, store: other });
      const runs: string[] = [];
      for (const scheduler of [one, two]) {
        scheduler.register('race', async (run) => {
          await sleep(1);
          runs.push(run.key);
        });
      }
      for (let i = 0; i < 30; i += 1) {
        await one.schedule({ key: `race:${i}`, handler: 'race', at: clock.now() + 100 });
      }
      clock.advance(100);
      const [a, b] = await Promise.all([one.runDue(), two.runDue()]);
      const again = await Promise.all([one.runDue(), two.runDue()]);
      expect(a + b).toBe(30);
      expect(again).toEqual([0, 0]);
      expect(runs.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `race:${i}`).sort());
    });

    it('leaves a claimed job alone until the claim lease ends, then another runner takes it', async () => {
      const clock = new ManualClock();
      const scheduler = schedulerOn(clock);
      const runs = recording(scheduler, 'lease');
      await scheduler.schedule({ key: 'lease:1', handler: 'lease', at: clock.now() });
      // A runner in another process claims it and dies without a word.
      const [due] = await findDueJobs(other, { now: clock.now(), handlers: ['lease'], limit: 1 });
      expect(due).toBeDefined();
      if (due === undefined) return;
      expect(await claimJob(other, { ...due, now: clock.now(), leaseMs: 30_000 })).toBeDefined();
      clock.advance(29_999);
      expect(await scheduler.runDue()).toBe(0);
      clock.advance(1);
      expect(await scheduler.runDue()).toBe(1);
      expect(runs).toHaveLength(1);
    });

    it('retries a failing job with backoff and records its failures', async () => {
      const clock = new ManualClock();
      const start = clock.now();
      const registry = new Registry();
      const errors: string[] = [];
      const scheduler = new Scheduler(
        {
          store,
          clock,
          logger: {
            ...silentLogger,
            error: (_obj, msg) => {
              errors.push(msg ?? '');
            },
          },
          metrics: registry,
        },
        { retryMs: 1_000 },
      );
      const attempts: number[] = [];
      scheduler.register('flaky', async (run) => {
        attempts.push(run.attempt);
        if (run.attempt <= 2) throw new Error(`refused ${run.attempt}`);
      });
      await scheduler.schedule({ key: 'flaky:1', handler: 'flaky', everyMs: 10_000 });
      clock.set(start + 10_000);
      expect(await scheduler.runDue()).toBe(1);
      expect(await scheduler.job('flaky:1')).toMatchObject({
        attempts: 1,
        failures: 1,
        lastError: 'refused 1',
        lastFailedAt: start + 10_000,
        runAt: start + 11_000,
      });
      clock.set(start + 11_000);
      expect(await scheduler.runDue()).toBe(1);
      // The second failure in a row waits twice as long.
      expect((await scheduler.job('flaky:1'))?.runAt).toBe(start + 13_000);
      clock.set(start + 12_999);
      expect(await scheduler.runDue()).toBe(0);
      clock.set(start + 13_000);
      expect(await scheduler.runDue()).toBe(1);
      expect(attempts).toEqual([1, 2, 3]);
      expect(await scheduler.job('flaky:1')).toMatchObject({
        attempts: 0,
        failures: 2,
        lastError: 'refused 2',
      });
      expect(errors.filter((m) => m.includes('retrying with backoff'))).toHaveLength(2);
      expect(await registry.metrics()).toContain(
        'fleetport_scheduler_runs_total{handler="flaky",outcome="failed"} 2',
      );
    });

    it('a run that ends after its job was rescheduled leaves the new schedule alone', async () => {
      const clock = new ManualClock();
      const scheduler = schedulerOn(clock);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      scheduler.register('slow', () => gate);
      await scheduler.schedule({ key: 'slow:1', handler: 'slow', at: clock.now() });
      const running = scheduler.runDue();
      await sleep(50);
      await scheduler.schedule({ key: 'slow:1', handler: 'slow', at: clock.now() + 5_000 });
      release();
      expect(await running).toBe(1);
      expect((await scheduler.job('slow:1'))?.runAt).toBe(clock.now() + 5_000);
    });

    it('runs due jobs by itself once started', async () => {
      const scheduler = new Scheduler({ store, clock: systemClock, logger: silentLogger }, { pollMs: 50 });
      let ran: (run: JobRun) => void = () => {};
      const done = new Promise<JobRun>((resolve) => {
        ran = resolve;
      });
      scheduler.register('background', async (run) => ran(run));
      scheduler.start();
      try {
        await scheduler.schedule({ key: 'background:1', handler: 'background', at: Date.now() + 100 });
        const run = await done;
        expect(run.key).toBe('background:1');
        expect(Date.now()).toBeGreaterThanOrEqual(run.runAt);
      } finally {
        await scheduler.close();
      }
    });
  });
}
