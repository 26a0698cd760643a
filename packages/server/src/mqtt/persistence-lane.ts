import type { BrokerPersistence, OutgoingWrite } from './persistence.js';
import { sessionId } from './session.js';

/**
 * Serialises every persistence call of a broker, so a session's writes land in the order
 * they were made, and groups the outgoing-message writes made within one turn of the
 * event loop into one `writeOutgoing` call. Within a batch, a message queued and
 * acknowledged before the flush is never written at all.
 */
export class PersistenceLane {
  readonly #persistence: BrokerPersistence;
  readonly #onError: (error: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #batch: Map<string, OutgoingWrite> | undefined;
  #batchDone: Promise<void> | undefined;
  #settleBatch: ((error: unknown) => void) | undefined;

  constructor(persistence: BrokerPersistence, onError: (error: unknown) => void) {
    this.#persistence = persistence;
    this.#onError = onError;
  }

  /** Runs `operation` after everything queued before it; the promise rejects when it fails. */
  run<T>(operation: (persistence: BrokerPersistence) => Promise<T>): Promise<T> {
    this.#seal();
    const result = this.#tail.then(() => operation(this.#persistence));
    this.#tail = result.then(
      () => undefined,
      (error: unknown) => this.#onError(error),
    );
    return result;
  }

  /** Adds an outgoing-message write to the current batch; resolves once it is durable, rejects when the batch failed. */
  outgoing(write: OutgoingWrite): Promise<void> {
    if (this.#batch === undefined) {
      this.#batch = new Map();
      this.#batchDone = new Promise<void>((resolve, reject) => {
        this.#settleBatch = (error) => (error === undefined ? resolve() : reject(error));
      });
      // Callers that do not wait for durability must not see an unhandled rejection.
      this.#batchDone.catch(() => {});
      setImmediate(() => this.#seal());
    }
    const key = `${sessionId(write.session)}\u0000${write.kind === 'put' ? write.record.seq : write.seq}`;
    const existing = this.#batch.get(key);
    if (existing?.kind === 'put') {
      if (write.kind === 'delete') this.#batch.delete(key);
      else if (write.kind === 'update')
        this.#batch.set(key, {
          kind: 'put',
          session: existing.session,
          record: { ...existing.record, packetId: write.packetId, state: write.state },
        });
      else this.#batch.set(key, write);
    } else {
      this.#batch.set(key, write);
    }
    return this.#batchDone ?? Promise.resolve();
  }

  /** Resolves when every write queued so far is done (failed ones included). */
  flush(): Promise<void> {
    this.#seal();
    return this.#tail;
  }

  #seal(): void {
    const batch = this.#batch;
    const settle = this.#settleBatch;
    if (batch === undefined || settle === undefined) return;
    this.#batch = undefined;
    this.#batchDone = undefined;
    this.#settleBatch = undefined;
    const writes = [...batch.values()];
    const done = this.#tail.then(() =>
      writes.length > 0 ? this.#persistence.writeOutgoing(writes) : undefined,
    );
    this.#tail = done.then(
      () => settle(undefined),
      (error: unknown) => {
        this.#onError(error);
        settle(error ?? new Error('persistence failed'));
      },
    );
  }
}
