import { type Static, Type } from 'typebox';
import { DeviceId, DeviceTypeId, LifecycleState } from '../devices/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Num = Type.Number();

export const DeviceParams = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
export const TypeParams = Type.Object({ typeId: DeviceTypeId }, { additionalProperties: false });

export const HealthQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'start of the range (default: a day before `to`)' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'end of the range, excluded (default: now)' }),
    ),
    bucket: Type.Optional(
      Type.String({
        maxLength: 16,
        description:
          'bucket size: minutes, hours or days like `5m`, `1h`, `1d` (default: the smallest of 1m, 5m, 15m, 1h, 6h, 1d, 7d giving at most 200 buckets); at most 1,000 buckets',
      }),
    ),
  },
  { additionalProperties: false },
);
export type HealthQuery = Static<typeof HealthQuery>;

export const Stat = Type.Object(
  {
    min: Num,
    max: Num,
    avg: Num,
    last: Num,
    count: Type.Integer({ description: 'samples with this metric in the bucket' }),
  },
  { description: 'min, max, average and last value of the metric in the bucket' },
);
const MaybeStat = Type.Union([Stat, Type.Null()]);

export const HealthBucket = Type.Object({
  at: Timestamp,
  messages: Type.Integer({ description: 'uplinks in the bucket' }),
  rssi: MaybeStat,
  snr: MaybeStat,
  stations: MaybeStat,
  battery: MaybeStat,
  temperature: MaybeStat,
  reboots: MaybeStat,
  shock: MaybeStat,
});

export const DeviceHealth = Type.Object(
  {
    deviceId: DeviceId,
    lifecycle: LifecycleState,
    from: Timestamp,
    to: Timestamp,
    bucket: Type.String(),
    bucketSeconds: Type.Integer(),
    lastSeenAt: Type.Union([Timestamp, Type.Null()]),
    messages: Type.Object({
      total: Type.Integer({ description: 'uplinks in the range' }),
      perHour: Num,
    }),
    battery: Type.Object({
      drainPerDay: Type.Union([Num, Type.Null()], {
        description:
          'battery units lost per day, from a least-squares line through the samples (null: fewer than two)',
      }),
      projectedEmptyAt: Type.Union([Timestamp, Type.Null()], {
        description: 'where that line reaches `empty` (null: not draining)',
      }),
      empty: Num,
    }),
    buckets: Type.Array(HealthBucket),
  },
  { $id: 'DeviceHealth' },
);
export type DeviceHealth = Static<typeof DeviceHealth>;

const FieldPath = Type.String({
  maxLength: 200,
  pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
  description: 'a dotted path in the decoded data',
});
const Fields = Type.Object(
  {
    battery: Type.Optional(FieldPath),
    temperature: Type.Optional(FieldPath),
    reboots: Type.Optional(FieldPath),
    shock: Type.Optional(FieldPath),
  },
  { additionalProperties: false },
);
const Crazy = Type.Object(
  {
    uplinks: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'more live uplinks than this within the window quarantine the device',
    }),
    windowSeconds: Type.Integer({ minimum: 1, maximum: 604_800 }),
    quietSeconds: Type.Integer({
      minimum: 1,
      maximum: 2_592_000,
      description: 'a quarantined device that sends nothing for this long is released',
    }),
  },
  { additionalProperties: false },
);

export const TypeHealthBody = Type.Object(
  {
    fields: Type.Optional(Fields),
    batteryEmpty: Type.Optional(Type.Union([Num, Type.Null()])),
    crazy: Type.Optional(Type.Union([Crazy, Type.Null()])),
  },
  { additionalProperties: false },
);
export type TypeHealthBody = Static<typeof TypeHealthBody>;

export const TypeHealthView = Type.Object(
  {
    typeId: DeviceTypeId,
    fields: Fields,
    batteryEmpty: Type.Union([Num, Type.Null()]),
    crazy: Type.Union([Crazy, Type.Null()]),
  },
  { $id: 'DeviceTypeHealth' },
);
export type TypeHealthView = Static<typeof TypeHealthView>;
