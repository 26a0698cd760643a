import { describe, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { isAppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { Scheduler } from '../scheduler/index.js';
import { CommandService, type DownlinkEncoder } from './command-service.js';
import { SigfoxCommands } from './command-sigfox.js';

async function addDevice(store: Store, tenantId: string, id: string, deleted = false): Promise<void> {
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
      deleted_at: deleted ? 2 : null,
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

/** The codec stand-in: encodes `{level}` as one byte and refuses anything else with a message. */
const levelEncoder: DownlinkEncoder = async (_tenantId, _deviceId, data) => {
  const level = (data as { level?: unknown }).level;
  if (typeof level !== 'number') return { bytes: null, errors: ['level must be a number'] };
  return { bytes: Uint8Array.of(level), errors: [] };
};

describeEachDialect('command queue', (dialect) => {
  const db = suiteStore(dialect);
  let n = 0;

  /** A tenant of its own per test, with devices d1, d2 and a deleted one. */
  async function setup(encode: DownlinkEncoder | null = levelEncoder) {
    n += 1;
    const tenantId = `t${n}`;
    await seedTenantWithTypes(db.store, tenantId, { meter: {} });
    await addDevice(db.store, tenantId, 'd1');
    await addDevice(db.store, tenantId, 'd2');
    await addDevice(db.store, tenantId, 'gone', true);
    const clock = new ManualClock(Date.UTC(2026, 5, 1) + n * 3_600_000);
    const bus = new EventBus();
    const scheduler = new Scheduler({ store: db.store, clock, logger: silentLogger });
    const service = new CommandService({
      store: db.store,
      clock,
      bus,
      logger: silentLogger,
      scheduler,
      ...(encode === null ? {} : { encode }),
    });
    const queued: string[] = [];
    bus.subscribe('command.queued', (event) => {
      if (event.tenantId === tenantId) queued.push(event.deviceId);
    });
    /** Transactions that committed changes of this tenant, in order. */
    const commits: number[] = [];
    bus.subscribe('changes.committed', (event) => {
      if (event.tenantId === tenantId) commits.push(event.position);
    });
    const counts = async () => {
      const [commands, events, changes] = await Promise.all([
        db.store.db
          .selectFrom('commands')
          .select(db.store.db.fn.countAll().as('n'))
          .where('tenant_id', '=', tenantId)
          .executeTakeFirstOrThrow(),
        db.store.db
          .selectFrom('command_events')
          .select(db.store.db.fn.countAll().as('n'))
          .where('tenant_id', '=', tenantId)
          .executeTakeFirstOrThrow(),
        db.store.db
          .selectFrom('changes')
          .select(db.store.db.fn.countAll().as('n'))
          .where('tenant_id', '=', tenantId)
          .where('kind', 'like', 'command.%')
          .executeTakeFirstOrThrow(),
      ]);
      return { commands: Number(commands.n), events: Number(events.n), changes: Number(changes.n) };
    };
    const sent =
      (status: 'sent' | 'unknown' = 'sent') =>
      () => ({ status, detail: { via: 'test' } });
    return { tenantId, clock, scheduler, service, queued, commits, counts, sent };
  }

  it('queues a command and records the transition with its change in the feed', async () => {
    const { tenantId, service, queued, counts } = await setup();
    const { command, created } = await service.create(tenantId, 'd1', { hex: 'a1b2', priority: 7 });
    expect(created).toBe(true);
    expect(command).toMatchObject({
      status: 'queued',
      hex: 'a1b2',
      priority: 7,
      transport: 'mqtt',
      attempts: 0,
    });
    expect(command.id).toMatch(/^cmd_[0-9a-f]{32}$/);
    expect(queued).toEqual(['d1']);
    const shown = await service.get(tenantId, 'd1', command.id);
    expect(shown.history?.map((h) => h.status)).toEqual(['queued']);
    expect(await counts()).toEqual({ commands: 1, events: 1, changes: 1 });
  });

  it('answers the existing command for a repeated idempotency key, per device', async () => {
    const { tenantId, service, counts } = await setup();
    const first = await service.create(tenantId, 'd1', { hex: '01', idempotencyKey: 'k-1' });
    const again = await service.create(tenantId, 'd1', { hex: '02', idempotencyKey: 'k-1' });
    expect(again.created).toBe(false);
    expect(again.command.id).toBe(first.command.id);
    expect(again.command.hex).toBe('01');
    const other = await service.create(tenantId, 'd2', { hex: '02', idempotencyKey: 'k-1' });
    expect(other.created).toBe(true);
    expect((await counts()).commands).toBe(2);
  });

  it('creates many devices’ commands in one call: per-item outcomes, one change each, expiry jobs', async () => {
    const { tenantId, clock, scheduler, service, queued, counts, sent } = await setup();
    const outcomes = await service.createMany(tenantId, [
      { deviceId: 'd1', body: { hex: '01', expiresInSeconds: 60 } },
      { deviceId: 'gone', body: { hex: '01' } },
      { deviceId: 'd2', body: { data: { level: 'x' } } },
      { deviceId: 'd2', body: { data: { level: 4 }, idempotencyKey: 'k' } },
      { deviceId: 'd2', body: { hex: 'ff', idempotencyKey: 'k' } },
      { deviceId: 'd1', body: { hex: '02' } },
    ]);
    expect(outcomes.map((o) => (o.error === undefined ? o.created : o.error.code))).toEqual([
      true,
      'not_found',
      'encoding_failed',
      true,
      false,
      true,
    ]);
    expect(outcomes[4]?.command).toEqual(outcomes[3]?.command);
    expect(await counts()).toEqual({ commands: 3, events: 3, changes: 3 });
    // One wake-up per device, whatever its number of commands.
    expect([...queued].sort()).toEqual(['d1', 'd2']);
    // The expiry is scheduled with the command: it expires on the clock, unsent.
    clock.advance(60_000);
    await scheduler.runDue();
    const taken = await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
    expect(taken.map((t) => t.payload.toString('hex'))).toEqual(['02']);
    const first = outcomes[0]?.command?.id ?? '';
    expect((await service.get(tenantId, 'd1', first)).status).toBe('expired');
  });

  it('answers the winner’s command when creates with one key race, in a batch or alone', async () => {
    const { tenantId, service, counts } = await setup();
    const results = await Promise.all([
      service.createMany(tenantId, [
        { deviceId: 'd1', body: { hex: '01', idempotencyKey: 'race' } },
        { deviceId: 'd2', body: { hex: '02' } },
      ]),
      service.create(tenantId, 'd1', { hex: '03', idempotencyKey: 'race' }),
      service.createMany(tenantId, [{ deviceId: 'd1', body: { hex: '04', idempotencyKey: 'race' } }]),
    ]);
    const [batch, alone, other] = results;
    const ids = new Set([batch[0]?.command?.id, alone.command.id, other[0]?.command?.id]);
    expect(ids.size).toBe(1);
    expect([batch[0]?.created, alone.created, other[0]?.created].filter(Boolean)).toHaveLength(1);
    expect(batch[1]).toMatchObject({ created: true, command: { deviceId: 'd2', hex: '02' } });
    expect((await counts()).commands).toBe(2);
  });

  describe('transitions asked for together', () => {
    it('commit in one transaction: several commands of two tenants, one stale compare-and-set, one command twice', async () => {
      const a = await setup();
      const b = await setup();
      const bus = new EventBus();
      const commits: { tenantId: string; position: number }[] = [];
      bus.subscribe('changes.committed', (event) => commits.push(event));
      const service = new CommandService({
        store: db.store,
        clock: a.clock,
        bus,
        logger: silentLogger,
        scheduler: new Scheduler({ store: db.store, clock: a.clock, logger: silentLogger }),
      });
      const make = async (s: typeof a, deviceId: string) =>
        (await service.find(
          s.tenantId,
          (
            await s.service.create(s.tenantId, deviceId, { hex: '01' })
          ).command.id,
        )) ?? expect.fail('created');
      const [one, two, three, theirs] = [
        await make(a, 'd1'),
        await make(a, 'd2'),
        await make(a, 'd1'),
        await make(b, 'd1'),
      ];
      // `three` moves first: the copy read before is stale.
      await service.transition(three, 'cancelled', { reason: 'first' });
      const before = { a: await a.counts(), b: await b.counts() };
      const results = await Promise.all([
        service.transition(one, 'sent', { attempt: 1 }, { attempts: 1 }),
        service.transition(two, 'cancelled', { reason: 'cancelled' }),
        service.transition(three, 'sent', { attempt: 1 }, { attempts: 1 }),
        service.transition(one, 'cancelled', { reason: 'too late' }),
        service.transition(theirs, 'unknown', { reason: 'test' }),
      ]);
      expect(results.map((r) => r?.status)).toEqual(['sent', 'cancelled', undefined, undefined, 'unknown']);
      // One commit for the batch: one announcement per tenant, not one per transition.
      expect(
        commits
          .slice(-2)
          .map((c) => c.tenantId)
          .sort(),
      ).toEqual([a.tenantId, b.tenantId].sort());
      expect(commits).toHaveLength(3);
      expect(await a.counts()).toEqual({
        commands: before.a.commands,
        events: before.a.events + 2,
        changes: before.a.changes + 2,
      });
      expect((await b.counts()).events).toBe(before.b.events + 1);
      // History rows numbered from the version: in order, none lost, none twice.
      const shown = await service.get(a.tenantId, 'd1', one.id);
      expect(shown).toMatchObject({ status: 'sent', attempts: 1 });
      expect(shown.history?.map((h) => h.status)).toEqual(['queued', 'sent']);
      const stale = await service.get(a.tenantId, 'd1', three.id);
      expect(stale.history?.map((h) => h.status)).toEqual(['queued', 'cancelled']);
      // The loser of the race is moved on by its caller: it reads the command again.
      const cancelled = await service.cancel(a.tenantId, 'd1', one.id);
      expect(cancelled.status).toBe('cancelled');
      expect((await service.get(a.tenantId, 'd1', one.id)).history?.map((h) => h.status)).toEqual([
        'queued',
        'sent',
        'cancelled',
      ]);
    });

    it('fail alone: a transition whose work throws does not fail the others of its batch', async () => {
      const { tenantId, service, counts } = await setup();
      const ids = (
        await service.createMany(tenantId, [
          { deviceId: 'd1', body: { hex: '01' } },
          { deviceId: 'd2', body: { hex: '02' } },
        ])
      ).map((o) => o.command?.id ?? '');
      const [good, bad] = await Promise.all(
        ids.map(async (id) => (await service.find(tenantId, id)) ?? expect.fail(id)),
      );
      if (good === undefined || bad === undefined) throw new Error('two commands');
      const before = await counts();
      const [ok, failed] = await Promise.allSettled([
        service.transition(good, 'sent', {}),
        service.transition(bad, 'sent', {}, {}, async () => {
          throw new Error('boom');
        }),
      ]);
      expect(ok).toMatchObject({ status: 'fulfilled', value: { status: 'sent' } });
      expect(failed).toMatchObject({ status: 'rejected', reason: { message: 'boom' } });
      expect((await service.find(tenantId, bad.id))?.status).toBe('queued');
      expect(await counts()).toEqual({ ...before, events: before.events + 1, changes: before.changes + 1 });
    });
  });

  describe('answers of devices', () => {
    it('are taken many at once in one transaction, each with its own outcome, none read first', async () => {
      const { tenantId, clock, scheduler, service, commits, counts, sent } = await setup();
      const { tenantId: otherTenant, service: otherService } = await setup();
      const made = await service.createMany(tenantId, [
        { deviceId: 'd1', body: { hex: '01', confirmed: true } },
        { deviceId: 'd2', body: { hex: '02', confirmed: true } },
        { deviceId: 'd1', body: { hex: '03' } },
        { deviceId: 'd2', body: { hex: '04', expiresInSeconds: 1 } },
        { deviceId: 'd1', body: { hex: '05' } },
      ]);
      const [one, two, three, late, answered] = made.map((o) => o.command?.id ?? expect.fail('created'));
      const theirs = (await otherService.create(otherTenant, 'd1', { hex: '06' })).command.id;
      await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
      await service.claim(tenantId, 'd2', 'mqtt', 1, sent());
      await service.acknowledge(tenantId, 'd1', answered ?? '', { failed: false, result: 1, detail: {} });
      clock.advance(1_000);
      await scheduler.runDue();
      const before = { counts: await counts(), commits: commits.length };
      const answer = (deviceId: string, commandId: string | undefined, failed = false) => ({
        deviceId,
        commandId: commandId ?? '',
        failed,
        result: failed ? { status: 'failed' } : { ok: deviceId },
        detail: { via: 'batch' },
      });
      const outcomes = await service.acknowledgeMany(tenantId, [
        answer('d1', one),
        answer('d2', two, true),
        answer('d1', three),
        answer('d2', late),
        answer('d1', answered, true),
        answer('d1', two),
        answer('d1', 'cmd_nope'),
        answer('d1', theirs),
      ]);
      expect(outcomes.map((o) => o.command?.status ?? o.error?.code)).toEqual([
        'acknowledged',
        'failed',
        'acknowledged',
        'conflict',
        'acknowledged',
        'not_found',
        'not_found',
        'not_found',
      ]);
      expect(outcomes[0]?.command).toMatchObject({ result: { ok: 'd1' }, attempts: 1 });
      expect(outcomes[1]?.command?.result).toEqual({ status: 'failed' });
      // The answer given before stands: a second one changes nothing.
      expect(outcomes[4]?.command?.result).toBe(1);
      // Three answers moved three commands in one commit, each with its history row and change.
      expect(commits.length - before.commits).toBe(1);
      expect(await counts()).toEqual({
        commands: before.counts.commands,
        events: before.counts.events + 3,
        changes: before.counts.changes + 3,
      });
      expect((await service.get(tenantId, 'd1', one ?? '')).history?.map((h) => h.status)).toEqual([
        'queued',
        'sent',
        'acknowledged',
      ]);
      // Finished confirmed commands leave no retry behind.
      expect(await scheduler.job(`commands.retry:${tenantId}:${one}`)).toBeUndefined();
      expect(await scheduler.job(`commands.retry:${tenantId}:${two}`)).toBeUndefined();
      expect((await otherService.find(otherTenant, theirs))?.status).toBe('queued');
    });

    it('overtake the report of delivery in the same batch without losing it: both recorded in one commit', async () => {
      const { tenantId, service, commits, sent } = await setup();
      const refusedId = (await service.create(tenantId, 'd2', { hex: '02' })).command.id;
      const { command } = await service.create(tenantId, 'd1', { hex: '01' });
      await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
      await service.claim(tenantId, 'd2', 'mqtt', 10, sent());
      const before = commits.length;
      const [delivered, acknowledged, refused, again] = await Promise.all([
        service.deliveredOverTransport(tenantId, 'd1', command.id, { refused: false, detail: { qos: 1 } }),
        service.acknowledge(tenantId, 'd1', command.id, { failed: false, result: null, detail: {} }),
        service.deliveredOverTransport(tenantId, 'd2', refusedId, { refused: true, detail: { qos: 1 } }),
        // Another device's PUBACK moves nothing.
        service.deliveredOverTransport(tenantId, 'd2', command.id, { refused: false, detail: {} }),
      ]);
      expect(delivered?.status).toBe('delivered');
      expect(acknowledged.status).toBe('acknowledged');
      expect(refused?.status).toBe('failed');
      expect(again).toBeUndefined();
      expect(commits.length - before).toBe(1);
      const shown = await service.get(tenantId, 'd1', command.id);
      expect(shown.history?.map((h) => h.status)).toEqual(['queued', 'sent', 'delivered', 'acknowledged']);
      expect((await service.get(tenantId, 'd2', refusedId)).history?.at(-1)?.detail).toEqual({
        qos: 1,
        reason: 'refused_by_device',
      });
      // A report of delivery after the answer, or for a command not handed out, moves nothing.
      expect(
        await service.deliveredOverTransport(tenantId, 'd1', command.id, { refused: true, detail: {} }),
      ).toBeUndefined();
      const waiting = await service.create(tenantId, 'd1', { hex: '03' });
      expect(
        await service.deliveredOverTransport(tenantId, 'd1', waiting.command.id, {
          refused: true,
          detail: {},
        }),
      ).toBeUndefined();
      expect((await service.find(tenantId, waiting.command.id))?.status).toBe('queued');
    });
  });

  it('hands queued commands out most urgent first, then oldest first, and never twice', async () => {
    const { tenantId, clock, service, sent } = await setup();
    const low = await service.create(tenantId, 'd1', { hex: '01', priority: 1 });
    clock.advance(1);
    const urgent = await service.create(tenantId, 'd1', { hex: '02', priority: 9 });
    clock.advance(1);
    const normalOld = await service.create(tenantId, 'd1', { hex: '03' });
    clock.advance(1);
    const normalNew = await service.create(tenantId, 'd1', { hex: '04' });
    await service.create(tenantId, 'd1', { hex: '05', transport: 'http' });
    const taken = await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
    expect(taken.map((t) => t.row.id)).toEqual([
      urgent.command.id,
      normalOld.command.id,
      normalNew.command.id,
      low.command.id,
    ]);
    expect(taken.map((t) => t.payload.toString('hex'))).toEqual(['02', '03', '04', '01']);
    expect(taken.every((t) => t.row.status === 'sent' && t.row.attempts === 1)).toBe(true);
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
  });

  it('expires a queued command at its expiry, on the clock, and never sends it', async () => {
    const { tenantId, clock, scheduler, service, sent } = await setup();
    const { command } = await service.create(tenantId, 'd1', { hex: '01', expiresInSeconds: 60 });
    clock.advance(59_999);
    await scheduler.runDue();
    expect((await service.get(tenantId, 'd1', command.id)).status).toBe('queued');
    clock.advance(1);
    await scheduler.runDue();
    const expired = await service.get(tenantId, 'd1', command.id);
    expect(expired.status).toBe('expired');
    expect(expired.history?.map((h) => h.status)).toEqual(['queued', 'expired']);
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
  });

  it('refuses an answer to an expired command with conflict, and changes nothing', async () => {
    const { tenantId, clock, scheduler, service, counts } = await setup();
    const { command } = await service.create(tenantId, 'd1', { hex: '01', expiresInSeconds: 1 });
    clock.advance(1_000);
    await scheduler.runDue();
    const before = await counts();
    const refused = await rejection(
      service.acknowledge(tenantId, 'd1', command.id, { failed: false, result: null, detail: {} }),
    );
    expect(refused).toEqual({ code: 'conflict', data: { commandId: command.id, status: 'expired' } });
    expect(await counts()).toEqual(before);
  });

  it('expires a command found past its expiry when it would be sent, before the job ran', async () => {
    const { tenantId, clock, service, sent } = await setup();
    const { command } = await service.create(tenantId, 'd1', { hex: '01', expiresInSeconds: 1 });
    clock.advance(1_000);
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
    expect((await service.get(tenantId, 'd1', command.id)).status).toBe('expired');
  });

  it('sends a confirmed command again after its backoff, doubled, then gives up as unknown', async () => {
    const { tenantId, clock, scheduler, service, sent } = await setup();
    const { command } = await service.create(tenantId, 'd1', {
      hex: '01',
      confirmed: true,
      retry: { attempts: 3, backoffSeconds: 10 },
    });
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toHaveLength(1);
    clock.advance(9_999);
    await scheduler.runDue();
    expect((await service.get(tenantId, 'd1', command.id)).status).toBe('sent');
    clock.advance(1);
    await scheduler.runDue();
    expect((await service.get(tenantId, 'd1', command.id)).status).toBe('queued');
    expect((await service.claim(tenantId, 'd1', 'mqtt', 10, sent()))[0]?.row.attempts).toBe(2);
    clock.advance(19_999);
    await scheduler.runDue();
    expect((await service.get(tenantId, 'd1', command.id)).status).toBe('sent');
    clock.advance(1);
    await scheduler.runDue();
    expect((await service.claim(tenantId, 'd1', 'mqtt', 10, sent()))[0]?.row.attempts).toBe(3);
    clock.advance(40_000);
    await scheduler.runDue();
    const last = await service.get(tenantId, 'd1', command.id);
    expect(last.status).toBe('unknown');
    expect(last.attempts).toBe(3);
    expect(last.history?.map((h) => h.status)).toEqual([
      'queued',
      'sent',
      'queued',
      'sent',
      'queued',
      'sent',
      'unknown',
    ]);
    expect(last.history?.at(-1)?.detail).toMatchObject({ reason: 'not_acknowledged', attempt: 3 });
  });

  it('does not send an unconfirmed command again, nor a confirmed one once acknowledged', async () => {
    const { tenantId, clock, scheduler, service, sent } = await setup();
    const plain = await service.create(tenantId, 'd1', {
      hex: '01',
      retry: { attempts: 3, backoffSeconds: 1 },
    });
    const confirmed = await service.create(tenantId, 'd1', {
      hex: '02',
      confirmed: true,
      retry: { attempts: 3, backoffSeconds: 1 },
    });
    await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
    const acked = await service.acknowledge(tenantId, 'd1', confirmed.command.id, {
      failed: false,
      result: { ok: true },
      detail: { via: 'test' },
    });
    expect(acked).toMatchObject({ status: 'acknowledged', result: { ok: true } });
    expect(await scheduler.job(`commands.retry:${tenantId}:${confirmed.command.id}`)).toBeUndefined();
    clock.advance(60_000);
    await scheduler.runDue();
    expect((await service.get(tenantId, 'd1', plain.command.id)).status).toBe('sent');
    expect((await service.get(tenantId, 'd1', confirmed.command.id)).status).toBe('acknowledged');
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
  });

  it('cancels until delivered, and refuses a cancel after delivery with command_not_cancellable', async () => {
    const { tenantId, service, sent, counts } = await setup();
    const queued = await service.create(tenantId, 'd1', { hex: '01' });
    expect((await service.cancel(tenantId, 'd1', queued.command.id)).status).toBe('cancelled');
    expect((await service.cancel(tenantId, 'd1', queued.command.id)).status).toBe('cancelled');
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
    const other = await service.create(tenantId, 'd1', { hex: '02' });
    const [out] = await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
    if (out === undefined) throw new Error('nothing claimed');
    await service.delivered(out.row, { via: 'test' });
    const before = await counts();
    const refused = await rejection(service.cancel(tenantId, 'd1', other.command.id));
    expect(refused).toEqual({
      code: 'command_not_cancellable',
      data: { commandId: other.command.id, status: 'delivered' },
    });
    expect(await counts()).toEqual(before);
  });

  it("answers 404 for unknown, deleted and other tenants' devices, and another device's command", async () => {
    const { tenantId, service, counts } = await setup();
    const { tenantId: otherTenant, service: otherService } = await setup();
    const mine = await service.create(tenantId, 'd1', { hex: '01' });
    expect((await rejection(service.create(tenantId, 'nope', { hex: '01' }))).code).toBe('not_found');
    expect((await rejection(service.create(tenantId, 'gone', { hex: '01' }))).code).toBe('not_found');
    expect((await rejection(otherService.get(otherTenant, 'd1', mine.command.id))).code).toBe('not_found');
    expect((await rejection(service.get(tenantId, 'd2', mine.command.id))).code).toBe('not_found');
    expect((await rejection(service.cancel(tenantId, 'd2', mine.command.id))).code).toBe('not_found');
    const before = await counts();
    const ack = (device: string, id: string) =>
      rejection(service.acknowledge(tenantId, device, id, { failed: false, result: null, detail: {} }));
    expect((await ack('d2', mine.command.id)).code).toBe('not_found');
    expect((await ack('d1', 'cmd_0000')).code).toBe('not_found');
    expect(await counts()).toEqual(before);
  });

  it('refuses a Sigfox payload over 8 bytes, raw or encoded, and stores nothing', async () => {
    const wide: DownlinkEncoder = async () => ({ bytes: new Uint8Array(9), errors: [] });
    const { tenantId, service, counts } = await setup(wide);
    const raw = await rejection(service.create(tenantId, 'd1', { hex: '00'.repeat(9), transport: 'sigfox' }));
    expect(raw).toEqual({ code: 'downlink_too_long', data: { transport: 'sigfox', bytes: 9, maxBytes: 8 } });
    const encoded = await rejection(
      service.create(tenantId, 'd1', { data: { level: 1 }, transport: 'sigfox' }),
    );
    expect(encoded.code).toBe('downlink_too_long');
    expect((await service.create(tenantId, 'd1', { hex: '00'.repeat(8), transport: 'sigfox' })).created).toBe(
      true,
    );
    expect((await counts()).commands).toBe(1);
  });

  it("refuses data the codec cannot encode with the codec's message, and fails a command that stops encoding", async () => {
    let refuse = false;
    const fickle: DownlinkEncoder = async (tenantId, deviceId, data) =>
      refuse
        ? { bytes: null, errors: ['the codec changed its mind'] }
        : levelEncoder(tenantId, deviceId, data);
    const { tenantId, service, counts, sent } = await setup(fickle);
    const bad = await rejection(service.create(tenantId, 'd1', { data: { level: 'high' } }));
    expect(bad).toEqual({ code: 'encoding_failed', data: { errors: ['level must be a number'] } });
    expect((await counts()).commands).toBe(0);
    const { command } = await service.create(tenantId, 'd1', { data: { level: 3 } });
    refuse = true;
    expect(await service.claim(tenantId, 'd1', 'mqtt', 10, sent())).toEqual([]);
    const failed = await service.get(tenantId, 'd1', command.id);
    expect(failed.status).toBe('failed');
    expect(failed.history?.at(-1)?.detail).toMatchObject({ reason: 'encoding_failed' });
    expect(String(failed.history?.at(-1)?.detail.error)).toContain('the codec changed its mind');
  });

  it('sends JSON as its text over MQTT when the type has no codec, and refuses it over Sigfox', async () => {
    const { tenantId, service, sent } = await setup(null);
    await service.create(tenantId, 'd1', { data: { on: true } });
    const [out] = await service.claim(tenantId, 'd1', 'mqtt', 10, sent());
    expect(out?.payload.toString()).toBe('{"on":true}');
    expect(
      (await rejection(service.create(tenantId, 'd1', { data: { on: true }, transport: 'sigfox' }))).code,
    ).toBe('encoding_failed');
  });

  it('keeps the per-device history across commands, newest first', async () => {
    const { tenantId, service, sent } = await setup();
    const a = await service.create(tenantId, 'd1', { hex: '01' });
    await service.claim(tenantId, 'd1', 'mqtt', 10, sent('unknown'));
    const history = await service.deviceHistory(tenantId, 'd1', 10);
    expect(history.items.map((e) => [e.commandId, e.status])).toEqual([
      [a.command.id, 'unknown'],
      [a.command.id, 'queued'],
    ]);
  });
});

describeEachDialect('Sigfox downlink lookup', (dialect) => {
  const db = suiteStore(dialect);

  it('answers without a downlink when the lookup is slower than its bound, and queues the command again', async () => {
    await seedTenantWithTypes(db.store, 'slow', { meter: {} });
    await addDevice(db.store, 'slow', 'S1');
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = false;
    // The codec stand-in: holds the encoding once the command is being sent.
    const slow: DownlinkEncoder = async () => {
      if (holding) await held;
      return { bytes: Uint8Array.of(1), errors: [] };
    };
    const clock = new ManualClock();
    const bus = new EventBus();
    const scheduler = new Scheduler({ store: db.store, clock, logger: silentLogger });
    const service = new CommandService({
      store: db.store,
      clock,
      bus,
      logger: silentLogger,
      scheduler,
      encode: slow,
    });
    const source = new SigfoxCommands(service, { logger: silentLogger }, { lookupMs: 50 });
    const { command } = await service.create('slow', 'S1', { data: { on: 1 }, transport: 'sigfox' });
    holding = true;
    const requeued = new Promise<void>((resolve) => {
      bus.subscribe('command.queued', () => resolve());
    });
    const started = Date.now();
    const answer = await source.downlink({
      tenantId: 'slow',
      deviceId: 'S1',
      typeId: 'meter',
      uplink: {
        messageId: 'm1',
        duplicate: false,
        seqNumber: 1,
        time: clock.now(),
        payload: Buffer.alloc(0),
        ack: true,
      },
    });
    expect(answer).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
    release();
    await requeued;
    const shown = await service.get('slow', 'S1', command.id);
    expect(shown.status).toBe('queued');
    expect(shown.history?.map((h) => h.status)).toEqual(['queued', 'unknown', 'queued']);
    expect(shown.history?.at(-1)?.detail).toMatchObject({ reason: 'answer_too_late' });
    // The next uplink gets it.
    holding = false;
    const next = await source.downlink({
      tenantId: 'slow',
      deviceId: 'S1',
      typeId: 'meter',
      uplink: {
        messageId: 'm2',
        duplicate: false,
        seqNumber: 2,
        time: clock.now(),
        payload: Buffer.alloc(0),
        ack: true,
      },
    });
    expect(next?.toString('hex')).toBe('0100000000000000');
  });
});

describe('command ids', () => {
  it('sort by creation time', async () => {
    const { uuidv7 } = await import('../../kernel/ids.js');
    const a = `cmd_${uuidv7(1000).replaceAll('-', '')}`;
    const b = `cmd_${uuidv7(2000).replaceAll('-', '')}`;
    expect(a < b).toBe(true);
  });
});
