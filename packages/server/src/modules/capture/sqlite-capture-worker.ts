// The SQLite capture thread: one connection, one batch at a time (see capture-writer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../../kernel/errors.js';
import { openEmbeddedWorkerConnection, translateEmbeddedError } from '../../store/embedded.js';
import { writeCaptureBatch } from './capture-batch.js';
import type { WriterData, WriterReply, WriterRequest } from './capture-writer.js';
import { unpackFrames } from './frame-packing.js';
import { sqliteCaptureStorage } from './storage/sqlite-capture-storage.js';

const port = parentPort;
if (!port) throw new Error('sqlite-capture-worker must run as a worker thread');

// Its commits do not sync: the writer on the server's thread acknowledges nothing before
// the store has synced the WAL after the commit (see `SqliteCaptureWriter`).
const database = openEmbeddedWorkerConnection(workerData as WriterData);
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
    const error = translateEmbeddedError(thrown);
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
