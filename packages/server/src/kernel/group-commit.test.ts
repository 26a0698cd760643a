import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit.js';

describe('group commit', () => {
  it('writes items submitted together in one batch, results in order', async () => {
    const batches: number[][] = [];
    const committer = new GroupCommitter<number, string>({
      maxBatch: 100,
      write: async (items) => {
        batches.push([...items]);
        return items.map((i) => `r${i}`);
      },
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => committer.submit(i)));
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('collects what arrives during a write into the next batch, up to the maximum', async () => {
    const batches: number[][] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const committer = new GroupCommitter<number, number>({
      maxBatch: 3,
      write: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
        return [...items];
      },
    });
    const first = committer.submit(0);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [1, 2, 3, 4, 5, 6, 7].map((i) => committer.submit(i));
    release();
    await Promise.all([first, ...rest]);
    expect(batches).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
    await committer.drained();
    expect(committer.pending).toBe(0);
  });

  it('fails only the bad item when a batch fails', async () => {
    const committer = new GroupCommitter<number, number>({
      maxBatch: 10,
      write: async (items) => {
        if (items.includes(13)) throw new Error('unlucky');
        return items.map((i) => i * 2);
      },
    });
    const outcomes = await Promise.allSettled([12, 13, 14].map((i) => committer.submit(i)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[0]).toMatchObject({ value: 24 });
    expect(outcomes[1]).toMatchObject({ reason: new Error('unlucky') });
  });

  it('hands over the next batch when the writer accepts one, before it is durable, and waits for both', async () => {
    const durable: (() => void)[] = [];
    let accept: (() => void) | undefined;
    const batches: number[][] = [];
    const committer = new GroupCommitter<number, number>({
      maxBatch: 100,
      write: async (items, accepted) => {
        batches.push([...items]);
        accept = accepted;
        await new Promise<void>((resolve) => durable.push(resolve));
        return [...items];
      },
    });
    const first = committer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    // Items that arrive while the writer applies the first batch wait, and go together.
    const rest = [2, 3, 4].map((i) => committer.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    accept?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    let drained = false;
    void committer.drained().then(() => {
      drained = true;
    });
    // The second batch is durable first; the first is still waiting for its disk.
    durable[1]?.();
    expect(await Promise.all(rest)).toEqual([2, 3, 4]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    durable[0]?.();
    expect(await first).toBe(1);
    await committer.drained();
    expect(drained).toBe(true);
  });

  it('keeps up to maxInFlight batches in the writer at once, and no more', async () => {
    const gates: (() => void)[] = [];
    const batches: number[][] = [];
    let inWriter = 0;
    let most = 0;
    const committer = new GroupCommitter<number, number>({
      maxBatch: 2,
      maxInFlight: 2,
      write: async (items) => {
        batches.push([...items]);
        inWriter += 1;
        most = Math.max(most, inWriter);
        await new Promise<void>((resolve) => gates.push(resolve));
        inWriter -= 1;
        return [...items];
      },
    });
    const all = Promise.all([1, 2, 3, 4, 5, 6].map((i) => committer.submit(i)));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // The second batch finishes first: results are matched to their own items.
    gates[1]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    for (const release of gates) release();
    await new Promise((resolve) => setImmediate(resolve));
    for (const release of gates) release();
    expect(await all).toEqual([1, 2, 3, 4, 5, 6]);
    expect(most).toBe(2);
    await committer.drained();
  });
});
