import { type Static, Type } from 'typebox';

/** What changed. Kinds are API: add new ones, never rename. */
export const changeKinds = [
  'device.created',
  'device.updated',
  'device.deleted',
  'device.restored',
  'device_type.created',
  'device_type.updated',
  'device_type.deleted',
  'message.created',
  'message.decoded',
  'device_type.codec_changed',
  'command.created',
  'command.status_changed',
  'command.noted',
  'twin.desired.changed',
  'twin.reported.changed',
  'job.created',
  'job.status_changed',
  'job.progress',
  'configuration.created',
  'configuration.updated',
  'configuration.deleted',
  'twin.parameter.changed',
  'device.lifecycle_changed',
  'device_type.lifecycle_changed',
  'contract.created',
  'contract.updated',
  'contract.deleted',
  'contract.devices_changed',
  'contract.ending',
  'contract.tokens_low',
  'contract.ended',
  'subscription.changed',
  'subscription.deleted',
  'subscription.ending',
  'subscription.ended',
  'alert.raised',
  'alert.updated',
  'alert.acknowledged',
  'alert.cleared',
  'alert.commented',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.disabled',
] as const;
export type ChangeKind = (typeof changeKinds)[number];

export const Change = Type.Object(
  {
    cursor: Type.String({
      description: 'the position of this change; pass it as `since` to read what follows',
    }),
    kind: Type.Unsafe<ChangeKind>({ type: 'string', enum: [...changeKinds] }),
    entityId: Type.String(),
    at: Type.String({ format: 'date-time', description: 'when the change was committed' }),
    data: Type.Unknown({ description: 'the entity as it was after the change (for deletes: its id)' }),
  },
  { $id: 'Change' },
);
export type Change = Static<typeof Change>;

export const ChangePage = Type.Object({
  items: Type.Array(Change),
  nextCursor: Type.String({
    description: 'always present: pass it as `since` to continue, even after an empty page',
  }),
});
export type ChangePage = Static<typeof ChangePage>;

export const ReadChangesQuery = Type.Object(
  {
    since: Type.Optional(
      Type.String({
        pattern: '^(\\d{1,18}|latest)$',
        description:
          'a cursor from a previous page; absent or `0`: from the beginning; `latest`: only what comes next',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    wait: Type.Number({
      minimum: 0,
      maximum: 30,
      default: 0,
      description: 'seconds to wait for a change when there is none yet (long polling)',
    }),
  },
  { additionalProperties: false },
);
export type ReadChangesQuery = Static<typeof ReadChangesQuery>;
