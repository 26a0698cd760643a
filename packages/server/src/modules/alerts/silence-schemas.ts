import { type Static, Type } from 'typebox';
import { DeviceId } from '../devices/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Interval = Type.Integer({ minimum: 1, maximum: 31_536_000 });

export const DeviceSilence = Type.Object(
  {
    deviceId: DeviceId,
    expectedIntervalSeconds: Nullable(
      Type.Integer({ description: "the device's own interval, else its type's; null: not watched" }),
    ),
    intervalOverrideSeconds: Nullable(Type.Integer({ description: "the device's own interval, if set" })),
    silentAfterSeconds: Nullable(
      Type.Integer({ description: 'the interval times FLEETPORT_SILENT_AFTER_INTERVALS' }),
    ),
    lastSeenAt: Nullable(Timestamp),
    dueAt: Nullable(
      Type.String({
        format: 'date-time',
        description: 'when it becomes silent without an uplink (server downtime to come moves it later)',
      }),
    ),
    silent: Type.Boolean(),
    silentSince: Nullable(Timestamp),
  },
  { $id: 'DeviceSilence' },
);
export type DeviceSilence = Static<typeof DeviceSilence>;

export const SilenceParams = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });

export const SetSilenceBody = Type.Object(
  {
    expectedIntervalSeconds: Type.Union([Interval, Type.Null()], {
      description: "the device's own expected uplink interval; null goes back to its type's",
    }),
  },
  { additionalProperties: false },
);
export type SetSilenceBody = Static<typeof SetSilenceBody>;
