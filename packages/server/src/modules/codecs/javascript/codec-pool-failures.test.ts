import { afterAll, describe, expect, it } from 'vitest';
import type { DecodeResult } from '../codec.js';
import { CodecPool, type CodecPoolOptions } from './codec-pool.js';
import { sandboxErrorCode } from './sandbox-limits.js';

/**
 * Workers that misbehave. A stand-in worker entry speaks the pool's protocol and answers
 * each call with the codec's id, except for ids that tell it to die, to spin in host code
 * (inside a call or before one starts) or never to finish loading. Every promise resolves,
 * the pool goes on serving, and close() returns.
 */
const MISBEHAVING_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const progress = new Int32Array(workerData.progress);
const mode = workerData.mode;
if (mode === 'never-ready') { setInterval(() => {}, 1000); return; }
parentPort.postMessage({ type: 'ready' });
parentPort.on('message', (batch) => {
  const outputs = [];
  for (let i = 0; i < batch.ids.length; i++) {
    const key = batch.codecs[i];
    if (key.startsWith('spin-before')) for (;;) {}
    if (key.startsWith('die-before')) process.exit(4);
    Atomics.store(progress, 1, Date.now() % 2 ** 31);
    Atomics.store(progress, 0, batch.ids[i]);
    if (key.startsWith('die')) process.exit(3);
    if (key.startsWith('throw')) throw new Error('worker bug');
    if (key.startsWith('spin')) for (;;) {}
    outputs.push(JSON.stringify({ data: { key }, warnings: [], errors: [] }));
  }
  Atomics.store(progress, 0, 0);
  parentPort.postMessage({ type: 'results', ids: batch.ids, outputs });
});
`;

const pools: CodecPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

/** A pool on the misbehaving worker; `mode` reaches it through workerData. */
function misbehaving(options: CodecPoolOptions & { mode?: string } = {}) {
  // The pool passes its own workerData; the mode rides in the script instead.
  const script = `const workerData = { ...require('node:worker_threads').workerData, mode: ${JSON.stringify(options.mode ?? 'normal')} };\n${MISBEHAVING_WORKER.replace("const { parentPort, workerData } = require('node:worker_threads');", "const { parentPort } = require('node:worker_threads');")}`;
  const pool = new CodecPool({
    size: 1,
    ...options,
    workerEntry: { filename: `(function () {${script}})();`, eval: true },
  });
  pools.push(pool);
  return pool;
}

const codec = (id: string) => ({ id, version: 1, source: '' });
const call = (pool: CodecPool, id: string) => pool.decodeUplink(codec(id), { bytes: Uint8Array.of(1) });
const codes = (result: DecodeResult) => result.errors.map(sandboxErrorCode);

describe('a worker that dies', () => {
  it('answers the call it died in with codec_worker_crashed, sends the others again, and keeps serving', async () => {
    const pool = misbehaving({ batchSize: 8 });
    const [before, died, after] = await Promise.all([call(pool, 'a'), call(pool, 'die'), call(pool, 'b')]);
    expect(before?.data).toEqual({ key: 'a@1' });
    expect(died).toEqual({
      data: null,
      warnings: [],
      errors: ['codec_worker_crashed: the worker thread running the codec died; it was replaced'],
    });
    expect(after?.data).toEqual({ key: 'b@1' });
    expect((await call(pool, 'c')).data).toEqual({ key: 'c@1' });
    expect(pool.restarts).toBe(1);
  });

  it('answers a call that kills every worker it reaches after two attempts, never hanging', async () => {
    const pool = misbehaving();
    // Dies before marking the call as running, so the pool cannot tell it was the culprit.
    expect(codes(await call(pool, 'die-before'))).toEqual(['codec_worker_crashed']);
    expect(pool.restarts).toBe(2);
    expect((await call(pool, 'ok')).data).toEqual({ key: 'ok@1' });
  });

  it('treats an exception thrown by the worker like a crash', async () => {
    const pool = misbehaving();
    const [thrown, other] = await Promise.all([call(pool, 'throw'), call(pool, 'fine')]);
    expect(codes(thrown as DecodeResult)).toEqual(['codec_worker_crashed']);
    expect(other?.data).toEqual({ key: 'fine@1' });
  });
});

describe('the watchdog', () => {
  it('stops a worker stuck in a host loop inside a call, answers codec_timeout and replaces it', async () => {
    const pool = misbehaving({ watchdogMs: 300 });
    const started = performance.now();
    const [stuck, queued] = await Promise.all([call(pool, 'spin'), call(pool, 'after')]);
    expect(stuck?.errors).toEqual([
      'codec_timeout: the codec kept its worker busy for more than 300 ms; the worker was replaced',
    ]);
    expect(queued?.data).toEqual({ key: 'after@1' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(pool.restarts).toBe(1);
    expect((await call(pool, 'next')).data).toEqual({ key: 'next@1' });
  });

  it('stops a worker stuck in host code before any call started', async () => {
    const pool = misbehaving({ watchdogMs: 300 });
    const result = await call(pool, 'spin-before');
    // Never marked as running, it is sent once more, then answered.
    expect(codes(result)).toEqual(['codec_timeout']);
    expect(pool.restarts).toBe(2);
    expect((await call(pool, 'next')).data).toEqual({ key: 'next@1' });
  });
});

describe('start-up failures', () => {
  it('stops workers that never load, counts them, and then answers at once', async () => {
    const pool = misbehaving({ mode: 'never-ready', startupTimeoutMs: 200 });
    const first = await call(pool, 'a');
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]).toMatch(
      /^codec_unavailable: the codec worker threads cannot start \(it did not load its engine within 200 ms\)/,
    );
    // Two workers failed for the first call; the third failure makes the pool give up.
    expect(codes(await call(pool, 'b'))).toEqual(['codec_unavailable']);
    const started = performance.now();
    expect(codes(await call(pool, 'c'))).toEqual(['codec_unavailable']);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('counts workers whose entry throws, and answers every call', async () => {
    const pool = new CodecPool({
      size: 2,
      workerEntry: { filename: 'throw new Error("no engine here")', eval: true },
    });
    pools.push(pool);
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => call(pool, `c${index}`)));
    for (const result of results) expect(codes(result)).toEqual(['codec_unavailable']);
    expect(codes(await call(pool, 'later'))).toEqual(['codec_unavailable']);
  });
});

describe('close', () => {
  it('returns while a worker spins in a host loop, answering its calls with codec_pool_closed', async () => {
    const pool = misbehaving({ watchdogMs: 60_000 });
    const pending = call(pool, 'spin');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await pool.close();
    expect(codes(await pending)).toEqual(['codec_pool_closed']);
  });
});

describe('a busy pool thread', () => {
  it('does not mistake a worker whose results wait to be read for a stuck one', async () => {
    const pool = new CodecPool({ size: 1, watchdogMs: 200 });
    pools.push(pool);
    const th = { id: 'th', version: 1, source: 'function decodeUplink(i) { return { data: i.bytes[0] }; }' };
    expect((await pool.decodeUplink(th, { bytes: Uint8Array.of(1) })).data).toBe(1);
    // From a check-phase callback: send a call, let the pool post it (a microtask queued
    // first), then block this thread well past the watchdog while the worker answers. The
    // event loop's next phase is the timers', so the watchdog looks before the results are read.
    const pending = await new Promise<Promise<DecodeResult>>((resolve) => {
      setImmediate(() => {
        const call = pool.decodeUplink(th, { bytes: Uint8Array.of(2) });
        queueMicrotask(() => {
          // Past the watchdog, and until the worker has finished (on a loaded machine it
          // may get no core for a while; a fixed wait made this test flaky).
          const until = Date.now() + 800;
          const giveUp = Date.now() + 20_000;
          while ((Date.now() < until || pool.busyWorkers > 0) && Date.now() < giveUp) {
            // busy
          }
          resolve(call);
        });
      });
    });
    expect(await pending).toEqual({ data: 2, warnings: [], errors: [] });
    expect(pool.restarts).toBe(0);
  });
});
