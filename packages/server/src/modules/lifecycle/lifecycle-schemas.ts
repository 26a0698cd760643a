import { type Static, Type } from 'typebox';
import { DeviceId, DeviceTypeId, LifecycleState } from '../devices/index.js';
import { TYPE_STAGES, type TypeStage } from './lifecycle-graph.js';

const Timestamp = Type.String({ format: 'date-time' });
const Text = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const TypeStageSchema = Type.Unsafe<TypeStage>({
  type: 'string',
  enum: [...TYPE_STAGES],
  description:
    '`test`: a first uplink makes a manufactured device tested; `production`: a first uplink activates a manufactured or tested device; `none`: no automatic transition on uplinks',
});

export const DeviceParams = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
export const TypeParams = Type.Object({ typeId: DeviceTypeId }, { additionalProperties: false });

export const Actor = Type.Object({
  kind: Type.Union([Type.Literal('principal'), Type.Literal('platform')]),
  id: Type.String({ description: "the API key's id, or the platform rule that made the transition" }),
});
export type Actor = Static<typeof Actor>;

export const Transition = Type.Object(
  {
    id: Type.String(),
    deviceId: DeviceId,
    from: LifecycleState,
    to: LifecycleState,
    actor: Actor,
    reason: Type.String(),
    at: Timestamp,
  },
  { $id: 'LifecycleTransition' },
);
export type Transition = Static<typeof Transition>;

export const DeviceLifecycle = Type.Object(
  {
    deviceId: DeviceId,
    typeId: DeviceTypeId,
    state: LifecycleState,
    since: Nullable(Timestamp),
    activatedAt: Nullable(Timestamp),
    allowed: Type.Array(LifecycleState, { description: 'the states the device may move to now' }),
    contractId: Nullable(Type.String()),
    subscription: Type.Union([
      Type.Object({ plan: Type.String(), startsAt: Timestamp, endsAt: Timestamp }),
      Type.Null(),
    ]),
  },
  { $id: 'DeviceLifecycle' },
);
export type DeviceLifecycle = Static<typeof DeviceLifecycle>;

export const SetLifecycleBody = Type.Object(
  {
    state: LifecycleState,
    reason: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);
export type SetLifecycleBody = Static<typeof SetLifecycleBody>;

export const HistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const TransitionPage = Type.Object({
  items: Type.Array(Transition),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type TransitionPage = Static<typeof TransitionPage>;

export const LifecycleGraph = Type.Object({
  states: Type.Array(LifecycleState),
  transitions: Type.Record(Type.String(), Type.Array(LifecycleState)),
  automatic: Type.Array(Type.Object({ rule: Type.String(), to: LifecycleState, when: Type.String() })),
  stages: Type.Array(TypeStageSchema),
});

export const TypeLifecycle = Type.Object({
  typeId: DeviceTypeId,
  stage: TypeStageSchema,
});
export type TypeLifecycle = Static<typeof TypeLifecycle>;

export const SetTypeLifecycleBody = Type.Object({ stage: TypeStageSchema }, { additionalProperties: false });

export const MAX_BULK_DEVICES = 1000;

export const MoveTypeBody = Type.Object(
  {
    deviceIds: Type.Array(DeviceId, { minItems: 1, maxItems: MAX_BULK_DEVICES, uniqueItems: true }),
    typeId: DeviceTypeId,
  },
  { additionalProperties: false },
);
export type MoveTypeBody = Static<typeof MoveTypeBody>;

export const MoveTypeResult = Type.Object({
  typeId: DeviceTypeId,
  moved: Type.Array(DeviceId, { description: 'devices now of the type' }),
  unchanged: Type.Array(DeviceId, { description: 'devices that were of the type already' }),
});
export type MoveTypeResult = Static<typeof MoveTypeResult>;

export const CloneTypeBody = Type.Object(
  {
    id: DeviceTypeId,
    name: Type.Optional(Text(200)),
    stage: Type.Optional(TypeStageSchema),
  },
  { additionalProperties: false },
);
export type CloneTypeBody = Static<typeof CloneTypeBody>;

export const ClonedType = Type.Object({
  deviceType: Type.Unknown({ description: 'the new device type, as `GET /v1/device-types/{id}` shows it' }),
  stage: TypeStageSchema,
  callbackSecrets: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      secret: Type.String({ description: 'shown only once' }),
    }),
    { description: "new secrets, one per secret of the source (a clone never shares its source's)" },
  ),
});

// ---- contracts and subscriptions --------------------------------------------------------

const WarnDays = Type.Integer({
  minimum: 0,
  maximum: 365,
  description: 'days before the end when the ending warning is raised (default 30)',
});

export const Contract = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    provider: Type.String(),
    tokens: Type.Integer(),
    used: Type.Integer({ description: 'devices assigned to the contract, each using a token' }),
    free: Type.Integer(),
    lowTokens: Type.Integer({ description: 'free tokens at or below this raise `contract.tokens_low`' }),
    startsAt: Timestamp,
    endsAt: Timestamp,
    warnDays: Type.Integer(),
    endingWarnedAt: Nullable(Timestamp),
    endedAt: Nullable(Timestamp),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Contract' },
);
export type Contract = Static<typeof Contract>;

export const ContractParams = Type.Object(
  { contractId: Type.String({ pattern: '^ctr_[0-9a-f]{32}$' }) },
  { additionalProperties: false },
);

export const CreateContractBody = Type.Object(
  {
    name: Type.Optional(Text(200)),
    provider: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._ -]*$' }),
    tokens: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
    lowTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    startsAt: Timestamp,
    endsAt: Timestamp,
    warnDays: Type.Optional(WarnDays),
  },
  { additionalProperties: false },
);
export type CreateContractBody = Static<typeof CreateContractBody>;

export const UpdateContractBody = Type.Object(
  {
    name: Type.Optional(Text(200)),
    tokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    lowTokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    startsAt: Type.Optional(Timestamp),
    endsAt: Type.Optional(Timestamp),
    warnDays: Type.Optional(WarnDays),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateContractBody = Static<typeof UpdateContractBody>;

export const ContractPage = Type.Object({
  items: Type.Array(Contract),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const AssignBody = Type.Object(
  {
    deviceIds: Type.Array(DeviceId, { minItems: 1, maxItems: MAX_BULK_DEVICES, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type AssignBody = Static<typeof AssignBody>;

export const ContractDeviceParams = Type.Object(
  { contractId: ContractParams.properties.contractId, deviceId: DeviceId },
  { additionalProperties: false },
);

export const ContractDevicePage = Type.Object({
  items: Type.Array(Type.Object({ deviceId: DeviceId, assignedAt: Timestamp })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const Subscription = Type.Object(
  {
    deviceId: DeviceId,
    plan: Type.String(),
    startsAt: Timestamp,
    endsAt: Timestamp,
    warnDays: Type.Integer(),
    endingWarnedAt: Nullable(Timestamp),
    endedAt: Nullable(Timestamp),
    version: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Subscription' },
);
export type Subscription = Static<typeof Subscription>;

export const SetSubscriptionBody = Type.Object(
  {
    plan: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' }),
    startsAt: Timestamp,
    endsAt: Timestamp,
    warnDays: Type.Optional(WarnDays),
  },
  { additionalProperties: false },
);
export type SetSubscriptionBody = Static<typeof SetSubscriptionBody>;
