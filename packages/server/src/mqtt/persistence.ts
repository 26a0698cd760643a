import type { QoS, UserProperties } from 'mqtt-packet';

/** Identifies a session: client ids are unique within a tenant, not across tenants. */
export interface SessionKey {
  readonly tenantId: string;
  readonly clientId: string;
}

/** The application message as the broker keeps it (topic un-mounted, tenant kept beside it). */
export interface StoredMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  /** Unix milliseconds after which the message must not be delivered (v5 message expiry), or null. */
  readonly expiresAt: number | null;
  /**
   * Set on a server publish whose sender wants to hear of its acknowledgements (the
   * `delivered` hook); absent on everything else, so that nothing is done for them.
   */
  readonly tracked?: true;
}

/** The v5 properties a message carries from publisher to subscribers [MQTT-3.3.2-…]. */
export interface MessageProperties {
  readonly payloadFormatIndicator?: boolean;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
  readonly userProperties?: UserProperties;
}

/** A persistent session's header. */
export interface SessionRecord extends SessionKey {
  /** Seconds the session outlives its connection; 0xFFFFFFFF never expires. */
  readonly expiryInterval: number;
  /** Unix milliseconds when the last connection ended; null while connected. */
  readonly disconnectedAt: number | null;
  readonly protocolVersion: 3 | 4 | 5;
}

/** A subscription with its v5 options. `filter` keeps a `$share/{group}/` prefix. */
export interface SubscriptionRecord {
  readonly filter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  readonly subscriptionId: number | undefined;
  /**
   * Filters whose topics this subscription does not receive: the parts of it the
   * principal was refused when it subscribed (see `SubscribeVerdict`).
   */
  readonly except?: readonly string[] | undefined;
}

/** A session with its subscriptions, as listed at start-up. */
export interface StoredSession extends SessionRecord {
  readonly subscriptions: readonly SubscriptionRecord[];
}

/**
 * A message on its way to one session: `queued` (not sent yet), `sent` (PUBLISH sent,
 * waiting for PUBACK/PUBREC) or `released` (QoS 2 PUBREL sent, waiting for PUBCOMP).
 */
export interface OutgoingRecord {
  /** Ever-increasing within a session: the delivery order. */
  readonly seq: number;
  /** 0 while queued. */
  readonly packetId: number;
  readonly state: 'queued' | 'sent' | 'released';
  /** The QoS of this delivery (min of message and subscription). */
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[];
  readonly message: StoredMessage;
}

/** One change to outgoing messages; many are written in one `writeOutgoing` call. */
export type OutgoingWrite =
  | { readonly kind: 'put'; readonly session: SessionKey; readonly record: OutgoingRecord }
  | {
      readonly kind: 'update';
      readonly session: SessionKey;
      readonly seq: number;
      readonly packetId: number;
      readonly state: OutgoingRecord['state'];
    }
  | { readonly kind: 'delete'; readonly session: SessionKey; readonly seq: number };

/** A retained message of a tenant. */
export interface RetainedRecord {
  readonly tenantId: string;
  readonly message: StoredMessage;
}

/**
 * Where persistent sessions and retained messages live. Only sessions that outlive their
 * connection are written. Methods are small and take batches, so a database adapter can
 * write many changes in one transaction; no method rewrites a whole session. The broker
 * never calls two writes for the same session concurrently out of order: it awaits each
 * batch before the next.
 */
export interface BrokerPersistence {
  /** Creates or replaces a session header (subscriptions and messages stay). */
  putSession(record: SessionRecord): Promise<void>;
  /** Deletes a session with its subscriptions, outgoing messages and incoming packet ids. */
  deleteSession(key: SessionKey): Promise<void>;
  /** Every stored session with its subscriptions (start-up: rebuild the topic trees, schedule expiry). */
  listSessions(): Promise<StoredSession[]>;
  /** Adds or replaces subscriptions by filter. */
  putSubscriptions(key: SessionKey, subscriptions: readonly SubscriptionRecord[]): Promise<void>;
  deleteSubscriptions(key: SessionKey, filters: readonly string[]): Promise<void>;
  /** Applies outgoing-message changes in order, atomically. A write for an unknown session is ignored. */
  writeOutgoing(writes: readonly OutgoingWrite[]): Promise<void>;
  /** A session's outgoing messages ordered by `seq`. */
  loadOutgoing(key: SessionKey): Promise<OutgoingRecord[]>;
  /** QoS 2 packet ids received and not yet released by PUBREL [MQTT-4.3.3-…]. */
  putIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void>;
  deleteIncoming(key: SessionKey, packetIds: readonly number[]): Promise<void>;
  loadIncoming(key: SessionKey): Promise<number[]>;
  /** Stores the retained message of a topic, or deletes it when `message` is null. */
  putRetained(tenantId: string, topic: string, message: StoredMessage | null): Promise<void>;
  listRetained(): Promise<RetainedRecord[]>;
  close(): Promise<void>;
}
