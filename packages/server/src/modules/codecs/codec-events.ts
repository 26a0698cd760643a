/**
 * A message was decoded by its device type's codec (after capture, or again by a
 * re-decode). `errors` is non-empty when the codec failed; the raw message is unchanged.
 */
export interface MessageDecoded {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly messageId: string;
  readonly decoded: {
    readonly data: unknown;
    readonly warnings: readonly string[];
    readonly errors: readonly string[];
    readonly codecVersion: number | null;
    readonly decodedAt: string;
  };
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'message.decoded': MessageDecoded;
  }
}
