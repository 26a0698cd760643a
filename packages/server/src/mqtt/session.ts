import type { QoS } from 'mqtt-packet';
import type { Client } from './client.js';
import { LazyMap, LazySet } from './lazy-collections.js';
import type { OutgoingRecord, SessionKey, StoredMessage, SubscriptionRecord } from './persistence.js';
import type { ParsedFilter } from './topics.js';

/** A session's subscription as the topic tree holds it. */
export interface Subscription extends SubscriptionRecord {
  readonly parsed: ParsedFilter;
  readonly session: Session;
}

/** A message on its way to one session (the mutable twin of `OutgoingRecord`). */
export interface Delivery {
  readonly seq: number;
  packetId: number;
  state: OutgoingRecord['state'];
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[];
  readonly message: StoredMessage;
}

/** Never expires (MQTT 5 §3.1.2.11.2: 0xFFFFFFFF). */
export const SESSION_NEVER_EXPIRES = 0xffff_ffff;

/** A FIFO without `Array.shift`'s O(n) cost. */
export class Fifo<T> {
  /** Created on the first push: most sessions never queue anything. */
  #items: (T | undefined)[] | undefined;
  #head = 0;

  get length(): number {
    return this.#items === undefined ? 0 : this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items ??= [];
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items?.[this.#head];
  }

  shift(): T | undefined {
    if (this.#items === undefined || this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): T[] {
    if (this.#items === undefined) return [];
    const rest = this.#items.slice(this.#head).filter((item): item is T => item !== undefined);
    this.#items = undefined;
    this.#head = 0;
    return rest;
  }
}

/**
 * The state of one MQTT session (MQTT 5 §4.1): subscriptions, messages in flight both
 * ways and queued messages. It outlives its connection when its expiry interval is not 0.
 */
export class Session {
  readonly key: SessionKey;
  /** `tenantId \0 clientId`, the map key. */
  readonly id: string;
  expiryInterval = 0;
  protocolVersion: 3 | 4 | 5 = 4;
  readonly subscriptions = new LazyMap<string, Subscription>();
  /** Outgoing QoS 1/2 messages in flight, by packet id. */
  readonly inflight = new LazyMap<number, Delivery>();
  /** Outgoing QoS 1/2 messages waiting for a connection, a receive-maximum slot or a drained socket. */
  readonly queue = new Fifo<Delivery>();
  /** Incoming QoS 2 packet ids received and not yet released [MQTT-4.3.3-…]. */
  readonly incoming = new LazySet<number>();
  /** The connection attached to the session, if any. */
  client: Client | undefined;
  /** Publishers paused until this session's queue drains. */
  readonly waiters = new LazySet<Client>();
  /** Releases the waiters after the grace period, whether or not the session caught up. */
  throttleTimer: NodeJS.Timeout | undefined;
  /**
   * Set when the grace period ran out before the session caught up: it holds no publisher
   * again until it has (its QoS 0 messages are dropped meanwhile, QoS 1/2 queued).
   */
  throttleSpent = false;
  /** False for a session restored at start-up whose stored messages are not loaded yet. */
  loaded = true;
  /** Messages written to persistence while the session was not loaded. */
  unloadedQueued = 0;
  expiryTimer: NodeJS.Timeout | undefined;
  willTimer: NodeJS.Timeout | undefined;
  /** Publishes the pending will now (set while a delayed will waits). */
  fireWill: (() => void) | undefined;
  disconnectedAt: number | null = null;
  /**
   * Set when the last connection ended with DISCONNECT and every publish acknowledged:
   * the next one resends nothing (see `PublishOrigin`). Not persisted: after a restart a
   * session is taken to have something to resend.
   */
  uplinksSettled = false;
  /** Whether persistence holds this session (it must then be deleted there when it ends). */
  stored = false;
  #nextPacketId = 1;

  constructor(key: SessionKey) {
    this.key = key;
    this.id = sessionId(key);
  }

  /** Whether the session outlives its connection and is therefore persisted. */
  get persistent(): boolean {
    return this.expiryInterval > 0;
  }

  /** A packet id not in use by an outgoing message in flight, or undefined when all 65,535 are [MQTT-2.2.1-3]. */
  allocatePacketId(): number | undefined {
    if (this.inflight.size >= 65_535) return undefined;
    for (;;) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65_535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
  }
}

/** The map key of a session. */
export function sessionId(key: SessionKey): string {
  return `${key.tenantId}\u0000${key.clientId}`;
}
