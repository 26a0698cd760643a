import { type Static, Type } from 'typebox';
import { ALERT_SEVERITIES, type AlertSeverity } from '../alerts/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Text = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

export const ChannelId = Type.String({ pattern: '^nch_[A-Za-z0-9_-]{1,40}$', maxLength: 44 });
export const RecipientId = Type.String({ pattern: '^nrc_[A-Za-z0-9_-]{1,40}$', maxLength: 44 });
export const NotificationId = Type.String({ pattern: '^\\d{1,18}$', description: 'a notification number' });

export const CHANNEL_KINDS = ['email', 'webhook', 'mqtt'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The alert changes a recipient may be told of. */
export const NOTIFIED_EVENTS = ['raised', 'updated', 'acknowledged', 'cleared'] as const;
export type NotifiedEvent = (typeof NOTIFIED_EVENTS)[number];

const Severity = Type.Unsafe<AlertSeverity>({ type: 'string', enum: [...ALERT_SEVERITIES] });
const Kind = Type.Unsafe<ChannelKind>({ type: 'string', enum: [...CHANNEL_KINDS] });
const Event = Type.Unsafe<NotifiedEvent>({ type: 'string', enum: [...NOTIFIED_EVENTS] });
const Email = Type.String({ minLength: 3, maxLength: 254, description: 'an e-mail address' });
const Qos = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]);

export const ChannelParams = Type.Object({ channelId: ChannelId }, { additionalProperties: false });
export const RecipientParams = Type.Object({ recipientId: RecipientId }, { additionalProperties: false });
export const NotificationParams = Type.Object(
  { notificationId: NotificationId },
  { additionalProperties: false },
);

export const Channel = Type.Object(
  {
    id: ChannelId,
    name: Type.String(),
    kind: Kind,
    to: Type.Optional(Type.Array(Type.String(), { description: 'e-mail: the addresses' })),
    url: Type.Optional(Type.String({ description: 'webhook: where the signed POST goes' })),
    topic: Type.Optional(Type.String({ description: "mqtt: the tenant's topic it is published on" })),
    qos: Type.Optional(Qos),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'NotificationChannel' },
);
export type Channel = Static<typeof Channel>;

export const CreateChannelBody = Type.Object(
  {
    name: Text(200),
    kind: Kind,
    to: Type.Optional(Type.Array(Email, { minItems: 1, maxItems: 50, uniqueItems: true })),
    url: Type.Optional(Type.String({ minLength: 8, maxLength: 2048 })),
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    qos: Type.Optional(Qos),
  },
  { additionalProperties: false },
);
export type CreateChannelBody = Static<typeof CreateChannelBody>;

export const ChannelWithSecret = Type.Object({
  channel: Channel,
  secret: Nullable(
    Type.String({
      description: "a webhook channel's signing secret (`whsec_…`), shown only here; null for others",
    }),
  ),
});
export type ChannelWithSecret = Static<typeof ChannelWithSecret>;

export const QuietHours = Type.Object(
  {
    start: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, local time' }),
    end: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, local time' }),
    timeZone: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, default: 'UTC', description: 'an IANA time zone' }),
    ),
    exceptCritical: Type.Optional(
      Type.Boolean({ default: true, description: 'critical alerts are not held back' }),
    ),
  },
  { additionalProperties: false },
);
export type QuietHours = Static<typeof QuietHours>;

export const Delivery = Type.Object(
  {
    mode: Type.Union([Type.Literal('immediate'), Type.Literal('digest')]),
    windowMinutes: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1440, description: 'digest: alerts gathered this long' }),
    ),
  },
  { additionalProperties: false },
);
export type Delivery = Static<typeof Delivery>;

export const RecipientBody = Type.Object(
  {
    name: Text(200),
    channels: Type.Array(ChannelId, { minItems: 1, maxItems: 16, uniqueItems: true }),
    severities: Type.Optional(Type.Array(Severity, { minItems: 1, uniqueItems: true })),
    types: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_.]{0,63}$' }), {
        maxItems: 64,
        uniqueItems: true,
        description: 'alert types; empty or absent: every type',
      }),
    ),
    events: Type.Optional(Type.Array(Event, { minItems: 1, uniqueItems: true })),
    quietHours: Type.Optional(Nullable(QuietHours)),
    delivery: Type.Optional(Delivery),
  },
  { additionalProperties: false },
);
export type RecipientBody = Static<typeof RecipientBody>;

export const Recipient = Type.Object(
  {
    id: RecipientId,
    name: Type.String(),
    channels: Type.Array(ChannelId),
    severities: Type.Array(Severity),
    types: Type.Array(Type.String()),
    events: Type.Array(Event),
    quietHours: Nullable(
      Type.Object({
        start: Type.String(),
        end: Type.String(),
        timeZone: Type.String(),
        exceptCritical: Type.Boolean(),
      }),
    ),
    delivery: Type.Object({ mode: Type.String(), windowMinutes: Nullable(Type.Integer()) }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'NotificationRecipient' },
);
export type Recipient = Static<typeof Recipient>;

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 60 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const ChannelPage = Type.Object({ items: Type.Array(Channel), nextCursor: Nullable(Type.String()) });
export const RecipientPage = Type.Object({
  items: Type.Array(Recipient),
  nextCursor: Nullable(Type.String()),
});

export const NotificationStatus = Type.Union([
  Type.Literal('gathering'),
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);
export type NotificationStatus = Static<typeof NotificationStatus>;

export const Notification = Type.Object(
  {
    id: NotificationId,
    recipientId: RecipientId,
    channelId: ChannelId,
    status: NotificationStatus,
    alerts: Type.Integer({ description: 'alert changes in it' }),
    sendAt: Timestamp,
    sealedAt: Nullable(Timestamp),
    subject: Nullable(Type.String()),
    attempts: Type.Integer(),
    lastError: Nullable(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Notification' },
);
export type Notification = Static<typeof Notification>;

export const NotificationListQuery = Type.Object(
  {
    status: Type.Optional(NotificationStatus),
    recipientId: Type.Optional(RecipientId),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(NotificationId),
  },
  { additionalProperties: false },
);
export type NotificationListQuery = Static<typeof NotificationListQuery>;

export const NotificationPage = Type.Object({
  items: Type.Array(Notification, { description: 'newest first' }),
  nextCursor: Nullable(Type.String()),
});
export type NotificationPage = Static<typeof NotificationPage>;

export const Attempt = Type.Object({
  attempt: Type.Integer(),
  ok: Type.Boolean(),
  detail: Nullable(Type.String({ description: "the receiver's answer: HTTP status, SMTP response" })),
  error: Nullable(Type.String()),
  durationMs: Type.Integer(),
  at: Timestamp,
});
export type Attempt = Static<typeof Attempt>;

export const NotificationDetail = Type.Object({
  notification: Notification,
  body: Nullable(Type.String({ description: 'the text sent, once sealed' })),
  items: Type.Array(
    Type.Object({
      cursor: Type.String({ description: "the alert change's feed position" }),
      kind: Type.String(),
      alertId: Type.String(),
      type: Type.String(),
      severity: Type.String(),
    }),
    { description: 'its alert changes, oldest first (the first 500)' },
  ),
  attempts: Type.Array(Attempt),
});
export type NotificationDetail = Static<typeof NotificationDetail>;
