import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CodecPool, locateWorkerEntry } from './codec-pool.js';
import { sandboxErrorCode } from './sandbox-limits.js';

const TH = {
  id: 'th',
  version: 1,
  source: `function decodeUplink(input) { var b = input.bytes; return { data: { t: ((b[0] << 8) | b[1]) / 100, h: b[2] / 2 } }; }`,
};

const pools: CodecPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});
function pool(options: ConstructorParameters<typeof CodecPool>[0]) {
  const created = new CodecPool(options);
  pools.push(created);
  return created;
}

describe('CodecPool', () => {
  it('decodes, encodes and decodes downlinks on worker threads, answering every call of a batch', async () => {
    const codecs = pool({ size: 2, batchSize: 16 });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, index) =>
        codecs.decodeUplink(TH, { bytes: Uint8Array.of(8, 52, index % 200), fPort: 1 }),
      ),
    );
    results.forEach((result, index) => {
      expect(result).toEqual({ data: { t: 21, h: (index % 200) / 2 }, warnings: [], errors: [] });
    });
    const downlink = {
      id: 'dl',
      version: 1,
      source: `function encodeDownlink(i) { return { bytes: [i.data.x], fPort: 5 }; }
               function decodeDownlink(i) { return { data: { x: i.bytes[0] } }; }`,
    };
    expect(await codecs.encodeDownlink(downlink, { data: { x: 9 } })).toEqual({
      bytes: Uint8Array.of(9),
      fPort: 5,
      warnings: [],
      errors: [],
    });
    expect(await codecs.decodeDownlink(downlink, { bytes: Uint8Array.of(4) })).toEqual({
      data: { x: 4 },
      warnings: [],
      errors: [],
    });
  });

  it('compiles a new version of a codec instead of reusing the cached one', async () => {
    const codecs = pool({ size: 1 });
    const v1 = { id: 'versioned', version: 1, source: 'function decodeUplink() { return { data: 1 }; }' };
    const v2 = { id: 'versioned', version: 2, source: 'function decodeUplink() { return { data: 2 }; }' };
    expect((await codecs.decodeUplink(v1, { bytes: Uint8Array.of(0) })).data).toBe(1);
    expect((await codecs.decodeUplink(v2, { bytes: Uint8Array.of(0) })).data).toBe(2);
    expect((await codecs.decodeUplink(v1, { bytes: Uint8Array.of(0) })).data).toBe(1);
  });

  it('contains a looping codec to its own call while others are answered', async () => {
    const codecs = pool({ size: 2, timeLimitMs: 100 });
    const loop = { id: 'loop', version: 1, source: 'function decodeUplink() { for (;;) {} }' };
    const [looped, ...good] = await Promise.all([
      codecs.decodeUplink(loop, { bytes: Uint8Array.of(1) }),
      ...Array.from({ length: 20 }, () => codecs.decodeUplink(TH, { bytes: Uint8Array.of(0, 100, 2) })),
    ]);
    expect(looped?.errors.map(sandboxErrorCode)).toEqual(['codec_timeout']);
    for (const result of good) expect(result.data).toEqual({ t: 1, h: 1 });
  });

  it('contains nesting deep enough to overflow a stack, and serves the next call', async () => {
    const codecs = pool({ size: 1, timeLimitMs: 5000 });
    const deep = [
      "eval('('.repeat(200000) + '1' + ')'.repeat(200000))",
      "JSON.parse('['.repeat(200000) + ']'.repeat(200000))",
      '(function () { var o = {}, c = o; for (var i = 0; i < 20000; i++) { c.a = {}; c = c.a; } return o; })()',
    ];
    for (const [index, expression] of deep.entries()) {
      const codec = {
        id: `deep-${index}`,
        version: 1,
        source: `function decodeUplink() { return { data: ${expression} }; }`,
      };
      const result = await codecs.decodeUplink(codec, { bytes: Uint8Array.of(1) });
      expect(result.data, expression).toBeNull();
      expect(result.errors.map(sandboxErrorCode), expression).toEqual(['codec_stack_overflow']);
      expect((await codecs.decodeUplink(TH, { bytes: Uint8Array.of(0, 100, 2) })).data).toEqual({
        t: 1,
        h: 1,
      });
    }
    expect(codecs.restarts).toBe(0);
  });

  it('holds the memory limit in workers, for allocations QuickJS cannot measure', async () => {
    const codecs = pool({ size: 1, timeLimitMs: 5000, memoryLimitBytes: 8 * 2 ** 20 });
    const greedy = {
      id: 'greedy',
      version: 1,
      source: 'function decodeUplink() { var keep = []; for (;;) keep.push(new Uint8Array(1 << 20)); }',
    };
    const [greedyResult, innocent] = await Promise.all([
      codecs.decodeUplink(greedy, { bytes: Uint8Array.of(1) }),
      codecs.decodeUplink(TH, { bytes: Uint8Array.of(0, 100, 2) }),
    ]);
    expect(greedyResult.errors.map(sandboxErrorCode)).toEqual(['codec_memory_limit']);
    expect(innocent?.data).toEqual({ t: 1, h: 1 });
    expect((await codecs.decodeUplink(TH, { bytes: Uint8Array.of(0, 100, 4) })).data).toEqual({ t: 1, h: 2 });
  });

  it('answers codec_unavailable instead of hanging when workers cannot start', async () => {
    const codecs = pool({
      size: 1,
      workerEntry: { filename: 'throw new Error("no engine here")', eval: true },
    });
    const result = await codecs.decodeUplink(TH, { bytes: Uint8Array.of(1, 2, 3) });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(
      /^codec_unavailable: the codec worker threads cannot start \(.*no engine here/,
    );
  });

  it('answers codec_pool_closed for calls after close', async () => {
    const codecs = pool({ size: 1 });
    await codecs.close();
    expect((await codecs.decodeUplink(TH, { bytes: Uint8Array.of(1) })).errors.map(sandboxErrorCode)).toEqual(
      ['codec_pool_closed'],
    );
  });
});

describe('locateWorkerEntry', () => {
  it('starts the TypeScript worker through tsx when running from sources', () => {
    const entry = locateWorkerEntry(new URL('./codec-pool.ts', import.meta.url).href);
    expect(entry.eval).toBe(true);
    expect(String(entry.filename)).toContain('tsImport');
    expect(String(entry.filename)).toContain('codec-worker.ts');
  });

  it('finds codec-worker.js at the top of a bundle from the entry file and from a chunk', () => {
    const dist = mkdtempSync(join(tmpdir(), 'fleetport-bundle-'));
    try {
      mkdirSync(join(dist, 'chunks'));
      writeFileSync(join(dist, 'codec-worker.js'), '');
      const worker = pathToFileURL(join(dist, 'codec-worker.js')).href;
      expect(
        String(locateWorkerEntry(pathToFileURL(join(dist, 'chunks', 'chunk-AB12.js')).href).filename),
      ).toBe(worker);
      expect(String(locateWorkerEntry(pathToFileURL(join(dist, 'fleetport.js')).href).filename)).toBe(worker);
      expect(() => locateWorkerEntry(pathToFileURL(join(dist, 'chunks', 'deeper', 'x.js')).href)).toThrow(
        /codec-worker\.js/,
      );
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });
});
