import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { brokerFixture } from '../../../test/support/broker-fixture.js';
import { describeEachDialect, suiteStore } from '../../../test/support/dialect-suites.js';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { flushMarker } from '../../../test/support/markers.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { SmtpReceiver } from '../../../test/support/smtp-receiver.js';
import { matchingSignatures, WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import { EventBus } from '../../bus/event-bus.js';
import { AppError } from '../../kernel/errors.js';
import { silentLogger } from '../../kernel/logger.js';
import type { BrokerHooks } from '../../mqtt/index.js';
import type { Received } from '../../mqtt/test-support.js';
import type { Store } from '../../store/store.js';
import { AlertService, type AlertSeverity } from '../alerts/index.js';
import { Scheduler } from '../scheduler/index.js';
import { WebhookSender } from '../webhooks/index.js';
import { IMMEDIATE_GAP_MS, NotificationDispatcher } from './notification-dispatcher.js';
import type { RecipientBody } from './notification-schemas.js';
import { NotificationService } from './notification-service.js';
import { SmtpMailer } from './smtp-mailer.js';

const MINUTE = 60_000;

/** Clients name their tenant as the MQTT user name, so two tenants' subscribers meet one broker. */
const tenantHooks: BrokerHooks = {
  async authenticate(input) {
    return { tenantId: String(input.username ?? 'none'), kind: 'anonymous', id: input.clientId };
  },
  authorizePublish: () => true,
  authorizeSubscribe: () => true,
};

async function expectProblem(work: Promise<unknown>, code: string): Promise<AppError> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/**
 * Notifications end to end on both dialects, with a clock the test moves: real alerts
 * raised through the alerts module, the durable consumer gathering them, `runDue()` sending
 * what is due to a real SMTP server, a real HTTP receiver and a real MQTT subscriber, all
 * on loopback.
 */
describeEachDialect('notifications', (dialect) => {
  const db = suiteStore(dialect);
  const mqtt = brokerFixture({ hooks: tenantHooks, per: 'suite' });
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12));
  const bus = new EventBus();
  const smtp = new SmtpReceiver();
  let receiver: WebhookReceiver;
  let mailer: SmtpMailer;
  let sender: WebhookSender;
  let scheduler: Scheduler;
  let dispatcher: NotificationDispatcher;
  let service: NotificationService;
  let alerts: AlertService;
  let tenant = '';
  let seq = 0;
  let subject = 0;

  function dispatcherOn(store: Store, timed: Scheduler): NotificationDispatcher {
    return new NotificationDispatcher(
      { store, clock, bus, logger: silentLogger, scheduler: timed },
      { mailer, webhooks: sender, mqtt: () => mqtt.broker },
      { retryPeriodMs: 2 * 3_600_000 },
    );
  }

  beforeAll(async () => {
    await smtp.start();
    mailer = new SmtpMailer({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'Fleetport <fleetport@example.com>',
      timeoutMs: 5_000,
    });
    sender = new WebhookSender({ timeoutMs: 5_000, concurrency: 4 });
    const base = { store: db.store, clock, bus, logger: silentLogger };
    scheduler = new Scheduler(base);
    alerts = new AlertService(base);
    service = new NotificationService({ store: db.store, clock, available: () => true });
    dispatcher = dispatcherOn(db.store, scheduler);
    dispatcher.start();
  });
  afterAll(async () => {
    await dispatcher.close();
    await scheduler.close();
    sender.close();
    mailer.close();
    await smtp.stop();
  });
  beforeEach(async () => {
    seq += 1;
    tenant = `nt-${seq}`;
    await seedTenantWithTypes(db.store, tenant, {});
    // Loopback receivers: the operator allowed this tenant private targets.
    await db.store.db
      .insertInto('webhook_settings')
      .values({ tenant_id: tenant, allow_private_targets: 1, updated_at: 1 })
      .execute();
    smtp.answer = () => undefined;
    receiver = new WebhookReceiver();
    await receiver.start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  /** Gathers what the feed holds, then sends what is due now. */
  async function pump(): Promise<void> {
    await dispatcher.caughtUp();
    while ((await scheduler.runDue()) > 0) {}
  }

  async function raise(severity: AlertSeverity, type = 'contract_tokens_low', of = tenant) {
    subject += 1;
    const [alert] = await alerts.raise(of, [
      { type, severity, subject: `c${subject}`, source: 'test', message: `contract c${subject} runs low` },
    ]);
    if (alert === undefined) throw new Error('an alert expected');
    return alert;
  }

  // Each test's mail goes to its tenant's address: a message another test left due is not counted here.
  const address = () => `ops@${tenant}.example.com`;
  const accepted = () => smtp.accepted.filter((mail) => mail.to.includes(address()));
  const refused = () => smtp.refused.filter((mail) => mail.to.includes(address()));

  async function emailRecipient(body: Partial<RecipientBody> = {}, to = [address()]) {
    const { channel } = await service.createChannel(tenant, { name: 'ops mail', kind: 'email', to });
    const recipient = await service.createRecipient(tenant, { name: 'ops', channels: [channel.id], ...body });
    return { channel, recipient };
  }

  it('mails an alert the recipient wants, and not one of a severity it did not ask for', async () => {
    const { recipient } = await emailRecipient({ severities: ['critical', 'major'] });
    const major = await raise('major');
    await raise('minor');
    await pump();
    expect(accepted()).toHaveLength(1);
    const [mail] = accepted();
    if (mail === undefined) throw new Error('a mail expected');
    expect(mail.to).toEqual([address()]);
    expect(mail.from).toBe('fleetport@example.com');
    expect(mail.headers.get('subject')).toBe(
      `[Fleetport] MAJOR contract_tokens_low raised: fleet ${major.subject}`,
    );
    expect(mail.text).toContain(`raised major contract_tokens_low fleet ${major.subject}: ${major.message}`);
    expect(mail.text).toContain(`(alert ${major.id})`);
    expect(mail.text).not.toContain('minor');
    const page = await service.list(tenant, { limit: 10 });
    expect(page.items).toHaveLength(1);
    const sent = page.items[0];
    expect(sent).toMatchObject({ recipientId: recipient.id, status: 'delivered', alerts: 1, attempts: 1 });
    expect(mail.headers.get('message-id')).toBe(`<ntf_${sent?.id}.${tenant}@fleetport>`);
    const detail = await service.get(tenant, sent?.id ?? '');
    expect(detail.items.map((item) => [item.kind, item.alertId, item.severity])).toEqual([
      ['alert.raised', major.id, 'major'],
    ]);
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ attempt: 1, ok: true, error: null });
    expect(detail.attempts[0]?.detail).toMatch(/^250 /);
  });

  it('tries again after the SMTP server refused, with the same message, until it accepts', async () => {
    await emailRecipient();
    smtp.answer = () => ({ code: 451, message: 'try again later' });
    await raise('critical');
    await pump();
    expect(refused()).toHaveLength(1);
    expect(accepted()).toHaveLength(0);
    const [waiting] = (await service.list(tenant, { limit: 10 })).items;
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting?.lastError).toContain('451');
    // Not due before its backoff: a run now sends nothing.
    expect(await scheduler.runDue()).toBe(0);
    smtp.answer = () => undefined;
    clock.advance(5_000);
    await pump();
    expect(accepted()).toHaveLength(1);
    expect(accepted()[0]?.headers.get('message-id')).toBe(refused()[0]?.headers.get('message-id'));
    expect(accepted()[0]?.text).toBe(refused()[0]?.text);
    const detail = await service.get(tenant, waiting?.id ?? '');
    expect(detail.notification).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(detail.attempts.map((a) => [a.attempt, a.ok, a.detail])).toEqual([
      [1, false, 'SMTP 451'],
      [2, true, expect.stringMatching(/^250 /)],
    ]);
  });

  it('gives up at once when the SMTP server refuses for good (5xx)', async () => {
    await emailRecipient();
    smtp.answer = () => ({ code: 550, message: 'no such mailbox' });
    await raise('major');
    await pump();
    const [failed] = (await service.list(tenant, { limit: 10 })).items;
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    clock.advance(3_600_000);
    expect(await scheduler.runDue()).toBe(0);
    expect(refused()).toHaveLength(1);
  });

  it('gathers the alerts of a digest window into one message, sent when the window ends', async () => {
    await emailRecipient({ delivery: { mode: 'digest', windowMinutes: 10 } });
    const start = clock.now();
    await raise('major', 'device_silent');
    clock.advance(MINUTE);
    await raise('minor', 'device_silent');
    clock.advance(MINUTE);
    await raise('critical', 'contract_ending');
    await pump();
    expect(accepted()).toHaveLength(0);
    const [gathering] = (await service.list(tenant, { limit: 10 })).items;
    expect(gathering).toMatchObject({
      status: 'gathering',
      alerts: 3,
      sendAt: new Date(start + 10 * MINUTE).toISOString(),
    });
    clock.set(start + 10 * MINUTE - 1);
    expect(await scheduler.runDue()).toBe(0);
    clock.set(start + 10 * MINUTE);
    await pump();
    expect(accepted()).toHaveLength(1);
    const mail = accepted()[0];
    expect(mail?.headers.get('subject')).toBe('[Fleetport] 3 alert changes: 1 major, 1 minor, 1 critical');
    expect(mail?.text).toContain('By type: device_silent 2, contract_ending 1');
    // The next alert opens the next digest.
    await raise('major');
    await pump();
    const items = (await service.list(tenant, { limit: 10 })).items;
    expect(items.map((n) => [n.status, n.alerts])).toEqual([
      ['gathering', 1],
      ['delivered', 3],
    ]);
  });

  it('turns a storm into one message listing the first alerts and counting the rest', async () => {
    await emailRecipient();
    const storm = Array.from({ length: 1_200 }, (_, i) => ({
      type: 'device_silent',
      severity: 'major' as const,
      subject: `storm-${i}`,
      source: 'test',
      message: `device ${i} is silent`,
    }));
    await alerts.raise(tenant, storm);
    await pump();
    expect(accepted()).toHaveLength(1);
    expect(accepted()[0]?.headers.get('subject')).toBe('[Fleetport] 1200 alert changes: 1200 major');
    expect(accepted()[0]?.text).toContain('… and 1150 more.');
    // More alerts right after: held for the immediate gap, then one more message.
    await raise('major');
    await raise('major');
    await pump();
    expect(accepted()).toHaveLength(1);
    clock.advance(IMMEDIATE_GAP_MS);
    await pump();
    expect(accepted()).toHaveLength(2);
    expect(accepted()[1]?.headers.get('subject')).toBe('[Fleetport] 2 alert changes: 2 major');
  });

  it('holds alerts in quiet hours until they end, but not critical ones', async () => {
    // Noon UTC is 13:00 in Paris, inside 12:30–14:00.
    clock.set(Date.UTC(2026, 11, 2 + seq, 12));
    await emailRecipient({ quietHours: { start: '12:30', end: '14:00', timeZone: 'Europe/Paris' } });
    const now = clock.now();
    await raise('major');
    await pump();
    expect(accepted()).toHaveLength(0);
    const [held] = (await service.list(tenant, { limit: 10 })).items;
    expect(held?.sendAt).toBe(new Date(now + 60 * MINUTE).toISOString());
    await raise('critical');
    await pump();
    // The critical alert takes the held one with it.
    expect(accepted()).toHaveLength(1);
    expect(accepted()[0]?.headers.get('subject')).toBe('[Fleetport] 2 alert changes: 1 major, 1 critical');
  });

  it('sends a signed webhook, tried again after the receiver was down', async () => {
    const { channel, secret } = await service.createChannel(tenant, {
      name: 'ops hook',
      kind: 'webhook',
      url: receiver.url,
    });
    expect(secret).toMatch(/^whsec_/);
    await service.createRecipient(tenant, { name: 'ops', channels: [channel.id] });
    let status = 503;
    receiver.respond = () => ({ status });
    const alert = await raise('major');
    await pump();
    expect(receiver.received).toHaveLength(1);
    status = 200;
    clock.advance(5_000);
    await pump();
    expect(receiver.received).toHaveLength(2);
    for (const request of receiver.received) {
      expect(matchingSignatures(request, [secret ?? ''])).toEqual([secret]);
      expect(request.json).toMatchObject({ type: 'notification', tenant, total: 1 });
      expect(request.json.alerts[0]).toMatchObject({ kind: 'alert.raised', alert: { id: alert.id } });
    }
    expect(receiver.received[1]?.headers['webhook-id']).toBe(receiver.received[0]?.headers['webhook-id']);
    // Tampered, it no longer verifies.
    const second = receiver.received[1];
    if (second === undefined) throw new Error('a second request expected');
    expect(matchingSignatures({ ...second, body: `${second.body} ` }, [secret ?? ''])).toEqual([]);
    const [sent] = (await service.list(tenant, { limit: 1 })).items;
    expect(sent).toMatchObject({ status: 'delivered', attempts: 2, lastError: null });
  });

  it("publishes on the tenant's MQTT topic, seen by its subscriber and by no other tenant's", async () => {
    const { channel } = await service.createChannel(tenant, {
      name: 'ops topic',
      kind: 'mqtt',
      topic: 'ops/alerts',
    });
    await service.createRecipient(tenant, { name: 'ops', channels: [channel.id] });
    const ours: Received[] = [];
    const theirs: Received[] = [];
    const subscriber: MqttClient = await mqtt.connect(`ours-${seq}`, { username: tenant }, ours);
    const other: MqttClient = await mqtt.connect(`theirs-${seq}`, { username: `${tenant}-other` }, theirs);
    await subscriber.subscribeAsync('ops/alerts', { qos: 1 });
    await other.subscribeAsync('ops/alerts', { qos: 1 });
    const alert = await raise('major');
    await pump();
    const deadline = Date.now() + 5_000;
    while (ours.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(ours).toHaveLength(1);
    const payload = JSON.parse(String(ours[0]?.payload));
    expect(payload).toMatchObject({ type: 'notification', tenant, total: 1 });
    expect(payload.alerts[0].alert.id).toBe(alert.id);
    // The other tenant's subscriber hears its own tenant's marker, and nothing before it.
    const marker = await mqtt.connect(`marker-${seq}`, { username: `${tenant}-other` });
    await flushMarker(marker, theirs, 'ops/alerts');
    expect(theirs).toEqual([]);
  });

  it('gathers each alert change once across a restart of the consumer', async () => {
    await emailRecipient();
    await raise('major');
    await dispatcher.caughtUp();
    await dispatcher.close();
    // A new process: another scheduler, another dispatcher, the same database.
    const timed = new Scheduler({ store: db.store, clock, logger: silentLogger });
    const restarted = dispatcherOn(db.store, timed);
    restarted.start();
    try {
      await raise('major');
      await restarted.caughtUp();
      while ((await timed.runDue()) > 0) {}
      expect(accepted()).toHaveLength(1);
      expect(accepted()[0]?.headers.get('subject')).toBe('[Fleetport] 2 alert changes: 2 major');
      const [sent] = (await service.list(tenant, { limit: 10 })).items;
      expect(sent).toMatchObject({ status: 'delivered', alerts: 2 });
    } finally {
      await restarted.close();
      await timed.close();
      dispatcher = dispatcherOn(db.store, new Scheduler({ store: db.store, clock, logger: silentLogger }));
      dispatcher.start();
    }
  });

  it('refuses bad channels and preferences with a code, and stores nothing', async () => {
    const { channel } = await service.createChannel(tenant, {
      name: 'mail',
      kind: 'email',
      to: ['a@example.com'],
    });
    await expectProblem(service.createChannel(tenant, { name: 'x', kind: 'email' }), 'validation_failed');
    await expectProblem(
      service.createChannel(tenant, { name: 'x', kind: 'email', to: ['not an address'] }),
      'validation_failed',
    );
    await expectProblem(
      service.createChannel(tenant, { name: 'x', kind: 'mqtt', topic: 'devices/d1/down' }),
      'validation_failed',
    );
    await expectProblem(
      service.createChannel(tenant, { name: 'x', kind: 'mqtt', topic: 'alerts/+' }),
      'validation_failed',
    );
    await expectProblem(
      service.createChannel(tenant, { name: 'x', kind: 'mqtt', topic: 'a', to: ['a@example.com'] }),
      'validation_failed',
    );
    await expectProblem(
      service.createChannel(tenant, { name: 'x', kind: 'webhook', url: 'ftp://example.com/x' }),
      'validation_failed',
    );
    const noSmtp = new NotificationService({ store: db.store, clock, available: (kind) => kind !== 'email' });
    await expectProblem(
      noSmtp.createChannel(tenant, { name: 'x', kind: 'email', to: ['a@example.com'] }),
      'notification_channel_unavailable',
    );
    const unknown = await expectProblem(
      service.createRecipient(tenant, { name: 'r', channels: [channel.id, 'nch_nope'] }),
      'notification_channel_unknown',
    );
    expect(unknown.data).toMatchObject({ unknown: ['nch_nope'] });
    await expectProblem(
      service.createRecipient(tenant, {
        name: 'r',
        channels: [channel.id],
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Olympus' },
      }),
      'validation_failed',
    );
    await expectProblem(
      service.createRecipient(tenant, {
        name: 'r',
        channels: [channel.id],
        delivery: { mode: 'immediate', windowMinutes: 5 },
      }),
      'validation_failed',
    );
    expect((await service.listChannels(tenant, { limit: 100 })).items.map((c) => c.id)).toEqual([channel.id]);
    expect((await service.listRecipients(tenant, { limit: 100 })).items).toEqual([]);
    // A replace naming an unknown channel leaves the recipient as it was.
    const recipient = await service.createRecipient(tenant, { name: 'r', channels: [channel.id] });
    await expectProblem(
      service.replaceRecipient(tenant, recipient.id, { name: 'changed', channels: ['nch_nope'] }),
      'notification_channel_unknown',
    );
    expect(await service.getRecipient(tenant, recipient.id)).toEqual(recipient);
    await expectProblem(service.deleteChannel(tenant, channel.id), 'notification_channel_in_use');
    expect(await service.getChannel(tenant, channel.id)).toMatchObject({ id: channel.id });
  });

  it("keeps tenants apart: another tenant's channels, recipients and notifications are not found", async () => {
    const { channel, recipient } = await emailRecipient();
    await raise('major');
    await pump();
    const [sent] = (await service.list(tenant, { limit: 1 })).items;
    const other = `${tenant}-b`;
    await seedTenantWithTypes(db.store, other, {});
    await expectProblem(service.getChannel(other, channel.id), 'not_found');
    await expectProblem(service.getRecipient(other, recipient.id), 'not_found');
    await expectProblem(service.get(other, sent?.id ?? ''), 'not_found');
    await expectProblem(service.deleteChannel(other, channel.id), 'not_found');
    await expectProblem(
      service.createRecipient(other, { name: 'thief', channels: [channel.id] }),
      'notification_channel_unknown',
    );
    expect((await service.list(other, { limit: 10 })).items).toEqual([]);
    // An alert of the other tenant reaches none of this tenant's recipients.
    await raise('critical', 'device_silent', other);
    await pump();
    expect(accepted()).toHaveLength(1);
    expect((await service.list(tenant, { limit: 10 })).items).toHaveLength(1);
  });
});
