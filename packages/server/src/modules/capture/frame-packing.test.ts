import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Frame } from './frame.js';
import { type PackedBatch, packFrames, transferables, unpackFrames } from './frame-packing.js';

const sparse: Frame = {
  tenantId: 't1',
  deviceId: 'd1',
  typeId: 'meter',
  transport: 'mqtt',
  receivedAt: 1_764_770_000_123,
  payload: Buffer.from('hello'),
  receptions: [],
};

const full: Frame = {
  tenantId: 't1',
  deviceId: 'd2',
  typeId: 'sigfox-tracker',
  transport: 'sigfox',
  receivedAt: 1_764_770_000_456,
  deviceTime: 1_764_769_999_000,
  seq: 4_294_967_295,
  seqBits: 32,
  messageId: 'm-42',
  payload: Buffer.from([0, 1, 2, 255]),
  payloadJson: { temperature: 21.5, tags: ['a', 'b'] },
  receptions: [
    { station: '0A1B', receivedAt: 1_764_770_000_400, rssi: -120.5, snr: 7, lat: 48.85, lng: 2.35 },
    { station: '0C2D', receivedAt: 1_764_770_000_401, extra: { nbRep: 3 } },
  ],
  receptionsOnly: true,
  delivery: { session: 'client-7', packetId: 65_535, connection: 'c-1', dup: false, phase: 'resumed' },
  replayed: true,
};

/** Posts a packed batch through a real MessageChannel, as the writer does, and unpacks it. */
function throughPort(batch: PackedBatch): Frame[] {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(batch, transferables(batch));
    const received = receiveMessageOnPort(port2);
    if (!received) throw new Error('nothing arrived');
    return unpackFrames(received.message as PackedBatch);
  } finally {
    port1.close();
    port2.close();
  }
}

describe('packed capture batches', () => {
  it('carry every field of every frame, telling unset fields from false, zero and null', () => {
    const zeroes: Frame = {
      ...sparse,
      deviceId: 'd3',
      deviceTime: 0,
      seq: 0,
      payload: Buffer.alloc(0),
      payloadJson: null,
      receptionsOnly: false,
      delivery: { session: 'client-7', packetId: 1, connection: 'c-2', dup: true, phase: 'steady' },
      replayed: false,
    };
    const frames = [sparse, full, zeroes];
    const unpacked = throughPort(packFrames(frames));
    expect(unpacked).toHaveLength(3);
    unpacked.forEach((frame, index) => {
      const original = frames[index] as Frame;
      expect({ ...frame, payload: [...frame.payload] }).toEqual({
        ...original,
        payload: [...original.payload],
      });
    });
    const [first, , third] = unpacked;
    // Unset stays unset: capture tells "no counter" from counter 0, "unknown" from false.
    expect(first?.seq).toBeUndefined();
    expect(first?.deviceTime).toBeUndefined();
    expect(first?.messageId).toBeUndefined();
    expect(first?.delivery).toBeUndefined();
    expect('payloadJson' in sparse).toBe(false);
    expect(first?.payloadJson).toBeUndefined();
    expect(third?.seq).toBe(0);
    expect(third?.payloadJson).toBeNull();
    expect(third?.receptionsOnly).toBe(false);
    expect(third?.delivery).toEqual({
      session: 'client-7',
      packetId: 1,
      connection: 'c-2',
      dup: true,
      phase: 'steady',
    });
  });

  it('keeps each payload its own bytes, in one buffer that is handed over, not copied', () => {
    const frames = Array.from({ length: 50 }, (_, i) => ({
      ...sparse,
      receivedAt: sparse.receivedAt + i,
      payload: Buffer.from(`payload-${i}`),
    }));
    const batch = packFrames(frames);
    const unpacked = throughPort(batch);
    expect(unpacked.map((f) => f.payload.toString())).toEqual(frames.map((f) => f.payload.toString()));
    expect(unpacked.map((f) => f.receivedAt)).toEqual(frames.map((f) => f.receivedAt));
    // Transferred: the sender's buffers are detached, so nothing was cloned.
    expect(batch.payloads.byteLength).toBe(0);
    expect(batch.numbers.byteLength).toBe(0);
  });

  it('sends each distinct string once and only the frames with receptions or JSON as objects', () => {
    const frames = Array.from({ length: 100 }, (_, i) => (i === 7 ? full : { ...sparse, seq: i }));
    const batch = packFrames(frames);
    expect([...batch.strings].sort()).toEqual([
      'c-1',
      'client-7',
      'd1',
      'd2',
      'm-42',
      'meter',
      'mqtt',
      'sigfox',
      'sigfox-tracker',
      't1',
    ]);
    expect(batch.extras).toHaveLength(1);
    const unpacked = unpackFrames(batch);
    expect(unpacked[7]?.receptions).toEqual(full.receptions);
    expect(unpacked[8]?.seq).toBe(8);
    expect(unpacked[8]?.receptions).toEqual([]);
  });

  it('packs an empty batch', () => {
    expect(throughPort(packFrames([]))).toEqual([]);
  });
});
