import { sql } from 'kysely';
import { beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { type Store, transact } from '../../store/store.js';
import { MAX_TWIN_BYTES, MAX_TWIN_DEPTH, MAX_TWIN_PROPERTIES } from './twin-document.js';
import { TwinService } from './twin-service.js';

/**
 * The twin service on a real SQLite file and a real PostgreSQL: merge-patch semantics,
 * versions and metadata, delta, every parameter transition, per-property times for
 * reported, limits that store nothing, and the fleet-wide query of open parameters.
 */
describeEachDialect('twin service', (dialect) => {
  const db = suiteStore(dialect);
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  let bus: EventBus;
  let twins: TwinService;
  let deviceSeq = 0;
  let device = '';

  async function addDevice(store: Store, tenantId: string, id: string): Promise<void> {
    await store.db
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
      })
      .execute();
  }

  async function changesOf(kind: string, deviceId: string): Promise<unknown[]> {
    const rows = await db.store.db
      .selectFrom('changes')
      .select('data')
      .where('kind', '=', kind)
      .where('entity_id', '=', deviceId)
      .orderBy('position')
      .execute();
    return rows.map((row) => JSON.parse(row.data) as unknown);
  }

  async function twinRows(deviceId: string): Promise<number> {
    const row = await db.store.db
      .selectFrom('twins')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('device_id', '=', deviceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  beforeAll(async () => {
    await seedTenantWithTypes(db.store, 'acme', { tracker: {} });
    await seedTenantWithTypes(db.store, 'other', { tracker: {} });
    await addDevice(db.store, 'other', 'theirs');
  });
  beforeEach(async () => {
    bus = new EventBus();
    twins = new TwinService({ store: db.store, clock, bus });
    deviceSeq += 1;
    device = `d${deviceSeq}`;
    await addDevice(db.store, 'acme', device);
  });

  it('reads an empty twin at version 0 for a device that never had one', async () => {
    expect(await twins.get('acme', device)).toEqual({
      deviceId: device,
      desired: {},
      desiredVersion: 0,
      reported: {},
      reportedVersion: 0,
      delta: {},
      metadata: { desired: {}, reported: {} },
      parameters: {},
    });
  });

  it('merges desired patches as RFC 7396 says: objects merge, null removes, arrays and scalars replace', async () => {
    await twins.patchDesired('acme', device, {
      interval: 300,
      alarm: { high: 30, low: 5, hysteresis: 1 },
      channels: [1, 2, 3],
    });
    clock.advance(1000);
    const twin = await twins.patchDesired('acme', device, {
      alarm: { low: null, high: 35, mode: { kind: 'edge', extra: null } },
      channels: [4],
      interval: null,
      name: 'x',
    });
    expect(twin.desired).toEqual({
      alarm: { high: 35, hysteresis: 1, mode: { kind: 'edge' } },
      channels: [4],
      name: 'x',
    });
    expect(twin.desiredVersion).toBe(2);
    expect(twin.metadata.desired).toEqual({
      alarm: { updatedAt: new Date(clock.now()).toISOString(), version: 2 },
      channels: { updatedAt: new Date(clock.now()).toISOString(), version: 2 },
      name: { updatedAt: new Date(clock.now()).toISOString(), version: 2 },
    });
    // One change per write, in the write's transaction, with the patch as sent.
    expect(await changesOf('twin.desired.changed', device)).toEqual([
      expect.objectContaining({ deviceId: device, version: 1 }),
      expect.objectContaining({
        version: 2,
        patch: expect.objectContaining({ interval: null }),
        desired: twin.desired,
      }),
    ]);
  });

  it('changes no version and records no change for a patch that changes nothing', async () => {
    await twins.patchDesired('acme', device, { interval: 300, gone: null });
    const same = await twins.patchDesired('acme', device, { interval: 300, gone: null });
    expect(same.desiredVersion).toBe(1);
    expect(await changesOf('twin.desired.changed', device)).toHaveLength(1);
  });

  it('refuses a stale If-Match with precondition_failed and changes nothing', async () => {
    await twins.patchDesired('acme', device, { interval: 300 });
    await expect(twins.patchDesired('acme', device, { interval: 600 }, { ifMatch: 0 })).rejects.toMatchObject(
      {
        code: 'precondition_failed',
        status: 412,
        data: { version: 1 },
      },
    );
    expect((await twins.get('acme', device)).desired).toEqual({ interval: 300 });
    const twin = await twins.patchDesired('acme', device, { interval: 600 }, { ifMatch: 1 });
    expect(twin.desiredVersion).toBe(2);
  });

  it('computes the delta from desired and reported, top-level property by property', async () => {
    await twins.patchDesired('acme', device, { interval: 600, alarm: { high: 30 }, led: 'on' });
    const twin = await twins.patchReported('acme', device, { interval: 300, alarm: { high: 30 }, fw: '1.2' });
    expect(twin.delta).toEqual({ interval: 600, led: 'on' });
    expect(twin.reportedVersion).toBe(1);
  });

  it('tracks a parameter pending → sent → applied, counting attempts', async () => {
    await twins.patchDesired('acme', device, { interval: 600 });
    expect((await twins.get('acme', device)).parameters.interval).toMatchObject({
      status: 'pending',
      attempts: 0,
      value: 600,
      version: 1,
      setBy: 'api',
      sentAt: null,
    });
    clock.advance(10);
    const outstanding = await twins.outstanding('acme', device);
    expect(outstanding).toEqual({ payload: { interval: 600, $version: 1 }, names: ['interval'], version: 1 });
    await twins.markSent('acme', device, ['interval'], 1);
    await twins.markSent('acme', device, ['interval'], 1);
    expect((await twins.get('acme', device)).parameters.interval).toMatchObject({
      status: 'sent',
      attempts: 2,
      sentAt: new Date(clock.now()).toISOString(),
    });
    // Each hand-over is in the change feed, as the twin shows it; a name not pending moves nothing.
    await twins.markSent('acme', device, ['led'], 1);
    expect(await changesOf('twin.parameter.changed', device)).toEqual([
      expect.objectContaining({ deviceId: device, name: 'interval', status: 'sent', attempts: 1 }),
      expect.objectContaining({ deviceId: device, name: 'interval', status: 'sent', attempts: 2 }),
    ]);
    // Another value reported does not apply it; the desired one does.
    await twins.patchReported('acme', device, { interval: 300 });
    expect((await twins.get('acme', device)).parameters.interval?.status).toBe('sent');
    clock.advance(10);
    const twin = await twins.patchReported('acme', device, { interval: 600 });
    expect(twin.parameters.interval).toMatchObject({
      status: 'applied',
      appliedAt: new Date(clock.now()).toISOString(),
    });
    expect(twin.delta).toEqual({});
    expect(await twins.outstanding('acme', device)).toBeUndefined();
  });

  it('is applied at once when reported already has the desired value', async () => {
    await twins.patchReported('acme', device, { interval: 600 });
    const twin = await twins.patchDesired('acme', device, { interval: 600 });
    expect(twin.parameters.interval).toMatchObject({ status: 'applied', attempts: 0 });
  });

  it('supersedes an unfinished value with a new one, and keeps a parameter to two rows', async () => {
    await twins.patchDesired('acme', device, { interval: 600 });
    await twins.markSent('acme', device, ['interval'], 1);
    await twins.patchDesired('acme', device, { interval: 900 });
    await twins.patchDesired('acme', device, { interval: 1200 });
    const rows = await db.store.db
      .selectFrom('twin_parameters')
      .select(['version', 'status', 'value'])
      .where('tenant_id', '=', 'acme')
      .where('device_id', '=', device)
      .orderBy('version')
      .execute();
    expect(rows.map((row) => [Number(row.version), row.status, row.value])).toEqual([
      [2, 'superseded', '900'],
      [3, 'pending', '1200'],
    ]);
    // A sent value the device has not applied, superseded: its row says when.
    expect((await twins.get('acme', device)).parameters.interval).toMatchObject({
      status: 'pending',
      value: 1200,
      attempts: 0,
    });
  });

  it('supersedes a pending value when the property is removed, and shows no parameter for it', async () => {
    await twins.patchDesired('acme', device, { interval: 600 });
    const twin = await twins.patchDesired('acme', device, { interval: null });
    expect(twin.parameters).toEqual({});
    const row = await db.store.db
      .selectFrom('twin_parameters')
      .select('status')
      .where('device_id', '=', device)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('superseded');
  });

  it('fails a sent parameter when the device says so, and applies it when it later reports the value', async () => {
    await twins.patchDesired('acme', device, { interval: 5, led: 'on' });
    await twins.markSent('acme', device, ['interval', 'led'], 1);
    clock.advance(5);
    expect(
      await twins.failParameters('acme', device, { interval: 'below the minimum of 60', unknown: 'x' }),
    ).toEqual(['interval']);
    const failed = (await twins.get('acme', device)).parameters.interval;
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'below the minimum of 60',
      failedAt: new Date(clock.now()).toISOString(),
    });
    // A failed value is not failed again, nor sent by a delivery; it is applied once reported.
    expect(await twins.failParameters('acme', device, { interval: 'again' })).toEqual([]);
    await twins.markSent('acme', device, ['interval'], 1);
    expect((await twins.get('acme', device)).parameters.interval?.attempts).toBe(1);
    const twin = await twins.patchReported('acme', device, { interval: 5 });
    expect(twin.parameters.interval).toMatchObject({ status: 'applied', error: null });
  });

  it('resends one parameter on demand, whatever its status, and 404s a property that is not desired', async () => {
    await twins.patchReported('acme', device, { interval: 600 });
    await twins.patchDesired('acme', device, { interval: 600, led: 'on' });
    const events: unknown[] = [];
    bus.subscribe('twin.desired_changed', (event) => events.push(event));
    const resent = await twins.resend('acme', device, 'interval');
    expect(resent).toMatchObject({ status: 'pending', appliedAt: null, value: 600 });
    expect(events).toEqual([{ tenantId: 'acme', deviceId: device, version: 1 }]);
    // The device is sent it although reported has its value.
    expect((await twins.outstanding('acme', device))?.payload).toEqual({
      led: 'on',
      interval: 600,
      $version: 1,
    });
    await expect(twins.resend('acme', device, 'nothing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps a newer reported value over a late reading, property by property', async () => {
    const t0 = clock.now();
    const batch = (patch: Record<string, unknown>, at: number) =>
      transact(db.store, (tx) => twins.applyReportedBatch(tx, 'acme', [{ deviceId: device, patch, at }]));
    await batch({ temperature: 21, battery: 90 }, t0);
    // Late: older than what is stored. Its battery is older too; its new property is taken.
    await batch({ temperature: 18, humidity: 40 }, t0 - 60_000);
    const twin = await twins.get('acme', device);
    expect(twin.reported).toEqual({ temperature: 21, battery: 90, humidity: 40 });
    expect(twin.metadata.reported.temperature).toEqual({ updatedAt: new Date(t0).toISOString(), version: 1 });
    expect(twin.metadata.reported.humidity).toEqual({
      updatedAt: new Date(t0 - 60_000).toISOString(),
      version: 2,
    });
  });

  it("wakes a device's long poll with its own desired change only", async () => {
    await addDevice(db.store, 'acme', `${device}-o`);
    await twins.patchDesired('acme', device, { interval: 60 });
    // The poll listens from the call on: the other device's change comes while it waits.
    const polling = twins.readForDevice('acme', device, { since: 1, waitMs: 20_000 });
    await twins.patchDesired('acme', `${device}-o`, { interval: 1 });
    await twins.patchDesired('acme', `${device}-o`, { interval: 2 });
    await twins.patchDesired('acme', device, { interval: 120 });
    const woken = await polling;
    expect(woken).toMatchObject({ desiredVersion: 2, delta: { interval: 120 } });
    // What it carried is sent.
    expect(woken.parameters.interval).toMatchObject({ status: 'sent', attempts: 1 });
    // Already past `since`: at once, without waiting.
    expect((await twins.readForDevice('acme', device, { since: 0, waitMs: 20_000 })).desiredVersion).toBe(2);
    // Aborted (the client went away): the twin as it is.
    const gone = new AbortController();
    const aborted = twins.readForDevice('acme', device, { waitMs: 20_000, signal: gone.signal });
    gone.abort();
    expect((await aborted).desiredVersion).toBe(2);
  });

  it('passes over a decoded report that cannot be stored, and keeps the others of its batch', async () => {
    await addDevice(db.store, 'acme', `${device}-b`);
    const { entries } = await transact(db.store, (tx) =>
      twins.applyReportedBatch(tx, 'acme', [
        { deviceId: device, patch: { blob: 'x'.repeat(MAX_TWIN_BYTES) }, at: clock.now() },
        { deviceId: 'gone', patch: { a: 1 }, at: clock.now() },
        { deviceId: `${device}-b`, patch: { battery: 50 }, at: clock.now() },
      ]),
    );
    expect(entries.map((entry) => entry.entityId)).toEqual([`${device}-b`]);
    expect((await twins.get('acme', device)).reported).toEqual({});
    expect((await twins.get('acme', `${device}-b`)).reported).toEqual({ battery: 50 });
  });

  it('refuses documents over the limits, non-objects and reserved names, and stores nothing', async () => {
    const big = 'x'.repeat(MAX_TWIN_BYTES);
    let deep: unknown = 1;
    for (let level = 0; level < MAX_TWIN_DEPTH; level += 1) deep = { d: deep };
    const many = Object.fromEntries(
      Array.from({ length: MAX_TWIN_PROPERTIES + 1 }, (_, index) => [`p${index}`, index]),
    );
    for (const [patch, code] of [
      [{ blob: big }, 'twin_too_large'],
      [{ deep }, 'twin_too_deep'],
      [many, 'twin_too_large'],
      [[1, 2], 'validation_failed'],
      ['text', 'validation_failed'],
      [null, 'validation_failed'],
      [{ $version: 3 }, 'validation_failed'],
      [{ '': 1 }, 'validation_failed'],
      [{ a: { ['k'.repeat(129)]: 1 } }, 'validation_failed'],
    ] as const) {
      await expect(
        twins.patchDesired('acme', device, patch),
        JSON.stringify(patch).slice(0, 60),
      ).rejects.toMatchObject({ code });
      await expect(twins.patchReported('acme', device, patch)).rejects.toMatchObject({ code });
    }
    // Just within the depth limit is fine.
    let deepest: unknown = 1;
    for (let level = 0; level < MAX_TWIN_DEPTH - 1; level += 1) deepest = { d: deepest };
    await expect(twins.patchDesired('acme', device, { deepest })).resolves.toMatchObject({
      desiredVersion: 1,
    });
    await twins.patchDesired('acme', device, { deepest: null });
    // A patch that fits but makes the document too large is refused as well.
    await twins.patchDesired('acme', device, { a: 'y'.repeat(MAX_TWIN_BYTES / 2) });
    await expect(
      twins.patchDesired('acme', device, { b: 'y'.repeat(MAX_TWIN_BYTES / 2) }),
    ).rejects.toMatchObject({ code: 'twin_too_large', data: { document: 'desired' } });
    expect(await changesOf('twin.reported.changed', device)).toEqual([]);
    expect((await changesOf('twin.desired.changed', device)).length).toBe(3);
    expect((await twins.get('acme', device)).desired).toEqual({ a: 'y'.repeat(MAX_TWIN_BYTES / 2) });
  });

  it("answers not_found for another tenant's device and for a deleted one, storing nothing", async () => {
    await expect(twins.get('acme', 'theirs')).rejects.toMatchObject({ code: 'not_found' });
    await expect(twins.patchDesired('acme', 'theirs', { a: 1 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(twins.patchReported('acme', 'theirs', { a: 1 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(twins.resend('acme', 'theirs', 'a')).rejects.toMatchObject({ code: 'not_found' });
    expect(await twinRows('theirs')).toBe(0);
    await db.store.db.updateTable('devices').set({ deleted_at: 5 }).where('id', '=', device).execute();
    await expect(twins.patchDesired('acme', device, { a: 1 })).rejects.toMatchObject({ code: 'not_found' });
    expect(await twinRows(device)).toBe(0);
  });

  it('lists open parameters fleet-wide in device order, by status, page by page', async () => {
    await seedTenantWithTypes(db.store, 'fleet', { tracker: {} });
    const fleet = new TwinService({ store: db.store, clock, bus });
    for (const id of ['f3', 'f1', 'f2', 'f4']) {
      await addDevice(db.store, 'fleet', id);
      await fleet.patchDesired('fleet', id, { interval: 600, led: 'on' });
    }
    await fleet.markSent('fleet', 'f1', ['interval', 'led'], 1);
    await fleet.failParameters('fleet', 'f1', { led: 'no led' });
    await fleet.patchReported('fleet', 'f2', { interval: 600, led: 'on' });
    await fleet.markSent('fleet', 'f3', ['led'], 1);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await fleet.listOpen('fleet', ['pending', 'failed'], 2, cursor);
      seen.push(...page.items.map((item) => `${item.deviceId}/${item.name}:${item.status}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['f1/led:failed', 'f3/interval:pending', 'f4/interval:pending', 'f4/led:pending']);
    const sent = await fleet.listOpen('fleet', ['sent'], 10, undefined);
    expect(sent.items.map((item) => `${item.deviceId}/${item.name}`)).toEqual(['f1/interval', 'f3/led']);
    await expect(fleet.listOpen('fleet', ['failed'], 10, 'not-a-cursor')).rejects.toMatchObject({
      code: 'validation_failed',
    });
    // Another tenant's open parameters are not listed.
    expect((await twins.listOpen('other', ['pending', 'failed'], 10, undefined)).items).toEqual([]);
  });

  it('plans the fleet-wide query as a scan of the partial index of open parameters', async () => {
    // A fleet where most parameters are applied, as in the field, with the planner's statistics.
    await addDevice(db.store, 'fleet', 'bulk');
    await db.store.db
      .insertInto('twins')
      .values({
        tenant_id: 'fleet',
        device_id: 'bulk',
        desired: '{}',
        desired_meta: '{}',
        desired_version: 1,
        reported: '{}',
        reported_meta: '{}',
        reported_version: 0,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    for (let start = 0; start < 3000; start += 500) {
      await db.store.db
        .insertInto('twin_parameters')
        .values(
          Array.from({ length: 500 }, (_, index) => ({
            tenant_id: 'fleet',
            device_id: 'bulk',
            name: `p${start + index}`,
            version: 1,
            value: '1',
            status: 'applied',
            attempts: 1,
            set_by: 'api',
            pending_at: 1,
            sent_at: 1,
            applied_at: 1,
            failed_at: null,
            superseded_at: null,
            error: null,
            updated_at: 1,
          })),
        )
        .execute();
    }
    await sql`analyze`.execute(db.store.db);
    const query = db.store.db
      .selectFrom('twin_parameters')
      .selectAll()
      .where('tenant_id', '=', 'fleet')
      .where(sql<boolean>`status in ('pending', 'sent', 'failed')`)
      .where('status', 'in', ['pending', 'failed'])
      .orderBy('device_id')
      .orderBy('name')
      .limit(100)
      .compile();
    if (db.dialect === 'sqlite') {
      const plan = await sql
        .raw(`explain query plan ${inline(query.sql, query.parameters)}`)
        .execute(db.store.db);
      const details = (plan.rows as { detail: string }[]).map((row) => row.detail).join('\n');
      expect(details).toMatch(/USING INDEX twin_parameters_open/);
      expect(details).not.toMatch(/TEMP B-TREE/);
    } else {
      // A handful of rows would be read whole: ask the planner what it does once scans cost.
      const plan = await db.store.db.connection().execute(async (connection) => {
        await sql`set enable_seqscan = off`.execute(connection);
        try {
          return await sql.raw(`explain ${inline(query.sql, query.parameters)}`).execute(connection);
        } finally {
          await sql`reset enable_seqscan`.execute(connection);
        }
      });
      const text = (plan.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toMatch(/Index (Only )?Scan using twin_parameters_open/);
      // It may sort what the index found when it expects few rows; it never reads the table whole.
      expect(text).not.toMatch(/Seq Scan/);
    }
  });
});

/** The compiled query with its parameters inlined (test values only: quoted strings and numbers). */
function inline(text: string, parameters: readonly unknown[]): string {
  let index = 0;
  return text.replace(/\?|\$\d+/g, () => {
    const value = parameters[index++];
    return typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`;
  });
}
