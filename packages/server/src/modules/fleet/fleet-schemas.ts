import { type Static, Type } from 'typebox';

export const FleetQuery = Type.Object(
  {
    minutes: Type.Integer({
      minimum: 1,
      maximum: 1440,
      default: 60,
      description: 'how many whole minutes of message counts, ending with the current one',
    }),
    silentAfter: Type.Integer({
      minimum: 60,
      maximum: 31_536_000,
      default: 3600,
      description:
        "seconds without a message after which a device of a type without an expected uplink interval is silent; a type's interval, doubled, is used when it has one",
    }),
  },
  { additionalProperties: false },
);
export type FleetQuery = Static<typeof FleetQuery>;

const Counts = {
  devices: Type.Integer({ description: 'devices that are neither deleted nor retired' }),
  seen: Type.Integer({ description: 'sent a message within their silence limit' }),
  silent: Type.Integer({ description: 'sent messages, but none within their silence limit' }),
  never: Type.Integer({ description: 'never sent a message' }),
  retired: Type.Integer({
    description: 'retired devices (not deleted), counted apart: they are in none of the other counts',
  }),
};

export const FleetOverview = Type.Object(
  {
    at: Type.String({ format: 'date-time', description: 'when the counts were taken' }),
    totals: Type.Object(Counts),
    byType: Type.Array(
      Type.Object({
        typeId: Type.String(),
        name: Type.String(),
        silentAfterSeconds: Type.Integer({ description: 'the silence limit of its devices' }),
        ...Counts,
      }),
      { description: 'every device type, by id, with its counts (zero for a type without devices)' },
    ),
    messagesPerMinute: Type.Array(
      Type.Object({
        minute: Type.String({ format: 'date-time', description: 'the start of the minute' }),
        count: Type.Integer({ description: 'messages received in that minute, whatever their timeliness' }),
      }),
      { description: 'one entry per minute, oldest first, minutes without messages included' },
    ),
  },
  { $id: 'FleetOverview' },
);
export type FleetOverview = Static<typeof FleetOverview>;
