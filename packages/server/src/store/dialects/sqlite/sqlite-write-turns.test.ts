import { describe, expect, it } from 'vitest';
import { WriteTurns } from './sqlite-write-turns.js';

/** A promise with its resolver, to hold work open until a test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets every admitted waiter run its continuation. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('turns at the SQLite write lock', () => {
  it('lets capture batches pipeline, and a background transaction waits until those in flight released', async () => {
    const turns = new WriteTurns();
    const log: string[] = [];
    const first = await turns.pipelined();
    const second = await turns.pipelined();
    const background = turns.background(async () => {
      log.push('background runs');
    });
    await settle();
    expect(log).toEqual([]);
    first();
    await settle();
    expect(log).toEqual([]);
    second();
    await background;
    expect(log).toEqual(['background runs']);
  });

  it('holds back batches that come while a background transaction waits or runs, and admits them in order after it', async () => {
    const turns = new WriteTurns();
    const log: string[] = [];
    const inFlight = await turns.pipelined();
    const held = gate();
    const background = turns.background(async () => {
      log.push('background');
      await held.promise;
    });
    const later = [1, 2, 3].map((n) =>
      turns.pipelined().then((release) => {
        log.push(`batch ${n}`);
        return release;
      }),
    );
    await settle();
    // Queued behind the background transaction, although a batch is in flight.
    expect(log).toEqual([]);
    inFlight();
    await settle();
    expect(log).toEqual(['background']);
    held.open();
    await background;
    const releases = await Promise.all(later);
    expect(log).toEqual(['background', 'batch 1', 'batch 2', 'batch 3']);
    // Pipelined together: a second background transaction waits for all three.
    const second = turns.background(async () => {
      log.push('second background');
    });
    for (const release of releases) {
      await settle();
      expect(log.at(-1)).toBe('batch 3');
      release();
    }
    await second;
    expect(log.at(-1)).toBe('second background');
  });

  it('runs background transactions one at a time, and a failed one gives its turn back', async () => {
    const turns = new WriteTurns();
    let running = 0;
    let most = 0;
    const work = (fail: boolean) =>
      turns.background(async () => {
        running += 1;
        most = Math.max(most, running);
        await settle();
        running -= 1;
        if (fail) throw new Error('refused');
      });
    const results = await Promise.allSettled([work(false), work(true), work(false)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(most).toBe(1);
    const release = await turns.pipelined();
    release();
    release();
    await expect(turns.background(async () => 'free')).resolves.toBe('free');
  });
});
