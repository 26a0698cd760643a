// The SQLite capture thread: one connection, one batch at a time (see capture-writer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { isAppError } from '../../kernel/errors.js';
import { translateSqliteError } from '../../store/dialects/sqlite/sqlite-store.js';
import { writeCaptureBatch } from './capture-batch.js';
import type { WriterData, WriterReply, WriterRequest } from './capture-writer.js';
import { unpackFrames } from './frame-packing.js';
import { sqliteCaptureStorage } from './storage/sqlite-capture-storage.js';

const data = workerData as WriterData;
const port = parentPort;
if (!port) throw new Error('sqlite-capture-worker must run as a worker thread');

const database = new SqliteDatabase(data.file);
database.pragma('journal_mode = WAL');
// Commits do not sync (NORMAL): this thread answers each batch at commit, and the writer
// on the server's thread acknowledges nothing before the WAL has been synced after that
// commit (see `SqliteCaptureWriter`), so that the disk's latency is paid once per flush,
// not once per batch, and never stops this thread.
database.pragma('synchronous = NORMAL');
database.pragma('foreign_keys = ON');
// The store's checkpoint thread copies the WAL back; no commit of ours stalls for it.
database.pragma('wal_autocheckpoint = 0');
// Registry writes and long imports on the server's thread hold the write lock for a
// while; waiting here blocks only this thread.
database.pragma('busy_timeout = 15000');
const storage = sqliteCaptureStorage(database);

async function handle({ id, batch, now }: WriterRequest): Promise<WriterReply> {
  try {
    // IMMEDIATE: take the write lock now, so that nothing read below can go stale.
    database.exec('begin immediate');
    const result = await writeCaptureBatch(storage, unpackFrames(batch), now);
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
    port.postMessage(await handle(request));
  });
});
