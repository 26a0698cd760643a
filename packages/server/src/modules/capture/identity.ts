import { hash } from 'node:crypto';
import type { Frame } from './frame.js';

/**
 * The identity of a frame within its device, most specific first:
 *   - Sigfox: sequence number and frame time (the 12-bit counter wraps every 4096 frames,
 *     so the number alone repeats);
 *   - a message id the sender gives;
 *   - a sequence number with the device time, or with the payload when there is no time;
 *   - the device time with the payload;
 *   - for a transport that retries by itself (MQTT): its own id, a resend being told by
 *     the session's packet id (see `Delivery`), never by the payload alone;
 *   - otherwise the payload alone, within a window of receive time.
 * The store holds a unique index on (tenant, device, key), so a retried or re-received
 * frame can never be stored twice. Duplicates are decided by identity: a key that names
 * one message whatever its payload (`exclusive`) and is stored with another payload is a
 * clash, refused (`identity_conflict`), never taken for a copy.
 */
export interface FrameIdentity {
  /** The key stored with the message; empty for a `unique` identity (see below). */
  readonly key: string;
  /** Other keys that also mean "the same frame" (the previous window). */
  readonly alternates: readonly string[];
  /**
   * The frame is new unless its delivery says otherwise: it is stored under a key of its
   * own message id, which nothing can collide with and which grows with time, so that the
   * unique index is appended to instead of written at a random place per frame.
   */
  readonly unique?: boolean;
  /**
   * The key names one message whatever its payload (a message id, a Sigfox or device
   * counter with its time): a stored message under it with another payload is a clash.
   * Keys that contain the payload's hash cannot clash.
   */
  readonly exclusive?: boolean;
}

function payloadHash(frame: Frame): string {
  return hash('sha256', frame.payload, 'base64url').slice(0, 22);
}

/** The identity a frame is deduplicated by; `dedupWindowMs` bounds payload-only identities. */
export function frameIdentity(frame: Frame, dedupWindowMs: number): FrameIdentity {
  if (frame.transport === 'sigfox' && frame.seq !== undefined && frame.deviceTime !== undefined) {
    return { key: `sfx:${frame.seq}:${frame.deviceTime}`, alternates: [], exclusive: true };
  }
  if (frame.messageId !== undefined)
    return { key: `mid:${frame.messageId}`, alternates: [], exclusive: true };
  if (frame.seq !== undefined) {
    return frame.deviceTime !== undefined
      ? { key: `seq:${frame.seq}:${frame.deviceTime}`, alternates: [], exclusive: true }
      : { key: `seq:${frame.seq}:${payloadHash(frame)}`, alternates: [] };
  }
  if (frame.deviceTime !== undefined)
    return { key: `t:${frame.deviceTime}:${payloadHash(frame)}`, alternates: [] };
  // The transport retries by itself (MQTT): a frame is new (two equal readings in a row
  // are two messages) unless its session's packet id says it is a resend.
  if (frame.delivery !== undefined) return { key: '', alternates: [], unique: true };
  // Neither counter, id nor time: the same payload within the window is the same frame.
  // The window is a fixed bucket, so the previous bucket is checked as well.
  const bucket = Math.floor(frame.receivedAt / dedupWindowMs);
  const hash = payloadHash(frame);
  // A replayed frame carries another receiver's time (the backup's), a little before or
  // after the server's own for the same request: the next bucket may hold it too.
  if (frame.replayed)
    return { key: `h:${hash}:${bucket}`, alternates: [`h:${hash}:${bucket - 1}`, `h:${hash}:${bucket + 1}`] };
  return { key: `h:${hash}:${bucket}`, alternates: [`h:${hash}:${bucket - 1}`] };
}
