import { hash } from 'node:crypto';
import type { Frame } from './frame.js';

/**
 * The identity of a frame within its device, most specific first:
 *   - Sigfox: sequence number and frame time (the 12-bit counter wraps every 4096 frames,
 *     so the number alone repeats);
 *   - a message id the sender gives;
 *   - a sequence number with the device time, or with the payload when there is no time;
 *   - the device time with the payload;
 *   - for a transport that marks retransmissions (MQTT): nothing for a new frame, the
 *     payload among the device's recent messages for a resent one;
 *   - otherwise the payload alone, within a window of receive time.
 * The store holds a unique index on (tenant, device, key), so a retried or re-received
 * frame can never be stored twice.
 */
export interface FrameIdentity {
  /** The key stored with the message; empty for a `unique` identity (see below). */
  readonly key: string;
  /** Other keys that also mean "the same frame" (the previous window). */
  readonly alternates: readonly string[];
  /**
   * The frame is new by its transport's word (or is a retransmission to be matched by its
   * payload, see `samePayloadSince`): it is stored under a key of its own message id,
   * which nothing can collide with and which grows with time, so that the unique index
   * is appended to instead of written at a random place per frame.
   */
  readonly unique?: boolean;
  /**
   * For a retransmission: an earlier message of the device with the same payload received
   * at or after this time (Unix ms) is the same frame.
   */
  readonly samePayloadSince?: number;
}

function payloadHash(frame: Frame): string {
  return hash('sha256', frame.payload, 'base64url').slice(0, 22);
}

export function frameIdentity(frame: Frame, dedupWindowMs: number): FrameIdentity {
  if (frame.transport === 'sigfox' && frame.seq !== undefined && frame.deviceTime !== undefined) {
    return { key: `sfx:${frame.seq}:${frame.deviceTime}`, alternates: [] };
  }
  if (frame.messageId !== undefined) return { key: `mid:${frame.messageId}`, alternates: [] };
  if (frame.seq !== undefined) {
    return {
      key:
        frame.deviceTime !== undefined
          ? `seq:${frame.seq}:${frame.deviceTime}`
          : `seq:${frame.seq}:${payloadHash(frame)}`,
      alternates: [],
    };
  }
  if (frame.deviceTime !== undefined)
    return { key: `t:${frame.deviceTime}:${payloadHash(frame)}`, alternates: [] };
  // The transport tells new frames from resent ones (MQTT's DUP flag): a new frame is its
  // own identity (two equal readings in a row are two messages), and only a resent one is
  // matched, by payload, against the device's recent messages.
  if (frame.retransmission === false) return { key: '', alternates: [], unique: true };
  if (frame.retransmission === true)
    return { key: '', alternates: [], unique: true, samePayloadSince: frame.receivedAt - dedupWindowMs };
  // Neither counter, id nor time: the same payload within the window is the same frame.
  // The window is a fixed bucket, so the previous bucket is checked as well.
  const bucket = Math.floor(frame.receivedAt / dedupWindowMs);
  const hash = payloadHash(frame);
  return { key: `h:${hash}:${bucket}`, alternates: [`h:${hash}:${bucket - 1}`] };
}
