import type { StoredMessage } from './persistence.js';
import type { Session } from './session.js';

/**
 * What one broker does with a message for its own sessions: match the tenant's topic tree
 * and deliver (queue, persist, send). Returns a promise when deliveries to persistent
 * sessions had to be made durable, or the number of sessions reached otherwise.
 */
export interface LocalRouter {
  /**
   * `publisher` is the publishing session on this broker (No Local [MQTT-3.8.3-3]);
   * pass `undefined` for a message that came from another broker.
   */
  routeLocal(
    tenantId: string,
    message: StoredMessage,
    publisher: Session | undefined,
  ): Promise<void> | number;
}

/**
 * The routing port, beside the persistence port: every message a broker accepts (a
 * client's publish once authorized and captured, a will, a server publish) goes through
 * `route` to reach subscribers. The in-process default hands it to this broker's own
 * sessions; a cluster adapter would also forward it to the other brokers (which hand it
 * to their `LocalRouter` with no publisher) and deliver what they forward to it. Retained
 * messages and sessions are the persistence port's business, not this one's.
 */
export interface BrokerRouting {
  /** Called once by the broker, before any `route`, with its own delivery. */
  bind(local: LocalRouter): void;
  /**
   * Routes a message accepted by this broker. Resolve (or return) once local deliveries
   * are durable: the publisher's PUBACK waits for it. On the hot path: no allocation in
   * the in-process case.
   */
  route(tenantId: string, message: StoredMessage, publisher: Session | undefined): Promise<void> | number;
  /** Stops routing (the broker is closing); deliveries already handed over are kept. */
  close(): Promise<void>;
}

/** The default routing: one process, one broker, straight to its own sessions. */
export class InProcessRouting implements BrokerRouting {
  #local: LocalRouter | undefined;

  bind(local: LocalRouter): void {
    if (this.#local !== undefined && this.#local !== local)
      throw new Error('an InProcessRouting serves one broker');
    this.#local = local;
  }

  route(tenantId: string, message: StoredMessage, publisher: Session | undefined): Promise<void> | number {
    return this.#local === undefined ? 0 : this.#local.routeLocal(tenantId, message, publisher);
  }

  async close(): Promise<void> {}
}
