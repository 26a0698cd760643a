import type { Duplex } from 'node:stream';
import type { Packet, QoS } from 'mqtt-packet';
import type { Logger } from '../kernel/logger.js';
import { Client, type ConnectionMeta, EncodeCache, type HandlerTable, type Will } from './client.js';
import { DeadlineWheel } from './deadlines.js';
import { type BrokerHooks, type ConnectionEvent, isExcepted, type Principal } from './hooks.js';
import type {
  BrokerPersistence,
  OutgoingRecord,
  SessionKey,
  StoredMessage,
  SubscriptionRecord,
} from './persistence.js';
import { PersistenceLane } from './persistence-lane.js';
import { RateLimiter } from './rate-limiter.js';
import { ReasonCode } from './reason-codes.js';
import { RetainedTree } from './retained-tree.js';
import type { BrokerRouting, LocalRouter } from './routing.js';
import { type Delivery, SESSION_NEVER_EXPIRES, Session, type Subscription, sessionId } from './session.js';
import { type MatchVisitor, TopicTree } from './topic-tree.js';
import { parseFilter, topicMatches } from './topics.js';

/** Limits that protect the broker from heavy and hostile clients (see docs/MQTT.md). */
export interface BrokerLimits {
  /** Connections beyond this are refused with CONNACK 0x89 server busy (3.1.1: 3). */
  readonly maxConnections: number;
  /** Largest packet accepted (and announced to v5 clients); larger ones end the connection with 0x95. */
  readonly maxPacketSize: number;
  /** Outgoing QoS 1/2 messages in flight per client (also capped by the client's Receive Maximum). */
  readonly maxInflight: number;
  /** Incoming QoS 1/2 messages a client may have unacknowledged (announced as Receive Maximum). */
  readonly receiveMaximum: number;
  /** Queued QoS 1/2 messages per session; see docs/MQTT.md for what happens beyond. */
  readonly maxQueuedMessages: number;
  /** Bytes waiting in a socket beyond which QoS 0 messages to that client are dropped. */
  readonly maxBufferedBytes: number;
  /** New connections per second (token bucket, burst of twice as many); beyond: CONNACK 0x9F. */
  readonly connectionsPerSecond: number;
  /**
   * How long a publisher may be held back for a lagging subscriber before it goes on
   * regardless (the subscriber is then disconnected if its queue overflows).
   */
  readonly slowSubscriberGraceMs: number;
  /** A connection that sends no CONNECT within this time is closed. */
  readonly connectTimeoutMs: number;
  /** Topic aliases a v5 client may use towards the broker. */
  readonly topicAliasMaximum: number;
  /** When set, v5 clients asking for no or a longer keep-alive get this one (Server Keep Alive). */
  readonly maxKeepAlive: number | undefined;
  /** Cap on session expiry intervals, seconds. */
  readonly maxSessionExpiryInterval: number;
  /** Longest accepted client identifier (characters). */
  readonly maxClientIdLength: number;
}

export const defaultLimits: BrokerLimits = Object.freeze({
  maxConnections: 100_000,
  maxPacketSize: 1024 * 1024,
  maxInflight: 64,
  receiveMaximum: 64,
  maxQueuedMessages: 1000,
  maxBufferedBytes: 1024 * 1024,
  connectionsPerSecond: 1000,
  slowSubscriberGraceMs: 1000,
  connectTimeoutMs: 10_000,
  topicAliasMaximum: 32,
  maxKeepAlive: undefined,
  maxSessionExpiryInterval: SESSION_NEVER_EXPIRES,
  maxClientIdLength: 256,
});

/** Counters, read by the metrics exporter. */
export interface BrokerMetrics {
  connections: number;
  connectionsTotal: number;
  connectionsRefused: number;
  sessions: number;
  subscriptions: number;
  retained: number;
  packetsIn: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Messages not delivered because a subscriber was too slow or its queue was full. */
  messagesDropped: number;
  /** Connections ended for a malformed or oversized packet. */
  malformedPackets: number;
}

interface Tenant {
  readonly tree: TopicTree<Subscription>;
  readonly retained: RetainedTree<StoredMessage>;
}

interface Target {
  qos: QoS;
  rap: boolean;
  subscriptionIds: number[];
}

/**
 * Collects the sessions one message goes to while the topic tree is walked: one delivery
 * per session with the highest QoS and every subscription identifier. One instance per
 * broker, reused by every route() (matching is synchronous and never nested); the common
 * case of a single subscriber allocates no map and no closures.
 */
class RouteCollector implements MatchVisitor<Subscription> {
  publisher: Session | undefined;
  /** The topic being routed (subscriptions granted with exceptions may withhold it). */
  topic = '';
  firstSession: Session | undefined;
  firstTarget: Target | undefined;
  /** Every target in match order, once a second session matched. */
  targets: Map<Session, Target> | undefined;
  /** Shared groups matched, as (group, filter, members) triples; a member is picked after matching. */
  groups: unknown[] | undefined;

  reset(): void {
    this.publisher = undefined;
    this.topic = '';
    this.firstSession = undefined;
    this.firstTarget = undefined;
    this.targets = undefined;
    this.groups = undefined;
  }

  plain(_key: string, subscription: Subscription): void {
    const session = subscription.session;
    if (subscription.noLocal && session === this.publisher) return;
    if (subscription.except !== undefined && isExcepted(subscription.except, this.topic)) return;
    let target = session === this.firstSession ? this.firstTarget : this.targets?.get(session);
    if (target === undefined) {
      target = {
        qos: subscription.qos,
        rap: subscription.retainAsPublished,
        subscriptionIds: subscription.subscriptionId === undefined ? [] : [subscription.subscriptionId],
      };
      if (this.firstSession === undefined) {
        this.firstSession = session;
        this.firstTarget = target;
        return;
      }
      if (this.targets === undefined && this.firstTarget !== undefined) {
        this.targets = new Map([[this.firstSession, this.firstTarget]]);
      }
      this.targets?.set(session, target);
      return;
    }
    if (subscription.qos > target.qos) target.qos = subscription.qos;
    target.rap ||= subscription.retainAsPublished;
    if (subscription.subscriptionId !== undefined) target.subscriptionIds.push(subscription.subscriptionId);
  }

  shared(group: string, filter: string, members: ReadonlyMap<string, Subscription>): void {
    this.groups ??= [];
    this.groups.push(group, filter, members);
  }
}

const MAX_TIMEOUT = 2_147_483_647;

/**
 * The broker's state and routing: sessions, topic trees and retained messages per
 * tenant, deliveries and their flow control. Handlers (one per packet type) drive it;
 * the public `Broker` wraps it with listeners.
 */
export class BrokerCore implements LocalRouter {
  readonly hooks: BrokerHooks;
  readonly limits: BrokerLimits;
  readonly logger: Logger;
  readonly lane: PersistenceLane;
  readonly persistence: BrokerPersistence;
  readonly routing: BrokerRouting;
  readonly clients = new Set<Client>();
  /** CONNECT timeouts and keep-alive of every client, on one timer. */
  readonly deadlines = new DeadlineWheel();
  readonly sessions = new Map<string, Session>();
  readonly metrics: BrokerMetrics = {
    connections: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    sessions: 0,
    subscriptions: 0,
    retained: 0,
    packetsIn: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    messagesDropped: 0,
    malformedPackets: 0,
  };
  readonly #tenants = new Map<string, Tenant>();
  readonly #handlers: HandlerTable;
  readonly #sharedCursor = new Map<string, number>();
  readonly #collector = new RouteCollector();
  readonly #connectRate: RateLimiter;
  /**
   * The connections of each device principal, by `tenantId \0 deviceId`: one client, or a
   * set when a device holds several sessions. Presence asks it without walking every client.
   */
  readonly #devices = new Map<string, Client | Set<Client>>();
  /** Online sessions whose queue passed the high-water mark during the current routing pass. */
  #lagging: Session[] = [];
  #lastSeq = 0;
  #restored: Promise<void> | undefined;
  #closing = false;

  constructor(options: {
    hooks: BrokerHooks;
    persistence: BrokerPersistence;
    routing: BrokerRouting;
    limits: BrokerLimits;
    logger: Logger;
    handlers: HandlerTable;
  }) {
    this.hooks = options.hooks;
    this.routing = options.routing;
    this.routing.bind(this);
    this.limits = options.limits;
    this.logger = options.logger;
    this.persistence = options.persistence;
    this.#handlers = options.handlers;
    this.#connectRate = new RateLimiter(
      options.limits.connectionsPerSecond,
      options.limits.connectionsPerSecond * 2,
    );
    this.lane = new PersistenceLane(options.persistence, (error) =>
      this.logger.error({ err: error }, 'mqtt.persistence_failed'),
    );
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Loads persistent sessions and retained messages once. */
  restore(): Promise<void> {
    this.#restored ??= this.#restore();
    return this.#restored;
  }

  async #restore(): Promise<void> {
    const [sessions, retained] = await Promise.all([
      this.persistence.listSessions(),
      this.persistence.listRetained(),
    ]);
    for (const record of retained)
      this.#tenant(record.tenantId).retained.set(record.message.topic, record.message);
    const now = Date.now();
    for (const stored of sessions) {
      // A session connected when the broker stopped counts as disconnected from now.
      const disconnectedAt = stored.disconnectedAt ?? now;
      if (
        stored.expiryInterval !== SESSION_NEVER_EXPIRES &&
        disconnectedAt + stored.expiryInterval * 1000 <= now
      ) {
        this.lane.run((p) => p.deleteSession(stored)).catch(() => {});
        continue;
      }
      const session = new Session({ tenantId: stored.tenantId, clientId: stored.clientId });
      session.expiryInterval = stored.expiryInterval;
      session.protocolVersion = stored.protocolVersion;
      session.disconnectedAt = disconnectedAt;
      session.loaded = false;
      session.stored = true;
      this.sessions.set(session.id, session);
      for (const subscription of stored.subscriptions) this.addSubscription(session, subscription);
      this.scheduleExpiry(session);
    }
  }

  /** Accepts a connection from any transport. */
  attach(stream: Duplex, meta: ConnectionMeta): Client {
    const client = new Client(this, stream, meta, this.#handlers);
    if (this.#closing) {
      client.destroy();
      return client;
    }
    this.clients.add(client);
    this.metrics.connectionsTotal++;
    // Far beyond the limit a connection is not even read; just beyond it gets a CONNACK refusal.
    if (this.clients.size > this.limits.maxConnections * 2) client.destroy();
    return client;
  }

  /** Why a new connection must be refused right now (checked when its CONNECT arrives), or undefined. */
  admissionRefusal(): number | undefined {
    if (this.#closing) return ReasonCode.serverShuttingDown;
    if (this.metrics.connections >= this.limits.maxConnections) return ReasonCode.serverBusy;
    if (!this.#connectRate.take()) return ReasonCode.connectionRateExceeded;
    return undefined;
  }

  #tenant(tenantId: string): Tenant {
    let tenant = this.#tenants.get(tenantId);
    if (tenant === undefined) {
      tenant = { tree: new TopicTree(), retained: new RetainedTree() };
      this.#tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** The next delivery sequence number: increasing across restarts (time-based start). */
  nextSeq(): number {
    this.#lastSeq = Math.max(this.#lastSeq + 1, Date.now() * 1000);
    return this.#lastSeq;
  }

  // ---- sessions ----------------------------------------------------------------------

  /**
   * Attaches `client` to its session: a clean start discards any previous session
   * [MQTT-3.1.2-4]; otherwise an existing one is resumed [MQTT-3.1.2-5]. A client already
   * connected with the same id is disconnected first (session takeover, [MQTT-3.1.4-3]).
   */
  async openSession(
    client: Client,
    key: SessionKey,
    cleanStart: boolean,
    expiryInterval: number,
  ): Promise<{ session: Session; present: boolean }> {
    const id = sessionId(key);
    let session = this.sessions.get(id);
    const previous = session?.client;
    if (previous !== undefined && previous !== client) {
      previous.disconnect(ReasonCode.sessionTakenOver, 'another connection took over the session');
      this.detach(previous);
    }
    if (session !== undefined && cleanStart) {
      this.endSession(session);
      session = undefined;
    }
    let present = session !== undefined;
    if (session === undefined) {
      session = new Session(key);
      this.sessions.set(id, session);
    }
    // A reconnection cancels a delayed will and the session's expiry [MQTT-3.1.3-9].
    if (session.willTimer) clearTimeout(session.willTimer);
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.willTimer = undefined;
    session.fireWill = undefined;
    session.expiryTimer = undefined;
    session.expiryInterval = expiryInterval;
    session.protocolVersion = client.protocolVersion;
    session.disconnectedAt = null;
    if (!session.loaded) await this.#load(session);
    // The session may have expired or been taken over while we awaited.
    if (this.sessions.get(id) !== session) {
      session = new Session(key);
      session.expiryInterval = expiryInterval;
      session.protocolVersion = client.protocolVersion;
      this.sessions.set(id, session);
      present = false;
    }
    const other = session.client;
    if (other !== undefined && other !== client) {
      other.disconnect(ReasonCode.sessionTakenOver, 'another connection took over the session');
      this.detach(other);
    }
    session.client = client;
    client.session = session;
    if (session.persistent) {
      session.stored = true;
      const record = {
        tenantId: key.tenantId,
        clientId: key.clientId,
        expiryInterval,
        disconnectedAt: null,
        protocolVersion: client.protocolVersion,
      };
      this.lane.run((p) => p.putSession(record)).catch(() => {});
    } else if (session.stored) {
      // Reconnected with expiry 0: the session ends with this connection, so storage forgets it now.
      session.stored = false;
      this.lane.run((p) => p.deleteSession(key)).catch(() => {});
    }
    this.metrics.sessions = this.sessions.size;
    return { session, present };
  }

  async #load(session: Session): Promise<void> {
    await this.lane.flush();
    const [outgoing, incoming] = await Promise.all([
      this.persistence.loadOutgoing(session.key),
      this.persistence.loadIncoming(session.key),
    ]);
    if (session.loaded) return;
    for (const record of outgoing) {
      const delivery: Delivery = { ...record, subscriptionIds: [...record.subscriptionIds] };
      if (record.state === 'queued' || session.inflight.has(record.packetId)) {
        delivery.state = 'queued';
        delivery.packetId = 0;
        session.queue.push(delivery);
      } else {
        session.inflight.set(record.packetId, delivery);
      }
    }
    for (const id of incoming) session.incoming.add(id);
    session.loaded = true;
    session.unloadedQueued = 0;
  }

  /** Resends what was in flight (DUP set) and what was queued, after CONNACK of a resumed session [MQTT-4.4.0-1]. */
  resume(session: Session): void {
    const client = session.client;
    if (client === undefined) return;
    const now = Date.now();
    const inflight = [...session.inflight.values()].sort((a, b) => a.seq - b.seq);
    for (const delivery of inflight) {
      if (delivery.state === 'released') {
        client.send({ cmd: 'pubrel', messageId: delivery.packetId });
      } else if (!client.sendPublish({ ...delivery, dup: true }, undefined, now)) {
        this.#forgetDelivery(session, delivery);
      }
    }
    this.pump(session);
  }

  /** Calls the `connected` hook for an accepted connection (see `BrokerHooks.connected`). */
  announceConnected(client: Client, sessionPresent: boolean): void {
    const principal = client.principal;
    if (principal === undefined || client.announced) return;
    client.announced = true;
    const hook = this.hooks.connected;
    if (hook === undefined) return;
    this.#callHook('connected', client, () =>
      hook.call(this.hooks, principal, {
        ...connectionEvent(client),
        sessionPresent,
      }),
    );
  }

  /** Calls the `subscribed` hook once a SUBACK granted `filters` (see `BrokerHooks.subscribed`). */
  announceSubscribed(client: Client, filters: readonly string[]): void {
    const principal = client.principal;
    const hook = this.hooks.subscribed;
    if (principal === undefined || hook === undefined || filters.length === 0) return;
    this.#callHook('subscribed', client, () =>
      hook.call(this.hooks, principal, {
        ...connectionEvent(client),
        filters,
      }),
    );
  }

  /** Calls the `disconnected` hook once for a connection `connected` announced. */
  #announceDisconnected(client: Client): void {
    const principal = client.principal;
    if (!client.announced || principal === undefined) return;
    client.announced = false;
    const hook = this.hooks.disconnected;
    if (hook === undefined) return;
    this.#callHook('disconnected', client, () =>
      hook.call(this.hooks, principal, {
        ...connectionEvent(client),
        reason: client.endReason ?? 'connection_lost',
        reasonCode: client.endReasonCode,
      }),
    );
  }

  /** A hook's failure is logged; it never harms the connection or the broker. */
  #callHook(name: string, client: Client, call: () => void | Promise<void>): void {
    const failed = (error: unknown) =>
      this.logger.error({ err: error, clientId: client.clientId, hook: name }, 'mqtt.hook_failed');
    try {
      const result = call();
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  /** The client's connection ended (or was taken over): keep or end its session, and deal with its will. */
  detach(client: Client): void {
    this.#unindexDevice(client);
    this.#announceDisconnected(client);
    const session = client.session;
    if (session === undefined || session.client !== client) return;
    session.client = undefined;
    client.session = undefined;
    // Publishers waiting for this subscriber must not wait for a connection that is gone.
    this.#releaseWaiters(session);
    if (client.counted) {
      client.counted = false;
      this.metrics.connections--;
    }
    const will = client.graceful ? undefined : client.will;
    client.will = undefined;
    const principal = client.principal;
    const fire =
      will !== undefined && principal !== undefined ? () => this.publishWill(principal, will) : undefined;
    if (!session.persistent) {
      this.endSession(session);
      fire?.();
      return;
    }
    session.disconnectedAt = Date.now();
    const record = {
      ...session.key,
      expiryInterval: session.expiryInterval,
      disconnectedAt: session.disconnectedAt,
      protocolVersion: session.protocolVersion,
    };
    this.lane.run((p) => p.putSession(record)).catch(() => {});
    this.scheduleExpiry(session);
    if (fire === undefined || will === undefined) return;
    if (will.delay === 0) {
      fire();
      return;
    }
    // The will waits for its delay or the end of the session, whichever comes first [MQTT-3.1.3-9].
    session.fireWill = () => {
      session.fireWill = undefined;
      if (session.willTimer) clearTimeout(session.willTimer);
      session.willTimer = undefined;
      fire();
    };
    session.willTimer = setTimeout(() => session.fireWill?.(), Math.min(will.delay * 1000, MAX_TIMEOUT));
    session.willTimer.unref();
  }

  /** Ends a session for good: its subscriptions leave the tree and storage forgets it. */
  endSession(session: Session): void {
    if (session.expiryTimer) clearTimeout(session.expiryTimer);
    session.expiryTimer = undefined;
    const tenant = this.#tenants.get(session.key.tenantId);
    for (const subscription of session.subscriptions.values()) {
      tenant?.tree.remove(subscription.parsed.filter, session.id, subscription.parsed.group);
    }
    session.subscriptions.clear();
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    this.metrics.sessions = this.sessions.size;
    this.metrics.subscriptions = this.#countSubscriptions();
    if (session.stored) {
      session.stored = false;
      this.lane.run((p) => p.deleteSession(session.key)).catch(() => {});
    }
    session.fireWill?.();
  }

  /** Arms the expiry of a disconnected session. */
  scheduleExpiry(session: Session): void {
    if (session.expiryInterval === SESSION_NEVER_EXPIRES || session.disconnectedAt === null) return;
    const due = session.disconnectedAt + session.expiryInterval * 1000;
    const wait = Math.max(0, due - Date.now());
    session.expiryTimer = setTimeout(
      () => {
        session.expiryTimer = undefined;
        if (session.client !== undefined) return;
        if (Date.now() < due) this.scheduleExpiry(session);
        else this.endSession(session);
      },
      Math.min(wait, MAX_TIMEOUT),
    );
    session.expiryTimer.unref();
  }

  /** Persists a changed session expiry (v5 DISCONNECT may change it [MQTT-3.14.2-…]). */
  updateExpiry(session: Session, expiryInterval: number): void {
    session.expiryInterval = expiryInterval;
  }

  // ---- subscriptions -----------------------------------------------------------------

  /** Adds or replaces a subscription; returns whether it is new (retain handling 1 needs that). */
  addSubscription(session: Session, record: SubscriptionRecord): boolean {
    const parsed = parseFilter(record.filter);
    if (parsed === undefined) return false;
    const subscription: Subscription = { ...record, parsed, session };
    const isNew = !session.subscriptions.has(record.filter);
    session.subscriptions.set(record.filter, subscription);
    this.#tenant(session.key.tenantId).tree.add(parsed.filter, session.id, subscription, parsed.group);
    this.metrics.subscriptions = this.#countSubscriptions();
    return isNew;
  }

  /** Removes a subscription by its filter as subscribed; returns whether it existed. */
  removeSubscription(session: Session, filter: string): boolean {
    const subscription = session.subscriptions.get(filter);
    if (subscription === undefined) return false;
    session.subscriptions.delete(filter);
    this.#tenants
      .get(session.key.tenantId)
      ?.tree.remove(subscription.parsed.filter, session.id, subscription.parsed.group);
    this.metrics.subscriptions = this.#countSubscriptions();
    return true;
  }

  #countSubscriptions(): number {
    let count = 0;
    for (const tenant of this.#tenants.values()) count += tenant.tree.size;
    return count;
  }

  /** The retained messages of a tenant that match a filter. */
  retainedFor(tenantId: string, filter: string): StoredMessage[] {
    return this.#tenants.get(tenantId)?.retained.match(filter) ?? [];
  }

  /** Stores or clears (empty payload) the retained message of a topic [MQTT-3.3.1-5], [MQTT-3.3.1-6]. */
  storeRetained(tenantId: string, message: StoredMessage): Promise<void> {
    const tenant = this.#tenant(tenantId);
    const clear = message.payload.length === 0;
    const before = tenant.retained.size;
    tenant.retained.set(message.topic, clear ? undefined : message);
    this.metrics.retained += tenant.retained.size - before;
    return this.lane.run((p) => p.putRetained(tenantId, message.topic, clear ? null : message));
  }

  // ---- routing -----------------------------------------------------------------------

  /** Hands a message accepted by this broker to the routing port (see `BrokerRouting`). */
  route(tenantId: string, message: StoredMessage, publisher: Session | undefined): Promise<void> | number {
    return this.routing.route(tenantId, message, publisher);
  }

  /**
   * LocalRouter: delivers a message to every matching session of its tenant on this
   * broker: one delivery per session with the highest granted QoS and all matching
   * subscription identifiers (overlapping subscriptions, [MQTT-3.3.4-2], [MQTT-3.3.4-3]),
   * one member per shared-subscription group [MQTT-4.8.2-…], nothing to the publisher
   * where No Local is set [MQTT-3.8.3-3]. Returns a promise when deliveries had to be made
   * durable, or the number of sessions reached otherwise.
   */
  routeLocal(
    tenantId: string,
    message: StoredMessage,
    publisher: Session | undefined,
  ): Promise<void> | number {
    const tenant = this.#tenants.get(tenantId);
    if (tenant === undefined || tenant.tree.size === 0) return 0;
    const collector = this.#collector;
    collector.publisher = publisher;
    collector.topic = message.topic;
    tenant.tree.match(message.topic, collector);
    // Taken out before delivering: the collector serves the next route() call.
    const firstSession = collector.firstSession;
    const firstTarget = collector.firstTarget;
    const targets = collector.targets;
    const groups = collector.groups;
    collector.reset();
    if ((firstSession === undefined || firstTarget === undefined) && groups === undefined) return 0;
    // An expiry is only counted down when the message has one.
    const now = message.expiresAt === null ? 0 : Date.now();
    // Subscribers that need the same bytes share one encoding; a single one needs no cache.
    const cache = targets === undefined && groups === undefined ? undefined : new EncodeCache();
    let durable: Promise<void> | undefined;
    let reached = 0;
    if (targets !== undefined) {
      for (const [session, target] of targets) {
        reached++;
        durable = this.#deliverTarget(session, target, message, cache, now) ?? durable;
      }
    } else if (firstSession !== undefined && firstTarget !== undefined) {
      reached++;
      durable = this.#deliverTarget(firstSession, firstTarget, message, cache, now) ?? durable;
    }
    if (groups !== undefined) {
      for (let i = 0; i < groups.length; i += 3) {
        const group = groups[i] as string;
        const filter = groups[i + 1] as string;
        const members = groups[i + 2] as ReadonlyMap<string, Subscription>;
        const subscription = this.#pickShared(
          `${tenantId}\u0000${group}\u0000${filter}`,
          members,
          message.topic,
        );
        if (subscription === undefined) continue;
        reached++;
        const qos = Math.min(message.qos, subscription.qos) as QoS;
        const retain = subscription.retainAsPublished && message.retain;
        const ids = subscription.subscriptionId === undefined ? [] : [subscription.subscriptionId];
        durable = this.deliver(subscription.session, message, qos, retain, ids, cache, now) ?? durable;
      }
    }
    return durable ?? reached;
  }

  #deliverTarget(
    session: Session,
    target: Target,
    message: StoredMessage,
    cache: EncodeCache | undefined,
    now: number,
  ): Promise<void> | undefined {
    const qos = Math.min(message.qos, target.qos) as QoS;
    // Retain is cleared on normal delivery unless Retain As Published [MQTT-3.3.1-12], [MQTT-3.3.1-13].
    const retain = target.rap && message.retain;
    return this.deliver(session, message, qos, retain, target.subscriptionIds, cache, now);
  }

  /**
   * Round robin over a share group's connected members; a disconnected persistent member
   * only when none is connected; never a member whose subscription withholds the topic.
   */
  #pickShared(
    key: string,
    members: ReadonlyMap<string, Subscription>,
    topic: string,
  ): Subscription | undefined {
    const list = [...members.values()].filter((member) => !isExcepted(member.except, topic));
    if (list.length === 0) return undefined;
    const start = (this.#sharedCursor.get(key) ?? 0) % list.length;
    this.#sharedCursor.set(key, start + 1);
    for (let i = 0; i < list.length; i++) {
      const candidate = list[(start + i) % list.length];
      if (candidate?.session.client?.state === 'connected') return candidate;
    }
    return list[start];
  }

  /**
   * Hands one message to one session. QoS 0 goes out at once or is dropped (offline, or
   * the socket has more than `maxBufferedBytes` waiting). QoS 1/2 is sent when the
   * client has room in flight, otherwise queued (and persisted for persistent sessions).
   * Returns the durability promise when it wrote to persistence.
   */
  deliver(
    session: Session,
    message: StoredMessage,
    qos: QoS,
    retain: boolean,
    subscriptionIds: readonly number[],
    cache: EncodeCache | undefined,
    now: number,
  ): Promise<void> | undefined {
    if (message.expiresAt !== null && message.expiresAt <= now) return undefined;
    const client = session.client;
    // A connection that is closing (DISCONNECT handled, socket not closed yet) can send
    // nothing more: QoS 1/2 wait in the session for the next one instead of being lost.
    const online = client !== undefined && client.state === 'connected' && !client.ending;
    if (qos === 0) {
      if (online && !(client.congested && client.bufferedBytes > this.limits.maxBufferedBytes)) {
        client.sendPublish({ message, qos, retain, subscriptionIds, packetId: 0, dup: false }, cache, now);
        // Back-pressure before loss: a subscriber whose socket fills holds its publishers
        // (for at most the grace period) while half of the drop threshold is still free.
        if (client.congested && client.bufferedBytes > this.limits.maxBufferedBytes / 2)
          this.#lagging.push(session);
      } else {
        this.metrics.messagesDropped++;
      }
      return undefined;
    }
    if (!session.loaded) {
      // Restored and not reconnected yet: the message lives only in storage until then.
      if (session.unloadedQueued >= this.limits.maxQueuedMessages) {
        this.metrics.messagesDropped++;
        return undefined;
      }
      session.unloadedQueued++;
      const record: OutgoingRecord = {
        seq: this.nextSeq(),
        packetId: 0,
        state: 'queued',
        qos,
        retain,
        subscriptionIds,
        message,
      };
      return this.lane.outgoing({ kind: 'put', session: session.key, record });
    }
    if (
      session.queue.length + session.inflight.size >=
      this.limits.maxQueuedMessages + this.limits.maxInflight
    ) {
      this.metrics.messagesDropped++;
      // An online subscriber that cannot keep up is cut off rather than allowed to grow without bound.
      if (online) client.disconnect(ReasonCode.quotaExceeded, 'too many messages queued');
      return undefined;
    }
    const delivery: Delivery = {
      seq: this.nextSeq(),
      packetId: 0,
      state: 'queued',
      qos,
      retain,
      subscriptionIds,
      message,
    };
    if (online && session.queue.length === 0 && this.#hasRoom(session, client)) {
      const packetId = session.allocatePacketId();
      if (packetId !== undefined) {
        delivery.packetId = packetId;
        delivery.state = 'sent';
        session.inflight.set(packetId, delivery);
        if (!client.sendPublish({ ...delivery, dup: false }, cache, now)) {
          session.inflight.delete(packetId);
          return undefined; // Too large for this client: as if delivered [MQTT-3.1.2-25].
        }
      }
    }
    if (delivery.state === 'queued') {
      session.queue.push(delivery);
      if (online && session.queue.length >= this.#highWater()) this.#lagging.push(session);
    }
    if (!session.persistent) return undefined;
    return this.lane.outgoing({ kind: 'put', session: session.key, record: { ...delivery } });
  }

  #highWater(): number {
    return Math.max(1, Math.floor(this.limits.maxQueuedMessages / 2));
  }

  /**
   * Pauses `publisher` (if any) until every subscriber that lagged in the last routing
   * pass has drained its queue to half the high-water mark; clears the list either way.
   */
  throttle(publisher: Client | undefined): void {
    if (this.#lagging.length === 0) return;
    const lagging = this.#lagging;
    this.#lagging = [];
    if (publisher === undefined) return;
    for (const session of lagging) {
      if (
        session.throttleSpent ||
        session.client === undefined ||
        session.client === publisher ||
        session.waiters.has(publisher)
      )
        continue;
      session.waiters.add(publisher);
      publisher.pauseReading(session);
      if (session.throttleTimer === undefined) {
        session.throttleTimer = setTimeout(() => {
          // It did not catch up in time: it may not hold anyone again until it has.
          session.throttleSpent = true;
          this.#releaseWaiters(session);
        }, this.limits.slowSubscriberGraceMs);
        session.throttleTimer.unref();
      }
    }
  }

  #releaseWaiters(session: Session): void {
    if (session.throttleTimer !== undefined) clearTimeout(session.throttleTimer);
    session.throttleTimer = undefined;
    if (session.waiters.size === 0) return;
    const waiters = [...session.waiters];
    session.waiters.clear();
    for (const waiter of waiters) waiter.resumeReading(session);
  }

  #hasRoom(session: Session, client: Client): boolean {
    return (
      !client.congested && session.inflight.size < Math.min(client.receiveMaximum, this.limits.maxInflight)
    );
  }

  /** Sends queued messages while the client has room: Receive Maximum [MQTT-3.3.4-9] and a socket that drains. */
  pump(session: Session): void {
    const client = session.client;
    if (client === undefined || client.state !== 'connected' || client.ending || !session.loaded) return;
    const now = Date.now();
    while (session.queue.length > 0 && this.#hasRoom(session, client)) {
      const delivery = session.queue.shift();
      if (delivery === undefined) break;
      const packetId = session.allocatePacketId();
      if (packetId === undefined) {
        session.queue.push(delivery);
        break;
      }
      delivery.packetId = packetId;
      delivery.state = 'sent';
      session.inflight.set(packetId, delivery);
      if (!client.sendPublish({ ...delivery, dup: false }, undefined, now)) {
        // Expired or too large: over without pumping again (this loop goes on), so that a
        // long queue of such messages cannot recurse once per message.
        this.#forgetDelivery(session, delivery);
        continue;
      }
      if (session.persistent) {
        this.lane.outgoing({
          kind: 'update',
          session: session.key,
          seq: delivery.seq,
          packetId,
          state: 'sent',
        });
      }
    }
    // Publishers paused for this subscriber go on once it has caught up by half (and its
    // socket has drained, for the QoS 0 messages that never enter the queue).
    if (session.queue.length <= this.#highWater() / 2 && !client.congested) {
      session.throttleSpent = false;
      if (session.waiters.size > 0) this.#releaseWaiters(session);
    }
  }

  /**
   * A delivery was answered (PUBACK, PUBCOMP, or a refusal with `reasonCode` ≥ 0x80):
   * forget it, tell the `delivered` hook when it is tracked, and send the next.
   */
  completeDelivery(session: Session, delivery: Delivery, reasonCode: number): void {
    this.#forgetDelivery(session, delivery);
    if (delivery.message.tracked === true) this.#announceDelivered(session, delivery, reasonCode);
    this.pump(session);
  }

  #announceDelivered(session: Session, delivery: Delivery, reasonCode: number): void {
    const client = session.client;
    const hook = this.hooks.delivered;
    const principal = client?.principal;
    if (client === undefined || hook === undefined || principal === undefined || delivery.qos === 0) return;
    const qos = delivery.qos;
    this.#callHook('delivered', client, () =>
      hook.call(this.hooks, principal, {
        ...connectionEvent(client),
        topic: delivery.message.topic,
        qos,
        reasonCode,
      }),
    );
  }

  #forgetDelivery(session: Session, delivery: Delivery): void {
    if (session.inflight.get(delivery.packetId) === delivery) session.inflight.delete(delivery.packetId);
    if (session.persistent) this.lane.outgoing({ kind: 'delete', session: session.key, seq: delivery.seq });
  }

  /** Marks a QoS 2 delivery as released (PUBREL sent). */
  releaseDelivery(session: Session, delivery: Delivery): void {
    delivery.state = 'released';
    if (session.persistent) {
      this.lane.outgoing({
        kind: 'update',
        session: session.key,
        seq: delivery.seq,
        packetId: delivery.packetId,
        state: 'released',
      });
    }
  }

  /** Publishes a will (already authorized at CONNECT): retained first when flagged, then routed. */
  publishWill(principal: Principal, will: Will): void {
    const message =
      will.expiryInterval === undefined
        ? will.message
        : { ...will.message, expiresAt: Date.now() + will.expiryInterval * 1000 };
    if (message.retain) this.storeRetained(principal.tenantId, message).catch(() => {});
    this.metrics.messagesIn++;
    const routed = this.route(principal.tenantId, message, undefined);
    this.throttle(undefined);
    if (typeof routed !== 'number') routed.catch(() => {});
  }

  onDrain(client: Client): void {
    if (client.session !== undefined) this.pump(client.session);
  }

  onClose(client: Client, wasConnected: boolean): void {
    this.clients.delete(client);
    this.#unindexDevice(client);
    if (wasConnected) this.detach(client);
  }

  /** Counts an accepted connection (until it detaches), and indexes a device's. */
  countConnection(client: Client): void {
    client.counted = true;
    this.metrics.connections++;
    const key = deviceKey(client);
    if (key === undefined) return;
    const held = this.#devices.get(key);
    if (held === undefined) this.#devices.set(key, client);
    else if (held instanceof Set) held.add(client);
    else if (held !== client) this.#devices.set(key, new Set([held, client]));
  }

  /** Takes a connection out of its device's index; does nothing when it is not there. */
  #unindexDevice(client: Client): void {
    const key = deviceKey(client);
    if (key === undefined) return;
    const held = this.#devices.get(key);
    if (held === client) this.#devices.delete(key);
    else if (held instanceof Set) {
      held.delete(client);
      if (held.size === 1) for (const rest of held) this.#devices.set(key, rest);
      else if (held.size === 0) this.#devices.delete(key);
    }
  }

  /** Whether a connection authenticated as this device is accepted and not yet ended. O(1). */
  deviceConnected(tenantId: string, deviceId: string): boolean {
    return this.#devices.has(`${tenantId}\u0000${deviceId}`);
  }

  /** Whether a connection of this device is subscribed to a filter that matches `topic`. */
  deviceListens(tenantId: string, deviceId: string, topic: string): boolean {
    const held = this.#devices.get(`${tenantId}\u0000${deviceId}`);
    if (held === undefined) return false;
    if (!(held instanceof Set)) return listens(held, topic);
    for (const client of held) if (listens(client, topic)) return true;
    return false;
  }

  countBytesIn(bytes: number): void {
    this.metrics.bytesIn += bytes;
  }

  countBytesOut(bytes: number): void {
    this.metrics.bytesOut += bytes;
  }

  countPacketIn(packet: Packet): void {
    this.metrics.packetsIn++;
    if (packet.cmd === 'publish') this.metrics.messagesIn++;
  }

  countMessageOut(): void {
    this.metrics.messagesOut++;
  }

  countMalformed(): void {
    this.metrics.malformedPackets++;
  }

  /** Stops accepting, tells v5 clients the server is shutting down (0x8B), and waits for storage. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const client of [...this.clients]) {
      // Shutdown is not the client's fault: its session is kept and its will is not sent.
      client.graceful = true;
      client.disconnect(ReasonCode.serverShuttingDown, 'server shutting down');
      this.detach(client);
    }
    for (const session of this.sessions.values()) {
      if (session.expiryTimer) clearTimeout(session.expiryTimer);
      if (session.willTimer) clearTimeout(session.willTimer);
    }
    this.deadlines.stop();
    await this.lane.flush();
  }
}

/** What every connection hook is told about the connection. */
function connectionEvent(client: Client): ConnectionEvent {
  return {
    clientId: client.clientId,
    connectionId: client.connectionId,
    listener: client.meta.listener,
    remoteAddress: client.meta.remoteAddress,
    protocolVersion: client.protocolVersion,
  };
}

/** The device index's key of a connection, undefined for one that is not a device's. */
function deviceKey(client: Client): string | undefined {
  const principal = client.principal;
  if (principal?.deviceId === undefined) return undefined;
  return `${principal.tenantId}\u0000${principal.deviceId}`;
}

/** Whether a connection's session has a subscription whose filter matches `topic`. */
function listens(client: Client, topic: string): boolean {
  const session = client.session;
  if (session === undefined) return false;
  for (const filter of session.subscriptions.keys()) if (topicMatches(filter, topic)) return true;
  return false;
}
