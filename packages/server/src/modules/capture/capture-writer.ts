import { closeSync, fdatasync, openSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { AppError, type ErrorCode } from '../../kernel/errors.js';
import { startWorker, workerEntry } from '../../kernel/workers.js';
import { translateSqliteError } from '../../store/dialects/sqlite/sqlite-store.js';
import { type EmbeddedConnection, guarded, type Store, transact } from '../../store/store.js';
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
export interface WriterData {
  readonly file: string;
  readonly synchronous: 'full' | 'normal';
}

interface Pending {
  readonly resolve: (result: BatchResult) => void;
  readonly reject: (error: unknown) => void;
  readonly accepted: (() => void) | undefined;
  /** Counts the batch as no longer uncommitted (idempotent). */
  readonly committed: () => void;
}

/**
 * Most frames a batch may have to be written on the server's thread; larger batches go to
 * the capture thread. A frame costs about 8 µs when the batch's frames are one device's
 * and about 24 µs when each is another device's (every device's index leaves and state
 * row are pages of their own to write to the WAL; `npm run bench -- capture-write`), so
 * 128 frames hold the event loop about 1 to 3 ms, and its commit's sync after that.
 */
const MAX_FRAMES_WRITTEN_HERE = 128;

/** `PRAGMA synchronous` as a number: FULL syncs the WAL in every commit, NORMAL does not. */
const SQLITE_SYNCHRONOUS_NORMAL = 1;

/**
 * SQLite's capture writer. Large batches go to a worker thread with its own connection to
 * the database file: better-sqlite3 is synchronous, so there they overlap with the next
 * batch's requests and use the second core. Small batches, when nothing is on its way to
 * the thread, are written on the server's thread through the store's own connection
 * (`Store.embedded`): handing a batch to a thread and hearing back costs two wake-ups,
 * each waiting for a core on a busy machine, which for a small batch is most of its time
 * to an acknowledgement (durable MQTT uplinks in 49-frame batches: 14.5k–14.7k msg/s on
 * the thread, 17.5k–18.8k here, interleaved runs). The split regulates itself: when the
 * server's thread falls behind, batches grow and go to the capture thread. Either way
 * batches commit in the order they were handed over, so a device's frames are applied in
 * arrival order. The store's registry writes begin `IMMEDIATE` (see the SQLite store), so
 * the two connections queue on SQLite's write lock instead of failing; the server's thread
 * writes only while the capture thread has nothing uncommitted, so it never waits there.
 *
 * Durability, without a stall per batch: wherever a batch is written, its commit does not
 * sync (here the store's FULL connection is set to NORMAL for that commit alone); with
 * `synchronous: 'full'` a batch is resolved only once an fdatasync of the WAL that began
 * after its commit has finished (`#whenDurable`). One sync covers every commit before it,
 * and while it runs the next batch is already written (alternating runs against a batch
 * written here syncing in its own commit: HTTP single messages 8.3k–10.5k msg/s against
 * 6.6k–8.9k, durable MQTT uplinks 23.9k–26.1k against 20.6k–23.5k, HTTP batches of 100
 * alike; the event loop no longer waits for the disk). The sync runs from this
 * thread's event loop (on libuv's pool), not the capture thread's: that loop is busy
 * inside the next batch's synchronous SQLite calls and would hear of the finished sync
 * only when that batch is done. WAL recovery keeps a prefix of the log (frames carry
 * cumulative checksums), so nothing answered can be lost while something earlier
 * survives. With `synchronous: 'normal'`, batches resolve at commit (safe from process
 * crashes, not from power loss), as SQLite's NORMAL promises.
 *
 * A worker that dies answers its in-flight batch with `unavailable` (the frames were not
 * acknowledged, the sender retries) and is started again on the next write.
 */
export class SqliteCaptureWriter implements CaptureWriter {
  /**
   * Batches posted to the thread and not committed yet (`accepted`, not durable: a batch
   * waiting for its sync holds no slot). Two, so that while a small batch is applied the
   * frames that arrived meanwhile are already on their way as the next one; measured
   * against one and three with durable MQTT uplinks (about 15% more than one).
   */
  readonly maxInFlight = 2;
  readonly #data: WriterData;
  readonly #entry: URL;
  readonly #embedded: EmbeddedConnection | undefined;
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
  #walFd: number | undefined;
  #syncing = false;
  /** Batches committed after the sync in progress began: the next sync covers them. */
  #awaitingSync: ((error: AppError | null) => void)[] = [];

  /**
   * `embedded` is the store's connection to write small batches with (without it every
   * batch goes to the thread); `entry` replaces the thread's module (tests start one that
   * fails on purpose).
   */
  constructor(data: WriterData, { entry, embedded }: { entry?: URL; embedded?: EmbeddedConnection } = {}) {
    if (data.file === ':memory:' || data.file === '') {
      throw new Error('the SQLite capture writer needs a database file, not an in-memory database');
    }
    this.#data = data;
    this.#embedded = embedded;
    this.#entry = entry ?? workerEntry(import.meta.url, 'sqlite-capture-worker');
    // Started now, so that the first uplink does not wait for the thread to load.
    this.#start();
  }

  write(frames: readonly Frame[], now: number, accepted?: () => void): Promise<BatchResult> {
    if (this.#closed) return Promise.reject(new AppError('unavailable', 'the capture writer is closed'));
    const embedded = this.#embedded;
    const here =
      embedded !== undefined && frames.length <= MAX_FRAMES_WRITTEN_HERE && this.#uncommitted === 0;
    this.#uncommitted += 1;
    let counted = true;
    const committed = () => {
      if (!counted) return;
      counted = false;
      this.#uncommitted -= 1;
    };
    return here
      ? this.#writeHere(embedded, frames, now, accepted, committed)
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

  async #writeHere(
    embedded: EmbeddedConnection,
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
      result = await embedded.exclusive((database) => this.#applyHere(database, frames, now));
    } finally {
      committed();
      done();
    }
    // Committed without a sync: the next batch may be written while this one's sync runs.
    accepted?.();
    if (this.#data.synchronous !== 'full') return result;
    await new Promise<void>((resolve, reject) => {
      this.#whenDurable((error) => (error ? reject(error) : resolve()));
    });
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
      throw translateSqliteError(error);
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
    while (this.#syncing) await new Promise((resolve) => setImmediate(resolve));
    if (this.#walFd !== undefined) closeSync(this.#walFd);
    this.#walFd = undefined;
  }

  /**
   * Calls `done` after an fdatasync of the WAL that started after this call, with an
   * `unavailable` error when the WAL could not be synced.
   */
  #whenDurable(done: (error: AppError | null) => void): void {
    this.#awaitingSync.push(done);
    if (!this.#syncing) this.#sync();
  }

  #sync(): void {
    const covered = this.#awaitingSync;
    this.#awaitingSync = [];
    let fd: number;
    try {
      this.#walFd ??= openSync(`${this.#data.file}-wal`, 'r');
      fd = this.#walFd;
    } catch (error) {
      const failed = syncFailed(error instanceof Error ? error : new Error(String(error)));
      for (const done of covered) done(failed);
      return;
    }
    this.#syncing = true;
    fdatasync(fd, (error) => {
      this.#syncing = false;
      const failed = error ? syncFailed(error) : null;
      for (const done of covered) done(failed);
      if (this.#awaitingSync.length > 0) this.#sync();
    });
  }

  #start(): Worker {
    const worker = startWorker(this.#entry, {
      workerData: this.#data,
    });
    // The HTTP server keeps the process alive; the writer alone must not.
    worker.unref();
    worker.on('message', (reply: WriterReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      pending.committed();
      // Committed (or failed): the thread is free for the next batch.
      pending.accepted?.();
      if ('result' in reply && this.#data.synchronous === 'full') {
        // Committed; acknowledged once on disk. Still pending meanwhile: if the thread dies
        // now, the batch fails as unacknowledged (a retry is deduplicated).
        this.#whenDurable((error) => {
          if (!this.#pending.delete(reply.id)) return;
          if (error) pending.reject(error);
          else pending.resolve(reply.result);
        });
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

/** Why a batch committed but unsynced is not acknowledged: the sender retries it. */
function syncFailed(error: Error): AppError {
  return new AppError('unavailable', `the database could not be synced: ${error.message}`);
}

/** Batches a PostgreSQL writer keeps in flight (each holds one pooled connection). */
const POSTGRES_BATCHES_IN_FLIGHT = 4;

/** The writer for this store: a capture thread for SQLite, the store itself for PostgreSQL. */
export function openCaptureWriter(
  store: Store,
  { synchronous = 'full' }: { synchronous?: 'full' | 'normal' } = {},
): CaptureWriter {
  return store.dialect === 'sqlite'
    ? new SqliteCaptureWriter(
        { file: store.location, synchronous },
        store.embedded ? { embedded: store.embedded } : {},
      )
    : storeCaptureWriter(store, { maxInFlight: POSTGRES_BATCHES_IN_FLIGHT });
}
