import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import { CapturePipeline } from '../capture/index.js';
import { Scheduler } from '../scheduler/index.js';
import { AlertService } from './alert-service.js';
import { SilenceWatch } from './silence-watch.js';

const SECOND = 1000;

/**
 * Silent devices on a manual clock, below HTTP: uplinks captured by the real pipeline move
 * due times through the durable consumer; scans are run by hand. One clock for the whole
 * suite, so that each test's start sees no downtime unless it makes one.
 */
describeEachDialect('silent devices', (dialect) => {
  const db = suiteStore(dialect);
  const clock = new ManualClock(Date.UTC(2026, 6, 1));
  const bus = new EventBus();
  let pipeline: CapturePipeline;
  let tenants = 0;
  let payloads = 0;

  beforeAll(() => {
    pipeline = new CapturePipeline(
      { store: db.store, clock, bus, logger: silentLogger },
      { writer: openCaptureWriter(db.store) },
    );
  });
  afterAll(async () => {
    await pipeline?.drained();
  });

  // Scans cover every tenant: each test checks its own tenant's alerts, not a scan's count.

  /** A tenant of its own with a `tracker` type heard every 60 s, devices, and a started watch. */
  async function setup(devices: readonly string[]) {
    tenants += 1;
    const tenantId = `silence-${tenants}`;
    await seedTenantWithTypes(db.store, tenantId, { tracker: {} });
    await db.store.db
      .updateTable('device_types')
      .set({ expected_uplink_interval_s: 60 })
      .where('tenant_id', '=', tenantId)
      .execute();
    for (const id of devices) {
      await db.store.db
        .insertInto('devices')
        .values({
          tenant_id: tenantId,
          id,
          type_id: 'tracker',
          name: id,
          tags: '{}',
          attributes: '{}',
          version: 1,
          created_at: 1,
          updated_at: 1,
          deleted_at: null,
          lifecycle: 'activated',
        })
        .execute();
    }
    const deps = { store: db.store, clock, bus, logger: silentLogger };
    const alerts = new AlertService(deps);
    const start = async () => {
      const watch = new SilenceWatch({ ...deps, scheduler: new Scheduler(deps) }, alerts, {
        silentAfterIntervals: 3,
        scanMs: 3_600_000,
      });
      await watch.start({ pollMs: 20 });
      return watch;
    };
    const watch = await start();
    /** An uplink of `deviceId` received now, followed until its due time moved. */
    const uplink = async (w: SilenceWatch, deviceId: string) => {
      payloads += 1;
      const outcome = await pipeline.capture({
        tenantId,
        deviceId,
        typeId: 'tracker',
        transport: 'sigfox',
        receivedAt: clock.now(),
        payload: Buffer.from(payloads.toString(16).padStart(6, '0'), 'hex'),
        receptions: [],
      });
      expect(outcome).toMatchObject({ duplicate: false });
      await w.idle();
    };
    const silentAlerts = async () =>
      (await alerts.list(tenantId, { type: 'device_silent', limit: 100 })).items.map((a) => ({
        deviceId: a.deviceId,
        state: a.state,
        occurrences: a.occurrences,
      }));
    return { tenantId, watch, start, uplink, alerts, silentAlerts };
  }

  it('raises device_silent after three expected intervals without an uplink, once, and the next uplink clears it', async () => {
    const t = await setup(['d1']);
    try {
      const heard = clock.now();
      await t.uplink(t.watch, 'd1');
      expect(await t.watch.get(t.tenantId, 'd1')).toMatchObject({
        expectedIntervalSeconds: 60,
        silentAfterSeconds: 180,
        lastSeenAt: new Date(heard).toISOString(),
        dueAt: new Date(heard + 180 * SECOND).toISOString(),
        silent: false,
      });
      clock.advance(179 * SECOND);
      await t.watch.scan();
      expect(await t.silentAlerts()).toEqual([]);
      clock.advance(SECOND);
      await t.watch.scan();
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'd1', state: 'open', occurrences: 1 }]);
      const [alert] = (await t.alerts.list(t.tenantId, { type: 'device_silent', limit: 1 })).items;
      expect(alert).toMatchObject({
        severity: 'major',
        details: {
          lastSeenAt: new Date(heard).toISOString(),
          expectedIntervalSeconds: 60,
          silentAfterSeconds: 180,
        },
      });
      expect(await t.watch.get(t.tenantId, 'd1')).toMatchObject({ silent: true, dueAt: null });
      // Still silent: not raised again.
      clock.advance(600 * SECOND);
      await t.watch.scan();
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'd1', state: 'open', occurrences: 1 }]);
      await t.uplink(t.watch, 'd1');
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'd1', state: 'cleared', occurrences: 1 }]);
      const after = await t.alerts.get(t.tenantId, alert?.id ?? '');
      expect(after.clearedBy).toEqual({ kind: 'platform', id: 'silence' });
      expect(await t.watch.get(t.tenantId, 'd1')).toMatchObject({
        silent: false,
        dueAt: new Date(clock.now() + 180 * SECOND).toISOString(),
      });
    } finally {
      await t.watch.close();
    }
  });

  it('watches a device by its own interval when it has one, and an override that ends the silence clears it', async () => {
    const t = await setup(['fast', 'slow']);
    try {
      expect(await t.watch.setInterval(t.tenantId, 'fast', 10)).toMatchObject({
        expectedIntervalSeconds: 10,
        intervalOverrideSeconds: 10,
        silentAfterSeconds: 30,
        lastSeenAt: null,
        dueAt: null,
      });
      await t.uplink(t.watch, 'fast');
      await t.uplink(t.watch, 'slow');
      clock.advance(31 * SECOND);
      await t.watch.scan();
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'fast', state: 'open', occurrences: 1 }]);
      // Back to the type's 60 s: 31 s without an uplink is not silent, so the alert goes.
      expect(await t.watch.setInterval(t.tenantId, 'fast', null)).toMatchObject({
        expectedIntervalSeconds: 60,
        intervalOverrideSeconds: null,
        silent: false,
      });
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'fast', state: 'cleared', occurrences: 1 }]);
      clock.advance(150 * SECOND);
      await t.watch.scan();
      // Both silent now (one scan raises them in one millisecond: sorted, not by time).
      const states = (await t.silentAlerts()).map((a) => `${a.deviceId} ${a.state}`).sort();
      expect(states).toEqual(['fast cleared', 'fast open', 'slow open']);
      await expect(t.watch.get(t.tenantId, 'ghost')).rejects.toMatchObject({ code: 'not_found' });
      await expect(t.watch.get('silence-other', 'fast')).rejects.toMatchObject({ code: 'not_found' });
    } finally {
      await t.watch.close();
    }
  });

  it("does not count the server's own downtime, and flags a device that stays quiet after the restart on time", async () => {
    const t = await setup(['quiet', 'chatty', 'gone-before']);
    let watch = t.watch;
    try {
      await t.uplink(watch, 'gone-before');
      clock.advance(200 * SECOND);
      // Already silent before the server stopped: flagged at the next scan.
      const heard = clock.now();
      await t.uplink(watch, 'quiet');
      await t.uplink(watch, 'chatty');
      clock.advance(10 * SECOND);
      await watch.close();
      // Down for 170 s: without the rule, both would be flagged 10 s after the restart.
      clock.advance(170 * SECOND);
      watch = await t.start();
      await watch.scan();
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'gone-before', state: 'open', occurrences: 1 }]);
      await t.uplink(watch, 'chatty');
      // quiet is due at heard + 180 s + 170 s of downtime.
      clock.set(heard + 349 * SECOND);
      await watch.scan();
      expect(await t.silentAlerts()).toEqual([{ deviceId: 'gone-before', state: 'open', occurrences: 1 }]);
      expect(await watch.get(t.tenantId, 'quiet')).toMatchObject({
        dueAt: new Date(heard + 350 * SECOND).toISOString(),
      });
      clock.set(heard + 350 * SECOND);
      await watch.scan();
      expect((await t.silentAlerts()).map((a) => a.deviceId).sort()).toEqual(['gone-before', 'quiet']);
    } finally {
      await watch.close();
    }
  });

  it('stops watching a deleted device and never flags it', async () => {
    const t = await setup(['temp']);
    try {
      await t.uplink(t.watch, 'temp');
      await db.store.db
        .updateTable('devices')
        .set({ deleted_at: clock.now() })
        .where('tenant_id', '=', t.tenantId)
        .execute();
      clock.advance(400 * SECOND);
      await t.watch.scan();
      expect(await t.silentAlerts()).toEqual([]);
      const rows = await db.store.db
        .selectFrom('device_silence')
        .selectAll()
        .where('tenant_id', '=', t.tenantId)
        .execute();
      expect(rows).toEqual([]);
    } finally {
      await t.watch.close();
    }
  });
});
