import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import vm from 'node:vm';
import type { DecodeResult } from '../packages/server/src/modules/codecs/codec.js';
import { CodecPool, JavaScriptSandbox } from '../packages/server/src/modules/codecs/javascript/index.js';
import {
  compileSigfoxFormat,
  decodeSigfoxPayload,
} from '../packages/server/src/modules/codecs/sigfox-grammar/index.js';
import { LARGE_CODEC, LARGE_EXPECTED_KEYS, LARGE_FPORT, LARGE_PAYLOAD } from './codecs/large-codec.js';
import { SMALL_CODEC, SMALL_FPORT, SMALL_PAYLOAD } from './codecs/small-codec.js';
import type { Benchmark, BenchOptions, BenchResult } from './support/benchmark.js';
import { isEntryPoint, runBenchmarkCli } from './support/cli.js';
import { MachineCpu } from './support/machine-cpu.js';
import { formatNumber } from './support/report-table.js';
import { perSecond, SampleSet } from './support/stats.js';

/** Workers of the pool measured (the figure: both cores). */
const POOL_WORKERS = 2;
/** Calls kept outstanding against the pool, so that its workers never wait for the caller. */
const POOL_OUTSTANDING = 512;
/** Un-measured warm-up before each window (JIT, compiled codecs cached in the workers). */
const WARM_UP_MS = 250;
/** Receive time given to every decode, so no clock read is measured. */
const RECV_TIME = 1_700_000_000_000;
/** A Sigfox custom-payload format of the kind a temperature/humidity tracker uses (5 bytes). */
const SIGFOX_FORMAT =
  'temperature::int:16:little-endian humidity::uint:8 battery::uint:8 alarm:4:bool:7 door:4:bool:6 mode:4:uint:4';
const SIGFOX_PAYLOAD = Uint8Array.of(0xd7, 0x00, 0x61, 0xb4, 0xc5);

interface CodecCase {
  readonly label: string;
  readonly source: string;
  readonly payload: Uint8Array;
  readonly fPort: number;
  /** Throws unless the decoded result is the right one. */
  readonly check: (result: DecodeResult) => void;
}

const CASES: readonly CodecCase[] = [
  {
    label: 'small codec (TTN style, 12 lines)',
    source: SMALL_CODEC,
    payload: SMALL_PAYLOAD,
    fPort: SMALL_FPORT,
    check: (result) => expectData(result, '{"temperature":21.5,"humidity":48.5}'),
  },
  {
    label: `large codec (multi-sensor, ${LARGE_CODEC.split('\n').length} lines)`,
    source: LARGE_CODEC,
    payload: LARGE_PAYLOAD,
    fPort: LARGE_FPORT,
    check: (result) => {
      const data = result.data as Record<string, unknown> | null;
      const missing = LARGE_EXPECTED_KEYS.filter((key) => data?.[key] === undefined);
      if (missing.length > 0 || result.warnings.length > 0 || result.errors.length > 0) {
        throw new Error(`the large codec decoded ${JSON.stringify(result)}`);
      }
    },
  },
];

function expectData(result: DecodeResult, json: string): void {
  if (JSON.stringify(result.data) !== json || result.errors.length > 0) {
    throw new Error(`expected ${json}, decoded ${JSON.stringify(result)}`);
  }
}

/** Runs `step` repeatedly for `ms` (checking the clock every 32 steps); returns steps per second. */
function rateOf(ms: number, step: () => void): number {
  const started = performance.now();
  const end = started + ms;
  let count = 0;
  let now = started;
  while (now < end) {
    for (let index = 0; index < 32; index += 1) step();
    count += 32;
    now = performance.now();
  }
  return perSecond(count, now - started);
}

/** The in-process sandbox: one compiled codec, decoded from synchronously. */
function sandboxRate(sandbox: JavaScriptSandbox, codecCase: CodecCase, ms: number): number {
  const codec = sandbox.compile(codecCase.source);
  const input = { bytes: codecCase.payload, fPort: codecCase.fPort, recvTime: RECV_TIME };
  codecCase.check(codec.decodeUplink(input));
  rateOf(WARM_UP_MS, () => codec.decodeUplink(input));
  const rate = rateOf(ms, () => codec.decodeUplink(input));
  codec.dispose();
  return rate;
}

/**
 * Node's `vm` with the same source in one reused context: not a sandbox (shared state, no
 * limits), the speed reference. It does the same work around the call: bytes as a plain
 * array, recvTime as a Date, the result normalised through JSON.
 */
function vmRate(codecCase: CodecCase, ms: number): number {
  const context = vm.createContext({});
  vm.runInContext(codecCase.source, context);
  const decodeUplink = vm.runInContext('decodeUplink', context) as (input: unknown) => unknown;
  const decode = (): DecodeResult => {
    const output = decodeUplink({
      bytes: Array.from(codecCase.payload),
      fPort: codecCase.fPort,
      recvTime: new Date(RECV_TIME),
      variables: {},
    });
    const parsed = JSON.parse(JSON.stringify(output)) as {
      data?: unknown;
      warnings?: string[];
      errors?: string[];
    };
    return { data: parsed.data ?? null, warnings: parsed.warnings ?? [], errors: parsed.errors ?? [] };
  };
  codecCase.check(decode());
  rateOf(WARM_UP_MS, decode);
  return rateOf(ms, decode);
}

/** The worker pool, kept busy by `POOL_OUTSTANDING` callers that each send again when answered. */
async function poolRate(pool: CodecPool, codecCase: CodecCase, version: number, ms: number): Promise<number> {
  const codec = { id: 'bench', version, source: codecCase.source };
  const input = { bytes: codecCase.payload, fPort: codecCase.fPort, recvTime: RECV_TIME };
  codecCase.check(await pool.decodeUplink(codec, input));
  const drive = async (windowMs: number): Promise<number> => {
    let answered = 0;
    let failed: DecodeResult | undefined;
    const started = performance.now();
    const end = started + windowMs;
    const caller = async () => {
      while (performance.now() < end) {
        const result = await pool.decodeUplink(codec, input);
        if (result.errors.length > 0) failed ??= result;
        answered += 1;
      }
    };
    await Promise.all(Array.from({ length: POOL_OUTSTANDING }, caller));
    if (failed !== undefined) throw new Error(`the pool answered ${JSON.stringify(failed)}`);
    return perSecond(answered, performance.now() - started);
  };
  await drive(WARM_UP_MS);
  return drive(ms);
}

function sigfoxRate(ms: number): number {
  const format = compileSigfoxFormat(SIGFOX_FORMAT);
  expectData(
    decodeSigfoxPayload(format, SIGFOX_PAYLOAD),
    '{"temperature":215,"humidity":97,"battery":180,"alarm":true,"door":true,"mode":12}',
  );
  rateOf(WARM_UP_MS, () => decodeSigfoxPayload(format, SIGFOX_PAYLOAD));
  return rateOf(ms, () => decodeSigfoxPayload(format, SIGFOX_PAYLOAD));
}

async function runCodecs(options: BenchOptions): Promise<BenchResult> {
  // --duration is the ingest window (default 10 s); here each of the seven windows of a run
  // takes a quarter of it, so that the default three runs take about a minute.
  const windowMs = (options.duration * 1000) / 4;
  const samples = new SampleSet();
  const sandbox = await JavaScriptSandbox.create();
  const pool = new CodecPool({ size: POOL_WORKERS });
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const load = loadavg()[0] ?? 0;
      const machine = new MachineCpu();
      for (const [index, codecCase] of CASES.entries()) {
        const short = index === 0 ? 'small' : 'large';
        const inProcess = sandboxRate(sandbox, codecCase, windowMs);
        // A new version each run: the pool compiles it afresh, as after a codec change.
        const pooled = await poolRate(pool, codecCase, run * 10 + index, windowMs);
        const reference = vmRate(codecCase, windowMs);
        options.progress(
          `run ${run}: ${codecCase.label}: sandbox ${formatNumber(inProcess)}/s, pool ${formatNumber(pooled)}/s, vm ${formatNumber(reference)}/s`,
        );
        samples.add(`${codecCase.label}: in-process sandbox`, 'decodes/s', inProcess);
        samples.add(`${codecCase.label}: pool, ${POOL_WORKERS} workers`, 'decodes/s', pooled);
        samples.add(`${codecCase.label}: node:vm (reference)`, 'decodes/s', reference);
        samples.add(`${short}: in-process sandbox / vm`, '% of vm', (inProcess / reference) * 100);
        samples.add(`${short}: pool / vm`, '% of vm', (pooled / reference) * 100);
      }
      const sigfox = sigfoxRate(windowMs);
      options.progress(`run ${run}: sigfox grammar ${formatNumber(sigfox)}/s`);
      samples.add('sigfox grammar (6 fields, 5 bytes)', 'decodes/s', sigfox);
      samples.add(
        'machine CPU during the run (all processes)',
        `% of ${POOL_WORKERS * 100}%`,
        machine.stop(),
      );
      samples.add('load average (1 min) at the start of the run', 'load', load);
    }
  } finally {
    await pool.close();
  }
  return {
    benchmark: 'codecs',
    runs: options.runs,
    parameters: {
      'window s': windowMs / 1000,
      'pool workers': POOL_WORKERS,
      'pool calls outstanding': POOL_OUTSTANDING,
      limits: `${sandbox.limits.timeLimitMs} ms, ${sandbox.limits.memoryLimitBytes / 2 ** 20} MiB`,
    },
    databases: [
      {
        dialect: 'sqlite',
        label:
          'no database: codecs decoding one uplink at a time; ratios are per run, then the median (vm = node:vm in a reused context, not a sandbox)',
        metrics: samples.summaries(),
      },
    ],
  };
}

/**
 * Decodes per second of a small and a large TS013 codec in the QuickJS sandbox (in process,
 * and through the worker pool), beside Node's `vm` running the same source; and of the
 * Sigfox payload grammar (issue 5, item 6).
 */
export const codecs: Benchmark = {
  name: 'codecs',
  description:
    'payload codecs: decodes/s of a small and a large JavaScript codec (sandbox, pool, node:vm) and the Sigfox grammar',
  run: runCodecs,
};

export default codecs;

if (isEntryPoint(import.meta.url)) process.exitCode = await runBenchmarkCli([codecs], process.argv.slice(2));
