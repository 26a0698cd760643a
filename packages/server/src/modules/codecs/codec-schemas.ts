import { type Static, Type } from 'typebox';
import { DeviceId, DeviceTypeCodec, DeviceTypeId, Variables } from '../devices/index.js';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const CodecKindSchema = Type.Union([Type.Literal('javascript'), Type.Literal('sigfox')]);

/** Largest codec source accepted on save, characters (the sandbox's own default limit). */
export const MAX_CODEC_SOURCE = 2 ** 20;

export const CodecBody = Type.Object(
  {
    kind: CodecKindSchema,
    source: Type.String({
      minLength: 1,
      maxLength: MAX_CODEC_SOURCE,
      description: 'a TS013 JavaScript codec, or a Sigfox custom-payload format',
    }),
  },
  { additionalProperties: false },
);
export type CodecBody = Static<typeof CodecBody>;

export { DeviceTypeCodec };

export const CodecVersionView = Type.Object({
  version: Type.Integer(),
  previousVersion: Type.Integer(),
  kind: Nullable(CodecKindSchema),
  source: Nullable(Type.String()),
  changedBy: Type.String({ description: 'the id of the API key that made the change' }),
  changedAt: Timestamp,
});
export type CodecVersionView = Static<typeof CodecVersionView>;

export const CodecVersionList = Type.Object({ items: Type.Array(CodecVersionView) });

/** What decoding made of a message: stored with it, shown by message reads and the test endpoint. */
export const DecodedSchema = Type.Object(
  {
    data: Type.Unknown({ description: 'the decoded object (JSON); null when decoding failed' }),
    warnings: Type.Array(Type.String()),
    errors: Type.Array(Type.String(), {
      description: 'empty when decoding succeeded; sandbox errors start with their code (codec_timeout: …)',
    }),
    codecVersion: Nullable(
      Type.Integer({ description: "the device type's codec version; null for an inline test codec" }),
    ),
    decodedAt: Timestamp,
  },
  // No $id: this schema is embedded in several responses (messages, the test endpoint).
);
export type DecodedView = Static<typeof DecodedSchema>;

export const EncodedSchema = Type.Object({
  bytes: Nullable(Type.String({ description: 'the encoded bytes, hex; null when encoding failed' })),
  fPort: Nullable(Type.Integer()),
  warnings: Type.Array(Type.String()),
  errors: Type.Array(Type.String()),
});
export type EncodedView = Static<typeof EncodedSchema>;

const HEX = '^([0-9A-Fa-f]{2})*$';
const BASE64 = '^[A-Za-z0-9+/]*={0,2}$';
const FPort = Type.Integer({ minimum: 0, maximum: 255 });

/** Keys a test's uplink or downlink may have in all, the defined ones and those passed through. */
export const MAX_TEST_INPUT_KEYS = 64;

const extraKeys = { additionalProperties: true, maxProperties: MAX_TEST_INPUT_KEYS } as const;

export const CodecTestBody = Type.Object(
  {
    codec: Type.Union([CodecBody, Type.Object({ typeId: DeviceTypeId }, { additionalProperties: false })]),
    uplink: Type.Optional(
      Type.Object(
        {
          bytes: Type.Optional(Type.String({ pattern: HEX, maxLength: 8192, description: 'hex' })),
          base64: Type.Optional(Type.String({ pattern: BASE64, maxLength: 8192 })),
          fPort: Type.Optional(FPort),
          recvTime: Type.Optional(Timestamp),
          variables: Type.Optional(Variables),
        },
        {
          ...extraKeys,
          description: 'decodeUplink input; further keys reach the codec in `input` as they are',
        },
      ),
    ),
    downlink: Type.Optional(
      Type.Object(
        {
          data: Type.Optional(Type.Unknown({ description: 'the object to encode (encodeDownlink)' })),
          bytes: Type.Optional(
            Type.String({
              pattern: HEX,
              maxLength: 8192,
              description: 'bytes to decode (decodeDownlink), hex',
            }),
          ),
          base64: Type.Optional(Type.String({ pattern: BASE64, maxLength: 8192 })),
          fPort: Type.Optional(FPort),
          variables: Type.Optional(Variables),
        },
        {
          ...extraKeys,
          description:
            'with `data`, encodeDownlink; with `bytes` (or `base64`), decodeDownlink; further keys reach the codec in `input` as they are',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CodecTestBody = Static<typeof CodecTestBody>;

export const RedecodeBody = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
  },
  { additionalProperties: false },
);
export type RedecodeBody = Static<typeof RedecodeBody>;

export const JobView = Type.Object(
  {
    id: Type.String(),
    kind: Type.Literal('redecode'),
    target: Type.Object({
      typeId: Type.Optional(DeviceTypeId),
      deviceId: Type.Optional(DeviceId),
    }),
    from: Nullable(Timestamp),
    to: Nullable(Timestamp),
    state: Type.Union(
      [
        Type.Literal('queued'),
        Type.Literal('running'),
        Type.Literal('succeeded'),
        Type.Literal('failed'),
        Type.Literal('interrupted'),
      ],
      { description: '`interrupted`: the server stopped during the job; start it again' },
    ),
    total: Type.Integer({ description: 'messages to decode, counted when the job started' }),
    done: Type.Integer({ description: 'messages decoded so far, failed ones included' }),
    failed: Type.Integer({ description: 'messages whose codec returned errors' }),
    error: Nullable(Type.String()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: Nullable(Timestamp),
  },
  { $id: 'Job' },
);
export type JobView = Static<typeof JobView>;
