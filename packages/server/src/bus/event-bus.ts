import { EventEmitter } from 'node:events';

/** The internal events, by name. Names are API for later modules: add, never rename. */
export interface BusEvents {
  /** Changes were committed to a tenant's feed, up to `position`. */
  'changes.committed': { readonly tenantId: string; readonly position: number };
  /** A device type's callback secrets changed, or the type is gone: cached callback authentications are stale. */
  'device_type.access_changed': { readonly tenantId: string; readonly typeId: string };
  /** An API key was revoked: sessions authenticated with it (MQTT connections) must end. */
  'api_key.revoked': { readonly tenantId: string; readonly keyId: string };
  /** A device's credentials, type or existence changed: cached authentications are stale. */
  'device.access_changed': { readonly tenantId: string; readonly deviceId: string };
  /**
   * A new message is durable. `timeliness` and `outOfOrder` tell reactions whether it is
   * live: late and replayed messages must never fire real-time actions.
   */
  'message.captured': {
    readonly tenantId: string;
    readonly deviceId: string;
    readonly typeId: string;
    readonly messageId: string;
    readonly timeliness: 'live' | 'late' | 'replayed';
    readonly outOfOrder: boolean;
  };
  /**
   * A message was decoded by its device type's codec (after capture, or again by a
   * re-decode). `errors` is non-empty when the codec failed; the raw message is unchanged.
   */
  'message.decoded': {
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
  };
}

export type BusEventName = keyof BusEvents;
export type BusListener<K extends BusEventName> = (event: BusEvents[K]) => void;

/**
 * Typed in-process events: reactions across modules travel here. One process for now;
 * a Redis or NATS adapter will carry the same events between workers.
 */
export class EventBus {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Long-polling readers each listen for a while; the count is bounded by connections.
    this.#emitter.setMaxListeners(0);
  }

  publish<K extends BusEventName>(name: K, event: BusEvents[K]): void {
    this.#emitter.emit(name, event);
  }

  subscribe<K extends BusEventName>(name: K, listener: BusListener<K>): () => void {
    this.#emitter.on(name, listener);
    return () => this.#emitter.off(name, listener);
  }
}
