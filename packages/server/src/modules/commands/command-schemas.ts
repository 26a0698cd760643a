import { type Static, Type } from 'typebox';
import { DeviceId } from '../devices/index.js';

/** Statuses are API: add, never rename. See docs/COMMANDS.md for what each means per transport. */
export const commandStatuses = [
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'expired',
  'cancelled',
  'unknown',
] as const;
export type CommandStatus = (typeof commandStatuses)[number];

/** Statuses after which nothing happens to a command any more. */
export const finalStatuses: ReadonlySet<CommandStatus> = new Set([
  'acknowledged',
  'failed',
  'expired',
  'cancelled',
]);

export const transports = ['mqtt', 'http', 'sigfox'] as const;
export type Transport = (typeof transports)[number];

/** A Sigfox downlink is exactly 8 bytes. */
export const SIGFOX_DOWNLINK_BYTES = 8;
/** The largest raw payload of a command over MQTT or HTTP. */
export const MAX_COMMAND_BYTES = 64 * 1024;

const NAME_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const ID_PATTERN = '^cmd_[A-Za-z0-9_-]{1,64}$';

const Status = Type.Unsafe<CommandStatus>({ type: 'string', enum: [...commandStatuses] });

export const CommandBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        pattern: NAME_PATTERN,
        description: 'a label for the command (`reboot`, `set-interval`); `command` when absent',
      }),
    ),
    transport: Type.Optional(
      Type.Unsafe<Transport>({
        type: 'string',
        enum: [...transports],
        description:
          'how it reaches the device: `mqtt` (default), `http` (polling) or `sigfox` (BIDIR answer)',
      }),
    ),
    hex: Type.Optional(
      Type.String({
        maxLength: MAX_COMMAND_BYTES * 2,
        pattern: '^([0-9A-Fa-f]{2})+$',
        description: 'raw payload as hex',
      }),
    ),
    base64: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: Math.ceil(MAX_COMMAND_BYTES / 3) * 4,
        pattern: '^[A-Za-z0-9+/]*={0,2}$',
        description: 'raw payload as base64',
      }),
    ),
    data: Type.Optional(
      Type.Unknown({
        description: "JSON encoded by the device type's codec (`encodeDownlink`) when it is sent",
      }),
    ),
    priority: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 9, description: '0 (lowest) to 9 (most urgent); 5 by default' }),
    ),
    expiresInSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 366 * 24 * 3600,
        description: 'not sent after this many seconds: the command expires (default: never)',
      }),
    ),
    confirmed: Type.Optional(
      Type.Boolean({ description: 'the device is expected to acknowledge it (default false)' }),
    ),
    retry: Type.Optional(
      Type.Object(
        {
          attempts: Type.Integer({
            minimum: 1,
            maximum: 20,
            description: 'sends at most, the first included; 1 means no retry',
          }),
          backoffSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 24 * 3600,
              description:
                'wait for an acknowledgement before the second send, doubled at each retry (default 30)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    qos: Type.Optional(
      Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
        description: 'MQTT QoS of the publish (default 1)',
      }),
    ),
    idempotencyKey: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[\\x21-\\x7e]+$',
        description: 'the same key for the same device answers the existing command instead of a new one',
      }),
    ),
    twinParameter: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'the twin parameter this command applies' }),
    ),
  },
  {
    additionalProperties: false,
    description: 'exactly one of `hex`, `base64` or `data`',
  },
);
export type CommandBody = Static<typeof CommandBody>;

export const CommandEvent = Type.Object({
  status: Status,
  at: Type.String({ format: 'date-time' }),
  detail: Type.Record(Type.String(), Type.Unknown(), {
    description: 'transport details: attempt, QoS, connection, Sigfox uplink, reason, error',
  }),
});

export const Command = Type.Object(
  {
    id: Type.String(),
    deviceId: Type.String(),
    kind: Type.Union([Type.Literal('command'), Type.Literal('method')]),
    name: Type.String(),
    transport: Type.Unsafe<Transport>({ type: 'string', enum: [...transports] }),
    status: Status,
    hex: Type.Union([Type.String(), Type.Null()], { description: 'the raw payload, or null for `data`' }),
    data: Type.Unknown({ description: 'the JSON to encode, or null for a raw payload' }),
    priority: Type.Integer(),
    qos: Type.Integer(),
    confirmed: Type.Boolean(),
    retry: Type.Object({ attempts: Type.Integer(), backoffSeconds: Type.Number() }),
    attempts: Type.Integer({ description: 'sends made so far' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    idempotencyKey: Type.Union([Type.String(), Type.Null()]),
    twinParameter: Type.Union([Type.String(), Type.Null()]),
    result: Type.Unknown({
      description: 'what the device answered (acknowledgement, method reply), or null',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    history: Type.Optional(Type.Array(CommandEvent)),
  },
  { description: 'a command or direct-method call, with its status' },
);
export type Command = Static<typeof Command>;

export const CommandPage = Type.Object({
  items: Type.Array(Command),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type CommandPage = Static<typeof CommandPage>;

export const DeviceCommandParams = Type.Object({ deviceId: DeviceId });
export const CommandParams = Type.Object({
  deviceId: DeviceId,
  commandId: Type.String({ pattern: ID_PATTERN }),
});

export const ListCommandsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(
      Type.String({ pattern: ID_PATTERN, description: '`nextCursor` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type ListCommandsQuery = Static<typeof ListCommandsQuery>;

export const DeviceHistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
  },
  { additionalProperties: false },
);

export const DeviceCommandEvent = Type.Object({
  commandId: Type.String(),
  status: Status,
  at: Type.String({ format: 'date-time' }),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export const DeviceCommandHistory = Type.Object({ items: Type.Array(DeviceCommandEvent) });

export const CommandIdPattern = ID_PATTERN;

export const MethodParams = Type.Object({
  deviceId: DeviceId,
  name: Type.String({ pattern: NAME_PATTERN, description: 'the method: letters, digits, _ and -' }),
});

export const MethodBody = Type.Object(
  {
    payload: Type.Optional(Type.Unknown({ description: 'JSON sent to the device as the request' })),
    timeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 300,
      default: 30,
      description: 'how long to wait for the reply',
    }),
  },
  { additionalProperties: false },
);
export type MethodBody = Static<typeof MethodBody>;

export const MethodAnswer = Type.Object({
  id: Type.String({ description: 'the call, recorded as a command of kind `method`' }),
  status: Type.Union([Type.Literal('acknowledged'), Type.Literal('failed')], {
    description: '`failed` when the device answered `"status": "failed"`',
  }),
  result: Type.Unknown({
    description: "the device's reply: JSON, `{base64}` for other bytes, null for none",
  }),
});

export const PollQuery = Type.Object(
  {
    wait: Type.Number({
      minimum: 0,
      maximum: 30,
      default: 0,
      description: 'seconds to wait for a command when none is queued (long polling)',
    }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
  },
  { additionalProperties: false },
);

export const PolledCommand = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hex: Type.String(),
  base64: Type.String(),
  priority: Type.Integer(),
  confirmed: Type.Boolean({ description: 'acknowledge it with POST /v1/device/commands/{id}/ack' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export const PolledCommands = Type.Object({ items: Type.Array(PolledCommand) });

export const AckParams = Type.Object({ commandId: Type.String({ pattern: ID_PATTERN }) });
export const AckBody = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('acknowledged'), Type.Literal('failed')], {
        description: '`acknowledged` (default) or `failed`',
      }),
    ),
    result: Type.Optional(
      Type.Unknown({ description: "what the device reports; kept as the command's `result`" }),
    ),
  },
  { additionalProperties: false },
);
export const AckAnswer = Type.Object({ id: Type.String(), status: Status });

/** Items of one `POST /v1/commands/batch` at most. */
export const MAX_BATCH_COMMANDS = 1000;

export const BatchCommandItem = Type.Object(
  { deviceId: DeviceId, ...CommandBody.properties },
  { additionalProperties: false, description: 'a command body with the device it is for' },
);

export const BatchCommandsBody = Type.Object(
  {
    items: Type.Array(BatchCommandItem, { minItems: 1, maxItems: MAX_BATCH_COMMANDS }),
  },
  { additionalProperties: false },
);
export type BatchCommandsBody = Static<typeof BatchCommandsBody>;

export const BatchItemProblem = Type.Object(
  {
    status: Type.Integer({ description: 'the HTTP status this item would have had alone' }),
    code: Type.String({ description: 'stable error code; see docs/ERRORS.md' }),
    detail: Type.String(),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { description: "why this item's command was not queued" },
);

export const BatchCommandResult = Type.Object({
  status: Type.Integer({
    description: '201 queued, 200 the command of an idempotency key used before, or the status of `problem`',
  }),
  command: Type.Optional(Command),
  problem: Type.Optional(BatchItemProblem),
});

export const BatchCommandsAnswer = Type.Object({
  items: Type.Array(BatchCommandResult, { description: "one result per item, in the request's order" }),
});
