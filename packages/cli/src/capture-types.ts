// The shapes of the capture API (messages, device state, the change feed, callback
// secrets), derived from the server's own schemas like api-types.ts. Type-only.
export type { CallbackSecret } from '../../server/src/modules/capture/callback-secrets.js';
export type { IngestMessage } from '../../server/src/modules/capture/ingest-routes.js';
export type { Change, ChangePage } from '../../server/src/modules/changes/change-schemas.js';
export type {
  DeviceStateView as DeviceState,
  MessageView as Message,
  ReceptionView as Reception,
} from '../../server/src/modules/messages/message-schemas.js';

import type { CallbackSecret } from '../../server/src/modules/capture/callback-secrets.js';
import type { MessageView } from '../../server/src/modules/messages/message-schemas.js';

/** A callback secret as created: the only answer that carries the secret itself. */
export type CreatedCallbackSecret = CallbackSecret & { readonly secret: string };

/** What `POST /v1/ingest` answers for each message (its route does not export the type). */
export interface IngestOutcome {
  readonly id: string;
  readonly duplicate: boolean;
  readonly timeliness: MessageView['timeliness'];
}
