import { type Static, Type } from 'typebox';
import { MAX_TWIN_BYTES, MAX_TWIN_DEPTH, MAX_TWIN_PROPERTIES } from './twin-document.js';
import { parameterStatuses } from './twin-store.js';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

const Document = (what: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    description: `${what}: a JSON object of at most ${MAX_TWIN_PROPERTIES} properties, ${MAX_TWIN_BYTES} bytes and ${MAX_TWIN_DEPTH} levels`,
  });

const PropertyMetaView = Type.Object({
  updatedAt: Timestamp,
  version: Type.Integer({ description: 'the document version that last changed the property' }),
});

export const ParameterStatus = Type.Unsafe<(typeof parameterStatuses)[number]>({
  type: 'string',
  enum: [...parameterStatuses],
});

export const ParameterView = Type.Object({
  status: ParameterStatus,
  value: Type.Unknown({ description: 'the desired value this status is about' }),
  version: Type.Integer({ description: 'the desired version that set the value' }),
  attempts: Type.Integer({ description: 'how many times the value was handed to the device' }),
  setBy: Type.String({
    description: 'who set the value: `api` (a PATCH), or `configuration:{id}` (a fleet configuration)',
  }),
  pendingAt: Timestamp,
  sentAt: NullableTimestamp,
  appliedAt: NullableTimestamp,
  failedAt: NullableTimestamp,
  supersededAt: NullableTimestamp,
  error: Type.Union([Type.String(), Type.Null()], { description: 'why the device could not apply it' }),
  errorCode: Type.Union([Type.String(), Type.Null()], {
    description:
      'why it failed, as a stable code: `device_failed`, and for downlink delivery `encoding_failed`, `no_encoder`, `downlink_too_long`, `command_failed`, `command_expired`, `command_cancelled`, `device_retired` (docs/TWINS.md)',
  }),
  commandId: Type.Union([Type.String(), Type.Null()], {
    description:
      'the downlink (command) that carries the value, for a type whose twins are delivered as downlinks',
  }),
});
export type ParameterView = Static<typeof ParameterView>;

export const Twin = Type.Object(
  {
    deviceId: Type.String(),
    desired: Document('what the backend wants'),
    desiredVersion: Type.Integer({ description: 'increments at every change of desired; the ETag' }),
    reported: Document('what the device last said'),
    reportedVersion: Type.Integer({ description: 'increments at every change of reported' }),
    delta: Document('the desired properties whose value differs from reported'),
    metadata: Type.Object({
      desired: Type.Record(Type.String(), PropertyMetaView),
      reported: Type.Record(Type.String(), PropertyMetaView),
    }),
    parameters: Type.Record(Type.String(), ParameterView, {
      description: 'the delivery of each desired property',
    }),
  },
  { $id: 'Twin' },
);
export type Twin = Static<typeof Twin>;

/** A JSON merge patch (RFC 7396): `null` removes a property. */
export const TwinPatch = Type.Record(Type.String(), Type.Unknown(), {
  description:
    'a JSON merge patch (RFC 7396): members set or merge, `null` removes; names starting with `$` are reserved',
});
export type TwinPatch = Static<typeof TwinPatch>;

/** Why a device could not apply parameters: property name → reason. */
export const ParameterFailures = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  // A record's key schema becomes a pattern, which cannot bound length: say it directly.
  propertyNames: { minLength: 1, maxLength: 128 },
  minProperties: 1,
  maxProperties: MAX_TWIN_PROPERTIES,
  description: 'property name → why the device could not apply its desired value',
});
export type ParameterFailures = Static<typeof ParameterFailures>;

export const OpenParameter = Type.Object({
  deviceId: Type.String(),
  name: Type.String(),
  ...ParameterView.properties,
});
export type OpenParameter = Static<typeof OpenParameter>;

export const OpenParameterPage = Type.Object({
  items: Type.Array(OpenParameter),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type OpenParameterPage = Static<typeof OpenParameterPage>;

export const OpenParameterQuery = Type.Object(
  {
    status: Type.Array(Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]), {
      minItems: 1,
      maxItems: 3,
      default: ['pending', 'failed'],
      description: 'which open statuses to list (repeat the parameter); pending and failed by default',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 600 })),
  },
  { additionalProperties: false },
);
export type OpenParameterQuery = Static<typeof OpenParameterQuery>;

/** A device type's reported fields: reported property → dotted path in the decoded data. */
export const ReportedFields = Type.Record(
  Type.String({ pattern: '^[^$].{0,127}$' }),
  Type.String({ minLength: 1, maxLength: 256, pattern: '^[^.]+(\\.[^.]+)*$' }),
  {
    additionalProperties: false,
    maxProperties: MAX_TWIN_PROPERTIES,
    description:
      'reported property → where its value is in the decoded data, as a dotted path (`battery.level`)',
  },
);
export type ReportedFields = Static<typeof ReportedFields>;

/** How desired values reach a type's devices; `mqtt` needs a session, the others are downlinks. */
export const twinDeliveries = ['mqtt', 'sigfox', 'http'] as const;
export type TwinDelivery = (typeof twinDeliveries)[number];

/** The downlinks that carry desired values, for `sigfox` and `http` delivery. */
export const DownlinkSettings = Type.Object(
  {
    groups: Type.Array(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^[^$]' }), {
        minItems: 2,
        maxItems: 16,
        uniqueItems: true,
      }),
      {
        maxItems: 50,
        description:
          'properties one downlink carries together (the codec encodes them in one payload); a property is in at most one group',
      },
    ),
    attempts: Type.Integer({
      minimum: 1,
      maximum: 20,
      description: 'sends of one downlink at most, the first included (default 1: never sent again unasked)',
    }),
    backoffSeconds: Type.Integer({
      minimum: 1,
      maximum: 7 * 24 * 3600,
      description:
        "how long a sent downlink waits for the device's acknowledgement before it is sent again or left unknown (default 300), doubled at each retry",
    }),
  },
  { additionalProperties: false },
);
export type DownlinkSettings = Static<typeof DownlinkSettings>;

export const DEFAULT_DOWNLINK: DownlinkSettings = Object.freeze({
  groups: [],
  attempts: 1,
  backoffSeconds: 300,
});

export const TypeTwinSettings = Type.Object(
  {
    reportedFields: ReportedFields,
    delivery: Type.Unsafe<TwinDelivery>({
      type: 'string',
      enum: [...twinDeliveries],
      description:
        "how desired values reach the type's devices: `mqtt` (default: deltas to an MQTT session, the twin read over HTTP), `sigfox` (one parameter at a time as the BIDIR answer) or `http` (one parameter at a time on `GET /v1/device/commands`), encoded by the type's codec (`encodeDownlink`)",
    }),
    downlink: DownlinkSettings,
  },
  { additionalProperties: false, $id: 'TypeTwinSettings' },
);
export type TypeTwinSettings = Static<typeof TypeTwinSettings>;

/** What `PUT /v1/device-types/{id}/twin` takes: absent members take their defaults. */
export const TypeTwinSettingsBody = Type.Object(
  {
    reportedFields: Type.Optional(ReportedFields),
    delivery: Type.Optional(TypeTwinSettings.properties.delivery),
    downlink: Type.Optional(Type.Partial(DownlinkSettings, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TypeTwinSettingsBody = Static<typeof TypeTwinSettingsBody>;

export const DeviceTwinQuery = Type.Object(
  {
    wait: Type.Number({
      minimum: 0,
      maximum: 30,
      default: 0,
      description: 'seconds to wait for desired to pass `since` (long polling)',
    }),
    since: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: Number.MAX_SAFE_INTEGER,
        description:
          'the desired version the device has; with `wait`, the answer comes once desired is newer (absent: the current version)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DeviceTwinQuery = Static<typeof DeviceTwinQuery>;
