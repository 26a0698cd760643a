import { createHash } from 'node:crypto';
import type { Frame } from './frame.js';

/**
 * The identity of a frame within its device, most specific first:
 *   - Sigfox: sequence number and frame time (the 12-bit counter wraps every 4096 frames,
 *     so the number alone repeats);
 *   - a message id the sender gives;
 *   - a sequence number with the device time, or with the payload when there is no time;
 *   - the device time with the payload;
 *   - the payload alone, within a window of receive time.
 * The store holds a unique index on (tenant, device, key), so a retried or re-received
 * frame can never be stored twice.
 */
export interface FrameIdentity {
  /** The key stored with the message. */
  readonly key: string;
  /** Other keys that also mean "the same frame" (the previous window). */
  readonly alternates: readonly string[];
}

function payloadHash(frame: Frame): string {
  return createHash('sha256').update(frame.payload).digest('base64url').slice(0, 22);
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
  // Neither counter, id nor time: the same payload within the window is the same frame.
  // The window is a fixed bucket, so the previous bucket is checked as well.
  const bucket = Math.floor(frame.receivedAt / dedupWindowMs);
  const hash = payloadHash(frame);
  return { key: `h:${hash}:${bucket}`, alternates: [`h:${hash}:${bucket - 1}`] };
}
