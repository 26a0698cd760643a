import type { QoS, UserProperties } from 'mqtt-packet';
import { filterCovers } from './topics.js';

/** Who is connected: every topic they see is mounted under their tenant. */
export interface Principal {
  readonly tenantId: string;
  readonly kind: 'device' | 'application' | 'anonymous';
  /** Set for devices: they may only touch `devices/{deviceId}/…`. */
  readonly deviceId?: string;
  /** A stable id for logs and the client list (device id, API key id…). */
  readonly id: string;
}

/** A refused connection: a v5 CONNACK reason code (mapped to a 3.1.1 return code) and an optional reason string. */
export interface Refusal {
  readonly reasonCode: number;
  readonly reason?: string;
}

/** What `authenticate` is given about a CONNECT. */
export interface AuthenticateInput {
  readonly clientId: string;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  /** SHA-256 fingerprint (hex, lower case) of the TLS client certificate, when one was presented. */
  readonly certificateFingerprint: string | undefined;
  readonly listener: ListenerKind;
  readonly protocolVersion: 3 | 4 | 5;
  readonly remoteAddress: string | undefined;
}

export type ListenerKind = 'tcp' | 'tls' | 'ws';

/** A PUBLISH as the capture hook sees it (topic un-mounted, as the client sent it). */
export interface CapturedPublish {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** The DUP flag: the client may have sent this message before [MQTT-3.3.1-1]. */
  readonly dup: boolean;
  /** The packet identifier (0 at QoS 0). */
  readonly packetId: number;
  /** The session and connection it came on, for telling a resend from a new message. */
  readonly origin: PublishOrigin;
  readonly properties: {
    readonly payloadFormatIndicator?: boolean;
    readonly contentType?: string;
    readonly userProperties?: UserProperties;
    readonly messageExpiryInterval?: number;
    /** Where the publisher wants an answer (request / response, MQTT 5 §4.10). */
    readonly responseTopic?: string;
    /** What the publisher wants back with the answer. */
    readonly correlationData?: Buffer;
  };
}

/**
 * Where a publish came from. A client resends what it has no acknowledgement for with its
 * original packet id on its next connection to the session, before anything new
 * [MQTT-4.4.0-1, MQTT-4.6.0-1] (mqtt.js without DUP); `uplinkPhase` says whether this
 * connection may still be doing that:
 *   - `resumed`: the session was resumed and no capture of this connection has stored a
 *     new message yet;
 *   - `fresh`: a new session, or the last connection ended with DISCONNECT and every
 *     publish acknowledged: nothing is resent;
 *   - `steady`: a publish of this connection was stored as new: its resends are over.
 */
export interface PublishOrigin {
  readonly clientId: string;
  /** Unique per connection, also across restarts. */
  readonly connectionId: string;
  readonly uplinkPhase: 'resumed' | 'fresh' | 'steady';
}

/** What capture did with a publish. */
export interface CaptureVerdict {
  /** Stored by an earlier publish (a resend): the connection may still be within its resends. */
  readonly duplicate: boolean;
  /**
   * Set when capture refused the publish for good (a resend would be refused again): the
   * v5 PUBACK/PUBREC reason code. 3.1.1 has no negative acknowledgement: the publish is
   * acknowledged and not routed, as an unauthorized one is [MQTT-3.3.5-2].
   */
  readonly reasonCode?: number;
}

/** What the `connected` and `disconnected` hooks are told about a connection. */
export interface ConnectionEvent {
  readonly clientId: string;
  /** Unique per connection, also across restarts (the same as `PublishOrigin.connectionId`). */
  readonly connectionId: string;
  readonly listener: ListenerKind;
  readonly remoteAddress: string | undefined;
  readonly protocolVersion: 3 | 4 | 5;
}

/** A connection was accepted (CONNACK sent, a resumed session's queue handed over). */
export interface ConnectedEvent extends ConnectionEvent {
  readonly sessionPresent: boolean;
}

/**
 * Why an accepted connection ended (API: values may be added, never renamed):
 *   - `client_disconnect`: the client sent DISCONNECT;
 *   - `connection_lost`: the socket closed without DISCONNECT;
 *   - `keep_alive_timeout`: nothing arrived for 1.5 × the keep-alive [MQTT-3.1.2-22];
 *   - `taken_over`: a new connection with the same client id took the session [MQTT-3.1.4-3];
 *   - `server_shutdown`: the broker is closing;
 *   - `administrative`: `Broker.disconnect` (an operator, or a revoked credential);
 *   - `quota_exceeded`: a subscriber too slow for its queue;
 *   - `protocol_error`: the client broke the protocol (malformed packet, bad alias…);
 *   - `server_error`: the broker failed (a handler threw, a 3.1.1 publish not stored).
 */
export type DisconnectReason =
  | 'client_disconnect'
  | 'connection_lost'
  | 'keep_alive_timeout'
  | 'taken_over'
  | 'server_shutdown'
  | 'administrative'
  | 'quota_exceeded'
  | 'protocol_error'
  | 'server_error';

/** Subscriptions a connection was granted (SUBACK sent). */
export interface SubscribedEvent extends ConnectionEvent {
  /** The granted filters as the client sent them (`$share/{group}/…` included). */
  readonly filters: readonly string[];
}

/**
 * A tracked server publish (`ServerPublish.track`) was answered by a subscriber: PUBACK
 * (QoS 1) or PUBCOMP (QoS 2) came, on whichever connection of the session it went out on
 * (a message queued for an offline persistent session is answered after it reconnects,
 * even across a restart). `reasonCode` is the PUBACK's or PUBREC's: 0x80 and above is a
 * v5 client refusing the message [MQTT-3.4.2-…], [MQTT-3.5.2-…].
 */
export interface DeliveredEvent extends ConnectionEvent {
  /** The topic as the subscriber got it (un-mounted). */
  readonly topic: string;
  readonly qos: 1 | 2;
  readonly reasonCode: number;
}

/** A connection that had been announced by `connected` ended. */
export interface DisconnectedEvent extends ConnectionEvent {
  readonly reason: DisconnectReason;
  /** The reason code of the DISCONNECT sent or received (v5), when there was one. */
  readonly reasonCode: number | undefined;
}

/**
 * The broker's ports to the rest of Fleetport. Topics and filters given to the hooks are
 * the client-visible (un-mounted) ones; the broker keeps each tenant in its own namespace.
 */
export interface BrokerHooks {
  /** Decides who connects: a principal, or a refusal with a v5 CONNACK reason code. */
  authenticate(input: AuthenticateInput): Promise<Principal | Refusal>;
  /** May this principal publish to `topic`? */
  authorizePublish(principal: Principal, topic: string): boolean | Promise<boolean>;
  /**
   * May this principal subscribe to `filter` (without any `$share/{group}/` prefix)?
   * `true` grants it, `false` refuses it (SUBACK 0x87 not authorized; 3.1.1: 0x80); see
   * `SubscribeVerdict` to grant it without some topics or to refuse with another code.
   */
  authorizeSubscribe(principal: Principal, filter: string): SubscribeVerdict | Promise<SubscribeVerdict>;
  /**
   * Takes publishes the capture pipeline owns (device uplinks). Return `false`
   * synchronously for "not mine, route normally"; otherwise a promise that resolves once
   * the message is durable: only then is it routed and PUBACK/PUBREC sent (or refused,
   * see `CaptureVerdict`). A rejection
   * answers PUBACK/PUBREC with 0x80 (v5) or closes the connection (3.1.1, which has no
   * negative acknowledgement), and the message is not routed.
   */
  capture?(principal: Principal, publish: CapturedPublish): false | Promise<CaptureVerdict>;
  /**
   * A connection was accepted. Called once per connection, after CONNACK and after a
   * resumed session's queue went out, and always before its `disconnected`; neither is
   * awaited, and a failure is logged and changes nothing for the connection.
   */
  connected?(principal: Principal, event: ConnectedEvent): void | Promise<void>;
  /**
   * A connection announced by `connected` ended, for `event.reason`. Called once; on a
   * takeover, before the new connection's `connected`.
   */
  disconnected?(principal: Principal, event: DisconnectedEvent): void | Promise<void>;
  /**
   * A connection was granted subscriptions and its SUBACK was sent: from now on what is
   * published to those filters reaches it (a server that holds messages for a client that
   * has just connected waits for this). Not awaited; a failure is logged.
   */
  subscribed?(principal: Principal, event: SubscribedEvent): void | Promise<void>;
  /**
   * A tracked server publish was acknowledged by a subscriber (see `DeliveredEvent`); once
   * per acknowledged delivery, so once per subscriber that got it at QoS 1 or 2 (at QoS 0
   * nothing is ever heard). Untracked messages never reach this hook. Not awaited; a
   * failure is logged.
   */
  delivered?(principal: Principal, event: DeliveredEvent): void | Promise<void>;
}

/**
 * The answer to a subscription: granted (`true`), refused (`false`, 0x87), granted except
 * for the topics that `except` filters match (they are never delivered through it,
 * retained messages included), or refused with a v5 SUBACK reason code (3.1.1 always
 * gets 0x80, its only failure code [MQTT-3.9.3-…]).
 */
export type SubscribeVerdict =
  | boolean
  | { readonly except: readonly string[] }
  | { readonly reasonCode: number };

/** Whether a value returned by `authenticate` is a refusal. */
export function isRefusal(value: Principal | Refusal): value is Refusal {
  return 'reasonCode' in value;
}

/**
 * Whether a topic is withheld from a subscription granted with exceptions. Matched level
 * by level without the `$` rule of [MQTT-4.7.2-1]: a denied `+/secret` withholds
 * `$x/secret` too, as it refuses a subscription to it.
 */
export function isExcepted(except: readonly string[] | undefined, topic: string): boolean {
  if (except === undefined) return false;
  for (const filter of except) if (filterCovers(filter, topic)) return true;
  return false;
}

/** Hooks for tests and quick experiments: everyone connects as an anonymous client of `tenantId` and may do anything. */
export function openHooks(tenantId = 'default'): BrokerHooks {
  return {
    async authenticate(input) {
      return { tenantId, kind: 'anonymous', id: input.clientId };
    },
    authorizePublish: () => true,
    authorizeSubscribe: () => true,
  };
}
