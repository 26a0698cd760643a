import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import type { ResyncReplay } from './resync-replay.js';

/** Most records in one call: a page of `fleetport resync`. */
export const MAX_RECORDS = 1000;
/** A page of records is larger than an API body: each carries a whole request, base64. */
export const RESYNC_BODY_LIMIT = 16 * 1024 * 1024;

const BackupRecord = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: "the backup's record number" }),
    receivedAt: Type.Integer({ minimum: 0, description: 'when the backup received the request, Unix ms' }),
    method: Type.String({ minLength: 1, maxLength: 16 }),
    path: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'the path (and query) the request was sent to',
    }),
    contentType: Type.Optional(Type.String({ maxLength: 256 })),
    credentialSha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{64}$',
        description: 'SHA-256 (hex) of the device token or callback secret the request carried',
      }),
    ),
    body: Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'the body as received, base64' }),
  },
  { additionalProperties: false },
);

const Message = Type.Object({
  id: Type.String(),
  duplicate: Type.Boolean({ description: 'already stored: the replay changed at most its receptions' }),
  timeliness: Type.Union([Type.Literal('live'), Type.Literal('late'), Type.Literal('replayed')]),
});

const RecordResult = Type.Union([
  Type.Object({
    id: Type.String(),
    outcome: Type.Union([Type.Literal('new'), Type.Literal('duplicate')]),
    messages: Type.Array(Message),
  }),
  Type.Object({ id: Type.String(), outcome: Type.Literal('skipped'), reason: Type.String() }),
  Type.Object({
    id: Type.String(),
    outcome: Type.Literal('refused'),
    problem: Type.Object({ status: Type.Integer(), code: Type.String(), detail: Type.String() }),
    messages: Type.Optional(Type.Array(Message)),
  }),
]);

const problem = { $ref: 'Problem#' };

/** `POST /v1/resync/records`: what `fleetport resync` sends, a page of the backup's records at a time. */
export function registerResyncRoutes(app: App, replay: ResyncReplay): void {
  app.post(
    '/v1/resync/records',
    {
      bodyLimit: RESYNC_BODY_LIMIT,
      config: { scope: 'operator' },
      schema: {
        tags: ['capture'],
        summary: 'Replay requests kept by fleetport-backup through capture, labelled replayed',
        description:
          "Each record is one request fleetport-backup stored (`GET /records` of the backup, as is): a Sigfox callback or an HTTP ingest, with the SHA-256 of the credential it carried. Each goes through its live route's checks and authentication and the capture pipeline, received at the backup's time and labelled `replayed`; a frame already stored is answered as a duplicate and stored once. A record the live route would refuse is refused here with the same problem, alone: the others are replayed. A key replays its own tenant's records (another tenant's credential is refused as unknown); the bootstrap key any tenant's. No downlink is asked for a replayed BIDIR callback. Records are answered in order; `GET /v1/messages` shows what was stored.",
        body: Type.Object(
          { records: Type.Array(BackupRecord, { minItems: 1, maxItems: MAX_RECORDS }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ results: Type.Array(RecordResult) }),
          400: problem,
          401: problem,
          403: problem,
          413: problem,
        },
      },
    },
    async function replayRecords(request) {
      return { results: await replay.replay(principalOf(request), request.body.records) };
    },
  );
}
