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
   * What the transport itself says about retransmission, for frames that carry no identity
   * of their own (no counter, id or device time): MQTT marks a resent PUBLISH with DUP
   * [MQTT-3.3.1-1] and never resends at QoS 0, so `false` means "certainly new" and `true`
   * "perhaps a copy of an earlier one". Undefined where the transport cannot tell (an HTTP
   * retry looks like a new request): the payload within the window is then the identity.
   */
  readonly retransmission?: boolean | undefined;
  /** Imported after the fact (resync, raw export): stored, never treated as live. */
  readonly replayed?: boolean | undefined;
}

/** What capture did with a frame; sent back to the sender once it is durable. */
export interface CaptureOutcome {
  readonly messageId: string;
  /** True when the frame was already stored: this call changed at most its receptions. */
  readonly duplicate: boolean;
  readonly timeliness: Timeliness;
}
