// The SQLite checkpoint thread: copies the WAL back into the database file in the
// background, so that no writer pays for it inside a commit (see sqlite-store.ts).
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

export interface CheckpointerData {
  readonly file: string;
  readonly intervalMs: number;
  /**
   * Once the WAL holds more than this, a checkpoint also restarts it (waiting for
   * writers): the next commit writes from the start of the file again.
   */
  readonly restartAboveBytes: number;
  /** Above this file size (readers kept the WAL from restarting) a checkpoint truncates it. */
  readonly truncateAboveBytes: number;
}

const data = workerData as CheckpointerData;
const database = new SqliteDatabase(data.file);
database.pragma('busy_timeout = 5000');
database.pragma('wal_autocheckpoint = 0');
/** A WAL frame: a 24-byte header and a page. */
const frameBytes = 24 + Number(database.pragma('page_size', { simple: true }));

function walFileBytes(): number {
  try {
    return statSync(`${data.file}-wal`).size;
  } catch {
    return 0;
  }
}

/** Frames in the WAL, as `wal_checkpoint` reports them. */
function framesIn(result: unknown): number {
  const row = Array.isArray(result) ? (result[0] as { log?: unknown } | undefined) : undefined;
  return typeof row?.log === 'number' ? row.log : 0;
}

function checkpoint(): void {
  try {
    // PASSIVE copies what it can without waiting for anyone; writers keep appending.
    // SQLite starts the WAL over only when a commit begins with all of it copied back,
    // which a steady stream of commits never allows: the WAL would only grow.
    const frames = framesIn(database.pragma('wal_checkpoint(PASSIVE)'));
    if (walFileBytes() > data.truncateAboveBytes) {
      database.pragma('wal_checkpoint(TRUNCATE)');
    } else if (frames * frameBytes > data.restartAboveBytes) {
      // RESTART rather than TRUNCATE: the file keeps its blocks and commits write over them
      // instead of growing it, so each fdatasync of the WAL has no change of size to
      // journal (on ext4 about half as long).
      database.pragma('wal_checkpoint(RESTART)');
    }
  } catch {
    // Busy or locked: the next round tries again; nothing is lost by waiting.
  }
}

const timer = setInterval(checkpoint, data.intervalMs);
parentPort?.on('message', (message: string) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  database.close();
  parentPort?.close();
});
