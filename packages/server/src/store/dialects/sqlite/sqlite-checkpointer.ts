// The SQLite checkpoint thread: copies the WAL back into the database file in the
// background, so that no writer pays for it inside a commit (see sqlite-store.ts).
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';

export interface CheckpointerData {
  readonly file: string;
  readonly intervalMs: number;
  /** Above this WAL size a checkpoint also truncates the WAL, waiting for writers. */
  readonly truncateAboveBytes: number;
}

const data = workerData as CheckpointerData;
const database = new SqliteDatabase(data.file);
database.pragma('busy_timeout = 5000');
database.pragma('wal_autocheckpoint = 0');

function walBytes(): number {
  try {
    return statSync(`${data.file}-wal`).size;
  } catch {
    return 0;
  }
}

function checkpoint(): void {
  try {
    // PASSIVE copies what it can without waiting for anyone; writers keep appending.
    database.pragma('wal_checkpoint(PASSIVE)');
    // A WAL that keeps growing (readers or writers never let it restart) is cut back.
    if (walBytes() > data.truncateAboveBytes) database.pragma('wal_checkpoint(TRUNCATE)');
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
