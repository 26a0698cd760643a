import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { matchingSignatures, WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { EventBus } from '../../bus/event-bus.js';
import { AppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import { AlertService } from '../alerts/index.js';
import { type ChangeKind, readFeed, writeWithChanges } from '../changes/index.js';
import { Scheduler } from '../scheduler/index.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSender } from './webhook-sender.js';
import { WebhookService } from './webhook-service.js';

const HOUR = 3_600_000;

/**
 * Delivery against a real receiver on 127.0.0.1, on both dialects, with a clock the test
 * moves: the fan-out consumer queues, `scheduler.runDue()` sends what is due, and retries,
 * `Retry-After`, the breaker and the retry period play out in moved time.
 */
describeEachDialect('webhook delivery', (dialect) => {
  const db = suiteStore(dialect);
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const bus = new EventBus();
  let scheduler: Scheduler;
  let sender: WebhookSender;
  let dispatcher: WebhookDispatcher;
  let service: WebhookService;
  let alerts: AlertService;
  let receiver: WebhookReceiver;
  let tenant = '';
  let tenantSeq = 0;

  beforeAll(() => {
    const base = { store: db.store, clock, bus, logger: silentLogger };
    scheduler = new Scheduler(base);
    sender = new WebhookSender({ timeoutMs: 5_000, concurrency: 16 });
    alerts = new AlertService(base);
    const deps = { ...base, scheduler, alerts };
    // Jitter pinned to its middle: delays are exactly 5 s, 10 s, 20 s …
    dispatcher = new WebhookDispatcher(deps, sender, {
      retryPeriodMs: 72 * HOUR,
      disableAfterMs: 120 * HOUR,
      random: () => 0.5,
    });
    service = new WebhookService(deps, dispatcher);
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher.close();
    await scheduler.close();
    sender.close();
  });
  beforeEach(async () => {
    tenantSeq += 1;
    tenant = `wh-${tenantSeq}`;
    await service.setSettings(tenant, true);
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  /** Commits changes of the tenant, as a module's write would. */
  async function change(kind: ChangeKind, entityId: string, data: unknown = { id: entityId }): Promise<void> {
    await writeWithChanges({ store: db.store, clock, bus }, tenant, async (_tx, record) => {
      record({ kind, entityId, data });
    });
  }

  /** Queues what the feed holds, then sends what is due now. */
  async function pump(): Promise<void> {
    await dispatcher.caughtUp();
    while ((await scheduler.runDue()) > 0) {}
  }

  async function create(body: Partial<Parameters<WebhookService['create']>[1]> = {}) {
    return service.create(tenant, { url: receiver.url, ...body });
  }

  it('sends the documented envelope, signed per Standard Webhooks, with an id stable across tries', async () => {
    const { endpoint, secret } = await create();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    let answer = 503;
    receiver.respond = () => ({ status: answer });
    await change('device.created', 'd1', { id: 'd1', name: 'first' });
    await pump();
    expect(receiver.received).toHaveLength(1);
    clock.advance(5_000);
    answer = 200;
    await pump();
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    if (first === undefined || second === undefined) throw new Error('two tries expected');
    for (const request of [first, second]) {
      expect(matchingSignatures(request, [secret])).toEqual([secret]);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.json).toMatchObject({
        type: 'device.created',
        tenant,
        entityId: 'd1',
        data: { id: 'd1', name: 'first' },
      });
      expect(request.json.id).toBe(request.headers['webhook-id']);
      expect(new Date(request.json.timestamp).toISOString()).toBe(request.json.timestamp);
    }
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    // The timestamp is the try's own, in seconds.
    expect(Number(second.headers['webhook-timestamp'])).toBe(Math.floor(clock.now() / 1000));
    expect(Number(first.headers['webhook-timestamp'])).toBe(Math.floor((clock.now() - 5_000) / 1000));
    // A body with another signature, or signed with another secret, does not verify.
    expect(matchingSignatures({ ...second, body: `${second.body} ` }, [secret])).toEqual([]);
    const page = await service.deliveries(tenant, endpoint.id, { limit: 10 });
    expect(page.items).toHaveLength(1);
    const log = await service.delivery(tenant, endpoint.id, page.items[0]?.id ?? '');
    expect(log.delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
    expect(log.attempts.map((a) => [a.attempt, a.responseStatus])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(log.attempts[0]?.responseBody).toBe('answer body');
    expect(log.attempts[0]?.error).toBe('answered 503');
  });

  it('signs with both secrets during a rotation, and with the new one only after it', async () => {
    // Only devices: the rotation's own `webhook_endpoint.updated` would come first otherwise.
    const { endpoint, secret: oldSecret } = await create({ eventTypes: ['device.created'] });
    const rotated = await service.rotateSecret(tenant, endpoint.id, 24);
    expect(rotated.secret).not.toBe(oldSecret);
    expect(rotated.endpoint.rotating).toBe(true);
    await change('device.created', 'd1');
    await pump();
    const during = receiver.received[0];
    if (during === undefined) throw new Error('a request expected');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(matchingSignatures(during, [oldSecret, rotated.secret])).toEqual([oldSecret, rotated.secret]);
    clock.advance(24 * HOUR + 1);
    await change('device.created', 'd2');
    await pump();
    const after = receiver.received[1];
    if (after === undefined) throw new Error('a second request expected');
    expect(matchingSignatures(after, [oldSecret, rotated.secret])).toEqual([rotated.secret]);
    expect((await service.get(tenant, endpoint.id)).rotating).toBe(false);
  });

  it('gets every event to a receiver that was down, once it is up again', async () => {
    const { endpoint } = await create();
    await receiver.stop();
    for (const id of ['a', 'b', 'c']) await change('device.created', id);
    await pump();
    const down = await service.deliveries(tenant, endpoint.id, { limit: 10 });
    expect(down.items.map((d) => [d.status, d.attempts])).toEqual([
      ['pending', 1],
      ['pending', 1],
      ['pending', 1],
    ]);
    const log = await service.delivery(tenant, endpoint.id, down.items[0]?.id ?? '');
    expect(log.attempts[0]?.responseStatus).toBeNull();
    expect(log.attempts[0]?.error).toMatch(/ECONNREFUSED/);
    // Nothing is due before the backoff ends.
    clock.advance(4_000);
    await pump();
    expect((await service.delivery(tenant, endpoint.id, down.items[0]?.id ?? '')).attempts).toHaveLength(1);
    await receiver.start();
    clock.advance(1_000);
    await pump();
    expect(receiver.received.map((r) => r.json.entityId).sort()).toEqual(['a', 'b', 'c']);
    const up = await service.deliveries(tenant, endpoint.id, { limit: 10 });
    expect(up.items.every((d) => d.status === 'delivered' && d.attempts === 2)).toBe(true);
    expect((await service.get(tenant, endpoint.id)).failingSince).toBeNull();
  });

  it('stops at a permanent 4xx, and retries 408, 409 and 429', async () => {
    const { endpoint } = await create();
    const answers = new Map([
      ['gone', 410],
      ['bad', 400],
      ['timeout', 408],
      ['conflict', 409],
      ['busy', 429],
    ]);
    receiver.respond = (request) => ({ status: answers.get(request.json.entityId) ?? 500 });
    for (const id of answers.keys()) await change('device.created', id);
    await pump();
    const page = await service.deliveries(tenant, endpoint.id, { limit: 10 });
    const byEntity = new Map(
      await Promise.all(
        page.items.map(async (d) => {
          const log = await service.delivery(tenant, endpoint.id, d.id);
          return [
            JSON.parse(receiver.received.find((r) => r.headers['webhook-id'] === d.messageId)?.body ?? '{}')
              .entityId,
            log.delivery.status,
          ] as const;
        }),
      ),
    );
    expect(Object.fromEntries(byEntity)).toEqual({
      gone: 'failed',
      bad: 'failed',
      timeout: 'pending',
      conflict: 'pending',
      busy: 'pending',
    });
    clock.advance(HOUR);
    const before = receiver.received.length;
    await pump();
    // Only the three retryable ones come again.
    expect(
      receiver.received
        .slice(before)
        .map((r) => r.json.entityId)
        .sort(),
    ).toEqual(['busy', 'conflict', 'timeout']);
  });

  it('honours Retry-After for the whole endpoint', async () => {
    const { endpoint } = await create();
    let limited = true;
    receiver.respond = () => (limited ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 });
    await change('device.created', 'first');
    await pump();
    expect(receiver.received).toHaveLength(1);
    limited = false;
    // A new event waits for the pause too, and so does the first one past its own backoff.
    await change('device.created', 'second');
    clock.advance(119_000);
    await pump();
    expect(receiver.received).toHaveLength(1);
    expect((await service.get(tenant, endpoint.id)).breakerOpenUntil).not.toBeNull();
    clock.advance(1_000);
    await pump();
    expect(
      receiver.received
        .slice(1)
        .map((r) => r.json.entityId)
        .sort(),
    ).toEqual(['first', 'second']);
  });

  it('delivers an ordered endpoint in feed order, holding later events behind a failing one', async () => {
    const ordered = await create({ ordered: true });
    let failFirst = true;
    receiver.respond = (request) => {
      if (failFirst && request.json.entityId === 'e1') return { status: 503 };
      return { status: 200 };
    };
    for (const id of ['e1', 'e2', 'e3']) await change('device.created', id);
    await pump();
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['e1']);
    clock.advance(5_000);
    failFirst = false;
    await pump();
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['e1', 'e1', 'e2', 'e3']);
    const page = await service.deliveries(tenant, ordered.endpoint.id, { limit: 10 });
    expect(page.items.every((d) => d.status === 'delivered')).toBe(true);
  });

  it('lets an unordered endpoint deliver later events while an earlier one waits', async () => {
    await create();
    receiver.respond = (request) => ({ status: request.json.entityId === 'e1' ? 503 : 200 });
    for (const id of ['e1', 'e2', 'e3']) await change('device.created', id);
    await pump();
    expect(receiver.received.map((r) => r.json.entityId).sort()).toEqual(['e1', 'e2', 'e3']);
  });

  it('sends only the event types and the CEL filter an endpoint selects', async () => {
    await create({ eventTypes: ['device.created', 'device.updated'], filter: 'data.site == "paris"' });
    await change('device.created', 'p1', { id: 'p1', site: 'paris' });
    await change('device.created', 'l1', { id: 'l1', site: 'lyon' });
    await change('device.deleted', 'p2', { id: 'p2', site: 'paris' });
    await change('device.updated', 'p3', { id: 'p3', site: 'paris' });
    await change('device.updated', 'x', { id: 'x' });
    await pump();
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['p1', 'p3']);
  });

  it('forwards no uplink of a quarantined or retired device, and the others as they come', async () => {
    await seedTenantWithTypes(db.store, tenant, { tracker: {} });
    for (const [id, lifecycle] of [
      ['calm', 'activated'],
      ['wild', 'quarantined'],
      ['gone', 'retired'],
    ] as const) {
      await db.store.db
        .insertInto('devices')
        .values({
          tenant_id: tenant,
          id,
          type_id: 'tracker',
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
    await create({ eventTypes: ['message.created', 'device.updated'] });
    await change('message.created', 'm1', { id: 'm1', deviceId: 'wild' });
    await change('message.created', 'm2', { id: 'm2', deviceId: 'calm' });
    await change('message.created', 'm3', { id: 'm3', deviceId: 'gone' });
    // Other changes about a skipped device still go out: only its uplinks are held back.
    await change('device.updated', 'wild', { id: 'wild', lifecycle: 'quarantined' });
    await pump();
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['m2', 'wild']);
  });

  it('refuses private targets unless the tenant is allowed them, also when sending', async () => {
    await service.setSettings(tenant, false);
    for (const url of [
      receiver.url,
      'http://[::1]:9/x',
      'http://10.1.2.3/x',
      'http://169.254.169.254/latest',
      'http://localhost:9/',
    ]) {
      const error = await service.create(tenant, { url }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('webhook_target_refused');
    }
    expect((await service.list(tenant, { limit: 10 })).items).toEqual([]);
    // Allowed, created, then the allowance is taken back: the send itself is refused.
    await service.setSettings(tenant, true);
    const { endpoint } = await create();
    await service.setSettings(tenant, false);
    await change('device.created', 'd1');
    await pump();
    expect(receiver.received).toHaveLength(0);
    const [delivery] = (await service.deliveries(tenant, endpoint.id, { limit: 1 })).items;
    const log = await service.delivery(tenant, endpoint.id, delivery?.id ?? '');
    expect(log.attempts[0]?.error).toMatch(/refused: 127\.0\.0\.1 is a private or loopback address/);
  });

  it('replays from a cursor and from a time with the same message ids, and refuses the future', async () => {
    const { endpoint } = await create();
    const start = await readFeed({ store: db.store, clock, bus }, tenant, {
      since: undefined,
      limit: 1000,
      waitMs: 0,
    });
    const before = start.nextCursor;
    const t0 = clock.now();
    for (const id of ['r1', 'r2']) await change('device.created', id);
    clock.advance(60_000);
    await change('device.created', 'r3');
    await pump();
    expect(receiver.received).toHaveLength(3);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(await service.replay(tenant, endpoint.id, { since: before })).toEqual({
      queued: 3,
      nextCursor: null,
    });
    await pump();
    expect(receiver.received.slice(3).map((r) => r.headers['webhook-id'])).toEqual(ids);
    expect(await service.replay(tenant, endpoint.id, { from: new Date(t0 + 30_000).toISOString() })).toEqual({
      queued: 1,
      nextCursor: null,
    });
    await pump();
    expect(receiver.received.slice(6).map((r) => r.json.entityId)).toEqual(['r3']);
    const future = await service
      .replay(tenant, endpoint.id, { from: new Date(clock.now() + HOUR).toISOString() })
      .catch((e: unknown) => e);
    expect((future as AppError).code).toBe('validation_failed');
    const past = await service
      .replay(tenant, endpoint.id, { since: '999999999999' })
      .catch((e: unknown) => e);
    expect((past as AppError).code).toBe('validation_failed');
    const origins = (await service.deliveries(tenant, endpoint.id, { limit: 10 })).items.map((d) => d.origin);
    expect(origins.filter((o) => o === 'replay')).toHaveLength(4);
  });

  it('retries a delivery by hand as a new delivery with the same message id', async () => {
    const { endpoint } = await create();
    receiver.respond = () => ({ status: 400 });
    await change('device.created', 'm1');
    await pump();
    const [failed] = (await service.deliveries(tenant, endpoint.id, { limit: 1 })).items;
    expect(failed?.status).toBe('failed');
    receiver.respond = () => ({ status: 200 });
    const retried = await service.retry(tenant, endpoint.id, failed?.id ?? '');
    expect(retried).toMatchObject({ origin: 'retry', status: 'pending', messageId: failed?.messageId });
    await pump();
    expect((await service.delivery(tenant, endpoint.id, retried.id)).delivery.status).toBe('delivered');
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([
      failed?.messageId,
      failed?.messageId,
    ]);
  });

  it('opens the circuit breaker after failures in a row, gives up after the retry period and disables a long-failing endpoint', async () => {
    // Devices only: re-enabling writes changes of its own (the endpoint's, the alert's).
    const { endpoint } = await create({ eventTypes: ['device.created'] });
    await receiver.stop();
    for (let i = 0; i < 5; i++) await change('device.created', `f${i}`);
    await pump();
    // Five failures in a row: the breaker is open, nothing is tried meanwhile.
    const held = await service.get(tenant, endpoint.id);
    expect(held.breakerOpenUntil).not.toBeNull();
    expect(held.failingSince).not.toBeNull();
    const attemptsOf = async () =>
      (
        await Promise.all(
          (
            await service.deliveries(tenant, endpoint.id, { limit: 10 })
          ).items.map(async (d) => (await service.delivery(tenant, endpoint.id, d.id)).attempts.length),
        )
      ).reduce((a, b) => a + b, 0);
    expect(await attemptsOf()).toBe(5);
    clock.advance(4_000);
    await pump();
    expect(await attemptsOf()).toBe(5);
    // Past the retry period, each delivery fails at its next try.
    for (let hour = 0; hour < 80; hour += 2) {
      clock.advance(2 * HOUR);
      await pump();
    }
    const page = await service.deliveries(tenant, endpoint.id, { limit: 10 });
    expect(page.items.every((d) => d.status === 'failed')).toBe(true);
    expect(page.items[0]?.lastError).toMatch(/gave up after \d+ tries/);
    expect((await service.get(tenant, endpoint.id)).enabled).toBe(true);
    // Still failing past the disable limit: disabled, with a change in the feed.
    clock.advance(50 * HOUR);
    await change('device.created', 'last');
    await pump();
    const disabled = await service.get(tenant, endpoint.id);
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const feed = await readFeed({ store: db.store, clock, bus }, tenant, {
      since: undefined,
      limit: 1000,
      waitMs: 0,
    });
    expect(feed.items.filter((c) => c.kind === 'webhook_endpoint.disabled').map((c) => c.entityId)).toEqual([
      endpoint.id,
    ]);
    const raised = await alerts.list(tenant, {
      state: 'active',
      type: 'webhook_endpoint_disabled',
      limit: 10,
    });
    expect(raised.items).toHaveLength(1);
    expect(raised.items[0]).toMatchObject({ subject: endpoint.id, severity: 'major', state: 'open' });
    // Enabled again, with the receiver up, what waits goes out.
    await receiver.start();
    await service.update(tenant, endpoint.id, { enabled: true });
    const pending = (await service.deliveries(tenant, endpoint.id, { limit: 10, status: 'pending' })).items;
    await pump();
    expect(pending.map((d) => d.eventType)).toEqual(['device.created']);
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['last']);
    expect((await alerts.list(tenant, { state: 'active', limit: 10 })).items).toEqual([]);
  });

  it('keeps tenants apart: another tenant sees no endpoint and gets no event', async () => {
    const { endpoint } = await create();
    const other = `${tenant}-other`;
    const error = await service.get(other, endpoint.id).catch((e: unknown) => e);
    expect((error as AppError).code).toBe('not_found');
    expect((await service.deliveries(tenant, endpoint.id, { limit: 1 })).items).toEqual([]);
    await writeWithChanges({ store: db.store, clock, bus }, other, async (_tx, record) => {
      record({ kind: 'device.created', entityId: 'theirs', data: {} });
    });
    await change('device.created', 'ours');
    await pump();
    expect(receiver.received.map((r) => r.json.entityId)).toEqual(['ours']);
  });
});
