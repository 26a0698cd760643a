// The shapes of the capture API (messages, device state, the change feed, callback
// secrets), from the typed SDK like api-types.ts.

export type {
  CallbackSecret,
  Change,
  ChangePage,
  CreatedCallbackSecret,
  DeviceState,
  IngestMessage,
  IngestOutcome,
  Message,
  Reception,
} from '@fleetport/sdk';
