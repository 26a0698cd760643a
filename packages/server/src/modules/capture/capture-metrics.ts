import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CaptureOutcome, Frame, Transport } from './frame.js';

/**
 * Batch timings span a tenth of a millisecond (a small commit on a fast disk) to seconds
 * (a stalled disk, a lock held by a long registry write).
 */
const SECONDS_BUCKETS = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
/** Frames per batch: one under light load, up to the pipeline's maximum (1,000) under heavy load. */
const FRAME_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** One batch as the pipeline timed it, in `performance.now()` milliseconds. */
export interface BatchTimes {
  /** When the batch's oldest frame was submitted. */
  readonly oldestSubmitted: number;
  /** When the batch went to the writer. */
  readonly started: number;
  /** When the writer had committed it (for a writer that does not say: when it was durable). */
  readonly committed: number;
  readonly durable: number;
}

/**
 * The capture pipeline's figures in `/metrics`: frames by transport and outcome, and per
 * batch its size, how long its oldest frame waited to be written, how long the write took
 * to commit and to become durable (SQLite: the WAL synced after the commit). Acknowledgement
 * latency is wait + durable; their sum over count is the mean.
 */
export class CaptureMetrics {
  readonly #frames: Counter<'transport' | 'outcome'>;
  readonly #batchFrames: Histogram;
  readonly #wait: Histogram;
  readonly #commit: Histogram;
  readonly #durable: Histogram;

  constructor(registry: Registry, pending: () => number) {
    this.#frames = new Counter({
      name: 'fleetport_capture_frames_total',
      help: 'Frames handed to capture, by transport (http, sigfox, mqtt) and outcome: created (a new message), duplicate (already stored; receptions merged), conflict (its identity is stored with another payload: refused), failed (refused or not stored, not acknowledged)',
      labelNames: ['transport', 'outcome'] as const,
      registers: [registry],
    });
    this.#batchFrames = new Histogram({
      name: 'fleetport_capture_batch_frames',
      help: 'Frames per capture batch (one durable transaction)',
      buckets: FRAME_BUCKETS,
      registers: [registry],
    });
    const seconds = (name: string, help: string) =>
      new Histogram({ name, help, buckets: SECONDS_BUCKETS, registers: [registry] });
    this.#wait = seconds(
      'fleetport_capture_batch_wait_seconds',
      "How long a batch's oldest frame waited for the writer before the batch was written",
    );
    this.#commit = seconds(
      'fleetport_capture_batch_commit_seconds',
      'From handing a batch to the writer until its transaction committed',
    );
    this.#durable = seconds(
      'fleetport_capture_batch_durable_seconds',
      'From handing a batch to the writer until it was durable and its frames were acknowledged',
    );
    new Gauge({
      name: 'fleetport_capture_frames_waiting',
      help: 'Frames submitted to capture and not yet handed to the writer',
      registers: [registry],
      collect() {
        this.set(pending());
      },
    });
  }

  /** A batch that was written: its frames' outcomes and its timings. */
  written(frames: readonly Frame[], outcomes: readonly CaptureOutcome[], times: BatchTimes): void {
    const created: Partial<Record<Transport, number>> = {};
    const duplicates: Partial<Record<Transport, number>> = {};
    const conflicts: Partial<Record<Transport, number>> = {};
    outcomes.forEach((outcome, index) => {
      const transport = frames[index]?.transport;
      if (transport === undefined) return;
      const counts = outcome.conflict ? conflicts : outcome.duplicate ? duplicates : created;
      counts[transport] = (counts[transport] ?? 0) + 1;
    });
    for (const [transport, count] of Object.entries(created))
      this.#frames.inc({ transport, outcome: 'created' }, count);
    for (const [transport, count] of Object.entries(duplicates))
      this.#frames.inc({ transport, outcome: 'duplicate' }, count);
    for (const [transport, count] of Object.entries(conflicts))
      this.#frames.inc({ transport, outcome: 'conflict' }, count);
    this.#batchFrames.observe(outcomes.length);
    this.#wait.observe(Math.max(0, times.started - times.oldestSubmitted) / 1000);
    this.#commit.observe(Math.max(0, times.committed - times.started) / 1000);
    this.#durable.observe(Math.max(0, times.durable - times.started) / 1000);
  }

  /** A frame that was not stored (its sender got an error, nothing was acknowledged). */
  failed(transport: Transport): void {
    this.#frames.inc({ transport, outcome: 'failed' });
  }
}
