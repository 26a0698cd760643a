import { type Static, Type } from 'typebox';
import { DeviceId } from '../devices/index.js';
import { ALERT_SEVERITIES, ALERT_STATES, type AlertSeverity, type AlertState } from './alerts-events.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Text = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u0008\\u000b-\\u001f\\u007f]*$' });

/** An alert type: lower case words joined by `_` or `.`, like `device_silent`. */
export const ALERT_TYPE_PATTERN = '^[a-z][a-z0-9_.]{0,63}$';
export const alertTypeRegex = new RegExp(ALERT_TYPE_PATTERN);
export const AlertId = Type.String({
  pattern: '^alr_[0-9a-f]{32}$',
  examples: ['alr_0190a1b2c3d47e5f8a9b0c1d2e3f4a5b'],
});

export const SeveritySchema = Type.Unsafe<AlertSeverity>({
  type: 'string',
  enum: [...ALERT_SEVERITIES],
  description: 'critical, major, minor, warning or info',
});
export const StateSchema = Type.Unsafe<AlertState>({ type: 'string', enum: [...ALERT_STATES] });

export const AlertActor = Type.Object({
  kind: Type.Union([Type.Literal('principal'), Type.Literal('platform')]),
  id: Type.String({ description: "the API key's id, or the platform source (`silence`, `lifecycle`, …)" }),
});
export type AlertActor = Static<typeof AlertActor>;

export const Alert = Type.Object(
  {
    id: AlertId,
    type: Type.String({ pattern: ALERT_TYPE_PATTERN }),
    severity: SeveritySchema,
    state: StateSchema,
    scope: Type.Union([Type.Literal('device'), Type.Literal('fleet')]),
    deviceId: Nullable(Type.String({ description: 'the device of a device alert' })),
    subject: Nullable(Type.String({ description: 'what a fleet alert is about, e.g. a contract id' })),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    occurrences: Type.Integer({ description: 'times it was raised while not cleared' }),
    firstAt: Timestamp,
    lastAt: Timestamp,
    acknowledgedAt: Nullable(Timestamp),
    acknowledgedBy: Nullable(AlertActor),
    clearedAt: Nullable(Timestamp),
    clearedBy: Nullable(AlertActor),
    version: Type.Integer(),
    updatedAt: Timestamp,
  },
  { $id: 'Alert' },
);
export type Alert = Static<typeof Alert>;

export const AlertEvent = Type.Object({
  seq: Type.Integer(),
  action: Type.Union([
    Type.Literal('raised'),
    Type.Literal('acknowledged'),
    Type.Literal('cleared'),
    Type.Literal('commented'),
  ]),
  actor: AlertActor,
  text: Nullable(Type.String({ description: 'the comment, or why the platform acted' })),
  at: Timestamp,
});
export type AlertEvent = Static<typeof AlertEvent>;

export const AlertDetail = Type.Object(
  {
    ...Alert.properties,
    history: Type.Array(AlertEvent, { description: 'transitions and comments, oldest first' }),
  },
  { $id: 'AlertDetail' },
);
export type AlertDetail = Static<typeof AlertDetail>;

export const AlertParams = Type.Object({ alertId: AlertId }, { additionalProperties: false });

export const ListAlertsQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Union([StateSchema, Type.Literal('active')], {
        description: '`active`: open or acknowledged',
      }),
    ),
    severity: Type.Optional(SeveritySchema),
    type: Type.Optional(Type.String({ pattern: ALERT_TYPE_PATTERN })),
    deviceId: Type.Optional(DeviceId),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'first occurrence at or after' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'first occurrence before' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(AlertId),
  },
  { additionalProperties: false },
);
export type ListAlertsQuery = Static<typeof ListAlertsQuery>;

export const AlertPage = Type.Object({
  items: Type.Array(Alert, { description: 'newest first (by first occurrence)' }),
  nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null at the end' })),
});
export type AlertPage = Static<typeof AlertPage>;

export const ActionBody = Type.Object(
  { comment: Type.Optional(Text(2000)) },
  { additionalProperties: false },
);
export type ActionBody = Static<typeof ActionBody>;

export const CommentBody = Type.Object({ text: Text(2000) }, { additionalProperties: false });
export type CommentBody = Static<typeof CommentBody>;

export const CommentResult = Type.Object({ alert: Alert, comment: AlertEvent });
export type CommentResult = Static<typeof CommentResult>;
