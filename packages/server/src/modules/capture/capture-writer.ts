import type { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { AppError, type ErrorCode } from '../../kernel/errors.js';
import { startWorker, workerEntry } from '../../kernel/workers.js';
import {
  type EmbeddedConnection,
  type EmbeddedWorkerSpec,
  guarded,
  type Store,
  transact,
} from '../../store/store.js';
import { type BatchResult, writeCaptureBatch } from './capture-batch.js';
import type { Frame } from './frame.js';
import { type PackedBatch, packFrames, transferables } from './frame-packing.js';
import type { CaptureStorage } from './storage/capture-storage.js';
import { kyselyCaptureStorage } from './storage/kysely-capture-storage.js';
import { sqliteCaptureStorage } from './storage/sqlite-capture-storage.js';

/** Writes one batch of frames in one durable transaction. */
export interface CaptureWriter {
  /** Batches it applies at once; the group committer keeps to it. */
  readonly maxInFlight: number;
  /**
   * Resolves once the batch is durable. A writer that can take the next batch earlier
   * (it has committed this one and only waits for the disk) calls `accepted` then.
   */
  write(frames: readonly Frame[], now: number, accepted?: () => void): Promise<BatchResult>;
  close(): Promise<void>;
}

/**
 * In this thread, over the store's Kysely connections: PostgreSQL's writer. Several batches
 * may run at once on the pool: each takes its devices' locks (sorted) and then its tenants'
 * feed locks (sorted), so they overlap where they touch different devices and can never
 * wait on each other in a cycle.
 */
export function storeCaptureWriter(
  store: Store,
  { maxInFlight = 1 }: { maxInFlight?: number } = {},
): CaptureWriter {
  return {
    maxInFlight,
    write: (frames, now) =>
      guarded(store, () => transact(store, (tx) => writeCaptureBatch(kyselyCaptureStorage(tx), frames, now))),
    close: async () => {},
  };
}

/** A request to the SQLite capture thread, and its answer. */
export interface WriterRequest {
  readonly id: number;
  /** The frames, packed so that posting them costs little (its buffers are transferred). */
  readonly batch: PackedBatch;
  readonly now: number;
}
export type WriterReply =
  | { readonly id: number; readonly result: BatchResult }
  | {
      readonly id: number;
      readonly error: {
        readonly code?: ErrorCode;
        readonly message: string;
        readonly data?: Record<string, unknown>;
      };
    };
/** The capture thread's `workerData`: how to open its connection. */
export type WriterData = EmbeddedWorkerSpec;

interface Pending {
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
  readonly accepted: (() => void) | undefined;
  /** Counts the batch as no longer uncommitted (idempotent). */
  readonly committed: () => void;
}

/**
 * Most frames a batch may have to be written on the server's thread; larger batches go to
 * the capture thread, so that one batch holds the event loop for a few milliseconds at
 * most (bench/README.md, "The SQLite capture writer", has the per-frame costs).
 */
const MAX_FRAMES_WRITTEN_HERE = 128;

/** `PRAGMA synchronous` as a number: FULL syncs the WAL in every commit, NORMAL does not. */
const SQLITE_SYNCHRONOUS_NORMAL = 1;

/**
 * SQLite's capture writer. Large batches go to a worker thread with its own connection to
 * the database file: better-sqlite3 is synchronous, so there they overlap with the next
 * batch's requests and use the second core. Small batches, when nothing is on its way to
 * the thread, are written on the server's thread through the store's own connection
 * (`EmbeddedConnection.exclusive`): handing a batch to a thread and hearing back costs two
 * wake-ups, most of a small batch's time to an acknowledgement. The split regulates
 * itself: when the server's thread falls behind, batches grow and go to the thread. Either
 * way batches commit in the order they were handed over, so a device's frames are applied
 * in arrival order. The store's registry writes begin `IMMEDIATE`, so the two connections
 * queue on SQLite's write lock instead of failing; the server's thread writes only while
 * the capture thread has nothing uncommitted, so it never waits there.
 *
 * Durability without a stall per batch: wherever a batch is written, its commit does not
 * sync; with the store's `synchronous: 'full'` a batch resolves only once the store has
 * synced the WAL after its commit (`EmbeddedConnection.whenDurable`), one sync covering
 * every commit before it while the next batch is written. The sync runs from this
 * thread's event loop, not the capture thread's, which is busy inside the next batch's
 * synchronous SQLite calls. With `synchronous: 'normal'` batches resolve at commit (safe
 * from process crashes, not from power loss), as SQLite's NORMAL promises. The figures
 * behind these choices are in bench/README.md.
 *
 * A worker that dies answers its in-flight batch with `unavailable` (the frames were not
 * acknowledged, the sender retries) and is started again on the next write.
 */
export class SqliteCaptureWriter implements CaptureWriter {
  /**
   * Batches posted to the thread and not committed yet (`accepted`, not durable: a batch
   * waiting for its sync holds no slot). Two, so that while a small batch is applied the
   * frames that arrived meanwhile are already on their way as the next one.
   */
  readonly maxInFlight = 2;
  readonly #embedded: EmbeddedConnection;
  readonly #entry: URL;
  readonly #writeHere: boolean;
  /** Statements prepared on the store's connection, once it was first lent. */
  #here: { database: SqliteDatabase.Database; storage: CaptureStorage; synchronous: number } | undefined;
  /**
   * Settles when the batch handed over last may be followed: once it is posted to the
   * thread (whose queue keeps the order), or, written here, once it has committed.
   */
  #turn: Promise<void> = Promise.resolve();
  /** Batches handed over and not committed (or failed) yet, wherever they are written. */
  #uncommitted = 0;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  /**
   * `embedded` is the store's connection: small batches are written on it unless
   * `writeHere` is false (then every batch goes to the thread); `entry` replaces the
   * thread's module (tests start one that fails on purpose).
   */
  constructor(
    embedded: EmbeddedConnection,
    { entry, writeHere = true }: { entry?: URL; writeHere?: boolean } = {},
  ) {
    if (embedded.worker.file === ':memory:' || embedded.worker.file === '') {
      throw new Error('the SQLite capture writer needs a database file, not an in-memory database');
    }
    this.#embedded = embedded;
    this.#writeHere = writeHere;
    this.#entry = entry ?? workerEntry(import.meta.url, 'sqlite-capture-worker');
    // Started now, so that the first uplink does not wait for the thread to load.
    this.#start();
  }

  async write(frames: readonly Frame[], now: number, accepted?: () => void): Promise<BatchResult> {
    if (this.#closed) throw new AppError('unavailable', 'the capture writer is closed');
    // Its turn at the write lock: a feed consumer's transaction may be running (turns are
    // handed out in order, so batches still reach the thread in the order handed over).
    const release = await this.#embedded.writeTurn();
    if (this.#closed) {
      release();
      throw new AppError('unavailable', 'the capture writer is closed');
    }
    const here = this.#writeHere && frames.length <= MAX_FRAMES_WRITTEN_HERE && this.#uncommitted === 0;
    this.#uncommitted += 1;
    let counted = true;
    const committed = () => {
      if (!counted) return;
      counted = false;
      this.#uncommitted -= 1;
      release();
    };
    return here
      ? this.#writeOnServerThread(frames, now, accepted, committed)
      : this.#writeOnThread(frames, now, accepted, committed);
  }

  async #writeOnThread(
    frames: readonly Frame[],
    now: number,
    accepted: (() => void) | undefined,
    committed: () => void,
  ): Promise<BatchResult> {
    // Posted in the order handed over, and never before a batch handed over earlier to be
    // written here has committed.
    const previous = this.#turn;
    let handedOver = () => {};
    this.#turn = new Promise<void>((resolve) => {
      handedOver = resolve;
    });
    await previous;
    if (this.#closed) {
      committed();
      handedOver();
      throw new AppError('unavailable', 'the capture writer is closed');
    }
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    const batch = packFrames(frames);
    return new Promise<BatchResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, accepted, committed });
      worker.postMessage({ id, batch, now } satisfies WriterRequest, transferables(batch));
      handedOver();
    });
  }

  async #writeOnServerThread(
    frames: readonly Frame[],
    now: number,
    accepted: (() => void) | undefined,
    committed: () => void,
  ): Promise<BatchResult> {
    // Nothing is uncommitted, so the previous turn is over; batches handed over meanwhile
    // go to the thread after this one has committed.
    let done = () => {};
    this.#turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    let result: BatchResult;
    try {
      result = await this.#embedded.exclusive((database) => this.#applyHere(database, frames, now));
    } finally {
      committed();
      done();
    }
    // Committed without a sync: the next batch may be written while this one's sync runs.
    accepted?.();
    if (this.#embedded.synchronous === 'full') await this.#embedded.whenDurable();
    return result;
  }

  async #applyHere(
    database: SqliteDatabase.Database,
    frames: readonly Frame[],
    now: number,
  ): Promise<BatchResult> {
    if (this.#here?.database !== database) {
      this.#here = {
        database,
        storage: sqliteCaptureStorage(database),
        synchronous: Number(database.pragma('synchronous', { simple: true })),
      };
    }
    // The commit does not sync the WAL (the caller waits for a sync that covers it, on
    // libuv's pool), so the event loop is not held for the disk; the connection's own
    // level is back before anything else may use it.
    const restore = this.#here.synchronous > SQLITE_SYNCHRONOUS_NORMAL ? this.#here.synchronous : undefined;
    if (restore !== undefined) database.pragma(`synchronous = ${SQLITE_SYNCHRONOUS_NORMAL}`);
    try {
      // IMMEDIATE: take the write lock now, so that nothing read below can go stale.
      database.exec('begin immediate');
      const result = await writeCaptureBatch(this.#here.storage, frames, now);
      database.exec('commit');
      return result;
    } catch (error) {
      if (database.inTransaction) database.exec('rollback');
      throw this.#embedded.translateError(error);
    } finally {
      if (restore !== undefined) database.pragma(`synchronous = ${restore}`);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
    this.#failAll(new AppError('unavailable', 'the capture writer closed'));
  }

  #start(): Worker {
    const worker = startWorker(this.#entry, {
      workerData: this.#embedded.worker satisfies WriterData,
    });
    // The HTTP server keeps the process alive; the writer alone must not.
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      pending.committed();
      // Committed (or failed): the thread is free for the next batch.
      pending.accepted?.();
      if ('result' in reply && this.#embedded.synchronous === 'full') {
        // Committed; acknowledged once on disk. Still pending meanwhile: if the thread dies
        // now, the batch fails as unacknowledged (a retry is deduplicated).
        this.#embedded.whenDurable().then(
          () => {
            if (this.#pending.delete(reply.id)) pending.resolve(reply.result);
          },
          (error: unknown) => {
            if (this.#pending.delete(reply.id)) pending.reject(error);
          },
        );
        return;
      }
      this.#pending.delete(reply.id);
      if ('result' in reply) pending.resolve(reply.result);
      else
        pending.reject(
          reply.error.code
            ? new AppError(reply.error.code, reply.error.message, reply.error.data)
            : new Error(reply.error.message),
        );
    });
    const lost = (why: string) => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#failAll(new AppError('unavailable', `the capture writer stopped (${why}); retry`));
    };
    worker.on('error', (error) => lost(error.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.#worker = worker;
    return worker;
  }

  #failAll(error: AppError): void {
    for (const pending of this.#pending.values()) {
      pending.committed();
      pending.reject(error);
    }
    this.#pending.clear();
  }
}

/** Batches a PostgreSQL writer keeps in flight (each holds one pooled connection). */
export const POSTGRES_BATCHES_IN_FLIGHT = 4;
