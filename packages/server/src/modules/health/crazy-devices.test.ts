import { afterEach, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Principal } from '../../kernel/principal.js';
import { openCaptureWriter } from '../../server.js';
import { AlertService } from '../alerts/index.js';
import { CapturePipeline } from '../capture/index.js';
import { LifecycleService } from '../lifecycle/index.js';
import { Scheduler } from '../scheduler/index.js';
import { QUIET_RELEASE_JOB, registerQuietRelease } from './crazy-devices.js';
import { HealthSamples } from './health-samples.js';
import { HealthService } from './health-service.js';
import { TypeHealthCache } from './health-settings.js';

const MINUTE = 60_000;

/**
 * Crazy devices below HTTP, on a manual clock: the threshold counts live uplinks within the
 * type's window, the quarantine is released by the scheduler after the quiet time (moved
 * on when the device speaks meanwhile), back to the state the device left; a device a
 * person quarantined stays.
 */
describeEachDialect('crazy devices', (dialect) => {
  const db = suiteStore(dialect);
  let n = 0;
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  async function setup() {
    n += 1;
    const tenantId = `t${n}`;
    const { store } = db;
    await seedTenantWithTypes(store, tenantId, { wild: {} });
    const clock = new ManualClock(Date.UTC(2026, 5, 1) + n * 86_400_000);
    const bus = new EventBus();
    const deps = { store, clock, bus, logger: silentLogger };
    const scheduler = new Scheduler(deps);
    const lifecycle = new LifecycleService(deps);
    const types = new TypeHealthCache(store, clock);
    const health = new HealthService(deps, types);
    await health.setTypeHealth(tenantId, 'wild', {
      crazy: { uplinks: 3, windowSeconds: 600, quietSeconds: 3600 },
    });
    const alerts = new AlertService(deps);
    registerQuietRelease({ ...deps, scheduler, lifecycle, alerts }, types);
    const pipeline = new CapturePipeline(deps, { writer: openCaptureWriter(store) });
    const samples = new HealthSamples({ ...deps, scheduler, lifecycle, alerts }, types);
    samples.start({ pollMs: 20 });
    closing.push(
      () => samples.close(),
      () => scheduler.close(),
      () => pipeline.close(),
    );
    const principal: Principal = { keyId: `key_${n}`, tenantId, scope: 'operator', system: false };
    let m = 0;
    const addDevice = (id: string, lifecycle = 'activated') =>
      store.db
        .insertInto('devices')
        .values({
          tenant_id: tenantId,
          id,
          type_id: 'wild',
          name: id,
          tags: '{}',
          attributes: '{}',
          version: 1,
          created_at: 1,
          updated_at: 1,
          deleted_at: null,
          lifecycle,
        })
        .execute();
    /** `count` uplinks of a device received now (or with the device time given), then the consumer caught up. */
    const uplinks = async (deviceId: string, count: number, deviceTime?: number) => {
      for (let i = 0; i < count; i += 1) {
        m += 1;
        await pipeline.capture({
          tenantId,
          deviceId,
          typeId: 'wild',
          transport: 'http',
          receivedAt: clock.now(),
          deviceTime,
          messageId: `u${m}`,
          payload: Buffer.from([m & 0xff]),
          receptions: [],
        });
      }
      await samples.idle();
    };
    const state = async (id: string) => (await lifecycle.get(tenantId, id)).state;
    const last = async (id: string) => (await lifecycle.history(tenantId, id, { limit: 1 })).items[0];
    /** The device's device_crazy alert: its state and occurrences, or undefined. */
    const crazyAlert = async (id: string) => {
      const page = await alerts.list(tenantId, { type: 'device_crazy', deviceId: id, limit: 10 });
      const [alert] = page.items;
      return alert === undefined ? undefined : { state: alert.state, occurrences: alert.occurrences };
    };
    return { tenantId, clock, scheduler, lifecycle, principal, addDevice, uplinks, state, last, crazyAlert };
  }

  it('quarantines over the threshold within the window, counting live uplinks only', async () => {
    const { clock, addDevice, uplinks, state, last, crazyAlert } = await setup();
    await addDevice('d1');
    // Old uplinks (late: received long after their device time) do not count.
    await uplinks('d1', 5, clock.now() - 3 * 3_600_000);
    expect(await state('d1')).toBe('activated');
    // Three, then three more eleven minutes later: never more than three within ten minutes.
    await uplinks('d1', 3);
    clock.advance(11 * MINUTE);
    await uplinks('d1', 3);
    expect(await state('d1')).toBe('activated');
    // A fourth within the window: over the threshold.
    await uplinks('d1', 1);
    expect(await state('d1')).toBe('quarantined');
    expect(await last('d1')).toMatchObject({
      from: 'activated',
      to: 'quarantined',
      actor: { kind: 'platform', id: 'crazy_device' },
    });
    expect(await crazyAlert('d1')).toEqual({ state: 'open', occurrences: 1 });
    // A manufactured device has no edge to quarantined: the rule never forces the graph.
    await addDevice('d2', 'manufactured');
    await uplinks('d2', 5);
    expect(await state('d2')).toBe('manufactured');
  });

  it('releases after the quiet time, moving the release on while the device still speaks, back to where it was', async () => {
    const { tenantId, clock, scheduler, addDevice, uplinks, state, last, crazyAlert } = await setup();
    await addDevice('d1');
    await addDevice('d2', 'suspended');
    await uplinks('d1', 4);
    await uplinks('d2', 4);
    expect(await state('d1')).toBe('quarantined');
    expect(await state('d2')).toBe('quarantined');
    const quarantinedAt = clock.now();
    const key = `${QUIET_RELEASE_JOB}:${tenantId}:d1`;
    expect((await scheduler.job(key))?.runAt).toBe(quarantinedAt + 3_600_000);

    // It speaks half an hour later: still quarantined, and no second quarantine is recorded.
    clock.advance(30 * MINUTE);
    await uplinks('d1', 1);
    expect(await state('d1')).toBe('quarantined');
    clock.advance(31 * MINUTE);
    await scheduler.runDue();
    expect(await state('d1')).toBe('quarantined');
    expect((await scheduler.job(key))?.runAt).toBe(quarantinedAt + 30 * MINUTE + 3_600_000);
    // d2 stayed quiet for the hour: back to suspended, where it was quarantined from.
    expect(await state('d2')).toBe('suspended');
    expect(await last('d2')).toMatchObject({
      from: 'quarantined',
      to: 'suspended',
      actor: { kind: 'platform', id: 'quiet_release' },
    });

    clock.advance(30 * MINUTE);
    await scheduler.runDue();
    expect(await state('d1')).toBe('activated');
    expect(await last('d1')).toMatchObject({ to: 'activated', actor: { id: 'quiet_release' } });
    // The release clears the alert the quarantine raised.
    expect(await crazyAlert('d1')).toEqual({ state: 'cleared', occurrences: 1 });
    expect(await scheduler.job(key)).toBeUndefined();
  });

  it('leaves alone a device a person quarantined, or released, before the quiet time ran out', async () => {
    const { clock, scheduler, lifecycle, principal, addDevice, uplinks, state } = await setup();
    await addDevice('d1');
    await addDevice('d2');
    await uplinks('d1', 4);
    await uplinks('d2', 4);
    // A person takes d1 over: suspended, then quarantined by hand.
    await lifecycle.set(principal, 'd1', { state: 'suspended', reason: 'checking' });
    await lifecycle.set(principal, 'd1', { state: 'quarantined', reason: 'lab test' });
    // A person releases d2 early; its next uplinks count from the release only.
    clock.advance(MINUTE);
    await lifecycle.set(principal, 'd2', { state: 'activated', reason: 'fixed' });
    await uplinks('d2', 3);
    expect(await state('d2')).toBe('activated');
    clock.advance(2 * 3_600_000);
    await scheduler.runDue();
    expect(await state('d1')).toBe('quarantined');
    expect(await state('d2')).toBe('activated');
  });
  it('counts from a release the uplinks received after it, whatever their whole-second device times', async () => {
    const { clock, lifecycle, principal, addDevice, uplinks, state } = await setup();
    await addDevice('d1', 'manufactured');
    // Activated 700 ms into a second; a Sigfox-like burst right after, stamped with that whole second.
    clock.advance(1_000 - (clock.now() % 1_000) + 700);
    await lifecycle.set(principal, 'd1', { state: 'activated', reason: 'in service' });
    clock.advance(50);
    await uplinks('d1', 4, Math.floor(clock.now() / 1_000) * 1_000);
    expect(await state('d1')).toBe('quarantined');
  });
});
