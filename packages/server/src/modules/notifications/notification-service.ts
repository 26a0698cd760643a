import type { Selectable } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { prefixedId } from '../../kernel/ids.js';
import { isValidTopicName } from '../../mqtt/index.js';
import type { NotificationChannelTable, NotificationRecipientTable } from '../../store/schema.js';
import { guarded, type Store, transact } from '../../store/store.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alerts/index.js';
import { allowsPrivateTargets, checkTarget, newWebhookSecret, parseTargetUrl } from '../webhooks/index.js';
import type {
  Channel,
  ChannelKind,
  ChannelWithSecret,
  CreateChannelBody,
  ListQuery,
  Notification,
  NotificationDetail,
  NotificationListQuery,
  NotificationPage,
  NotifiedEvent,
  Recipient,
  RecipientBody,
} from './notification-schemas.js';
import { checkTimeZone } from './quiet-hours.js';

export type ChannelRow = Selectable<NotificationChannelTable>;
export type RecipientRow = Selectable<NotificationRecipientTable>;

/** A channel's settings as stored (JSON in `settings`). */
export interface ChannelSettings {
  readonly to?: readonly string[];
  readonly url?: string;
  readonly topic?: string;
  readonly qos?: 0 | 1 | 2;
}

/** A recipient's preferences as stored (JSON in `preferences`). */
export interface Preferences {
  readonly severities: readonly AlertSeverity[];
  readonly types: readonly string[];
  readonly events: readonly NotifiedEvent[];
  readonly quietHours: {
    readonly start: string;
    readonly end: string;
    readonly timeZone: string;
    readonly exceptCritical: boolean;
  } | null;
  readonly delivery: { readonly mode: 'immediate' | 'digest'; readonly windowMinutes: number | null };
}

export interface NotificationDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** Whether e-mail can be sent (SMTP configured); channels of a kind that cannot are refused. */
  readonly available: (kind: ChannelKind) => boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
// Deliberately plain: the SMTP server is the judge of an address; this refuses obvious typos.
const EMAIL = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

export function presentChannel(row: ChannelRow): Channel {
  const settings = JSON.parse(row.settings) as ChannelSettings;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ChannelKind,
    ...(settings.to === undefined ? {} : { to: [...settings.to] }),
    ...(settings.url === undefined ? {} : { url: settings.url }),
    ...(settings.topic === undefined ? {} : { topic: settings.topic, qos: settings.qos ?? 1 }),
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

export function preferencesOf(row: RecipientRow): Preferences {
  return JSON.parse(row.preferences) as Preferences;
}

export function presentRecipient(row: RecipientRow): Recipient {
  const prefs = preferencesOf(row);
  return {
    id: row.id,
    name: row.name,
    channels: JSON.parse(row.channel_ids) as string[],
    severities: [...prefs.severities],
    types: [...prefs.types],
    events: [...prefs.events],
    quietHours: prefs.quietHours,
    delivery: { ...prefs.delivery },
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

export function presentNotification(row: {
  seq: number;
  recipient_id: string;
  channel_id: string;
  status: string;
  items: number;
  send_at: number;
  sealed_at: number | null;
  subject: string | null;
  attempts: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}): Notification {
  return {
    id: String(row.seq),
    recipientId: row.recipient_id,
    channelId: row.channel_id,
    status: row.status as Notification['status'],
    alerts: Number(row.items),
    sendAt: iso(Number(row.send_at)),
    sealedAt: row.sealed_at === null ? null : iso(Number(row.sealed_at)),
    subject: row.subject,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: iso(Number(row.created_at)),
    updatedAt: iso(Number(row.updated_at)),
  };
}

/** Refuses an MQTT topic a notification may not use: wildcards, `$…`, or the devices' tree. */
function checkTopic(topic: string): void {
  if (!isValidTopicName(topic) || topic.startsWith('$'))
    throw new AppError('validation_failed', `topic '${topic}' is not a topic name`, { field: 'topic' });
  // Devices read their own subtree: a notification there would speak to a device as the server.
  if (topic === 'devices' || topic.startsWith('devices/'))
    throw new AppError('validation_failed', 'notifications are not published below devices/', {
      field: 'topic',
    });
}

/**
 * Channels and recipients of a tenant, and the notifications sent to them. Every check
 * runs before anything is written, so a refused body stores nothing.
 */
export class NotificationService {
  readonly #deps: NotificationDeps;

  constructor(deps: NotificationDeps) {
    this.#deps = deps;
  }

  async createChannel(tenantId: string, body: CreateChannelBody): Promise<ChannelWithSecret> {
    const { store, clock } = this.#deps;
    const settings = await this.#channelSettings(tenantId, body);
    const now = clock.now();
    const row: ChannelRow = {
      tenant_id: tenantId,
      id: prefixedId('nch', 12),
      name: body.name,
      kind: body.kind,
      settings: JSON.stringify(settings),
      secret: body.kind === 'webhook' ? newWebhookSecret() : null,
      created_at: now,
      updated_at: now,
    };
    await guarded(store, () => store.db.insertInto('notification_channels').values(row).execute());
    return { channel: presentChannel(row), secret: row.secret };
  }

  async listChannels(tenantId: string, query: ListQuery) {
    const rows = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('notification_channels')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .$if(query.cursor !== undefined, (q) => q.where('id', '>', query.cursor ?? ''))
        .orderBy('id')
        .limit(query.limit + 1)
        .execute(),
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(presentChannel),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  async getChannel(tenantId: string, id: string): Promise<Channel> {
    return presentChannel(await this.#channel(tenantId, id));
  }

  /** Deletes a channel no recipient names (`notification_channel_in_use` otherwise). */
  async deleteChannel(tenantId: string, id: string): Promise<void> {
    const { store } = this.#deps;
    await guarded(store, () =>
      transact(store, async (tx) => {
        const row = await tx.db
          .selectFrom('notification_channels')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (row === undefined) throw notFound('notification channel', id);
        const recipients = await tx.db
          .selectFrom('notification_recipients')
          .select(['id', 'channel_ids'])
          .where('tenant_id', '=', tenantId)
          .execute();
        const users = recipients
          .filter((r) => (JSON.parse(r.channel_ids) as string[]).includes(id))
          .map((r) => r.id);
        if (users.length > 0)
          throw new AppError('notification_channel_in_use', `channel '${id}' is named by recipients`, {
            channelId: id,
            recipients: users,
          });
        await tx.db
          .deleteFrom('notification_channels')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
      }),
    );
  }

  async createRecipient(tenantId: string, body: RecipientBody): Promise<Recipient> {
    const { store, clock } = this.#deps;
    const prefs = this.#preferences(body);
    const now = clock.now();
    const row: RecipientRow = {
      tenant_id: tenantId,
      id: prefixedId('nrc', 12),
      name: body.name,
      channel_ids: JSON.stringify(body.channels),
      preferences: JSON.stringify(prefs),
      created_at: now,
      updated_at: now,
    };
    await guarded(store, () =>
      transact(store, async (tx) => {
        await this.#checkChannels(tx, tenantId, body.channels);
        await tx.db.insertInto('notification_recipients').values(row).execute();
      }),
    );
    return presentRecipient(row);
  }

  /** Replaces a recipient's name, channels and preferences. */
  async replaceRecipient(tenantId: string, id: string, body: RecipientBody): Promise<Recipient> {
    const { store, clock } = this.#deps;
    const prefs = this.#preferences(body);
    const now = clock.now();
    return guarded(store, () =>
      transact(store, async (tx) => {
        const current = await tx.db
          .selectFrom('notification_recipients')
          .selectAll()
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (current === undefined) throw notFound('notification recipient', id);
        await this.#checkChannels(tx, tenantId, body.channels);
        const row: RecipientRow = {
          ...current,
          name: body.name,
          channel_ids: JSON.stringify(body.channels),
          preferences: JSON.stringify(prefs),
          updated_at: now,
        };
        await tx.db
          .updateTable('notification_recipients')
          .set({
            name: row.name,
            channel_ids: row.channel_ids,
            preferences: row.preferences,
            updated_at: now,
          })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', id)
          .execute();
        return presentRecipient(row);
      }),
    );
  }

  async getRecipient(tenantId: string, id: string): Promise<Recipient> {
    const row = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('notification_recipients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (row === undefined) throw notFound('notification recipient', id);
    return presentRecipient(row);
  }

  async listRecipients(tenantId: string, query: ListQuery) {
    const rows = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('notification_recipients')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .$if(query.cursor !== undefined, (q) => q.where('id', '>', query.cursor ?? ''))
        .orderBy('id')
        .limit(query.limit + 1)
        .execute(),
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(presentRecipient),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Deletes a recipient; what it was gathering is not sent (its notifications fail as orphaned). */
  async deleteRecipient(tenantId: string, id: string): Promise<void> {
    const { store } = this.#deps;
    const result = await guarded(store, () =>
      store.db
        .deleteFrom('notification_recipients')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (Number(result.numDeletedRows) === 0) throw notFound('notification recipient', id);
  }

  async list(tenantId: string, query: NotificationListQuery): Promise<NotificationPage> {
    const { store } = this.#deps;
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('notifications')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .$if(query.status !== undefined, (q) => q.where('status', '=', query.status ?? ''))
        .$if(query.recipientId !== undefined, (q) => q.where('recipient_id', '=', query.recipientId ?? ''))
        .$if(query.cursor !== undefined, (q) => q.where('seq', '<', Number(query.cursor)))
        .orderBy('seq', 'desc')
        .limit(query.limit + 1)
        .execute(),
    );
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(presentNotification),
      nextCursor: rows.length > query.limit ? String(page.at(-1)?.seq ?? '') : null,
    };
  }

  /** A notification with its text, its alert changes and its tries. */
  async get(tenantId: string, id: string): Promise<NotificationDetail> {
    const { store } = this.#deps;
    const seq = Number(id);
    const row = await guarded(store, () =>
      store.db
        .selectFrom('notifications')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('seq', '=', seq)
        .executeTakeFirst(),
    );
    if (row === undefined) throw notFound('notification', id);
    const [items, attempts] = await guarded(store, () =>
      Promise.all([
        store.db
          .selectFrom('notification_items')
          .select(['position', 'kind', 'alert'])
          .where('notification_seq', '=', seq)
          .orderBy('position')
          .limit(500)
          .execute(),
        store.db
          .selectFrom('notification_attempts')
          .selectAll()
          .where('notification_seq', '=', seq)
          .orderBy('seq')
          .execute(),
      ]),
    );
    return {
      notification: presentNotification(row),
      body: row.body,
      items: items.map((item) => {
        const alert = JSON.parse(item.alert) as { id?: string; type?: string; severity?: string };
        return {
          cursor: String(item.position),
          kind: item.kind,
          alertId: String(alert.id ?? ''),
          type: String(alert.type ?? ''),
          severity: String(alert.severity ?? ''),
        };
      }),
      attempts: attempts.map((a) => ({
        attempt: Number(a.attempt),
        ok: Number(a.ok) === 1,
        detail: a.detail,
        error: a.error,
        durationMs: Number(a.duration_ms),
        at: iso(Number(a.at)),
      })),
    };
  }

  async #channel(tenantId: string, id: string): Promise<ChannelRow> {
    const row = await guarded(this.#deps.store, () =>
      this.#deps.store.db
        .selectFrom('notification_channels')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (row === undefined) throw notFound('notification channel', id);
    return row;
  }

  async #channelSettings(tenantId: string, body: CreateChannelBody): Promise<ChannelSettings> {
    const only = (field: 'to' | 'url' | 'topic' | 'qos', kinds: readonly ChannelKind[]) => {
      if (body[field] !== undefined && !kinds.includes(body.kind))
        throw new AppError('validation_failed', `'${field}' is not a setting of a ${body.kind} channel`, {
          field,
        });
    };
    only('to', ['email']);
    only('url', ['webhook']);
    only('topic', ['mqtt']);
    only('qos', ['mqtt']);
    if (!this.#deps.available(body.kind))
      throw new AppError(
        'notification_channel_unavailable',
        body.kind === 'email'
          ? 'e-mail cannot be sent: the server has no SMTP host (FLEETPORT_SMTP_HOST)'
          : `${body.kind} notifications cannot be sent by this server`,
        { kind: body.kind },
      );
    switch (body.kind) {
      case 'email': {
        const to = body.to;
        if (to === undefined)
          throw new AppError('validation_failed', 'an e-mail channel needs `to`', { field: 'to' });
        const bad = to.find((address) => !EMAIL.test(address));
        if (bad !== undefined)
          throw new AppError('validation_failed', `'${bad}' is not an e-mail address`, { field: 'to' });
        return { to };
      }
      case 'webhook': {
        if (body.url === undefined)
          throw new AppError('validation_failed', 'a webhook channel needs `url`', { field: 'url' });
        const url = parseTargetUrl(body.url);
        await checkTarget(url, await allowsPrivateTargets(this.#deps.store, tenantId));
        return { url: url.href };
      }
      case 'mqtt': {
        if (body.topic === undefined)
          throw new AppError('validation_failed', 'an MQTT channel needs `topic`', { field: 'topic' });
        checkTopic(body.topic);
        return { topic: body.topic, qos: body.qos ?? 1 };
      }
    }
  }

  #preferences(body: RecipientBody): Preferences {
    const mode = body.delivery?.mode ?? 'immediate';
    if (mode === 'immediate' && body.delivery?.windowMinutes !== undefined)
      throw new AppError('validation_failed', 'windowMinutes is for digest delivery', {
        field: 'delivery.windowMinutes',
      });
    const quiet = body.quietHours ?? null;
    if (quiet !== null) {
      if (quiet.start === quiet.end)
        throw new AppError('validation_failed', 'quiet hours start and end at the same time', {
          field: 'quietHours',
        });
      checkTimeZone(quiet.timeZone ?? 'UTC');
    }
    return {
      severities: body.severities ?? [...ALERT_SEVERITIES],
      types: body.types ?? [],
      events: body.events ?? ['raised'],
      quietHours:
        quiet === null
          ? null
          : {
              start: quiet.start,
              end: quiet.end,
              timeZone: quiet.timeZone ?? 'UTC',
              exceptCritical: quiet.exceptCritical ?? true,
            },
      delivery: { mode, windowMinutes: mode === 'digest' ? (body.delivery?.windowMinutes ?? 15) : null },
    };
  }

  /** `notification_channel_unknown` naming every id the tenant has no channel of. */
  async #checkChannels(tx: Store, tenantId: string, ids: readonly string[]): Promise<void> {
    const found = await tx.db
      .selectFrom('notification_channels')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', [...ids])
      .execute();
    const known = new Set(found.map((row) => row.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new AppError(
        'notification_channel_unknown',
        `unknown notification channels: ${unknown.join(', ')}`,
        {
          field: 'channels',
          unknown,
        },
      );
  }
}
