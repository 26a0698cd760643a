/** How a frame reached Fleetport. Transport names are API: add, never rename. */
export type Transport = 'http' | 'sigfox' | 'mqtt';

export type Timeliness = 'live' | 'late' | 'replayed';

/** One base station (or gateway) that heard a frame. */
export interface Reception {
  readonly station: string;
  readonly receivedAt: number;
  readonly rssi?: number | undefined;
  readonly snr?: number | undefined;
  readonly lat?: number | undefined;
  readonly lng?: number | undefined;
  /** Anything else the network reported about this reception. */
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * A frame as every transport hands it to the capture pipeline: authenticated, parsed,
 * validated, not yet deduplicated or classified.
 */
export interface Frame {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly typeId: string;
  readonly transport: Transport;
  /** When Fleetport (or the network server) received it, Unix ms. */
  readonly receivedAt: number;
  /** When the device says it sent it, Unix ms (for Sigfox: the network's frame time). */
  readonly deviceTime?: number | undefined;
  /** The device's frame counter, if it has one. */
  readonly seq?: number | undefined;
  /** Width of the counter in bits, where it wraps; the device type's setting when unset. */
  readonly seqBits?: number | undefined;
  /** An id the sender gives the message, unique per device. */
  readonly messageId?: string | undefined;
  /** The frame's bytes exactly as sent (for a JSON payload: its UTF-8 text). */
  readonly payload: Buffer;
  /** The payload when the device sent a JSON object instead of bytes. */
  readonly payloadJson?: unknown;
  readonly receptions: readonly Reception[];
  /**
   * Only adds receptions to a frame stored from another callback (Sigfox `duplicate=true`):
   * never creates a message by itself.
   */
  readonly receptionsOnly?: boolean | undefined;
  /**
   * How the transport delivered the frame, for a transport that retries by itself
   * (MQTT QoS 1 and 2). A frame without an identity of its own (no counter, id or device
   * time) is then identified by its session's packet id while the store remembers that
   * id (see `Delivery`); otherwise it is a new message. Undefined where the transport
   * cannot tell (an HTTP retry looks like a new request): the payload within the window
   * is then the identity.
   */
  readonly delivery?: Delivery | undefined;
  /** Imported after the fact (resync, raw export): stored, never treated as live. */
  readonly replayed?: boolean | undefined;
}

/**
 * Where a connection stands with the uplinks its session sent before it:
 *   - `resumed`: the session was resumed and no new message has been stored from this
 *     connection yet, so the client may be resending what an earlier connection sent
 *     [MQTT-4.4.0-1]: packet ids remembered from earlier connections still count;
 *   - `fresh`: a new session, or one whose last connection ended with every uplink
 *     acknowledged: the client resends nothing, earlier connections' ids no longer count;
 *   - `steady`: a new message was stored from this connection, so its resends are over
 *     (a client resends before it sends anything new, in order [MQTT-4.6.0-1]).
 */
export type DeliveryPhase = 'resumed' | 'fresh' | 'steady';

/**
 * An uplink's place in its MQTT session: the packet id the client gave it, on which
 * connection, with which DUP flag. Capture remembers, in the message's own transaction,
 * the packet ids of stored uplinks whose acknowledgement the client may not have seen
 * (docs/MESSAGES.md, "MQTT retransmissions").
 */
export interface Delivery {
  /** The session (MQTT client id) within the device. */
  readonly session: string;
  readonly packetId: number;
  /** The connection it arrived on: unique, also across restarts. */
  readonly connection: string;
  /** The DUP flag [MQTT-3.3.1-1]. */
  readonly dup: boolean;
  readonly phase: DeliveryPhase;
}

/** What capture did with a frame; sent back to the sender once it is durable. */
export interface CaptureOutcome {
  readonly messageId: string;
  /** True when the frame was already stored: this call changed at most its receptions. */
  readonly duplicate: boolean;
  readonly timeliness: Timeliness;
  /**
   * Set when the frame was refused because its identity is already stored with another
   * payload (`identity_conflict`): nothing was stored, `messageId` names the stored one.
   */
  readonly conflict?: true;
}
