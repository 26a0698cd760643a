/**
 * Sequence tracking for one device: pure functions over the device's state, so that the
 * rules can be read and tested on their own.
 *
 * Counters are modular (Sigfox: 12 bits, wrapping at 4096). A step forward of less than
 * half the modulus is progress (past the top it is a wrap); a larger step is a step back.
 * A step back is a late frame when it falls in an open gap or is older than the newest
 * frame, and a reset (the device rebooted and restarted its counter) when the frame is
 * newer than the newest frame seen.
 */

export interface SequenceState {
  /** The newest sequence number of the current counter run. */
  readonly seqMax: number | null;
  /** The time (device time, else receive time) of the frame that set seqMax. */
  readonly seqTime: number | null;
}

/** An inclusive range of missing numbers; `from > to` when it spans the wrap. */
export interface Gap {
  readonly from: number;
  readonly to: number;
}

export type SequenceEvent = 'first' | 'next' | 'gap' | 'wrap' | 'reset' | 'out_of_order';

export interface SequenceStep {
  readonly event: SequenceEvent;
  /** The frame is older than the newest one seen: it must not replace "latest" values. */
  readonly outOfOrder: boolean;
  /** A gap this frame opens (numbers skipped before it). */
  readonly opens: Gap | undefined;
  readonly next: SequenceState;
}

export function modulusOf(bits: number): number {
  return 2 ** bits;
}

function mod(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}

/** Whether `seq` lies in the inclusive, possibly wrapping range of `gap`. */
export function gapContains(gap: Gap, seq: number): boolean {
  return gap.from <= gap.to ? seq >= gap.from && seq <= gap.to : seq >= gap.from || seq <= gap.to;
}

/**
 * A counter restarting after a reboot starts near zero; without a device time that is
 * the only way to tell a reset from a frame delivered late.
 */
const RESET_CEILING = 16;

export function stepSequence(
  state: SequenceState,
  seq: number,
  time: number,
  { bits, timeIsDeviceTime, inOpenGap }: { bits: number; timeIsDeviceTime: boolean; inOpenGap: boolean },
): SequenceStep {
  const modulus = modulusOf(bits);
  if (state.seqMax === null || state.seqTime === null) {
    return { event: 'first', outOfOrder: false, opens: undefined, next: { seqMax: seq, seqTime: time } };
  }
  const delta = mod(seq - state.seqMax, modulus);
  if (delta > 0 && delta < modulus / 2) {
    const opens = delta > 1 ? { from: mod(state.seqMax + 1, modulus), to: mod(seq - 1, modulus) } : undefined;
    const event: SequenceEvent = seq < state.seqMax ? 'wrap' : opens ? 'gap' : 'next';
    return { event, outOfOrder: false, opens, next: { seqMax: seq, seqTime: time } };
  }
  // A step back (or the same number again with another identity).
  if (inOpenGap) return { event: 'out_of_order', outOfOrder: true, opens: undefined, next: state };
  const newer = time > state.seqTime;
  const reset = timeIsDeviceTime ? newer : newer && seq < RESET_CEILING;
  if (reset)
    return { event: 'reset', outOfOrder: false, opens: undefined, next: { seqMax: seq, seqTime: time } };
  return { event: 'out_of_order', outOfOrder: true, opens: undefined, next: state };
}

/** What remains of a gap once `seq` has arrived: nothing, a shorter gap, or two gaps. */
export function fillGap(gap: Gap, seq: number, bits: number): Gap[] {
  const modulus = modulusOf(bits);
  if (gap.from === gap.to) return [];
  if (seq === gap.from) return [{ from: mod(seq + 1, modulus), to: gap.to }];
  if (seq === gap.to) return [{ from: gap.from, to: mod(seq - 1, modulus) }];
  return [
    { from: gap.from, to: mod(seq - 1, modulus) },
    { from: mod(seq + 1, modulus), to: gap.to },
  ];
}
