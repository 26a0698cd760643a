import { Counter, type Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import {
  type ChangeKind,
  type CommitWithCursor,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
} from '../changes/index.js';
import type { ServerPublishing } from '../mqtt-access/index.js';
import type { Scheduler } from '../scheduler/index.js';
import { allowsPrivateTargets, signWebhook, type WebhookSender } from '../webhooks/index.js';
import { type Item, render } from './notification-render.js';
import type { NotifiedEvent } from './notification-schemas.js';
import {
  type ChannelRow,
  type ChannelSettings,
  type Preferences,
  preferencesOf,
  type RecipientRow,
} from './notification-service.js';
import { quietUntil } from './quiet-hours.js';
import type { Mailer } from './smtp-mailer.js';

/** The durable feed consumer that turns alert changes into notifications. */
export const NOTIFY_CONSUMER = 'notifications.alerts';
/** The scheduler handler that seals and sends one notification. */
export const SEND_JOB = 'notifications.send';
/** Immediate messages to one channel of a recipient go at most this often; alerts meanwhile gather. */
export const IMMEDIATE_GAP_MS = 60_000;

const FOLLOWED = [
  'alert.raised',
  'alert.updated',
  'alert.acknowledged',
  'alert.cleared',
] as const satisfies readonly ChangeKind[];
const jobKey = (seq: number) => `notifications.send:${seq}`;
/** Statuses worth another try; every other 4xx is the receiver's final answer. */
const RETRYABLE_4XX = new Set([408, 409, 429]);

export interface DispatchDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly durable?: { readonly position: number };
  readonly metrics?: Registry;
  readonly scheduler: Scheduler;
}

/** The ways out: SMTP (when configured), signed HTTP, and the broker (once it runs). */
export interface ChannelPorts {
  readonly mailer?: Mailer;
  readonly webhooks: WebhookSender;
  readonly mqtt: () => ServerPublishing | undefined;
}

export interface DispatchOptions {
  /** How long a notification is retried after it was sealed (default 24 h). */
  readonly retryPeriodMs?: number;
  /** The first retry delay (default 5 s), doubled at each failed try, up to `maxRetryMs` (1 h). */
  readonly firstRetryMs?: number;
  readonly maxRetryMs?: number;
}

interface Outcome {
  readonly ok: boolean;
  /** A final refusal (SMTP 5xx, HTTP 4xx): not tried again. */
  readonly permanent: boolean;
  readonly detail: string | null;
  readonly error: string | null;
}

interface Group {
  readonly recipient: RecipientRow;
  readonly prefs: Preferences;
  readonly channelId: string;
  readonly items: Item[];
  desired: number;
}

/** When an alert of `severity` should go out under a recipient's preferences. */
export function desiredSendAt(prefs: Preferences, severity: string | undefined, now: number): number {
  const base = prefs.delivery.mode === 'digest' ? now + (prefs.delivery.windowMinutes ?? 15) * 60_000 : now;
  const quiet = prefs.quietHours;
  if (quiet === null || (severity === 'critical' && quiet.exceptCritical)) return base;
  return Math.max(base, quietUntil(quiet, now) ?? base);
}

/** Whether a recipient wants to hear of this change. */
function wants(
  recipient: RecipientRow,
  prefs: Preferences,
  event: NotifiedEvent,
  alert: Item['alert'],
  at: number,
): boolean {
  if (at < Number(recipient.created_at)) return false;
  if (!prefs.events.includes(event)) return false;
  if (!prefs.severities.includes(alert.severity as Preferences['severities'][number])) return false;
  return prefs.types.length === 0 || prefs.types.includes(String(alert.type));
}

/**
 * Notifications of alerts, at least once.
 *
 * A durable feed consumer (`notifications.alerts`) follows the alert changes and, in the
 * transaction that moves its cursor, adds each one a recipient wants to that recipient's
 * gathering notification of each of its channels (or opens one), and schedules the
 * notification's send job at its send time: now, after the digest window, after the quiet
 * hours, or a minute after the previous immediate one. So each change joins each message
 * once, across restarts, and a storm becomes one message per channel.
 *
 * The send job seals the notification (nothing joins it after), renders it once (every
 * try sends the same text, with the same message id), sends it, logs the try and either
 * ends it or schedules the next try with backoff, in one transaction. A process that dies
 * mid-send leaves the job to the scheduler's next claim: sent again, at least once.
 */
export class NotificationDispatcher {
  readonly #deps: DispatchDeps;
  readonly #ports: ChannelPorts;
  readonly #retryPeriodMs: number;
  readonly #firstRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #tries: Counter<'kind' | 'outcome'> | undefined;
  #consumer: FeedConsumer | undefined;

  constructor(deps: DispatchDeps, ports: ChannelPorts, options: DispatchOptions = {}) {
    this.#deps = deps;
    this.#ports = ports;
    this.#retryPeriodMs = options.retryPeriodMs ?? 24 * 3_600_000;
    this.#firstRetryMs = options.firstRetryMs ?? 5_000;
    this.#maxRetryMs = options.maxRetryMs ?? 3_600_000;
    this.#tries = deps.metrics
      ? new Counter({
          name: 'fleetport_notification_tries_total',
          help: 'Notification sends by channel kind and outcome: delivered, retry, failed',
          labelNames: ['kind', 'outcome'] as const,
          registers: [deps.metrics],
        })
      : undefined;
    deps.scheduler.register(SEND_JOB, async (run) => {
      const { tenantId, seq } = run.payload as { tenantId: string; seq: number };
      await this.send(tenantId, seq);
    });
  }

  start(): void {
    const { store, clock, bus, logger, durable, metrics } = this.#deps;
    this.#consumer ??= followChanges(
      { store, clock, bus, logger, ...(durable ? { durable } : {}), ...(metrics ? { metrics } : {}) },
      NOTIFY_CONSUMER,
      {
        kinds: [...FOLLOWED],
        tenants: async (tenantId) =>
          (await store.db
            .selectFrom('notification_recipients')
            .select('id')
            .where('tenant_id', '=', tenantId)
            .limit(1)
            .executeTakeFirst()) !== undefined,
      },
      { effects: 'once', handle: (batch, commit) => this.#gather(batch, commit) },
      // Alerts raised before the first start are not mailed out afterwards.
      { start: 'latest' },
    );
  }

  /** Resolves once every alert change committed before the call joined its notifications. */
  async caughtUp(): Promise<void> {
    await this.#consumer?.caughtUp();
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  async #gather(batch: FeedBatch, commit: CommitWithCursor): Promise<void> {
    const { store, clock, scheduler } = this.#deps;
    const { tenantId } = batch;
    const recipients = await guarded(store, () =>
      store.db.selectFrom('notification_recipients').selectAll().where('tenant_id', '=', tenantId).execute(),
    );
    if (recipients.length === 0) return;
    const now = clock.now();
    const groups = new Map<string, Group>();
    const prefsOf = recipients.map((recipient) => ({ recipient, prefs: preferencesOf(recipient) }));
    for (const change of batch.changes) {
      const event = change.kind.slice('alert.'.length) as NotifiedEvent;
      const alert = (change.data ?? {}) as Item['alert'];
      for (const { recipient, prefs } of prefsOf) {
        if (!wants(recipient, prefs, event, alert, change.at)) continue;
        // From the change's commit time: a consumer that lagged behind does not push messages later.
        const desired = desiredSendAt(prefs, alert.severity, change.at);
        for (const channelId of JSON.parse(recipient.channel_ids) as string[]) {
          const key = `${recipient.id}\u0000${channelId}`;
          let group = groups.get(key);
          if (group === undefined) {
            group = { recipient, prefs, channelId, items: [], desired };
            groups.set(key, group);
          }
          group.items.push({ position: change.position, kind: change.kind, alert });
          group.desired = Math.min(group.desired, desired);
        }
      }
    }
    if (groups.size === 0) return;
    await commit(async (tx) => {
      for (const group of groups.values()) await this.#join(tx, tenantId, group, now);
    });
    scheduler.wake();
  }

  /** Adds a group's items to the recipient's gathering notification of the channel, or opens one. */
  async #join(tx: Store, tenantId: string, group: Group, now: number): Promise<void> {
    const { scheduler } = this.#deps;
    const where = { tenant_id: tenantId, recipient_id: group.recipient.id, channel_id: group.channelId };
    const open = await tx.db
      .selectFrom('notifications')
      .select(['seq', 'send_at'])
      .where('tenant_id', '=', where.tenant_id)
      .where('recipient_id', '=', where.recipient_id)
      .where('channel_id', '=', where.channel_id)
      .where('status', '=', 'gathering')
      .executeTakeFirst();
    let seq: number | undefined;
    // Immediate messages to one channel are a minute apart at least, whatever joins them.
    let floor = Number.NEGATIVE_INFINITY;
    if (group.prefs.delivery.mode === 'immediate') {
      const last = await tx.db
        .selectFrom('notifications')
        .select((eb) => eb.fn.max('sealed_at').as('last'))
        .where('tenant_id', '=', where.tenant_id)
        .where('recipient_id', '=', where.recipient_id)
        .where('channel_id', '=', where.channel_id)
        .executeTakeFirst();
      if (last?.last !== null && last?.last !== undefined) floor = Number(last.last) + IMMEDIATE_GAP_MS;
    }
    if (open !== undefined) {
      const sendAt = Math.max(floor, Math.min(Number(open.send_at), group.desired));
      // Conditional: the send job may have sealed it since it was read (PostgreSQL), then a new one opens.
      const updated = await tx.db
        .updateTable('notifications')
        .set((eb) => ({ items: eb('items', '+', group.items.length), send_at: sendAt, updated_at: now }))
        .where('seq', '=', open.seq)
        .where('status', '=', 'gathering')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) seq = Number(open.seq);
      if (seq !== undefined && sendAt < Number(open.send_at))
        await scheduler.schedule(
          { key: jobKey(seq), handler: SEND_JOB, at: sendAt, payload: { tenantId, seq } },
          tx,
        );
    }
    if (seq === undefined) {
      const sendAt = Math.max(floor, group.desired);
      const inserted = await tx.db
        .insertInto('notifications')
        .values({
          ...where,
          status: 'gathering',
          items: group.items.length,
          send_at: sendAt,
          sealed_at: null,
          subject: null,
          body: null,
          attempts: 0,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .returning('seq')
        .executeTakeFirstOrThrow();
      seq = Number(inserted.seq);
      await scheduler.schedule(
        { key: jobKey(seq), handler: SEND_JOB, at: sendAt, payload: { tenantId, seq } },
        tx,
      );
    }
    const rows = group.items.map((item) => ({
      tenant_id: tenantId,
      notification_seq: seq,
      position: item.position,
      kind: item.kind,
      alert: JSON.stringify(item.alert),
    }));
    for (let start = 0; start < rows.length; start += 500)
      await tx.db
        .insertInto('notification_items')
        .values(rows.slice(start, start + 500))
        .execute();
  }

  /** Seals a due notification and makes one try (the scheduler's job). */
  async send(tenantId: string, seq: number): Promise<void> {
    const { store, clock, scheduler } = this.#deps;
    const row = await this.#row(tenantId, seq);
    if (row === undefined || row.status === 'delivered' || row.status === 'failed') return;
    const now = clock.now();
    if (row.status === 'gathering' && Number(row.send_at) > now) {
      await scheduler.schedule({
        key: jobKey(seq),
        handler: SEND_JOB,
        at: Number(row.send_at),
        payload: { tenantId, seq },
      });
      return;
    }
    const [channel, recipient] = await guarded(store, () =>
      Promise.all([
        store.db
          .selectFrom('notification_channels')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', row.channel_id)
          .executeTakeFirst(),
        store.db
          .selectFrom('notification_recipients')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', row.recipient_id)
          .executeTakeFirst(),
      ]),
    );
    if (channel === undefined || recipient === undefined) {
      await this.#finish(
        tenantId,
        seq,
        Number(row.attempts),
        {
          ok: false,
          permanent: true,
          detail: null,
          error: channel === undefined ? 'the channel was deleted' : 'the recipient was deleted',
        },
        0,
        true,
      );
      return;
    }
    const sealed = row.status === 'gathering' ? await this.#seal(tenantId, seq, channel, recipient) : row;
    if (sealed === undefined || sealed.status !== 'pending') return;
    const started = performance.now();
    const outcome = await this.#deliver(tenantId, seq, channel, sealed.subject ?? '', sealed.body ?? '');
    const durationMs = Math.round(performance.now() - started);
    const giveUp =
      !outcome.ok &&
      (outcome.permanent || clock.now() - Number(sealed.sealed_at ?? now) >= this.#retryPeriodMs);
    this.#tries?.inc({ kind: channel.kind, outcome: outcome.ok ? 'delivered' : giveUp ? 'failed' : 'retry' });
    await this.#finish(tenantId, seq, Number(sealed.attempts), outcome, durationMs, giveUp);
  }

  #row(tenantId: string, seq: number) {
    const { store } = this.#deps;
    return guarded(store, () =>
      store.db
        .selectFrom('notifications')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('seq', '=', seq)
        .executeTakeFirst(),
    );
  }

  /** Ends gathering and renders the message once; answers the row as sealed. */
  async #seal(tenantId: string, seq: number, channel: ChannelRow, recipient: RecipientRow) {
    const { store, clock } = this.#deps;
    await guarded(store, () =>
      transact(store, async (tx) => {
        const now = clock.now();
        // Waits for a consumer's transaction that is adding to it (PostgreSQL's row lock); after it, nothing joins.
        const updated = await tx.db
          .updateTable('notifications')
          .set({ status: 'pending', sealed_at: now, updated_at: now })
          .where('seq', '=', seq)
          .where('status', '=', 'gathering')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return;
        const items = await tx.db
          .selectFrom('notification_items')
          .select(['position', 'kind', 'alert'])
          .where('notification_seq', '=', seq)
          .orderBy('position')
          .execute();
        const rendered = render(
          tenantId,
          `ntf_${seq}`,
          { id: recipient.id, name: recipient.name },
          items.map((item) => ({
            position: Number(item.position),
            kind: item.kind,
            alert: JSON.parse(item.alert) as Item['alert'],
          })),
        );
        await tx.db
          .updateTable('notifications')
          .set({ subject: rendered.subject, body: channel.kind === 'email' ? rendered.text : rendered.json })
          .where('seq', '=', seq)
          .execute();
      }),
    );
    return this.#row(tenantId, seq);
  }

  async #deliver(
    tenantId: string,
    seq: number,
    channel: ChannelRow,
    subject: string,
    body: string,
  ): Promise<Outcome> {
    const settings = JSON.parse(channel.settings) as ChannelSettings;
    const messageId = `ntf_${seq}`;
    try {
      switch (channel.kind) {
        case 'email': {
          const mailer = this.#ports.mailer;
          if (mailer === undefined)
            return retry('e-mail is not configured on this server (FLEETPORT_SMTP_HOST)');
          const response = await mailer.send({
            to: settings.to ?? [],
            subject,
            text: body,
            messageId: `<${messageId}.${tenantId}@fleetport>`,
            headers: { 'X-Fleetport-Notification': messageId },
          });
          return { ok: true, permanent: false, detail: response.slice(0, 500), error: null };
        }
        case 'webhook': {
          const timestamp = Math.floor(this.#deps.clock.now() / 1000);
          const result = await this.#ports.webhooks.send({
            url: settings.url ?? '',
            headers: {
              'content-type': 'application/json',
              'webhook-id': messageId,
              'webhook-timestamp': String(timestamp),
              'webhook-signature': signWebhook(channel.secret ?? '', messageId, timestamp, body),
            },
            body,
            allowPrivate: await allowsPrivateTargets(this.#deps.store, tenantId),
          });
          const status = result.status;
          if (status !== null && status >= 200 && status < 300)
            return { ok: true, permanent: false, detail: `HTTP ${status}`, error: null };
          return {
            ok: false,
            permanent: status !== null && status >= 400 && status < 500 && !RETRYABLE_4XX.has(status),
            detail: status === null ? null : `HTTP ${status}`,
            error: result.error ?? `answered ${status}`,
          };
        }
        case 'mqtt': {
          const broker = this.#ports.mqtt();
          if (broker === undefined) return retry('the MQTT broker is not running');
          await broker.publish(tenantId, {
            topic: settings.topic ?? '',
            payload: body,
            qos: settings.qos ?? 1,
            properties: { contentType: 'application/json' },
          });
          return { ok: true, permanent: false, detail: `published on ${settings.topic}`, error: null };
        }
        default:
          return {
            ok: false,
            permanent: true,
            detail: null,
            error: `unknown channel kind '${channel.kind}'`,
          };
      }
    } catch (error) {
      const code = (error as { responseCode?: unknown }).responseCode;
      const message = error instanceof Error ? error.message : String(error);
      // SMTP 5xx is a final refusal (RFC 5321 4.2.1); 4xx and lost connections are tried again.
      const permanent = typeof code === 'number' && code >= 500 && code < 600;
      return {
        ok: false,
        permanent,
        detail: typeof code === 'number' ? `SMTP ${code}` : null,
        error: message.slice(0, 1000),
      };
    }
  }

  async #finish(
    tenantId: string,
    seq: number,
    previousAttempts: number,
    outcome: Outcome,
    durationMs: number,
    giveUp: boolean,
  ): Promise<void> {
    const { store, clock, scheduler } = this.#deps;
    const now = clock.now();
    const attempt = previousAttempts + 1;
    const status = outcome.ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    await guarded(store, () =>
      transact(store, async (tx) => {
        await tx.db
          .insertInto('notification_attempts')
          .values({
            tenant_id: tenantId,
            notification_seq: seq,
            attempt,
            ok: outcome.ok ? 1 : 0,
            detail: outcome.detail,
            error: outcome.error,
            duration_ms: durationMs,
            at: now,
          })
          .execute();
        await tx.db
          .updateTable('notifications')
          .set({ status, attempts: attempt, last_error: outcome.error, updated_at: now })
          .where('seq', '=', seq)
          .execute();
        if (status === 'pending') {
          const delay = Math.min(this.#maxRetryMs, this.#firstRetryMs * 2 ** Math.min(attempt - 1, 30));
          await scheduler.schedule(
            { key: jobKey(seq), handler: SEND_JOB, at: now + delay, payload: { tenantId, seq } },
            tx,
          );
        }
      }),
    );
    if (!outcome.ok)
      this.#deps.logger.warn(
        { tenantId, notification: seq, attempt, error: outcome.error, giveUp },
        'a notification was not delivered',
      );
  }
}

function retry(error: string): Outcome {
  return { ok: false, permanent: false, detail: null, error };
}
