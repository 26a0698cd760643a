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
