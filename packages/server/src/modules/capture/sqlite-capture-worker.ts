// The SQLite capture thread: one connection, one batch at a time (see capture-writer.ts).
import { fsync, openSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { isAppError } from '../../kernel/errors.js';
import { translateSqliteError } from '../../store/dialects/sqlite/sqlite-store.js';
import { writeCaptureBatch } from './capture-batch.js';
import type { PackedFrame, WriterData, WriterReply, WriterRequest } from './capture-writer.js';
import type { Frame } from './frame.js';
import { sqliteCaptureStorage } from './storage/sqlite-capture-storage.js';

const data = workerData as WriterData;
const port = parentPort;
if (!port) throw new Error('sqlite-capture-worker must run as a worker thread');

const database = new SqliteDatabase(data.file);
database.pragma('journal_mode = WAL');
// Durability without a stall per batch: commits do not sync (NORMAL), and a batch is
// answered only once an fsync of the WAL that began after its commit has finished (see
// `whenDurable`). One fsync covers every commit before it, and while it runs the next
// batch is already being written: the disk's latency is paid once per flush, not once
// per batch. WAL recovery keeps a prefix of the log (frames carry cumulative checksums),
// so nothing answered can be lost while something earlier survives. With `synchronous:
// 'normal'` configured, batches are answered at commit (safe from process crashes, not
// from power loss), as SQLite's NORMAL promises.
database.pragma('synchronous = NORMAL');
database.pragma('foreign_keys = ON');
// The store's checkpoint thread copies the WAL back; no commit of ours stalls for it.
database.pragma('wal_autocheckpoint = 0');
// Registry writes and long imports on the server's thread hold the write lock for a
// while; waiting here blocks only this thread.
database.pragma('busy_timeout = 15000');
const storage = sqliteCaptureStorage(database);

/** Each frame's payload as a Buffer view of the batch's buffer (SQLite binds Buffers as blobs). */
const unpack = (frames: readonly PackedFrame[], payloads: ArrayBuffer): Frame[] =>
  frames.map(({ payloadAt, payloadLength, ...rest }) => ({
    ...rest,
    payload: Buffer.from(payloads, payloadAt, payloadLength),
  }));

let walFd: number | undefined;
let flushing = false;
let waiting: ((error: Error | null) => void)[] = [];

/** Calls `done` after an fsync of the WAL that started after this call. */
function whenDurable(done: (error: Error | null) => void): void {
  waiting.push(done);
  if (!flushing) flush();
}

function flush(): void {
  walFd ??= openSync(`${data.file}-wal`, 'r');
  flushing = true;
  const covered = waiting;
  waiting = [];
  fsync(walFd, (error) => {
    flushing = false;
    for (const done of covered) done(error);
    if (waiting.length > 0) flush();
  });
}

async function handle({ id, frames, payloads, now }: WriterRequest): Promise<WriterReply> {
  try {
    // IMMEDIATE: take the write lock now, so that nothing read below can go stale.
    database.exec('begin immediate');
    const result = await writeCaptureBatch(storage, unpack(frames, payloads), now);
    database.exec('commit');
    return { id, result };
  } catch (thrown) {
    if (database.inTransaction) database.exec('rollback');
    const error = translateSqliteError(thrown);
    return isAppError(error)
      ? {
          id,
          error: {
            code: error.code,
            message: error.message,
            ...(error.data ? { data: { ...error.data } } : {}),
          },
        }
      : { id, error: { message: error instanceof Error ? error.message : String(error) } };
  }
}

// One batch at a time: the storage's awaits must not interleave two transactions.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WriterRequest) => {
  queue = queue.then(async () => {
    const reply = await handle(request);
    if (data.synchronous !== 'full' || 'error' in reply) {
      port.postMessage(reply);
      return;
    }
    whenDurable((error) => {
      // Committed, but not known to be on disk: not acknowledged; a retry is deduplicated.
      port.postMessage(
        error
          ? {
              id: reply.id,
              error: { code: 'unavailable', message: `the database could not be synced: ${error.message}` },
            }
          : reply,
      );
    });
  });
});
