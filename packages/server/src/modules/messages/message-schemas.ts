import { type Static, Type } from 'typebox';
// The one definition of a device id (devices/index.ts does not re-export it yet).
import { DecodedSchema } from '../codecs/index.js';
import { DeviceId, DeviceTypeId } from '../devices/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const ReceptionSchema = Type.Object(
  {
    station: Type.String(),
    receivedAt: Timestamp,
    rssi: Nullable(Type.Number()),
    snr: Nullable(Type.Number()),
    lat: Nullable(Type.Number()),
    lng: Nullable(Type.Number()),
    extra: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Reception' },
);
export type ReceptionView = Static<typeof ReceptionSchema>;

export const MessageSchema = Type.Object(
  {
    id: Type.String({ description: "Fleetport's id of the message" }),
    deviceId: Type.String(),
    typeId: Type.String(),
    transport: Type.Union([Type.Literal('http'), Type.Literal('sigfox'), Type.Literal('mqtt')]),
    receivedAt: Timestamp,
    deviceTime: Nullable(Timestamp),
    seq: Nullable(Type.Integer()),
    messageId: Nullable(Type.String({ description: 'the id the sender gave the message' })),
    payload: Type.Object({
      hex: Type.String({ description: 'the raw bytes, always kept' }),
      size: Type.Integer(),
    }),
    json: Type.Unknown({ description: 'the payload when the device sent a JSON object, else null' }),
    timeliness: Type.Union([Type.Literal('live'), Type.Literal('late'), Type.Literal('replayed')]),
    outOfOrder: Type.Boolean({ description: 'older than the newest message of the device when it arrived' }),
    sequenceEvent: Nullable(
      Type.Union([
        Type.Literal('first'),
        Type.Literal('next'),
        Type.Literal('gap'),
        Type.Literal('wrap'),
        Type.Literal('reset'),
        Type.Literal('out_of_order'),
      ]),
    ),
    storedAt: Timestamp,
    receptions: Type.Optional(Type.Array(ReceptionSchema)),
    decoded: Type.Optional(
      Type.Union([DecodedSchema, Type.Null()], {
        description:
          "what the device type's codec made of the payload; null when it has not been decoded (no codec, or not yet: see docs/CODECS.md)",
      }),
    ),
  },
  { $id: 'Message' },
);
export type MessageView = Static<typeof MessageSchema>;

/**
 * Fleetport's message ids are UUIDv7 (RFC 9562): version nibble 7, variant 10xx. Anything
 * else cannot name a message, so it is refused before the database is asked.
 */
export const MESSAGE_ID_PATTERN =
  '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-7[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$';

// Request schemas carry no `$id`: Ajv refuses a schema id compiled twice.
export const DeviceParams = Type.Object({ deviceId: DeviceId });
export const MessageParams = Type.Object({
  messageId: Type.String({ pattern: MESSAGE_ID_PATTERN, description: 'a UUIDv7' }),
});

const DeletedQuery = Type.Optional(
  Type.Union([Type.Literal('exclude'), Type.Literal('include')], {
    default: 'exclude',
    description: '`include`: also answer for a deleted device (its history is kept)',
  }),
);

export const HistoryQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'received at or after this instant (RFC 3339)' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'received before this instant (RFC 3339)' }),
    ),
    order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      default: 'desc',
      description: 'by receive time, then id; `desc`: newest first',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(
      Type.String({ maxLength: 400, description: '`nextCursor` of the previous page, same order' }),
    ),
    receptions: Type.Boolean({ default: false, description: "include each message's receptions" }),
    deleted: DeletedQuery,
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const MessagePage = Type.Object({
  items: Type.Array(MessageSchema),
  nextCursor: Nullable(
    Type.String({
      description: 'pass as `cursor` (with the same order and bounds) for the next page; null at the end',
    }),
  ),
});
export type MessagePage = Static<typeof MessagePage>;

export const StateQuery = Type.Object({ deleted: DeletedQuery }, { additionalProperties: false });
export type StateQuery = Static<typeof StateQuery>;

export const SequenceGapSchema = Type.Object({
  from: Type.Integer({ description: 'first missing number (inclusive)' }),
  to: Type.Integer({
    description: 'last missing number (inclusive); below `from` when the gap spans a wrap',
  }),
  openedAt: Timestamp,
});

export const DeviceStateSchema = Type.Object({
  deviceId: Type.String(),
  lastSeenAt: Nullable(Timestamp),
  lastMessageId: Nullable(Type.String({ description: 'the newest message stored, whatever its timeliness' })),
  latestMessage: Type.Union([MessageSchema, Type.Null()], {
    description: 'the newest live, in-order message; late, replayed and out-of-order ones never replace it',
  }),
  messageCount: Type.Integer(),
  duplicateCount: Type.Integer(),
  outOfOrderCount: Type.Integer(),
  sequence: Type.Object({
    max: Nullable(Type.Integer({ description: 'the newest sequence number of the current counter run' })),
    resets: Type.Integer({ description: 'counter restarts told apart from wraps' }),
    openGaps: Type.Array(SequenceGapSchema),
  }),
});
export type DeviceStateView = Static<typeof DeviceStateSchema>;

/** Comma-separated or repeated: `?deviceId=a,b&deviceId=c`. */
const ListParam = (description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 100, description }));

export const StreamQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        pattern: '^(\\d{1,18}|latest)$',
        default: 'latest',
        description: 'a change cursor to start after, or `latest` (the default: only what comes next)',
      }),
    ),
    deviceId: ListParam('only changes of these devices (repeat or separate with commas)'),
    typeId: ListParam('only changes of devices of these types, and of these types themselves'),
    kinds: ListParam('only these change kinds, e.g. `message.created`'),
  },
  { additionalProperties: false },
);
export type StreamQuery = Static<typeof StreamQuery>;

export const StreamHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      pattern: '^\\d{1,18}$',
      description: 'the id of the last event received: the stream resumes right after it',
    }),
  ),
});

export const MessageExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('ndjson'), Type.Literal('csv')], { default: 'ndjson' }),
    deviceId: Type.Optional(DeviceId),
    typeId: Type.Optional(DeviceTypeId),
    where: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'a device condition in CEL (docs/CONDITIONS.md), e.g. `tags.site == "paris"`: the messages of the devices it selects',
      }),
    ),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'received at or after this instant (RFC 3339)' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'received before this instant (RFC 3339)' }),
    ),
    after: Type.Optional(
      Type.String({
        maxLength: 128,
        description: 'the `id` of the last row already received: the export goes on after it (resume)',
      }),
    ),
    decoded: Type.Boolean({ default: true, description: "add each message's decode" }),
    field: Type.Optional(
      Type.Array(Type.String({ maxLength: 200 }), {
        maxItems: 64,
        description: 'CSV only: a decoded field (dotted path) given a column `decoded.<path>`; repeat',
      }),
    ),
    deleted: Type.Union([Type.Literal('exclude'), Type.Literal('include')], {
      default: 'exclude',
      description: "`include`: also deleted devices' messages",
    }),
  },
  { additionalProperties: false },
);
export type MessageExportQuery = Static<typeof MessageExportQuery>;
