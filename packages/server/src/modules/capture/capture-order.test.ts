import { describe, expect, it } from 'vitest';
import { CaptureOrder } from './capture-order.js';
import type { Frame } from './frame.js';

/** An MQTT QoS 1 uplink of `session` (a client id of tenant t) arriving on `connection`. */
function uplink(session: string, connection: string, packetId = 1): Frame {
  return {
    tenantId: 't',
    deviceId: 'dev',
    typeId: 'sensor',
    transport: 'mqtt',
    receivedAt: 0,
    payload: Buffer.alloc(1),
    receptions: [],
    delivery: { session, connection, packetId, dup: false, phase: 'resumed' },
  };
}

/** A capture the test settles by hand, recording when it started. */
function manual(started: string[], name: string) {
  let settle: (value: string) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const capture = () => {
    started.push(name);
    return new Promise<string>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
  };
  return { capture, settle: (value = name) => settle(value), fail: (error: Error) => fail(error) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('capture order', () => {
  it("starts a new connection's captures only once the previous connection's have settled", async () => {
    const captures = new CaptureOrder();
    const started: string[] = [];
    const a1 = manual(started, 'a1');
    const a2 = manual(started, 'a2');
    const b1 = manual(started, 'b1');
    const b2 = manual(started, 'b2');
    const first = captures.run(uplink('dev', 'A'), a1.capture);
    const second = captures.run(uplink('dev', 'A'), a2.capture);
    // The client reconnected (B) while A's uplinks are still on their way to capture.
    const resend = captures.run(uplink('dev', 'B'), b1.capture);
    const next = captures.run(uplink('dev', 'B'), b2.capture);
    await turn();
    expect(started).toEqual(['a1', 'a2']);
    a2.settle();
    await turn();
    expect(started).toEqual(['a1', 'a2']);
    // A failed capture settles too: the resend must not wait forever.
    a1.fail(new Error('not stored'));
    await expect(first).rejects.toThrow('not stored');
    await turn();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2']);
    b1.settle();
    b2.settle();
    expect(await Promise.all([second, resend, next])).toEqual(['a2', 'b1', 'b2']);
  });

  it('lets captures of one connection, and of other sessions, run side by side', async () => {
    const captures = new CaptureOrder();
    const started: string[] = [];
    const one = manual(started, 'one');
    const two = manual(started, 'two');
    const other = manual(started, 'other');
    const results = [
      captures.run(uplink('dev', 'A'), one.capture),
      captures.run(uplink('dev', 'A'), two.capture),
      captures.run(uplink('other', 'C'), other.capture),
    ];
    await turn();
    expect(started).toEqual(['one', 'two', 'other']);
    one.settle();
    two.settle();
    other.settle();
    expect(await Promise.all(results)).toEqual(['one', 'two', 'other']);
    // Nothing pending any more: a later connection starts at once.
    const later = manual(started, 'later');
    const result = captures.run(uplink('dev', 'D'), later.capture);
    await turn();
    expect(started.at(-1)).toBe('later');
    later.settle();
    await result;
  });

  it('never holds a frame without a delivery (HTTP, Sigfox, MQTT QoS 0)', async () => {
    const captures = new CaptureOrder();
    const started: string[] = [];
    const pending = manual(started, 'pending');
    const result = captures.run(uplink('dev', 'A'), pending.capture);
    const { delivery: _none, ...plain } = uplink('dev', 'B');
    const http = manual(started, 'http');
    const done = captures.run(plain, http.capture);
    expect(started).toEqual(['pending', 'http']);
    http.settle();
    pending.settle();
    expect(await Promise.all([result, done])).toEqual(['pending', 'http']);
  });
});
