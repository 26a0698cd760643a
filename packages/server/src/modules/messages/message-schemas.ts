import { type Static, Type } from 'typebox';

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
  },
  { $id: 'Message' },
);
export type MessageView = Static<typeof MessageSchema>;
