/**
 * A new message is durable. `timeliness` and `outOfOrder` tell reactions whether it is
 * live: late and replayed messages must never fire real-time actions.
 */
export interface MessageCaptured {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly messageId: string;
  readonly timeliness: 'live' | 'late' | 'replayed';
  readonly outOfOrder: boolean;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'message.captured': MessageCaptured;
  }
}
