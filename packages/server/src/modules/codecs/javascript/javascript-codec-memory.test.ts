import { beforeAll, describe, expect, it } from 'vitest';
import { JavaScriptSandbox } from './javascript-sandbox.js';
import { sandboxErrorCode } from './sandbox-limits.js';

/**
 * The memory limit holds for every kind of allocation, including those this QuickJS build
 * cannot measure (typed arrays, ArrayBuffers, many medium strings): the engine's WebAssembly
 * memory may grow by at most one limit during a call. Each attack fails with
 * codec_memory_limit, the next call works, and the engine's memory is back near its size
 * at start (the engine that grew was retired).
 */
const LIMIT = 8 * 2 ** 20;
let sandbox: JavaScriptSandbox;
let startBytes = 0;
beforeAll(async () => {
  // Time enough that a busy machine cannot turn an allocation loop into a timeout.
  sandbox = await JavaScriptSandbox.create({ timeLimitMs: 10_000, memoryLimitBytes: LIMIT });
  sandbox.compile(GOOD).decodeUplink({ bytes: Uint8Array.of(1) });
  startBytes = sandbox.memoryBytes();
});

const GOOD = `function decodeUplink(input) { return { data: { first: input.bytes[0] } }; }`;
const codes = (result: { errors: readonly string[] }) => result.errors.map(sandboxErrorCode);

const attacks: [string, string][] = [
  ['one typed array of 100 MB', 'var a = new Uint8Array(1e8); a[5] = 1; return { data: a.length };'],
  ['ArrayBuffers of 1 MB in a loop', 'var keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20));'],
  ['typed arrays of 64 KiB in a loop', 'var keep = []; for (;;) keep.push(new Float64Array(8192));'],
  // toLowerCase flattens: a plain `s += s` builds ropes that share their halves and take no memory.
  ['a string doubled without end', "var s = 'x'; for (;;) s = (s + s).toLowerCase();"],
  ['many distinct 1 MB strings', "var keep = []; for (var i = 0; ; i++) keep.push('x'.repeat(1 << 20) + i);"],
  [
    'arrays of numbers',
    'var keep = []; for (;;) { var a = []; for (var i = 0; i < 100000; i++) a.push(i * 1.5); keep.push(a); }',
  ],
  ['small objects without end', 'var keep = []; for (var i = 0; ; i++) keep.push({ a: i, b: [i] });'],
  [
    'a codec that catches the out-of-memory error and carries on',
    'var keep = []; try { for (;;) keep.push(new ArrayBuffer(1 << 20)); } catch (e) { return { data: String(e) }; }',
  ],
];

describe('the memory limit', () => {
  for (const [name, body] of attacks) {
    it(`contains ${name} with codec_memory_limit, then serves the next call`, async () => {
      const codec = sandbox.compile(`function decodeUplink(input) {
        if (input.fPort === 2) return { data: { first: input.bytes[0] } };
        ${body}
      }`);
      const result = codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 1 });
      expect(result.data).toBeNull();
      expect(codes(result)).toEqual(['codec_memory_limit']);
      expect(result.errors[0]).toBe(`codec_memory_limit: the codec used more than ${LIMIT} bytes of memory`);
      await sandbox.ready();
      expect(codec.decodeUplink({ bytes: Uint8Array.of(7), fPort: 2 })).toEqual({
        data: { first: 7 },
        warnings: [],
        errors: [],
      });
      expect(sandbox.compile(GOOD).decodeUplink({ bytes: Uint8Array.of(9) }).data).toEqual({ first: 9 });
      // Back near the start: at most one limit above it, never what the codec tried to take.
      expect(sandbox.memoryBytes()).toBeLessThanOrEqual(startBytes + LIMIT);
    });
  }

  it('cleans up after a call refused memory while the old engine still serves', async () => {
    // A fresh sandbox: its spare is still loading, so the engine is not retired at once.
    const fresh = await JavaScriptSandbox.create({ timeLimitMs: 1000, memoryLimitBytes: LIMIT });
    // Refused memory, then stopped by the time limit: the prelude gets no chance to clean up.
    const codec = fresh.compile(`function decodeUplink(input) {
      if (input.fPort === 2) return { data: typeof leaked };
      leaked = 'from the failed call';
      try { var keep = []; for (;;) keep.push(new ArrayBuffer(1 << 20)); } catch (e) { keep = null; for (;;) {} }
    }`);
    expect(codes(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 1 }))).toEqual(['codec_memory_limit']);
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 2 }).data).toBe('undefined');
    await fresh.ready();
    expect(codec.decodeUplink({ bytes: Uint8Array.of(1), fPort: 2 }).data).toBe('undefined');
  });

  it('lets a codec use most of its limit, again and again', () => {
    const codec = sandbox.compile(
      'function decodeUplink() { var keep = []; for (var i = 0; i < 5; i++) keep.push(new Uint8Array(1 << 20)); return { data: keep.length }; }',
    );
    for (let call = 0; call < 20; call += 1) {
      expect(codec.decodeUplink({ bytes: Uint8Array.of(1) })).toEqual({ data: 5, warnings: [], errors: [] });
    }
    expect(sandbox.memoryBytes()).toBeLessThanOrEqual(startBytes + 2 * LIMIT);
  });

  it('retires the engine a failed call grew, once its spare is loaded, so its memory can be collected', async () => {
    await sandbox.ready();
    const before = sandbox.retiredEngines;
    const codec = sandbox.compile(
      'function decodeUplink() { var k = []; for (;;) k.push(new ArrayBuffer(1 << 20)); }',
    );
    expect(codes(codec.decodeUplink({ bytes: Uint8Array.of(1) }))).toEqual(['codec_memory_limit']);
    // Synchronous callers are never left without an engine: the old one serves until the spare is in.
    expect(codes(codec.decodeUplink({ bytes: Uint8Array.of(1) }))).toEqual(['codec_memory_limit']);
    await sandbox.ready();
    expect(sandbox.retiredEngines).toBeGreaterThan(before);
    expect(sandbox.memoryBytes()).toBeLessThanOrEqual(startBytes + LIMIT);
  });
});
