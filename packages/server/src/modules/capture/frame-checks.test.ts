import { describe, expect, it } from 'vitest';
import { isAppError } from '../../kernel/errors.js';
import { checkFrameFields, frameFault, MAX_PAYLOAD_BYTES } from './frame-checks.js';

const NOW = Date.UTC(2026, 5, 1, 12);
const DAY = 24 * 3600 * 1000;
const limits = { receivedAt: NOW, seqBits: 12 };

function refusal(run: () => void) {
  try {
    run();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, message: error.message, field: error.data?.field };
    throw error;
  }
  throw new Error('nothing was refused');
}

describe('frame checks', () => {
  it('accepts fields at their bounds', () => {
    expect(
      frameFault(
        { seq: 4095, deviceTime: NOW + DAY, payloadBytes: MAX_PAYLOAD_BYTES, messageId: 'x'.repeat(128) },
        limits,
      ),
    ).toBeUndefined();
    expect(frameFault({ seq: 0, deviceTime: Date.UTC(2000, 0, 1), payloadBytes: 0 }, limits)).toBeUndefined();
    expect(frameFault({}, limits)).toBeUndefined();
  });

  it.each([
    ['a counter at 2^bits', { seq: 4096 }, { field: 'seq', below: 4096 }],
    ['a negative counter', { seq: -1 }, { field: 'seq', below: 4096 }],
    ['a fractional counter', { seq: 1.5 }, { field: 'seq', below: 4096 }],
    ['a counter the transport could not read', { seq: Number.NaN }, { field: 'seq', below: 4096 }],
    ['a time before 2000', { deviceTime: Date.UTC(1999, 11, 31) }, { field: 'time' }],
    ['a time more than a day ahead', { deviceTime: NOW + DAY + 1 }, { field: 'time' }],
    ['a time the transport could not read', { deviceTime: Number.NaN }, { field: 'time' }],
    [
      'a payload above 64 KiB',
      { payloadBytes: MAX_PAYLOAD_BYTES + 1 },
      { field: 'payload', maxBytes: 65536 },
    ],
    ['an empty message id', { messageId: '' }, { field: 'messageId' }],
    ['a message id with a space', { messageId: 'a b' }, { field: 'messageId' }],
    ['a message id of 129 characters', { messageId: 'x'.repeat(129) }, { field: 'messageId' }],
  ])('refuses %s', (_what, fields, fault) => {
    expect(frameFault(fields, limits)).toEqual(fault);
  });

  it("holds a transport's own payload bound, never one above 64 KiB", () => {
    expect(frameFault({ payloadBytes: 13 }, { ...limits, maxPayloadBytes: 12 })).toEqual({
      field: 'payload',
      maxBytes: 12,
    });
    expect(
      frameFault(
        { payloadBytes: MAX_PAYLOAD_BYTES + 1 },
        { ...limits, maxPayloadBytes: 2 * MAX_PAYLOAD_BYTES },
      ),
    ).toEqual({ field: 'payload', maxBytes: MAX_PAYLOAD_BYTES });
  });

  it('words a refusal as devices are told, placed in a batch by its prefix', () => {
    expect(refusal(() => checkFrameFields({ deviceTime: 0 }, limits, { prefix: 'messages[2].' }))).toEqual({
      code: 'validation_failed',
      message:
        'messages[2].time is not a plausible device time (after 2000, at most a day ahead of the server)',
      field: 'messages[2].time',
    });
    expect(refusal(() => checkFrameFields({ seq: 5000 }, limits))).toEqual({
      code: 'validation_failed',
      message: 'seq must be below 4096 for this device type',
      field: 'seq',
    });
  });

  it("words a refusal in the transport's own terms where it gives them", () => {
    const wording = { seq: () => ({ field: 'seqNumber', message: 'seqNumber is out of range' }) };
    expect(refusal(() => checkFrameFields({ seq: 4096 }, limits, { wording }))).toEqual({
      code: 'validation_failed',
      message: 'seqNumber is out of range',
      field: 'seqNumber',
    });
    // Fields the transport does not word keep the devices' wording.
    expect(refusal(() => checkFrameFields({ payloadBytes: 70_000 }, limits, { wording }))).toMatchObject({
      message: 'the payload is larger than 65536 bytes',
      field: 'payload',
    });
  });
});
