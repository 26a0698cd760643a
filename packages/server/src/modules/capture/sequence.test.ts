import { describe, expect, it } from 'vitest';
import { fillGap, gapContains, type SequenceState, stepSequence } from './sequence.js';

const sigfox = { bits: 12, timeIsDeviceTime: true, inOpenGap: false };
const at = (seqMax: number, seqTime: number): SequenceState => ({ seqMax, seqTime });

describe('sequence tracking', () => {
  it('starts a run on the first frame', () => {
    const step = stepSequence({ seqMax: null, seqTime: null }, 7, 1000, sigfox);
    expect(step).toMatchObject({ event: 'first', outOfOrder: false, opens: undefined, next: { seqMax: 7 } });
  });

  it('moves on by one without a gap', () => {
    expect(stepSequence(at(7, 1000), 8, 2000, sigfox)).toMatchObject({ event: 'next', opens: undefined });
  });

  it('opens a gap for skipped numbers', () => {
    expect(stepSequence(at(7, 1000), 11, 2000, sigfox)).toMatchObject({
      event: 'gap',
      opens: { from: 8, to: 10 },
      next: { seqMax: 11 },
    });
  });

  it('tells a wrap of the 12-bit Sigfox counter from a reset', () => {
    const wrap = stepSequence(at(4094, 1000), 1, 2000, sigfox);
    expect(wrap).toMatchObject({
      event: 'wrap',
      outOfOrder: false,
      opens: { from: 4095, to: 0 },
      next: { seqMax: 1 },
    });
    const exactWrap = stepSequence(at(4095, 1000), 0, 2000, sigfox);
    expect(exactWrap).toMatchObject({ event: 'wrap', opens: undefined });
  });

  it('calls a step back with a newer device time a reset', () => {
    const reset = stepSequence(at(2000, 1000), 0, 5000, sigfox);
    expect(reset).toMatchObject({ event: 'reset', outOfOrder: false, next: { seqMax: 0, seqTime: 5000 } });
  });

  it('calls a step back with an older device time out of order, and keeps the state', () => {
    const late = stepSequence(at(2000, 5000), 1990, 4000, sigfox);
    expect(late).toMatchObject({
      event: 'out_of_order',
      outOfOrder: true,
      next: { seqMax: 2000, seqTime: 5000 },
    });
  });

  it('calls a frame that falls in an open gap out of order even if its time looks newer', () => {
    const filling = stepSequence(at(20, 1000), 15, 9000, { ...sigfox, inOpenGap: true });
    expect(filling).toMatchObject({ event: 'out_of_order', outOfOrder: true });
  });

  it('without a device time, calls only a restart near zero a reset', () => {
    const noTime = { bits: 32, timeIsDeviceTime: false, inOpenGap: false };
    expect(stepSequence(at(500, 1000), 0, 2000, noTime).event).toBe('reset');
    expect(stepSequence(at(500, 1000), 480, 2000, noTime).event).toBe('out_of_order');
  });

  it('handles 32-bit counters across their wrap', () => {
    const bits32 = { bits: 32, timeIsDeviceTime: true, inOpenGap: false };
    expect(stepSequence(at(2 ** 32 - 1, 1000), 0, 2000, bits32).event).toBe('wrap');
    expect(stepSequence(at(10, 1000), 2 ** 32 - 5, 2000, bits32).event).toBe('reset');
  });

  it('fills gaps from either end, in the middle, and across the wrap', () => {
    expect(fillGap({ from: 8, to: 8 }, 8, 12)).toEqual([]);
    expect(fillGap({ from: 8, to: 10 }, 8, 12)).toEqual([{ from: 9, to: 10 }]);
    expect(fillGap({ from: 8, to: 10 }, 10, 12)).toEqual([{ from: 8, to: 9 }]);
    expect(fillGap({ from: 8, to: 12 }, 10, 12)).toEqual([
      { from: 8, to: 9 },
      { from: 11, to: 12 },
    ]);
    expect(fillGap({ from: 4094, to: 1 }, 0, 12)).toEqual([
      { from: 4094, to: 4095 },
      { from: 1, to: 1 },
    ]);
    expect(gapContains({ from: 4094, to: 1 }, 4095)).toBe(true);
    expect(gapContains({ from: 4094, to: 1 }, 2)).toBe(false);
  });
});
