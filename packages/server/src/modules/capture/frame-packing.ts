import type { Delivery, DeliveryPhase, Frame, Reception, Transport } from './frame.js';

/**
 * A batch of frames on its way to the SQLite capture thread, in a form that posts cheaply:
 * structured clone walks every property of every object (a frame's sixteen named fields
 * cost a few µs each time, on the server's thread, on the path of every acknowledgement).
 * Here a frame is a row of numbers in one transferred Float64Array, its strings are
 * indexes into a table each distinct string appears in once (a batch is mostly one
 * tenant, a few devices and types), its payload a slice of one transferred buffer, and
 * only what is rare and free-form (receptions, a JSON payload) travels as objects.
 */
export interface PackedBatch {
  readonly count: number;
  /** `FIELDS` numbers per frame (see the slot constants). */
  readonly numbers: Float64Array;
  /** Every distinct string of the batch, indexed from `numbers`. */
  readonly strings: readonly string[];
  /** Every payload of the batch, back to back. */
  readonly payloads: Uint8Array;
  /** Receptions and JSON payloads of the frames that have them, indexed from `numbers`. */
  readonly extras: readonly FrameExtras[];
}

interface FrameExtras {
  readonly receptions: readonly Reception[];
  /** The JSON payload, if the frame has one (undefined otherwise). */
  readonly payloadJson: unknown;
}

const TENANT = 0;
const DEVICE = 1;
const TYPE = 2;
const TRANSPORT = 3;
const RECEIVED_AT = 4;
const DEVICE_TIME = 5;
const SEQ = 6;
const SEQ_BITS = 7;
const MESSAGE_ID = 8;
const PAYLOAD_AT = 9;
const PAYLOAD_LENGTH = 10;
const FLAGS = 11;
const EXTRAS = 12;
const DELIVERY_SESSION = 13;
const DELIVERY_PACKET = 14;
const DELIVERY_CONNECTION = 15;
const FIELDS = 16;

/** Where a string or an extras slot is absent. */
const NONE = -1;

/** Two bits per optional boolean: 0 undefined, 1 false, 2 true. */
const RECEPTIONS_ONLY_SHIFT = 0;
const DUP_SHIFT = 2;
const REPLAYED_SHIFT = 4;
/** Two bits: the delivery's phase, as its index in PHASES. */
const PHASE_SHIFT = 6;
const PHASES: readonly DeliveryPhase[] = ['resumed', 'fresh', 'steady'];

function packBoolean(value: boolean | undefined, shift: number): number {
  return (value === undefined ? 0 : value ? 2 : 1) << shift;
}

function unpackBoolean(flags: number, shift: number): boolean | undefined {
  const bits = (flags >> shift) & 3;
  return bits === 0 ? undefined : bits === 2;
}

/** Undefined travels as NaN: every number a frame carries is finite. */
function optionalNumber(value: number | undefined): number {
  return value === undefined ? Number.NaN : value;
}

function numberOrUndefined(value: number): number | undefined {
  return Number.isNaN(value) ? undefined : value;
}

export function packFrames(frames: readonly Frame[]): PackedBatch {
  const numbers = new Float64Array(frames.length * FIELDS);
  const strings: string[] = [];
  const indexes = new Map<string, number>();
  const intern = (value: string): number => {
    let index = indexes.get(value);
    if (index === undefined) {
      index = strings.length;
      strings.push(value);
      indexes.set(value, index);
    }
    return index;
  };
  const extras: FrameExtras[] = [];
  let bytes = 0;
  for (const frame of frames) bytes += frame.payload.length;
  const payloads = new Uint8Array(bytes);
  let at = 0;
  let row = 0;
  for (const frame of frames) {
    payloads.set(frame.payload, at);
    numbers[row + TENANT] = intern(frame.tenantId);
    numbers[row + DEVICE] = intern(frame.deviceId);
    numbers[row + TYPE] = intern(frame.typeId);
    numbers[row + TRANSPORT] = intern(frame.transport);
    numbers[row + RECEIVED_AT] = frame.receivedAt;
    numbers[row + DEVICE_TIME] = optionalNumber(frame.deviceTime);
    numbers[row + SEQ] = optionalNumber(frame.seq);
    numbers[row + SEQ_BITS] = optionalNumber(frame.seqBits);
    numbers[row + MESSAGE_ID] = frame.messageId === undefined ? NONE : intern(frame.messageId);
    numbers[row + PAYLOAD_AT] = at;
    numbers[row + PAYLOAD_LENGTH] = frame.payload.length;
    const delivery = frame.delivery;
    numbers[row + FLAGS] =
      packBoolean(frame.receptionsOnly, RECEPTIONS_ONLY_SHIFT) |
      packBoolean(delivery?.dup, DUP_SHIFT) |
      packBoolean(frame.replayed, REPLAYED_SHIFT) |
      (delivery ? PHASES.indexOf(delivery.phase) << PHASE_SHIFT : 0);
    numbers[row + DELIVERY_SESSION] = delivery ? intern(delivery.session) : NONE;
    numbers[row + DELIVERY_PACKET] = delivery ? delivery.packetId : NONE;
    numbers[row + DELIVERY_CONNECTION] = delivery ? intern(delivery.connection) : NONE;
    if (frame.receptions.length > 0 || frame.payloadJson !== undefined) {
      numbers[row + EXTRAS] = extras.length;
      extras.push({ receptions: frame.receptions, payloadJson: frame.payloadJson });
    } else numbers[row + EXTRAS] = NONE;
    at += frame.payload.length;
    row += FIELDS;
  }
  return { count: frames.length, numbers, strings, payloads, extras };
}

const NO_RECEPTIONS: readonly Reception[] = Object.freeze([]);

/** The frames again; payloads are views of the batch's buffer, not copies. */
export function unpackFrames(batch: PackedBatch): Frame[] {
  const { numbers, strings, payloads, extras } = batch;
  const text = (index: number): string => strings[index] as string;
  const frames: Frame[] = new Array(batch.count);
  for (let i = 0, row = 0; i < batch.count; i += 1, row += FIELDS) {
    const messageId = numbers[row + MESSAGE_ID] as number;
    const extrasAt = numbers[row + EXTRAS] as number;
    const extra = extrasAt === NONE ? undefined : extras[extrasAt];
    const flags = numbers[row + FLAGS] as number;
    const session = numbers[row + DELIVERY_SESSION] as number;
    const delivery: Delivery | undefined =
      session === NONE
        ? undefined
        : {
            session: text(session),
            packetId: numbers[row + DELIVERY_PACKET] as number,
            connection: text(numbers[row + DELIVERY_CONNECTION] as number),
            dup: unpackBoolean(flags, DUP_SHIFT) === true,
            phase: PHASES[(flags >> PHASE_SHIFT) & 3] ?? 'steady',
          };
    // Every key required: a field added to Frame and not carried here does not compile.
    const frame: { [K in keyof Required<Frame>]: Frame[K] } = {
      tenantId: text(numbers[row + TENANT] as number),
      deviceId: text(numbers[row + DEVICE] as number),
      typeId: text(numbers[row + TYPE] as number),
      transport: text(numbers[row + TRANSPORT] as number) as Transport,
      receivedAt: numbers[row + RECEIVED_AT] as number,
      deviceTime: numberOrUndefined(numbers[row + DEVICE_TIME] as number),
      seq: numberOrUndefined(numbers[row + SEQ] as number),
      seqBits: numberOrUndefined(numbers[row + SEQ_BITS] as number),
      messageId: messageId === NONE ? undefined : text(messageId),
      payload: Buffer.from(
        payloads.buffer,
        payloads.byteOffset + (numbers[row + PAYLOAD_AT] as number),
        numbers[row + PAYLOAD_LENGTH] as number,
      ),
      payloadJson: extra?.payloadJson,
      receptions: extra?.receptions ?? NO_RECEPTIONS,
      receptionsOnly: unpackBoolean(flags, RECEPTIONS_ONLY_SHIFT),
      delivery,
      replayed: unpackBoolean(flags, REPLAYED_SHIFT),
    };
    frames[i] = frame;
  }
  return frames;
}

/** The buffers a posted batch hands over instead of copying. */
export function transferables(batch: PackedBatch): ArrayBuffer[] {
  return [batch.numbers.buffer as ArrayBuffer, batch.payloads.buffer as ArrayBuffer];
}
