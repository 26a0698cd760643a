import { type Static, Type } from 'typebox';
import { type ChangeKind, changeKinds } from '../changes/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Text = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

export const WebhookId = Type.String({ pattern: '^wh_[A-Za-z0-9_-]{1,40}$', maxLength: 43 });
export const DeliveryId = Type.String({ pattern: '^\\d{1,18}$', description: 'a delivery number' });

const EventType = Type.Unsafe<ChangeKind>({ type: 'string', enum: [...changeKinds] });
const EventTypes = Type.Array(EventType, {
  maxItems: 64,
  uniqueItems: true,
  description: 'the change kinds to send; empty or absent: every kind',
});
const Url = Type.String({ minLength: 8, maxLength: 2048, description: 'an http or https URL' });
const Filter = Type.String({
  maxLength: 2048,
  description: 'a CEL condition over the event (`type`, `entityId`, `at`, `data`); docs/CONDITIONS.md',
});

export const EndpointParams = Type.Object({ webhookId: WebhookId }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { webhookId: WebhookId, deliveryId: DeliveryId },
  { additionalProperties: false },
);
export const TenantParams = Type.Object(
  { tenantId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }) },
  { additionalProperties: false },
);

export const Endpoint = Type.Object(
  {
    id: WebhookId,
    url: Type.String(),
    description: Type.String(),
    eventTypes: Type.Array(Type.String()),
    filter: Type.Union([Type.String(), Type.Null()]),
    ordered: Type.Boolean({
      description: 'one delivery at a time, in feed order; otherwise several at once',
    }),
    enabled: Type.Boolean(),
    disabledReason: Type.Union([Type.String(), Type.Null()], {
      description: '`failing` when the server disabled it, `manual` when a user did',
    }),
    failingSince: Type.Union([Timestamp, Type.Null()]),
    breakerOpenUntil: Type.Union([Timestamp, Type.Null()], {
      description: 'while the circuit breaker is open, nothing is sent before this time',
    }),
    rotating: Type.Boolean({ description: 'a previous secret is still valid, and signed with' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);
export type Endpoint = Static<typeof Endpoint>;

export const EndpointWithSecret = Type.Object({
  endpoint: Endpoint,
  secret: Type.String({ description: 'the signing secret (`whsec_` and base64); shown only here' }),
});
export type EndpointWithSecret = Static<typeof EndpointWithSecret>;

export const EndpointPage = Type.Object({
  items: Type.Array(Endpoint),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type EndpointPage = Static<typeof EndpointPage>;

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    description: Type.Optional(Text(500)),
    eventTypes: Type.Optional(EventTypes),
    filter: Type.Optional(Filter),
    ordered: Type.Optional(Type.Boolean({ default: false })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Text(500)),
    eventTypes: Type.Optional(EventTypes),
    filter: Type.Optional(Type.Union([Filter, Type.Null()])),
    ordered: Type.Optional(Type.Boolean()),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEndpointBody = Static<typeof UpdateEndpointBody>;

export const RotateSecretBody = Type.Object(
  {
    previousValidHours: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 720,
        default: 24,
        description: 'how long the previous secret stays valid (both signatures are sent meanwhile)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DeliveryStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
]);

export const Delivery = Type.Object(
  {
    id: DeliveryId,
    webhookId: WebhookId,
    messageId: Type.String({
      description: 'the `webhook-id` header and envelope id: the same for every try',
    }),
    eventType: Type.String(),
    cursor: Type.String({ description: "the change's feed position (`0` for a test)" }),
    origin: Type.Union([
      Type.Literal('feed'),
      Type.Literal('retry'),
      Type.Literal('replay'),
      Type.Literal('test'),
    ]),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    lastStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'WebhookDelivery' },
);
export type Delivery = Static<typeof Delivery>;

export const Attempt = Type.Object(
  {
    requestId: Type.String({ description: 'sent as `x-request-id`' }),
    attempt: Type.Integer(),
    url: Type.String(),
    responseStatus: Type.Union([Type.Integer(), Type.Null()]),
    responseBody: Type.Union([Type.String(), Type.Null()], { description: 'the first 4 KiB' }),
    durationMs: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    at: Timestamp,
  },
  { $id: 'WebhookAttempt' },
);
export type Attempt = Static<typeof Attempt>;

export const DeliveryWithAttempts = Type.Object({ delivery: Delivery, attempts: Type.Array(Attempt) });
export type DeliveryWithAttempts = Static<typeof DeliveryWithAttempts>;

export const DeliveryPage = Type.Object({
  items: Type.Array(Delivery),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type DeliveryPage = Static<typeof DeliveryPage>;

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const DeliveryListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'newest first: deliveries before this one' }),
    ),
    status: Type.Optional(DeliveryStatus),
  },
  { additionalProperties: false },
);
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;

export const ReplayBody = Type.Object(
  {
    since: Type.Optional(
      Type.String({ pattern: '^\\d{1,18}$', description: 'a feed cursor: the changes after it' }),
    ),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'the changes committed at or after it' }),
    ),
  },
  { additionalProperties: false, minProperties: 1, maxProperties: 1 },
);
export type ReplayBody = Static<typeof ReplayBody>;

export const ReplayResult = Type.Object({
  queued: Type.Integer({ description: 'deliveries queued' }),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'when the replay stopped at its limit: replay again with `since` set to this',
  }),
});
export type ReplayResult = Static<typeof ReplayResult>;

export const TestSendBody = Type.Object(
  {
    eventType: Type.Optional(
      Type.String({ maxLength: 100, pattern: '^[a-z_.]{1,100}$', default: 'webhook.test' }),
    ),
    data: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type TestSendBody = Static<typeof TestSendBody>;

export const WebhookSettings = Type.Object(
  {
    tenantId: Type.String(),
    allowPrivateTargets: Type.Boolean({
      description: 'whether endpoints may be on private, loopback and link-local addresses',
    }),
  },
  { $id: 'WebhookSettings' },
);
export type WebhookSettings = Static<typeof WebhookSettings>;

export const WebhookSettingsBody = Type.Object(
  { allowPrivateTargets: Type.Boolean() },
  { additionalProperties: false },
);
