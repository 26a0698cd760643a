/**
 * The bus's port: it carries named events from publishers to subscribers. The in-process
 * adapter serves one process; an adapter for many processes (NATS subjects, Redis pub/sub)
 * implements this interface, passes `describeBusTransport` (bus-contract.ts), and is chosen
 * by the composition root: `new EventBus(new NatsTransport(…))`.
 *
 * Delivery is at most once: an event is never stored, retried or replayed, and a process
 * that is down or slow misses it. So the bus carries only hints (wake a long poll, drop a
 * cache entry, end a session); what must not be lost is a change in the change feed, which
 * reactions follow durably, never an event on the bus.
 */
export interface BusTransport {
  /**
   * Hands `event` to every current subscriber of `name`. Subscribers in this process hear it
   * before `publish` returns, in the order they subscribed; other processes later. `event`
   * is plain JSON data, so that an adapter can send it over the wire.
   */
  publish(name: string, event: unknown): void;
  /** Calls `listener` for each later event of `name`; the returned function unsubscribes. */
  subscribe(name: string, listener: (event: unknown) => void): () => void;
  /** Stops delivering and lets go of connections; in-process there is nothing to close. */
  close(): Promise<void>;
}
