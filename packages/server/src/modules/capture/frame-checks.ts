import { AppError } from '../../kernel/errors.js';

/** Largest payload of one message, in bytes, over any transport. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Device times before this are refused as absurd (no device shipped before 2000). */
const EARLIEST_DEVICE_TIME = Date.UTC(2000, 0, 1);
/** Device clocks may run ahead a little; a day ahead is a broken clock, not drift. */
const MAX_CLOCK_AHEAD_MS = 24 * 3600 * 1000;
const MESSAGE_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * A frame's identity and content as a transport read them, before they become a `Frame`.
 * A transport passes `NaN` for a number it could not read, which the checks refuse.
 */
export interface FrameFields {
  readonly seq?: number | undefined;
  /** Unix ms. */
  readonly deviceTime?: number | undefined;
  readonly payloadBytes?: number | undefined;
  readonly messageId?: string | undefined;
}

/** What the checks hold a frame's fields against. */
export interface FrameLimits {
  /** When the frame was received, Unix ms: device times may run at most a day ahead of it. */
  readonly receivedAt: number;
  /** Width of the device's counter: `seq` must be below 2^seqBits. */
  readonly seqBits: number;
  /** A transport's own bound (a Sigfox frame: 12); never above `MAX_PAYLOAD_BYTES`. */
  readonly maxPayloadBytes?: number;
}

/** A field the checks refused, with the bound it broke, for the transport to word. */
export type FrameFault =
  | { readonly field: 'seq'; readonly below: number }
  | { readonly field: 'time' }
  | { readonly field: 'payload'; readonly maxBytes: number }
  | { readonly field: 'messageId' };

/** How a transport names a refused field and says what is wrong with it. */
export type FrameWording = {
  readonly [F in FrameFault as F['field']]?: (fault: F) => {
    readonly field: string;
    readonly message: string;
  };
};

/** Whether `seq` is a counter value of a `bits`-wide counter. */
export function isSeqWithin(seq: number, bits: number): boolean {
  return Number.isInteger(seq) && seq >= 0 && seq < 2 ** bits;
}

/** Whether a device (or network) time is one a working clock could give. */
export function isPlausibleDeviceTime(time: number, receivedAt: number): boolean {
  return Number.isFinite(time) && time >= EARLIEST_DEVICE_TIME && time <= receivedAt + MAX_CLOCK_AHEAD_MS;
}

/**
 * The first of a frame's fields that no transport may hand to capture (payload, counter,
 * device time, message id, in that order), or undefined when all hold.
 */
export function frameFault(fields: FrameFields, limits: FrameLimits): FrameFault | undefined {
  const maxBytes = Math.min(limits.maxPayloadBytes ?? MAX_PAYLOAD_BYTES, MAX_PAYLOAD_BYTES);
  if (fields.payloadBytes !== undefined && fields.payloadBytes > maxBytes)
    return { field: 'payload', maxBytes };
  if (fields.seq !== undefined && !isSeqWithin(fields.seq, limits.seqBits))
    return { field: 'seq', below: 2 ** limits.seqBits };
  if (fields.deviceTime !== undefined && !isPlausibleDeviceTime(fields.deviceTime, limits.receivedAt))
    return { field: 'time' };
  if (fields.messageId !== undefined && !MESSAGE_ID.test(fields.messageId)) return { field: 'messageId' };
  return undefined;
}

/** How devices are told over HTTP and MQTT. */
function deviceWording(fault: FrameFault): { readonly field: string; readonly message: string } {
  switch (fault.field) {
    case 'payload':
      return { field: 'payload', message: `the payload is larger than ${fault.maxBytes} bytes` };
    case 'seq':
      return { field: 'seq', message: `seq must be below ${fault.below} for this device type` };
    case 'time':
      return {
        field: 'time',
        message: 'time is not a plausible device time (after 2000, at most a day ahead of the server)',
      };
    case 'messageId':
      return { field: 'messageId', message: 'messageId must be 1–128 printable ASCII characters' };
  }
}

/**
 * `validation_failed` naming the refused field, worded as devices are told unless the
 * transport words it itself; `prefix` places it in a body (`messages[3].`).
 */
export function frameRefusal(fault: FrameFault, wording: FrameWording = {}, prefix = ''): AppError {
  const own = wording[fault.field] as ((fault: FrameFault) => ReturnType<typeof deviceWording>) | undefined;
  const { field, message } = own ? own(fault) : deviceWording(fault);
  return new AppError('validation_failed', `${prefix}${message}`, { field: `${prefix}${field}` });
}

/**
 * The checks every transport runs on a frame's fields: throws `validation_failed` naming
 * the first field that fails.
 */
export function checkFrameFields(
  fields: FrameFields,
  limits: FrameLimits,
  { wording, prefix }: { readonly wording?: FrameWording; readonly prefix?: string } = {},
): void {
  const fault = frameFault(fields, limits);
  if (fault) throw frameRefusal(fault, wording, prefix);
}
