import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodeResult, DownlinkDecodeInput, EncodeResult, UplinkInput } from '../codec.js';
import {
  type CallOp,
  downlinkInputJson,
  encodeInputJson,
  type JavaScriptEncodeInput,
  parseDecodeResult,
  parseEncodeResult,
  uplinkInputJson,
} from './javascript-codec.js';
import {
  type BatchMessage,
  PROGRESS_BATCHES_DONE,
  PROGRESS_CALL,
  PROGRESS_SLOTS,
  PROGRESS_STARTED,
  progressStamp,
  type WorkerMessage,
  type WorkerSetup,
} from './pool-protocol.js';
import { resolveLimits, type SandboxErrorCode, type SandboxLimits, sandboxError } from './sandbox-limits.js';

/** A codec as the pool needs it: runtimes are cached per (id, version), so a new version must get a new version. */
export interface PoolCodec {
  readonly id: string;
  readonly version: number | string;
  readonly source: string;
}

/** Options of `CodecPool`; every field has a default. */
export interface CodecPoolOptions extends Partial<SandboxLimits> {
  /** Worker threads (default: the number of cores). */
  readonly size?: number;
  /** Calls sent to a worker in one message (default 64). */
  readonly batchSize?: number;
  /** Compiled codecs each worker keeps, least recently used freed first (default 200). */
  readonly maxCachedCodecs?: number;
  /**
   * How long one call may keep a worker busy before the worker is stopped and replaced
   * (default: 10 × the time limit + 2 s). The time limit is enforced inside QuickJS; this
   * is the backstop for native work that never reaches an interrupt check.
   */
  readonly watchdogMs?: number;
  /**
   * How long a worker may take to load its engine while calls wait for it before it is
   * stopped and counted as a start-up failure (default 30 s: loading takes milliseconds, but
   * tsx compiling the sources on a busy machine can take seconds).
   */
  readonly startupTimeoutMs?: number;
  /** The worker entry; by default found next to this module (see `locateWorkerEntry`). */
  readonly workerEntry?: WorkerEntry;
}

/** Where a worker thread starts: a module file, or (`eval`) a small script that loads one. */
export interface WorkerEntry {
  readonly filename: URL | string;
  readonly eval: boolean;
}

type Op = CallOp;
type ResultOf<O extends Op> = O extends 'encodeDownlink' ? EncodeResult : DecodeResult;

interface Pending {
  readonly id: number;
  readonly op: Op;
  readonly codec: PoolCodec;
  /** The sandbox's input JSON, built on the caller's thread. */
  readonly input: string;
  readonly resolve: (result: DecodeResult | EncodeResult) => void;
  /** Times this call was lost with a worker that did not run it to the end. */
  attempts: number;
}

interface Slot {
  worker: Worker;
  readonly progress: Int32Array;
  readonly inFlight: Map<number, Pending>;
  /** Set when we stopped it ourselves (watchdog, close), so its exit is not a crash. */
  stopping: SandboxErrorCode | undefined;
  /** Whether its engine loaded; a worker that dies before that is a start-up failure. */
  ready: boolean;
  /** Stopped by the watchdog for not loading in time: a start-up failure too. */
  startupTimedOut: boolean;
  lastError: string | undefined;
  /** When it started (`Date.now()`). */
  readonly startedAt: number;
  /** Last sign of life while it had calls (`progressStamp`): calls posted to it idle, or results. */
  lastHeard: number;
  /** Batches posted to it, mod 2^31 (compared with `PROGRESS_BATCHES_DONE`). */
  batchesPosted: number;
}

/** Batches a worker may have queued before it gets more: one running, one waiting. */
const BATCHES_IN_FLIGHT = 2;
/** How long `close()` waits for a worker to stop before leaving it to the runtime. */
const CLOSE_TIMEOUT_MS = 5000;
/** A call lost with more workers than this is answered with an error instead of being sent again. */
const MAX_ATTEMPTS = 2;
/** Workers that die before their engine loads, in a row, before the pool stops starting new ones. */
const MAX_STARTUP_FAILURES = 3;

function errorResult(op: Op, code: SandboxErrorCode, message: string): DecodeResult | EncodeResult {
  const errors = [sandboxError(code, message)];
  return op === 'encodeDownlink'
    ? { bytes: null, warnings: [], errors }
    : { data: null, warnings: [], errors };
}

/**
 * Where the worker entry is. Run from TypeScript sources (tsx, vitest) this module's URL
 * ends in `.ts`: the worker then starts from a two-line script that loads `codec-worker.ts`
 * through tsx's `tsImport` (Node 20 does not apply `--import tsx` hooks to a worker's own
 * entry). From the esbuild bundle, scripts/build.mjs emits `codec-worker.js` at the top of
 * the output folder, and this module sits either in the entry file there or in a chunk one
 * folder down.
 */
export function locateWorkerEntry(moduleUrl: string = import.meta.url): WorkerEntry {
  if (moduleUrl.endsWith('.ts')) {
    const require = createRequire(moduleUrl);
    const tsxPackage = require.resolve('tsx/package.json');
    const manifest = require(tsxPackage) as { exports?: Record<string, { import?: { default?: string } }> };
    const api = manifest.exports?.['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
    const apiUrl = new URL(api, pathToFileURL(tsxPackage)).href;
    const worker = new URL('./codec-worker.ts', moduleUrl).href;
    const script = `import(${JSON.stringify(apiUrl)}).then((tsx) => tsx.tsImport(${JSON.stringify(worker)}, ${JSON.stringify(worker)}));`;
    return { filename: script, eval: true };
  }
  for (const candidate of ['./codec-worker.js', '../codec-worker.js']) {
    const url = new URL(candidate, moduleUrl);
    if (existsSync(fileURLToPath(url))) return { filename: url, eval: false };
  }
  throw new Error(
    `the codec worker entry (codec-worker.js) is not next to ${moduleUrl}; rebuild with npm run build`,
  );
}

/**
 * Runs JavaScript codecs on worker threads, off the event loop and on every core. Calls are
 * batched per worker; each worker compiles a codec once per (id, version) and keeps it.
 * Every call resolves (never rejects, never hangs): a worker that dies or is stopped by the
 * watchdog is replaced, the call it was running is answered with an error, and the calls
 * it had not finished are sent again.
 *
 * @example
 * const pool = new CodecPool({ size: 2, timeLimitMs: 100 });
 * const result = await pool.decodeUplink({ id: 'th-sensor', version: 3, source }, { bytes, fPort: 1 });
 * await pool.close();
 */
export class CodecPool {
  readonly limits: SandboxLimits;
  readonly #size: number;
  readonly #batchSize: number;
  readonly #maxCachedCodecs: number;
  readonly #watchdogMs: number;
  readonly #startupTimeoutMs: number;
  readonly #entry: WorkerEntry;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #pumpScheduled = false;
  #watchdog: NodeJS.Timeout | undefined;
  #closed = false;
  #restarts = 0;
  #startupFailures = 0;
  /** Why workers cannot start, once they have failed to too often; every call then fails fast. */
  #unavailable: string | undefined;

  constructor(options: CodecPoolOptions = {}) {
    this.limits = resolveLimits(options);
    this.#size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.#batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
    this.#maxCachedCodecs = Math.max(1, Math.floor(options.maxCachedCodecs ?? 200));
    this.#watchdogMs = options.watchdogMs ?? this.limits.timeLimitMs * 10 + 2000;
    this.#startupTimeoutMs = options.startupTimeoutMs ?? 30_000;
    this.#entry = options.workerEntry ?? locateWorkerEntry();
    for (let index = 0; index < this.#size; index += 1) this.#slots.push(this.#start());
  }

  /** Workers replaced since the pool started (crashes and watchdog stops). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Workers with a batch they have not finished yet (read from their shared progress). */
  get busyWorkers(): number {
    let open = 0;
    for (const slot of this.#slots)
      if (Atomics.load(slot.progress, PROGRESS_BATCHES_DONE) !== slot.batchesPosted) open += 1;
    return open;
  }

  /** Decodes an uplink with the codec's `decodeUplink` (or legacy `Decoder`/`Decode`). */
  decodeUplink(codec: PoolCodec, input: UplinkInput): Promise<DecodeResult> {
    return this.#submit('decodeUplink', codec, uplinkInputJson(input));
  }

  /** Encodes a downlink with the codec's `encodeDownlink` (or legacy `Encoder`/`Encode`). */
  encodeDownlink(codec: PoolCodec, input: JavaScriptEncodeInput): Promise<EncodeResult> {
    return this.#submit('encodeDownlink', codec, encodeInputJson(input));
  }

  /** Decodes a downlink's bytes with the codec's `decodeDownlink`. */
  decodeDownlink(codec: PoolCodec, input: DownlinkDecodeInput): Promise<DecodeResult> {
    return this.#submit('decodeDownlink', codec, downlinkInputJson(input));
  }

  /** Stops the workers; calls not yet answered resolve with `codec_pool_closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    const pending = [...this.#queue.splice(0), ...this.#slots.flatMap((slot) => [...slot.inFlight.values()])];
    for (const slot of this.#slots) {
      slot.stopping = 'codec_pool_closed';
      slot.inFlight.clear();
    }
    for (const call of pending)
      call.resolve(errorResult(call.op, 'codec_pool_closed', 'the codec pool was closed'));
    // A thread stuck in native code may not stop at once; close() answers anyway.
    await Promise.all(this.#slots.map((slot) => stopWithin(slot.worker, CLOSE_TIMEOUT_MS)));
  }

  #submit<O extends Op>(op: O, codec: PoolCodec, input: string): Promise<ResultOf<O>> {
    return new Promise<ResultOf<O>>((resolve) => {
      const done = resolve as (result: DecodeResult | EncodeResult) => void;
      if (this.#closed) {
        done(errorResult(op, 'codec_pool_closed', 'the codec pool was closed'));
        return;
      }
      if (this.#unavailable !== undefined) {
        done(errorResult(op, 'codec_unavailable', this.#unavailable));
        return;
      }
      const id = this.#nextId;
      this.#nextId = id >= 2 ** 31 - 1 ? 1 : id + 1;
      this.#queue.push({ id, op, codec, input, resolve: done, attempts: 0 });
      this.#schedulePump();
    });
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // Calls made in the same turn travel together.
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const capacity = this.#batchSize * BATCHES_IN_FLIGHT;
    while (this.#queue.length > 0 && !this.#closed) {
      let target: Slot | undefined;
      for (const slot of this.#slots) {
        if (slot.stopping === undefined && slot.inFlight.size < capacity) {
          if (target === undefined || slot.inFlight.size < target.inFlight.size) target = slot;
        }
      }
      if (target === undefined) return;
      const room = Math.min(this.#batchSize, capacity - target.inFlight.size);
      const calls = this.#queue.splice(0, room);
      const message: BatchMessage = { type: 'batch', sources: {}, ids: [], codecs: [], ops: [], inputs: [] };
      const sources: Record<string, string> = {};
      if (target.inFlight.size === 0) target.lastHeard = progressStamp(Date.now());
      for (const call of calls) {
        const key = `${call.codec.id}@${String(call.codec.version)}`;
        sources[key] = call.codec.source;
        target.inFlight.set(call.id, call);
        (message.ids as number[]).push(call.id);
        (message.codecs as string[]).push(key);
        (message.ops as CallOp[]).push(call.op);
        (message.inputs as string[]).push(call.input);
      }
      Object.assign(message.sources, sources);
      target.worker.postMessage(message);
      target.batchesPosted = (target.batchesPosted + 1) % 2 ** 31;
      // Busy workers keep the process alive (an awaited call must be answered); idle ones do not.
      target.worker.ref();
    }
    this.#armWatchdog();
  }

  #start(): Slot {
    const progress = new SharedArrayBuffer(PROGRESS_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const setup: WorkerSetup = { limits: this.limits, maxCachedCodecs: this.#maxCachedCodecs, progress };
    const worker = new Worker(this.#entry.filename, {
      eval: this.#entry.eval,
      workerData: setup,
      // A deep V8 stack under QuickJS's own 256 KiB limit: measured, 16 MiB leaves it room for
      // every recursion QuickJS allows (JSON, RegExp, the parser) before V8's overflows.
      resourceLimits: { stackSizeMb: Math.max(16, Math.ceil((this.limits.maxStackBytes * 64) / 2 ** 20)) },
    });
    const slot: Slot = {
      worker,
      progress: new Int32Array(progress),
      inFlight: new Map(),
      stopping: undefined,
      ready: false,
      startupTimedOut: false,
      lastError: undefined,
      startedAt: Date.now(),
      lastHeard: progressStamp(Date.now()),
      batchesPosted: 0,
    };
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        slot.ready = true;
        this.#startupFailures = 0;
        return;
      }
      slot.lastHeard = progressStamp(Date.now());
      message.ids.forEach((id, index) => {
        const call = slot.inFlight.get(id);
        if (call === undefined) return;
        slot.inFlight.delete(id);
        const output = message.outputs[index] ?? '{}';
        call.resolve(call.op === 'encodeDownlink' ? parseEncodeResult(output) : parseDecodeResult(output));
      });
      if (slot.inFlight.size === 0) worker.unref();
      this.#pump();
    });
    // 'error' is followed by 'exit'; the exit handler does the accounting.
    worker.on('error', (error) => {
      slot.lastError = error.message;
    });
    worker.on('exit', () => this.#lost(slot));
    worker.unref();
    return slot;
  }

  /** A worker ended: answer the call it was running, send the others again, start a replacement. */
  #lost(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index === -1 || this.#closed) return;
    const reason = slot.stopping ?? 'codec_worker_crashed';
    const running = Atomics.load(slot.progress, PROGRESS_CALL);
    const retry: Pending[] = [];
    for (const call of slot.inFlight.values()) {
      call.attempts += 1;
      if (call.id === running || call.attempts >= MAX_ATTEMPTS) {
        if (reason === 'codec_timeout') {
          const message = `the codec kept its worker busy for more than ${this.#watchdogMs} ms; the worker was replaced`;
          call.resolve(errorResult(call.op, reason, message));
        } else if (!slot.ready) {
          const message = `the codec worker threads cannot start (${slot.lastError ?? 'they exit at once'})`;
          call.resolve(errorResult(call.op, 'codec_unavailable', message));
        } else {
          call.resolve(
            errorResult(call.op, reason, 'the worker thread running the codec died; it was replaced'),
          );
        }
      } else {
        retry.push(call);
      }
    }
    slot.inFlight.clear();
    this.#queue.unshift(...retry);
    if (!slot.ready && (slot.stopping === undefined || slot.startupTimedOut)) this.#startupFailures += 1;
    if (this.#startupFailures >= MAX_STARTUP_FAILURES) {
      // Starting yet another worker would fail the same way: answer everything instead of looping.
      this.#unavailable = `the codec worker threads cannot start (${slot.lastError ?? 'they exit at once'})`;
      const message = this.#unavailable;
      for (const call of this.#queue.splice(0))
        call.resolve(errorResult(call.op, 'codec_unavailable', message));
      this.#slots[index] = { ...slot, stopping: 'codec_unavailable' };
      return;
    }
    this.#restarts += 1;
    this.#slots[index] = this.#start();
    this.#schedulePump();
  }

  #armWatchdog(): void {
    if (this.#watchdog !== undefined) return;
    const every = Math.max(
      10,
      Math.min(1000, Math.floor(Math.min(this.#watchdogMs, this.#startupTimeoutMs) / 4)),
    );
    this.#watchdog = setInterval(() => this.#checkWorkers(), every);
    this.#watchdog.unref();
  }

  #checkWorkers(): void {
    let busy = false;
    const now = progressStamp(Date.now());
    const since = (stamp: number) => (now - stamp + 2 ** 31) % 2 ** 31;
    for (const slot of this.#slots) {
      if (slot.inFlight.size === 0 || slot.stopping !== undefined) continue;
      busy = true;
      if (!slot.ready) {
        if (Date.now() - slot.startedAt > this.#startupTimeoutMs) {
          slot.lastError = `it did not load its engine within ${this.#startupTimeoutMs} ms`;
          slot.startupTimedOut = true;
          slot.stopping = 'codec_unavailable';
          void slot.worker.terminate();
        }
        continue;
      }
      // Done with every batch: the results wait for this thread, which was itself busy.
      if (Atomics.load(slot.progress, PROGRESS_BATCHES_DONE) === slot.batchesPosted) continue;
      // Quiet since its last results (or since it was given work), and no call started since
      // then: stuck, whether inside a call or in the host code around it.
      let quiet = since(slot.lastHeard);
      if (Atomics.load(slot.progress, PROGRESS_CALL) !== 0) {
        quiet = Math.min(quiet, since(Atomics.load(slot.progress, PROGRESS_STARTED)));
      }
      if (quiet > this.#watchdogMs) {
        slot.stopping = 'codec_timeout';
        void slot.worker.terminate();
      }
    }
    if (!busy) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    }
  }
}

/** Terminates a worker, giving up waiting after `ms` (the thread is then left to the runtime). */
function stopWithin(worker: Worker, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    worker.terminate().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
