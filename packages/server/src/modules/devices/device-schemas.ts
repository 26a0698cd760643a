import { type Static, Type } from 'typebox';

/**
 * Device ids: 1–128 characters of letters, digits and `. _ : -`, starting with a letter
 * or digit. Sigfox ids (hex), LoRaWAN DevEUIs and IMEIs all fit. Ids are case-sensitive.
 */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
export const DeviceId = Type.String({ pattern: DEVICE_ID_PATTERN, examples: ['1A2B3C'] });
export const deviceIdRegex = new RegExp(DEVICE_ID_PATTERN);

/** Device type ids follow the device id rules. */
export const DeviceTypeId = Type.String({ pattern: DEVICE_ID_PATTERN, examples: ['sigfox-tracker'] });

export const TAG_KEY_PATTERN = '^[A-Za-z0-9_.:/-]{1,64}$';
export const tagKeyRegex = new RegExp(TAG_KEY_PATTERN);
export const MAX_TAGS = 64;
export const MAX_TAG_VALUE = 256;
/** Serialized size limit for free attributes and settings. */
export const MAX_JSON_BYTES = 16 * 1024;

const Text = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

export const Tags = Type.Record(
  Type.String({ pattern: TAG_KEY_PATTERN }),
  Type.String({ maxLength: MAX_TAG_VALUE }),
  {
    maxProperties: MAX_TAGS,
    additionalProperties: false,
    description: 'key/value labels used for filtering; keys: letters, digits and _ . : / -',
  },
);

export const JsonObject = Type.Record(Type.String(), Type.Unknown(), {
  // A record's key schema becomes a pattern, which cannot bound length: say it directly.
  propertyNames: { maxLength: 128 },
  description: `free JSON object (keys up to 128 characters), at most ${MAX_JSON_BYTES} bytes serialized`,
});

const Timestamp = Type.String({ format: 'date-time' });

/**
 * The lifecycle states a device row can hold, in the order of a device's life. The
 * transitions between them, and who may make them, are modules/lifecycle's (docs/LIFECYCLE.md).
 */
export const LIFECYCLE_STATES = [
  'manufactured',
  'tested',
  'activated',
  'suspended',
  'quarantined',
  'out_of_contract',
  'out_of_subscription',
  'retired',
] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];
export const LifecycleState = Type.Unsafe<LifecycleState>({
  type: 'string',
  enum: [...LIFECYCLE_STATES],
  description: 'a lifecycle state (docs/LIFECYCLE.md)',
});

export const VARIABLE_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$';
export const MAX_VARIABLES = 64;

/**
 * Codec variables (TS013 `variables`): named strings a codec reads, such as a calibration
 * offset or an API region. A device's variables override its type's of the same name.
 */
export const Variables = Type.Record(
  Type.String({ pattern: VARIABLE_NAME_PATTERN }),
  Type.String({ maxLength: 4096 }),
  {
    maxProperties: MAX_VARIABLES,
    additionalProperties: false,
    description: 'codec variables: names of letters, digits and _ . - (up to 64); string values',
  },
);
export type Variables = Static<typeof Variables>;

/** The codec a device type carries, as device type reads show it (set with PUT …/codec). */
export const DeviceTypeCodec = Type.Object({
  kind: Type.Union([Type.Literal('javascript'), Type.Literal('sigfox')]),
  source: Type.String(),
  version: Type.Integer({ description: 'increments on every codec change' }),
  updatedAt: Timestamp,
});
export type DeviceTypeCodec = Static<typeof DeviceTypeCodec>;

/** How capture treats this type's messages. Every field has a default. */
export const CaptureSettings = Type.Object(
  {
    lateAfterSeconds: Type.Integer({
      minimum: 0,
      maximum: 31_536_000,
      description: 'a message received more than this after its device time is `late` (default 600)',
    }),
    sequenceBits: Type.Union([Type.Literal(8), Type.Literal(12), Type.Literal(16), Type.Literal(32)], {
      description:
        "width of the devices' sequence counter, where it wraps (default 32; Sigfox frames are always 12)",
    }),
    autoCreateDevices: Type.Boolean({
      description: 'network-server callbacks for unknown devices create them in this type (default false)',
    }),
    dedupWindowSeconds: Type.Integer({
      minimum: 1,
      maximum: 86_400,
      description:
        'messages with neither sequence number, message id nor device time are duplicates when their payload repeats within this window (default 300)',
    }),
  },
  { additionalProperties: false },
);
export type CaptureSettings = Static<typeof CaptureSettings>;
export const CaptureSettingsPatch = Type.Partial(CaptureSettings, { additionalProperties: false });
export type CaptureSettingsPatch = Static<typeof CaptureSettingsPatch>;

export const defaultCaptureSettings: CaptureSettings = Object.freeze({
  lateAfterSeconds: 600,
  sequenceBits: 32,
  autoCreateDevices: false,
  dedupWindowSeconds: 300,
});

/** Stored capture settings (possibly partial or from an older version) with defaults filled in. */
export function resolveCaptureSettings(stored: string): CaptureSettings {
  const parsed = JSON.parse(stored) as CaptureSettingsPatch;
  return { ...defaultCaptureSettings, ...parsed };
}

export const DeviceType = Type.Object(
  {
    id: DeviceTypeId,
    name: Type.String(),
    description: Type.String(),
    expectedUplinkIntervalSeconds: Type.Union([Type.Integer(), Type.Null()]),
    settings: JsonObject,
    capture: CaptureSettings,
    variables: Variables,
    codec: Type.Union([DeviceTypeCodec, Type.Null()], {
      description: 'null when the type has no codec; set it with PUT /v1/device-types/{id}/codec',
    }),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'DeviceType' },
);
export type DeviceType = Static<typeof DeviceType>;

const DeviceTypeFields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }),
  description: Text(2000),
  expectedUplinkIntervalSeconds: Type.Union([Type.Integer({ minimum: 1, maximum: 31_536_000 }), Type.Null()]),
  settings: JsonObject,
  capture: CaptureSettingsPatch,
  variables: Variables,
};

export const CreateDeviceTypeBody = Type.Object(
  {
    id: DeviceTypeId,
    name: DeviceTypeFields.name,
    description: Type.Optional(DeviceTypeFields.description),
    expectedUplinkIntervalSeconds: Type.Optional(DeviceTypeFields.expectedUplinkIntervalSeconds),
    settings: Type.Optional(DeviceTypeFields.settings),
    capture: Type.Optional(DeviceTypeFields.capture),
    variables: Type.Optional(DeviceTypeFields.variables),
  },
  { additionalProperties: false },
);
export type CreateDeviceTypeBody = Static<typeof CreateDeviceTypeBody>;

export const UpdateDeviceTypeBody = Type.Object(
  {
    name: Type.Optional(DeviceTypeFields.name),
    description: Type.Optional(DeviceTypeFields.description),
    expectedUplinkIntervalSeconds: Type.Optional(DeviceTypeFields.expectedUplinkIntervalSeconds),
    settings: Type.Optional(DeviceTypeFields.settings),
    capture: Type.Optional(DeviceTypeFields.capture),
    variables: Type.Optional(DeviceTypeFields.variables),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDeviceTypeBody = Static<typeof UpdateDeviceTypeBody>;

export const Device = Type.Object(
  {
    id: DeviceId,
    typeId: DeviceTypeId,
    name: Type.String(),
    tags: Tags,
    attributes: JsonObject,
    variables: Variables,
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    deletedAt: Type.Union([Timestamp, Type.Null()]),
    lifecycle: LifecycleState,
    lifecycleChangedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'when the device entered its lifecycle state; null: when it was created',
    }),
    activatedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'its first activation, kept through later states; null: never activated',
    }),
  },
  { $id: 'Device' },
);
export type Device = Static<typeof Device>;

export const CreateDeviceBody = Type.Object(
  {
    id: DeviceId,
    typeId: DeviceTypeId,
    name: Type.Optional(Text(200)),
    tags: Type.Optional(Tags),
    attributes: Type.Optional(JsonObject),
    variables: Type.Optional(Variables),
  },
  { additionalProperties: false },
);
export type CreateDeviceBody = Static<typeof CreateDeviceBody>;

export const UpdateDeviceBody = Type.Object(
  {
    typeId: Type.Optional(DeviceTypeId),
    name: Type.Optional(Text(200)),
    tags: Type.Optional(Tags),
    attributes: Type.Optional(JsonObject),
    variables: Type.Optional(Variables),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateDeviceBody = Static<typeof UpdateDeviceBody>;

export const ListDevicesQuery = Type.Object(
  {
    typeId: Type.Optional(DeviceTypeId),
    tag: Type.Optional(
      Type.Array(Type.String({ maxLength: 330, pattern: '^[A-Za-z0-9_.:/-]{1,64}(=.*)?$' }), {
        maxItems: 16,
        description: '`key=value` (or `key` alone: has the tag); repeat for AND',
      }),
    ),
    deleted: Type.Optional(
      Type.Union([Type.Literal('exclude'), Type.Literal('include'), Type.Literal('only')], {
        default: 'exclude',
      }),
    ),
    lifecycle: Type.Optional(
      Type.Array(Type.Union([LifecycleState, Type.Literal('any')]), {
        maxItems: 8,
        description:
          'only devices in these lifecycle states (repeat for OR); `any`: every state. Absent: every state but `retired`',
      }),
    ),
    where: Type.Optional(
      Type.String({
        maxLength: 4096,
        description:
          'a condition in CEL over `id`, `type`, `name`, `tags`, `attributes`, `lifecycle`, `lastSeen`, `now`, `reported`, `desired` (docs/CONDITIONS.md), e.g. `type == "tracker" && tags.site == "paris"`; ANDed with the other filters. What SQL can answer is pushed down, the rest evaluated in process: a page may then hold fewer than `limit` devices and still have a `nextCursor`. A condition that does not parse or type-check answers `invalid_condition` with its line and column',
        examples: ['type == "tracker" && tags.site == "paris" && lastSeen > now - duration("1h")'],
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  { additionalProperties: false },
);
export type ListDevicesQuery = Static<typeof ListDevicesQuery>;

export const DevicePage = Type.Object({
  items: Type.Array(Device),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as `cursor` for the next page; null at the end',
  }),
});

export const Credential = Type.Object(
  {
    id: Type.String(),
    deviceId: DeviceId,
    kind: Type.Union([Type.Literal('token'), Type.Literal('x509')]),
    name: Type.String(),
    fingerprint: Type.Union([Type.String(), Type.Null()], {
      description: 'SHA-256 of the DER certificate, lower-case hex',
    }),
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: 'Credential' },
);
export type Credential = Static<typeof Credential>;

export const CreateCredentialBody = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('token'),
      name: Type.Optional(Text(200)),
      expiresAt: Type.Optional(Timestamp),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('x509'),
      name: Type.Optional(Text(200)),
      fingerprint: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$' })),
      certificate: Type.Optional(
        Type.String({ maxLength: 16384, description: 'PEM; its SHA-256 fingerprint is stored' }),
      ),
      expiresAt: Type.Optional(Timestamp),
    },
    { additionalProperties: false },
  ),
]);
export type CreateCredentialBody = Static<typeof CreateCredentialBody>;

export const CreatedCredential = Type.Intersect([
  Credential,
  Type.Object({ token: Type.Optional(Type.String({ description: 'the device token; shown only once' })) }),
]);
export type CreatedCredential = Static<typeof CreatedCredential>;

export const ImportReport = Type.Object(
  {
    mode: Type.Union([Type.Literal('atomic'), Type.Literal('best-effort')]),
    committed: Type.Boolean({
      description: 'atomic: whether the import was applied; best-effort: always true',
    }),
    received: Type.Integer({ description: 'rows read' }),
    created: Type.Integer(),
    failed: Type.Integer(),
    errors: Type.Array(
      Type.Object({
        line: Type.Integer(),
        id: Type.Optional(Type.String()),
        code: Type.String(),
        message: Type.String(),
      }),
    ),
    errorsTruncated: Type.Boolean(),
  },
  { $id: 'ImportReport' },
);
export type ImportReport = Static<typeof ImportReport>;
