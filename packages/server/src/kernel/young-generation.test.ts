import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { limitYoungGeneration } from './young-generation.js';

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('./young-generation.ts', import.meta.url));

/**
 * A fresh node process that limits its young generation (or not), then keeps 400,000 small
 * objects alive, as a burst of connections does; prints its new space's size in KB.
 */
async function newSpaceAfterBurst(limit: boolean, nodeOptions = ''): Promise<number> {
  const script = `
    const v8 = await import('node:v8');
    if (${limit}) (await import(${JSON.stringify(MODULE)})).limitYoungGeneration();
    const kept = [];
    for (let i = 0; i < 400_000; i++) kept.push({ i, list: [i], name: 'x' + i });
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    console.log(Math.round(space.space_size / 1024), kept.length);`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  return Number(stdout.trim().split(' ')[0]);
}

describe('limitYoungGeneration', () => {
  it('keeps the young generation from growing during a burst of long-lived objects', async () => {
    const [limited, unlimited] = await Promise.all([newSpaceAfterBurst(true), newSpaceAfterBurst(false)]);
    // V8's default lets it grow to 2 × 16 MB; limited, it stays at its start-up size (2 × 1–2 MB).
    expect(unlimited).toBeGreaterThanOrEqual(16 * 1024);
    expect(limited).toBeLessThanOrEqual(4 * 1024);
  });

  it("leaves the operator's own semi-space setting alone", async () => {
    expect(limitYoungGeneration(['--max-semi-space-size=16'], '')).toBe(false);
    expect(limitYoungGeneration([], '--max-old-space-size=4096 --max-semi-space-size=8')).toBe(false);
    expect(await newSpaceAfterBurst(true, '--max-semi-space-size=16')).toBeGreaterThanOrEqual(16 * 1024);
  });
});
