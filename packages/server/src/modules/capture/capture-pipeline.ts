import type { Registry } from 'prom-client';
import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, isAppError } from '../../kernel/errors.js';
import { GroupCommitter } from '../../kernel/group-commit.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { type BatchResult, createdMessages } from './capture-batch.js';
import { CaptureMetrics } from './capture-metrics.js';
import { CaptureOrder, type CaptureOrderKey } from './capture-order.js';
import type { CaptureWriter } from './capture-writer.js';
import type { CaptureOutcome, Frame } from './frame.js';

export interface CaptureDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
}

export interface CapturePipelineOptions {
  /** Where batches are written: the composition root picks it for its store. */
  readonly writer: CaptureWriter;
  /** Most frames written in one transaction. */
  readonly maxBatch?: number;
  /** Where the pipeline's counters and batch timings go (`/metrics`). */
  readonly metrics?: Registry;
}

/** A frame waiting in the group committer, with when it was submitted (`performance.now()`). */
interface Submitted {
  readonly frame: Frame;
  readonly at: number;
}

/**
 * The one capture pipeline every transport calls: a frame goes in authenticated and
 * parsed; it comes out deduplicated, classified and durably stored, and only then does
 * `capture` resolve, so that the transport acknowledges (HTTP 2xx, PUBACK) nothing that
 * a crash could lose. Concurrent frames share one transaction (group commit). Frames are
 * decided in the order of `capture` calls, as `capture-order.ts` lays down.
 */
export class CapturePipeline {
  readonly #deps: CaptureDeps;
  readonly #committer: GroupCommitter<Submitted, CaptureOutcome>;
  readonly #writer: CaptureWriter;
  readonly #order = new CaptureOrder();
  readonly #metrics: CaptureMetrics | undefined;

  constructor(deps: CaptureDeps, { maxBatch = 1000, writer, metrics }: CapturePipelineOptions) {
    this.#deps = deps;
    this.#writer = writer;
    this.#committer = new GroupCommitter<Submitted, CaptureOutcome>({
      maxBatch,
      maxInFlight: this.#writer.maxInFlight,
      write: (items, accepted) => this.#write(items, accepted),
    });
    this.#metrics = metrics ? new CaptureMetrics(metrics, () => this.#committer.pending) : undefined;
  }

  /** Resolves once the frame is durable (or was already stored); rejects if it cannot be. */
  capture(frame: Frame): Promise<CaptureOutcome> {
    const outcome = this.#order.run(frame, () => this.#submit(frame));
    this.#countFailure(outcome, frame);
    return outcome;
  }

  /**
   * As `capture`, for a transport that must still read something to complete its frame
   * (MQTT: the device type's counter width): the frame takes its place in capture's order
   * now, when it arrived, not once `read` has answered. A frame `read` refuses was never
   * captured and is not counted as a failure.
   */
  captureWhenRead(order: CaptureOrderKey, read: () => Promise<Frame>): Promise<CaptureOutcome> {
    let frame: Frame | undefined;
    const outcome = this.#order.run(order, async () => {
      frame = await read();
      return this.#submit(frame);
    });
    this.#countFailure(outcome, () => frame);
    return outcome;
  }

  #submit(frame: Frame): Promise<CaptureOutcome> {
    return this.#committer.submit({ frame, at: performance.now() });
  }

  #countFailure(outcome: Promise<CaptureOutcome>, frame: Frame | (() => Frame | undefined)): void {
    const metrics = this.#metrics;
    // A branch of its own: the caller still sees the rejection. Conflicts are counted
    // with the batch that refused them.
    if (metrics)
      outcome.catch((error: unknown) => {
        const failed = typeof frame === 'function' ? frame() : frame;
        if (failed && !(isAppError(error) && error.code === 'identity_conflict'))
          metrics.failed(failed.transport);
      });
  }

  /** Resolves when every submitted frame has been written. */
  drained(): Promise<void> {
    return this.#committer.drained();
  }

  /** Waits for what was submitted, then stops the writer. */
  async close(): Promise<void> {
    await this.drained();
    await this.#writer.close();
  }

  async #write(
    items: readonly Submitted[],
    accepted: () => void,
  ): Promise<readonly (CaptureOutcome | AppError)[]> {
    const { clock, bus } = this.#deps;
    const frames = items.map((item) => item.frame);
    const started = performance.now();
    let committed: number | undefined;
    const result: BatchResult = await this.#writer.write(frames, clock.now(), () => {
      committed ??= performance.now();
      accepted();
    });
    if (this.#metrics) {
      const durable = performance.now();
      this.#metrics.written(frames, result.outcomes, {
        oldestSubmitted: items[0]?.at ?? started,
        started,
        committed: committed ?? durable,
        durable,
      });
    }
    // Committed: now tell the rest of the server.
    for (const [tenantId, position] of result.positions)
      bus.publish('changes.committed', { tenantId, position });
    for (const message of createdMessages(frames, result)) bus.publish('message.captured', message);
    return result.outcomes.some((outcome) => outcome.conflict)
      ? result.outcomes.map(refuseConflict)
      : result.outcomes;
  }
}

/** A frame whose identity is stored with another payload: refused, 409 over HTTP. */
function refuseConflict(outcome: CaptureOutcome): CaptureOutcome | AppError {
  if (!outcome.conflict) return outcome;
  return new AppError(
    'identity_conflict',
    'a message with this identity (message id, or sequence number and time) is already stored with another payload',
    { messageId: outcome.messageId },
  );
}
