import type { EventBus } from '../../bus/event-bus.js';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { guarded, type Store, transact } from '../../store/store.js';
import { type BatchResult, writeCaptureBatch } from './capture-batch.js';
import type { CaptureOutcome, Frame } from './frame.js';
import { GroupCommitter } from './group-commit.js';

export interface CaptureDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
}

export interface CapturePipelineOptions {
  /** Most frames written in one transaction. */
  readonly maxBatch?: number;
}

/**
 * The one capture pipeline every transport calls: a frame goes in authenticated and
 * parsed; it comes out deduplicated, classified and durably stored, and only then does
 * `capture` resolve, so that the transport acknowledges (HTTP 2xx, PUBACK) nothing that
 * a crash could lose. Concurrent frames share one transaction (group commit).
 */
export class CapturePipeline {
  readonly #deps: CaptureDeps;
  readonly #committer: GroupCommitter<Frame, CaptureOutcome>;

  constructor(deps: CaptureDeps, { maxBatch = 1000 }: CapturePipelineOptions = {}) {
    this.#deps = deps;
    this.#committer = new GroupCommitter<Frame, CaptureOutcome>({
      maxBatch,
      write: (frames) => this.#write(frames),
    });
  }

  /** Resolves once the frame is durable (or was already stored); rejects if it cannot be. */
  capture(frame: Frame): Promise<CaptureOutcome> {
    return this.#committer.submit(frame);
  }

  /** Resolves when every submitted frame has been written. */
  drained(): Promise<void> {
    return this.#committer.drained();
  }

  async #write(frames: readonly Frame[]): Promise<readonly CaptureOutcome[]> {
    const { store, clock, bus } = this.#deps;
    const result: BatchResult = await guarded(store, () =>
      transact(store, (tx) => writeCaptureBatch(tx, frames, clock.now())),
    );
    // Committed: now tell the rest of the server.
    for (const [tenantId, position] of result.positions)
      bus.publish('changes.committed', { tenantId, position });
    for (const message of result.created) {
      bus.publish('message.captured', {
        tenantId: message.tenant_id,
        deviceId: message.device_id,
        typeId: message.type_id,
        messageId: message.id,
        timeliness: message.timeliness as 'live' | 'late' | 'replayed',
        outOfOrder: message.out_of_order === 1,
      });
    }
    return result.outcomes;
  }
}
