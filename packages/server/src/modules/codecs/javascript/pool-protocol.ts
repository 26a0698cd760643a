/**
 * Messages between `CodecPool` and its worker threads (`codec-worker.ts`). Structured
 * clone carries them, so they are plain data.
 */
import type { CallOp } from './javascript-codec.js';
import type { SandboxLimits } from './sandbox-limits.js';

/** Given to each worker at start. */
export interface WorkerSetup {
  readonly limits: SandboxLimits;
  /** Compiled codecs a worker keeps; the least recently used beyond this are freed. */
  readonly maxCachedCodecs: number;
  /**
   * Int32 slots the worker writes (`PROGRESS_SLOTS` of them): [0] the running call's id (0
   * when idle), [1] when it started (`Date.now()` mod 2^31), [2] batches finished. The pool's
   * watchdog reads them to stop a worker stuck in native or host code that never polls the
   * interrupt handler, without mistaking a worker whose results it has not read yet for one.
   */
  readonly progress: SharedArrayBuffer;
}

/**
 * Pool → worker: calls to run in order, as parallel arrays (cheaper to clone than objects),
 * with the source of every codec they name (the worker may have it cached). Inputs are the
 * sandbox's input JSON (`uplinkInputJson` …), so only strings cross threads.
 */
export interface BatchMessage {
  readonly type: 'batch';
  readonly sources: Readonly<Record<string, string>>;
  readonly ids: readonly number[];
  readonly codecs: readonly string[];
  readonly ops: readonly CallOp[];
  readonly inputs: readonly string[];
}

/** Worker → pool: each call's result as JSON (`callJson`), in the batch's order. */
export interface ResultsMessage {
  readonly type: 'results';
  readonly ids: readonly number[];
  readonly outputs: readonly string[];
}

/** Worker → pool, once its engine is loaded. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export type WorkerMessage = ResultsMessage | ReadyMessage;

/** Slot indexes in `WorkerSetup.progress`. */
export const PROGRESS_CALL = 0;
export const PROGRESS_STARTED = 1;
/** Batches the worker has finished (its results are posted), mod 2^31. */
export const PROGRESS_BATCHES_DONE = 2;
/** Int32 slots in `WorkerSetup.progress`. */
export const PROGRESS_SLOTS = 3;

/** `Date.now()` folded into an Int32 slot; differences are taken mod 2^31. */
export function progressStamp(now: number): number {
  return now % 2 ** 31;
}
