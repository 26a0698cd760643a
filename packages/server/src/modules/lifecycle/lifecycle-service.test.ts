import { expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { isAppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Principal } from '../../kernel/principal.js';
import type { Store } from '../../store/store.js';
import { Scheduler } from '../scheduler/index.js';
import { ContractService, DAY_MS } from './contract-service.js';
import { LIFECYCLE_STATES, LIFECYCLE_TRANSITIONS, type LifecycleState } from './lifecycle-graph.js';
import { LifecycleService } from './lifecycle-service.js';

async function addDevice(
  store: Store,
  tenantId: string,
  id: string,
  lifecycle = 'manufactured',
): Promise<void> {
  await store.db
    .insertInto('devices')
    .values({
      tenant_id: tenantId,
      id,
      type_id: 'meter',
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

describeEachDialect('device lifecycle and contracts', (dialect) => {
  const db = suiteStore(dialect);
  let n = 0;

  /** A tenant of its own per test, with a `meter` type, a clock, a scheduler and both services. */
  async function setup() {
    n += 1;
    const tenantId = `t${n}`;
    await seedTenantWithTypes(db.store, tenantId, { meter: {} });
    const clock = new ManualClock(Date.UTC(2026, 5, 1) + n * 3_600_000);
    const bus = new EventBus();
    const deps = { store: db.store, clock, bus, logger: silentLogger };
    const scheduler = new Scheduler(deps);
    const lifecycle = new LifecycleService(deps);
    const contracts = new ContractService({ ...deps, scheduler }, lifecycle);
    const principal: Principal = { keyId: `key_${n}`, tenantId, scope: 'operator', system: false };
    const announced: string[] = [];
    bus.subscribe('device.lifecycle_changed', (event) => {
      if (event.tenantId === tenantId) announced.push(`${event.deviceId}:${event.from}>${event.to}`);
    });
    const changes = async (prefix: string) =>
      (
        await db.store.db
          .selectFrom('changes')
          .select(['kind', 'entity_id', 'data'])
          .where('tenant_id', '=', tenantId)
          .where('kind', 'like', `${prefix}%`)
          .orderBy('position')
          .execute()
      ).map((row) => ({ kind: row.kind, entityId: row.entity_id, data: JSON.parse(row.data) as unknown }));
    const state = async (deviceId: string) => (await lifecycle.get(tenantId, deviceId)).state;
    return { tenantId, clock, scheduler, lifecycle, contracts, principal, announced, changes, state };
  }

  it('moves a device by hand, audits who and why, and puts the transition in the feed', async () => {
    const { tenantId, clock, lifecycle, principal, announced, changes } = await setup();
    await addDevice(db.store, tenantId, 'd1');
    const activatedAt = clock.now();
    const shown = await lifecycle.set(principal, 'd1', { state: 'activated', reason: 'installed on site' });
    expect(shown).toMatchObject({
      deviceId: 'd1',
      state: 'activated',
      since: new Date(activatedAt).toISOString(),
      activatedAt: new Date(activatedAt).toISOString(),
      allowed: ['suspended', 'quarantined', 'out_of_contract', 'out_of_subscription', 'retired'],
    });
    clock.advance(60_000);
    await lifecycle.set(principal, 'd1', { state: 'suspended' });
    clock.advance(60_000);
    const back = await lifecycle.set(principal, 'd1', { state: 'activated', reason: 'paid' });
    // The activation date is the first one, kept through later states.
    expect(back.activatedAt).toBe(new Date(activatedAt).toISOString());
    expect(back.since).toBe(new Date(clock.now()).toISOString());

    const history = await lifecycle.history(tenantId, 'd1', { limit: 2 });
    expect(history.items.map((t) => [t.from, t.to, t.reason])).toEqual([
      ['suspended', 'activated', 'paid'],
      ['activated', 'suspended', ''],
    ]);
    expect(history.items[0]?.actor).toEqual({ kind: 'principal', id: principal.keyId });
    const rest = await lifecycle.history(tenantId, 'd1', { limit: 2, cursor: history.nextCursor ?? '' });
    expect(rest.items.map((t) => [t.from, t.to, t.reason])).toEqual([
      ['manufactured', 'activated', 'installed on site'],
    ]);
    expect(rest.nextCursor).toBeNull();

    const feed = await changes('device.lifecycle');
    expect(
      feed.map((c) => [c.entityId, (c.data as { from: string }).from, (c.data as { to: string }).to]),
    ).toEqual([
      ['d1', 'manufactured', 'activated'],
      ['d1', 'activated', 'suspended'],
      ['d1', 'suspended', 'activated'],
    ]);
    expect(announced).toEqual([
      'd1:manufactured>activated',
      'd1:activated>suspended',
      'd1:suspended>activated',
    ]);
    // The device row carries the state, and its version moved with each transition.
    const row = await db.store.db
      .selectFrom('devices')
      .select(['lifecycle', 'version'])
      .where('tenant_id', '=', tenantId)
      .where('id', '=', 'd1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ lifecycle: 'activated', version: 4 });
  });

  it('allows exactly the edges of the graph and names the allowed states when it refuses', async () => {
    const { tenantId, lifecycle, principal } = await setup();
    let i = 0;
    for (const from of LIFECYCLE_STATES) {
      for (const to of LIFECYCLE_STATES) {
        if (from === to) continue;
        i += 1;
        const id = `g${i}`;
        await addDevice(db.store, tenantId, id, from);
        const allowed = (LIFECYCLE_TRANSITIONS[from] as readonly LifecycleState[]).includes(to);
        if (allowed) {
          expect((await lifecycle.set(principal, id, { state: to })).state, `${from} → ${to}`).toBe(to);
        } else {
          const refused = await rejection(lifecycle.set(principal, id, { state: to }));
          expect(refused, `${from} → ${to}`).toEqual({
            code: 'lifecycle_transition_refused',
            data: { deviceId: id, from, to, allowed: [...LIFECYCLE_TRANSITIONS[from]] },
          });
          // Refused: nothing stored.
          expect((await lifecycle.get(tenantId, id)).state).toBe(from);
          expect((await lifecycle.history(tenantId, id, { limit: 10 })).items).toEqual([]);
        }
      }
    }
  });

  it('changes nothing when asked for the current state, and answers 404 for other tenants and deleted devices', async () => {
    const { tenantId, lifecycle, principal, changes } = await setup();
    const other = await setup();
    await addDevice(db.store, tenantId, 'mine');
    await addDevice(db.store, other.tenantId, 'theirs');
    await lifecycle.set(principal, 'mine', { state: 'manufactured' });
    expect(await changes('device.lifecycle')).toEqual([]);
    for (const attempt of [
      () => lifecycle.set(principal, 'theirs', { state: 'activated' }),
      () => lifecycle.get(tenantId, 'theirs'),
      () => lifecycle.history(tenantId, 'theirs', { limit: 10 }),
    ]) {
      expect((await rejection(attempt())).code).toBe('not_found');
    }
    expect(await other.state('theirs')).toBe('manufactured');
    await db.store.db
      .updateTable('devices')
      .set({ deleted_at: 5 })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', 'mine')
      .execute();
    expect((await rejection(lifecycle.set(principal, 'mine', { state: 'activated' }))).code).toBe(
      'not_found',
    );
  });

  it('moves devices between types all or nothing', async () => {
    const { tenantId, lifecycle, changes } = await setup();
    await seedTenantWithTypes(db.store, `${tenantId}-x`, {});
    await db.store.db
      .insertInto('device_types')
      .values({
        tenant_id: tenantId,
        id: 'meter-prod',
        name: 'meter-prod',
        description: '',
        expected_uplink_interval_s: null,
        settings: '{}',
        version: 1,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    for (const id of ['m1', 'm2', 'm3']) await addDevice(db.store, tenantId, id);
    expect(
      (await rejection(lifecycle.moveType(tenantId, { deviceIds: ['m1', 'nope'], typeId: 'meter-prod' })))
        .data,
    ).toMatchObject({ missing: ['nope'] });
    expect(
      (await rejection(lifecycle.moveType(tenantId, { deviceIds: ['m1'], typeId: 'no-type' }))).code,
    ).toBe('validation_failed');
    const types = async () =>
      (
        await db.store.db
          .selectFrom('devices')
          .select(['id', 'type_id'])
          .where('tenant_id', '=', tenantId)
          .orderBy('id')
          .execute()
      ).map((row) => `${row.id}:${row.type_id}`);
    expect(await types()).toEqual(['m1:meter', 'm2:meter', 'm3:meter']);
    expect(await changes('device.updated')).toEqual([]);

    await lifecycle.moveType(tenantId, { deviceIds: ['m1'], typeId: 'meter-prod' });
    const moved = await lifecycle.moveType(tenantId, { deviceIds: ['m1', 'm2', 'm3'], typeId: 'meter-prod' });
    expect(moved).toEqual({ typeId: 'meter-prod', moved: ['m2', 'm3'], unchanged: ['m1'] });
    expect(await types()).toEqual(['m1:meter-prod', 'm2:meter-prod', 'm3:meter-prod']);
    expect((await changes('device.updated')).map((c) => c.entityId)).toEqual(['m1', 'm2', 'm3']);
  });

  it('counts tokens, refuses to over-assign a contract, and warns once when they run low', async () => {
    const { tenantId, clock, contracts, changes } = await setup();
    for (const id of ['c1', 'c2', 'c3', 'c4']) await addDevice(db.store, tenantId, id);
    const start = clock.now();
    const contract = await contracts.create(tenantId, {
      provider: 'sigfox',
      name: 'EU 2026',
      tokens: 3,
      lowTokens: 1,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + 365 * DAY_MS).toISOString(),
    });
    expect(contract).toMatchObject({ tokens: 3, used: 0, free: 3, warnDays: 30 });

    const over = await rejection(
      contracts.assign(tenantId, contract.id, { deviceIds: ['c1', 'c2', 'c3', 'c4'] }),
    );
    expect(over).toEqual({
      code: 'contract_tokens_exhausted',
      data: { contractId: contract.id, tokens: 3, used: 0, free: 3, requested: 4 },
    });
    expect((await contracts.get(tenantId, contract.id)).used).toBe(0);
    expect(
      (await rejection(contracts.assign(tenantId, contract.id, { deviceIds: ['c1', 'ghost'] }))).code,
    ).toBe('not_found');
    expect((await contracts.get(tenantId, contract.id)).used).toBe(0);

    expect(await contracts.assign(tenantId, contract.id, { deviceIds: ['c1'] })).toMatchObject({
      used: 1,
      free: 2,
    });
    expect(await changes('contract.tokens_low')).toEqual([]);
    expect(await contracts.assign(tenantId, contract.id, { deviceIds: ['c1', 'c2'] })).toMatchObject({
      used: 2,
      free: 1,
    });
    const low = await changes('contract.tokens_low');
    expect(low.map((c) => c.data)).toEqual([
      {
        contractId: contract.id,
        name: 'EU 2026',
        provider: 'sigfox',
        tokens: 3,
        used: 2,
        free: 1,
        lowTokens: 1,
      },
    ]);
    await contracts.assign(tenantId, contract.id, { deviceIds: ['c3'] });
    // Once while low; again only after rising above the threshold.
    expect(await changes('contract.tokens_low')).toHaveLength(1);
    expect((await rejection(contracts.assign(tenantId, contract.id, { deviceIds: ['c4'] }))).code).toBe(
      'contract_tokens_exhausted',
    );
    // Fewer tokens than devices is refused too.
    expect((await rejection(contracts.update(tenantId, contract.id, { tokens: 2 }))).code).toBe(
      'contract_tokens_exhausted',
    );
    await contracts.unassign(tenantId, contract.id, 'c3');
    await contracts.unassign(tenantId, contract.id, 'c2');
    await contracts.assign(tenantId, contract.id, { deviceIds: ['c2'] });
    expect(await changes('contract.tokens_low')).toHaveLength(2);
    expect((await rejection(contracts.remove(tenantId, contract.id))).code).toBe('conflict');
  });

  it('refuses dates in the wrong order and stores nothing', async () => {
    const { tenantId, contracts, changes } = await setup();
    await addDevice(db.store, tenantId, 's1');
    const at = '2026-06-01T00:00:00.000Z';
    const refused = await rejection(
      contracts.create(tenantId, {
        provider: 'sigfox',
        tokens: 5,
        startsAt: at,
        endsAt: '2026-05-01T00:00:00.000Z',
      }),
    );
    expect(refused).toMatchObject({ code: 'validation_failed', data: { field: 'endsAt' } });
    expect(
      (
        await rejection(
          contracts.create(tenantId, { provider: 'sigfox', tokens: 5, startsAt: at, endsAt: at }),
        )
      ).code,
    ).toBe('validation_failed');
    expect(
      (
        await rejection(
          contracts.setSubscription(tenantId, 's1', {
            plan: 'basic',
            startsAt: at,
            endsAt: '2020-01-01T00:00:00Z',
          }),
        )
      ).code,
    ).toBe('validation_failed');
    expect((await contracts.list(tenantId, { limit: 10 })).items).toEqual([]);
    expect((await rejection(contracts.subscription(tenantId, 's1'))).code).toBe('not_found');
    expect(await changes('contract')).toEqual([]);
    expect(await changes('subscription')).toEqual([]);
  });

  it("warns before a contract's end and moves its devices out of contract at the end, on the scheduler's clock", async () => {
    const { tenantId, clock, scheduler, lifecycle, contracts, principal, changes, state } = await setup();
    for (const id of ['e1', 'e2', 'e3']) await addDevice(db.store, tenantId, id);
    await lifecycle.set(principal, 'e1', { state: 'activated' });
    await lifecycle.set(principal, 'e2', { state: 'activated' });
    await lifecycle.set(principal, 'e2', { state: 'retired' });
    const start = clock.now();
    const end = start + 40 * DAY_MS;
    const contract = await contracts.create(tenantId, {
      provider: 'sigfox',
      tokens: 10,
      warnDays: 7,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(end).toISOString(),
    });
    await contracts.assign(tenantId, contract.id, { deviceIds: ['e1', 'e2', 'e3'] });

    clock.set(end - 7 * DAY_MS - 1);
    expect(await scheduler.runDue()).toBe(0);
    clock.set(end - 7 * DAY_MS);
    expect(await scheduler.runDue()).toBe(1);
    expect((await changes('contract.ending')).map((c) => c.data)).toEqual([
      {
        contractId: contract.id,
        name: '',
        provider: 'sigfox',
        endsAt: new Date(end).toISOString(),
        daysLeft: 7,
        devices: 3,
      },
    ]);
    expect(await state('e1')).toBe('activated');

    clock.set(end);
    expect(await scheduler.runDue()).toBe(1);
    // Activated → out of contract; a manufactured device may not go there, nor a retired one.
    expect([await state('e1'), await state('e2'), await state('e3')]).toEqual([
      'out_of_contract',
      'retired',
      'manufactured',
    ]);
    const [transition] = (await lifecycle.history(tenantId, 'e1', { limit: 1 })).items;
    expect(transition).toMatchObject({
      from: 'activated',
      to: 'out_of_contract',
      actor: { kind: 'platform', id: 'contract_ended' },
      at: new Date(end).toISOString(),
    });
    expect((await contracts.get(tenantId, contract.id)).endedAt).not.toBeNull();
    expect(await changes('contract.ended')).toHaveLength(1);
    // Nothing is left to run, and the warning came once.
    clock.advance(DAY_MS);
    expect(await scheduler.runDue()).toBe(0);
    expect(await changes('contract.ending')).toHaveLength(1);
    // An ended contract takes no more devices.
    await addDevice(db.store, tenantId, 'e4');
    expect((await rejection(contracts.assign(tenantId, contract.id, { deviceIds: ['e4'] }))).code).toBe(
      'conflict',
    );
  });

  it('keeps end dates across a restart: a new scheduler on the same store runs them', async () => {
    const { tenantId, clock, lifecycle, contracts, principal, state } = await setup();
    await addDevice(db.store, tenantId, 'r1');
    await lifecycle.set(principal, 'r1', { state: 'activated' });
    const start = clock.now();
    await contracts.setSubscription(tenantId, 'r1', {
      plan: 'premium',
      warnDays: 0,
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + 10 * DAY_MS).toISOString(),
    });
    // "Restart": the services and the scheduler are made again from the store alone.
    const deps = { store: db.store, clock, bus: new EventBus(), logger: silentLogger };
    const scheduler = new Scheduler(deps);
    const again = new LifecycleService(deps);
    new ContractService({ ...deps, scheduler }, again);
    clock.set(start + 10 * DAY_MS);
    await scheduler.runDue();
    expect(await state('r1')).toBe('out_of_subscription');
  });

  it("warns before a subscription's end, moves the device at the end, and re-arms when the end moves later", async () => {
    const { tenantId, clock, scheduler, lifecycle, contracts, principal, changes, state } = await setup();
    await addDevice(db.store, tenantId, 'u1');
    await lifecycle.set(principal, 'u1', { state: 'activated' });
    const start = clock.now();
    const end = start + 20 * DAY_MS;
    const body = { plan: 'basic', warnDays: 5, startsAt: new Date(start).toISOString() };
    await contracts.setSubscription(tenantId, 'u1', { ...body, endsAt: new Date(end).toISOString() });
    clock.set(end - 5 * DAY_MS);
    await scheduler.runDue();
    expect((await changes('subscription.ending')).map((c) => c.data)).toEqual([
      { deviceId: 'u1', plan: 'basic', endsAt: new Date(end).toISOString(), daysLeft: 5 },
    ]);
    // Renewed before the end: the end moves, the warning is due again before the new end.
    const later = end + 30 * DAY_MS;
    const renewed = await contracts.setSubscription(tenantId, 'u1', {
      ...body,
      endsAt: new Date(later).toISOString(),
    });
    expect(renewed).toMatchObject({ endingWarnedAt: null, version: 2 });
    clock.set(end);
    await scheduler.runDue();
    expect(await state('u1')).toBe('activated');
    clock.set(later);
    await scheduler.runDue();
    expect(await changes('subscription.ending')).toHaveLength(2);
    expect(await state('u1')).toBe('out_of_subscription');
    expect((await changes('subscription.ended')).map((c) => c.entityId)).toEqual(['u1']);
    const [transition] = (await lifecycle.history(tenantId, 'u1', { limit: 1 })).items;
    expect(transition?.actor).toEqual({ kind: 'platform', id: 'subscription_ended' });
  });

  it("keeps another tenant's contracts and subscriptions apart", async () => {
    const a = await setup();
    const b = await setup();
    await addDevice(db.store, b.tenantId, 'bdev');
    await addDevice(db.store, a.tenantId, 'adev');
    const at = new Date(a.clock.now()).toISOString();
    const later = new Date(a.clock.now() + DAY_MS).toISOString();
    const contract = await a.contracts.create(a.tenantId, {
      provider: 'sigfox',
      tokens: 2,
      startsAt: at,
      endsAt: later,
    });
    for (const attempt of [
      () => b.contracts.get(b.tenantId, contract.id),
      () => b.contracts.assign(b.tenantId, contract.id, { deviceIds: ['bdev'] }),
      () => b.contracts.update(b.tenantId, contract.id, { tokens: 9 }),
      () => b.contracts.remove(b.tenantId, contract.id),
      () => b.contracts.devices(b.tenantId, contract.id, { limit: 10 }),
      // A's contract cannot take B's device.
      () => a.contracts.assign(a.tenantId, contract.id, { deviceIds: ['bdev'] }),
      () => a.contracts.setSubscription(a.tenantId, 'bdev', { plan: 'x', startsAt: at, endsAt: later }),
    ]) {
      expect((await rejection(attempt())).code).toBe('not_found');
    }
    expect((await b.contracts.list(b.tenantId, { limit: 10 })).items).toEqual([]);
    expect(await a.contracts.get(a.tenantId, contract.id)).toMatchObject({ tokens: 2, used: 0 });
  });
});
