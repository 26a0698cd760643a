import { type Static, Type } from 'typebox';
import { type App, deviceOf } from '../../http/index.js';
import { AppError, isAppError } from '../../kernel/errors.js';
import type { DevicePrincipal } from '../access/index.js';
import type { CapturePipeline } from './capture-pipeline.js';
import type { CaptureOutcome, Frame } from './frame.js';
import { checkFrameFields, MAX_PAYLOAD_BYTES } from './frame-checks.js';
import type { TypeSettings } from './type-settings.js';

export const MAX_BATCH = 1000;

export const IngestMessage = Type.Object(
  {
    hex: Type.Optional(
      Type.String({
        maxLength: MAX_PAYLOAD_BYTES * 2,
        pattern: '^([0-9A-Fa-f]{2})*$',
        description: 'payload bytes as hex',
      }),
    ),
    base64: Type.Optional(
      Type.String({
        maxLength: Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
        description: 'payload bytes as base64',
      }),
    ),
    json: Type.Optional(
      Type.Unknown({ description: 'a JSON payload (object, array or scalar) instead of bytes' }),
    ),
    seq: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, description: 'the frame counter' })),
    time: Type.Optional(
      Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: 0 })], {
        description: 'when the device sent it: RFC 3339 or Unix milliseconds',
      }),
    ),
    messageId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[\\x21-\\x7e]+$',
        description: 'unique per device; retries reuse it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type IngestMessage = Static<typeof IngestMessage>;

export const IngestBody = Type.Union(
  [
    IngestMessage,
    Type.Object(
      { messages: Type.Array(IngestMessage, { minItems: 1, maxItems: MAX_BATCH }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'one message object, or {"messages": [ … ]} for a batch (not a bare array)' },
);

const Outcome = Type.Object({
  id: Type.String(),
  duplicate: Type.Boolean({ description: 'already stored: this call changed nothing' }),
  timeliness: Type.Union([Type.Literal('live'), Type.Literal('late'), Type.Literal('replayed')]),
});

const present = (outcome: CaptureOutcome) => ({
  id: outcome.messageId,
  duplicate: outcome.duplicate,
  timeliness: outcome.timeliness,
});

/** Turns one message of the body into a frame, or refuses it with the field at fault. */
export function ingestFrame(
  device: DevicePrincipal,
  message: IngestMessage,
  { receivedAt, seqBits }: { receivedAt: number; seqBits: number },
  index: number | undefined,
): Frame {
  const where = index === undefined ? '' : `messages[${index}].`;
  const given = [message.hex, message.base64, message.json].filter((p) => p !== undefined).length;
  if (given !== 1) {
    throw new AppError('validation_failed', `${where}exactly one of hex, base64 or json must be given`, {
      field: `${where}payload`,
    });
  }
  let payload: Buffer;
  if (message.hex !== undefined) payload = Buffer.from(message.hex, 'hex');
  else if (message.base64 !== undefined) {
    if (message.base64.length % 4 !== 0) {
      throw new AppError('validation_failed', `${where}base64 is not valid base64`, {
        field: `${where}base64`,
      });
    }
    payload = Buffer.from(message.base64, 'base64');
  } else payload = Buffer.from(JSON.stringify(message.json), 'utf8');
  const deviceTime =
    message.time === undefined
      ? undefined
      : typeof message.time === 'number'
        ? message.time
        : Date.parse(message.time);
  checkFrameFields(
    { seq: message.seq, deviceTime, payloadBytes: payload.length, messageId: message.messageId },
    { receivedAt, seqBits },
    { prefix: where },
  );
  return {
    tenantId: device.tenantId,
    deviceId: device.deviceId,
    typeId: device.typeId,
    transport: 'http',
    receivedAt,
    deviceTime,
    seq: message.seq,
    seqBits,
    messageId: message.messageId,
    payload,
    payloadJson: message.json,
    receptions: [],
  };
}

/** `POST /v1/ingest`: devices send uplinks over HTTP with a device token. */
export function registerIngestRoutes(
  app: App,
  { pipeline, settings, now }: { pipeline: CapturePipeline; settings: TypeSettings; now: () => number },
): void {
  app.post(
    '/v1/ingest',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['capture'],
        summary: 'Send one uplink, or a batch, as the device of the token',
        description:
          'Authenticated with a device token (`Authorization: Bearer fpd_…`). Answers only once the messages are durably stored: 201 for a new message, 200 for one already stored (a retry) or a batch. A batch is checked whole before anything is stored. A `messageId` (or `seq` with `time`) already stored with another payload is refused with 409 `identity_conflict`: duplicates are decided by identity, never by payload, and the stored message is kept (in a batch, `data.index` names the message; the others are stored).',
        security: [{ deviceToken: [] }],
        body: IngestBody,
        response: {
          200: Type.Union([Outcome, Type.Object({ results: Type.Array(Outcome) })]),
          201: Outcome,
          400: { $ref: 'Problem#' },
          401: { $ref: 'Problem#' },
          409: { $ref: 'Problem#' },
          413: { $ref: 'Problem#' },
        },
      },
    },
    async function ingestRoute(request, reply) {
      const device = deviceOf(request);
      const context = {
        receivedAt: now(),
        seqBits: (await settings.get(device.tenantId, device.typeId)).sequenceBits,
      };
      const body = request.body;
      if ('messages' in body) {
        // Every message is checked before any is stored: a bad batch stores nothing.
        const frames = body.messages.map((message, index) => ingestFrame(device, message, context, index));
        const outcomes = await Promise.all(
          frames.map((frame, index) =>
            pipeline.capture(frame).catch((error: unknown) => inBatch(error, index)),
          ),
        );
        return reply.status(200).send({ results: outcomes.map(present) });
      }
      const outcome = await pipeline.capture(ingestFrame(device, body, context, undefined));
      return reply.status(outcome.duplicate ? 200 : 201).send(present(outcome));
    },
  );
}

/** A batch's refused message: which one it was. */
function inBatch(error: unknown, index: number): never {
  if (isAppError(error) && error.code === 'identity_conflict')
    throw new AppError(error.code, `messages[${index}]: ${error.message}`, { ...error.data, index });
  throw error;
}
