// The apply step on its own: a snapshot in, a decision out, no database.
import { describe, expect, it } from 'vitest';
import { resolveCaptureSettings } from '../devices/index.js';
import {
  applyBatch,
  type BatchSnapshot,
  deviceKey,
  devicesThatMayStepBack,
  type OpenGap,
  type Seen,
} from './capture-batch-apply.js';
import type { Frame } from './frame.js';
import { frameIdentity } from './identity.js';
import type { DeviceStateRow } from './storage/capture-storage.js';

const T0 = Date.UTC(2026, 5, 1, 12);
const NOW = T0 + 1000;
const DK = deviceKey('t1', 'd1');
/** 12-bit counters, so that wraps are small numbers. */
const settings = resolveCaptureSettings(JSON.stringify({ sequenceBits: 12 }));

function frame(more: Partial<Frame> = {}): Frame {
  return {
    tenantId: 't1',
    deviceId: 'd1',
    typeId: 'sensor',
    transport: 'http',
    receivedAt: T0,
    payload: Buffer.from('01', 'hex'),
    receptions: [],
    ...more,
  };
}

function state(more: Partial<DeviceStateRow> = {}): DeviceStateRow {
  return {
    tenant_id: 't1',
    device_id: 'd1',
    last_seen_at: T0 - 60_000,
    last_message_id: 'm0',
    latest_message_id: 'm0',
    latest_device_time: T0 - 60_000,
    seq_max: null,
    seq_time: null,
    seq_resets: 0,
    message_count: 1,
    duplicate_count: 0,
    out_of_order_count: 0,
    ...more,
  };
}

function snapshotOf(
  frames: readonly Frame[],
  {
    states = [],
    stored = [],
    gaps = [],
  }: {
    states?: DeviceStateRow[];
    stored?: [string, Seen][];
    gaps?: OpenGap[];
  } = {},
): BatchSnapshot {
  return {
    prepared: frames.map((f) => ({
      settings,
      identity: frameIdentity(f, settings.dedupWindowSeconds * 1000),
    })),
    states: new Map(states.map((row) => [deviceKey(row.tenant_id, row.device_id), Object.freeze(row)])),
    stored: new Map(stored.map(([key, seen]) => [`${DK}\u0000${key}`, seen])),
    deliveries: [],
    gaps: gaps.length > 0 ? new Map([[DK, gaps]]) : new Map(),
  };
}

describe('applyBatch', () => {
  it("decides a new device's messages: rows, state, one change each, latest only for live in-order", () => {
    const frames = [
      frame({ seq: 1, deviceTime: T0 - 1000, messageId: 'a' }),
      frame({ seq: 2, deviceTime: T0 - 3_600_000, messageId: 'b' }),
    ];
    const decision = applyBatch(frames, snapshotOf(frames), NOW);
    expect(decision.outcomes).toMatchObject([
      { duplicate: false, timeliness: 'live' },
      { duplicate: false, timeliness: 'late' },
    ]);
    const [first, second] = decision.writes.messages;
    expect(first).toMatchObject({ dedup_key: 'mid:a', seq: 1, sequence_event: 'first', stored_at: NOW });
    // An hour older than the first by the device's clock: out of order, latest stays.
    expect(second).toMatchObject({ dedup_key: 'mid:b', sequence_event: 'next', out_of_order: 1 });
    expect(decision.outOfOrder).toEqual([1]);
    expect(decision.writes.states).toEqual([
      expect.objectContaining({
        message_count: 2,
        latest_message_id: first?.id,
        last_message_id: second?.id,
        seq_max: 2,
        out_of_order_count: 1,
      }),
    ]);
    expect(decision.writes.changes).toEqual(
      new Map([
        [
          't1',
          [
            { kind: 'message.created', entityId: first?.id },
            { kind: 'message.created', entityId: second?.id },
          ],
        ],
      ]),
    );
  });

  it('answers a stored identity as a duplicate with its receptions, and another payload under it as a conflict', () => {
    const seen: Seen = { id: 'm-stored', timeliness: 'live', payload: Buffer.from('01', 'hex') };
    const reception = { station: 'AB12', receivedAt: T0, rssi: -120 };
    const frames = [
      frame({ messageId: 'x', receptions: [reception] }),
      frame({ messageId: 'x', payload: Buffer.from('02', 'hex') }),
    ];
    const decision = applyBatch(
      frames,
      snapshotOf(frames, { states: [state()], stored: [['mid:x', seen]] }),
      NOW,
    );
    expect(decision.outcomes).toEqual([
      { messageId: 'm-stored', duplicate: true, timeliness: 'live' },
      { messageId: 'm-stored', duplicate: false, timeliness: 'live', conflict: true },
    ]);
    expect(decision.writes.messages).toEqual([]);
    expect(decision.writes.receptions).toMatchObject([
      { message_id: 'm-stored', station: 'AB12', rssi: -120 },
    ]);
    expect(decision.writes.states).toMatchObject([{ duplicate_count: 1, message_count: 1 }]);
    expect(decision.writes.changes.size).toBe(0);
  });

  it('takes a repeat within the batch for a duplicate of the message the batch created', () => {
    const frames = [frame({ messageId: 'y' }), frame({ messageId: 'y' })];
    const decision = applyBatch(frames, snapshotOf(frames), NOW);
    expect(decision.writes.messages).toHaveLength(1);
    expect(decision.outcomes[1]).toEqual({
      messageId: decision.writes.messages[0]?.id,
      duplicate: true,
      timeliness: 'live',
    });
  });

  it('fills a stored gap with a late frame even after the batch opened a gap of its own', () => {
    const stored = state({ seq_max: 10, seq_time: T0 - 10_000 });
    const frames = [
      frame({ seq: 15, receivedAt: T0 }),
      frame({ seq: 6, receivedAt: T0 + 1, payload: Buffer.from('06', 'hex') }),
    ];
    const snapshot = snapshotOf(frames, { states: [stored], gaps: [{ id: 'g-stored', from: 5, to: 8 }] });
    expect([...devicesThatMayStepBack(frames, snapshot).keys()]).toEqual([DK]);
    const decision = applyBatch(frames, snapshot, NOW);
    expect(decision.writes.messages.map((m) => m.sequence_event)).toEqual(['gap', 'out_of_order']);
    // 15 opened 11–14; 6 split the stored 5–8 into 5 and 7–8.
    expect(decision.writes.gapInserts).toMatchObject([
      { from_seq: 11, to_seq: 14, opened_at: NOW },
      { from_seq: 7, to_seq: 8, opened_at: NOW },
    ]);
    expect(decision.writes.gapUpdates).toEqual(new Map([['g-stored', { from_seq: 5, to_seq: 5 }]]));
    expect(decision.writes.states).toMatchObject([{ seq_max: 15, out_of_order_count: 1 }]);
  });

  it("closes the old run's gaps when a newer frame restarts the counter", () => {
    const stored = state({ seq_max: 1000, seq_time: T0 - 10_000, latest_device_time: T0 - 10_000 });
    const frames = [frame({ seq: 3, deviceTime: T0 - 100 })];
    const snapshot = snapshotOf(frames, {
      states: [stored],
      gaps: [
        { id: 'g1', from: 100, to: 200 },
        { id: 'g2', from: 700, to: 750 },
      ],
    });
    const decision = applyBatch(frames, snapshot, NOW);
    expect(decision.writes.messages).toMatchObject([{ sequence_event: 'reset', out_of_order: 0 }]);
    expect(decision.writes.gapUpdates).toEqual(
      new Map([
        ['g1', { closed_by: 'reset' }],
        ['g2', { closed_by: 'reset' }],
      ]),
    );
    expect(decision.writes.states).toMatchObject([{ seq_max: 3, seq_resets: 1 }]);
    // The snapshot is left as it was read.
    expect(snapshot.states.get(DK)).toMatchObject({ seq_max: 1000, seq_resets: 0 });
    expect(snapshot.gaps.get(DK)).toHaveLength(2);
  });

  it('refuses a counter beyond its width', () => {
    const frames = [frame({ seq: 4096 })];
    expect(() => applyBatch(frames, snapshotOf(frames), NOW)).toThrow(
      'seq must be an integer from 0 to 4095 for this device type',
    );
  });
});

describe('devicesThatMayStepBack', () => {
  const named = (seqs: number[], stored?: number) => {
    const frames = seqs.map((seq) => frame({ seq }));
    const states = stored === undefined ? [] : [state({ seq_max: stored, seq_time: T0 - 1000 })];
    return devicesThatMayStepBack(frames, snapshotOf(frames, { states })).has(DK);
  };

  it('names no device whose frames only step forward, across the wrap too', () => {
    expect(named([11, 12, 20], 10)).toBe(false);
    expect(named([4090, 4095, 0, 3], 4080)).toBe(false);
    expect(named([5, 6, 7])).toBe(false);
  });

  it('names a device with a repeat or a step back from the stored counter or an earlier frame', () => {
    expect(named([10], 10)).toBe(true);
    expect(named([9], 10)).toBe(true);
    expect(named([12, 11], 10)).toBe(true);
    expect(named([5, 5])).toBe(true);
    // Forward from each previous frame, but 3000 is behind 100 by more than half the counter.
    expect(named([100, 2000, 3000])).toBe(true);
  });
});
