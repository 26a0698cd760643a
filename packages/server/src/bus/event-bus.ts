import type { BusTransport } from './bus-transport.js';
import { InProcessTransport } from './in-process-transport.js';

/**
 * The internal events, by name. The bus declares none: each module declares the events it
 * owns by merging into this interface, in its `<module>-events.ts`:
 *
 * @example
 * declare module '../../bus/event-bus.js' {
 *   interface BusEvents {
 *     'device.access_changed': DeviceAccessChanged;
 *   }
 * }
 *
 * Names are API for later modules: add, never rename. Payloads are plain JSON data (see
 * `BusTransport`), and carry hints only: what must not be lost goes through the change feed.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from each module
export interface BusEvents {}

export type BusEventName = keyof BusEvents;
export type BusListener<K extends BusEventName> = (event: BusEvents[K]) => void;

/**
 * Typed events between modules, over a `BusTransport`: in-process by default; the
 * composition root may pass an adapter that reaches other processes. At most once and
 * never stored: reactions that must happen follow the change feed instead.
 */
export class EventBus {
  readonly #transport: BusTransport;

  constructor(transport: BusTransport = new InProcessTransport()) {
    this.#transport = transport;
  }

  publish<K extends BusEventName>(name: K, event: BusEvents[K]): void {
    this.#transport.publish(name, event);
  }

  subscribe<K extends BusEventName>(name: K, listener: BusListener<K>): () => void {
    // The transport is untyped; events of `name` are published only through `publish` above.
    return this.#transport.subscribe(name, listener as (event: unknown) => void);
  }

  /** Closes the transport; in-process, drops every subscriber. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}
