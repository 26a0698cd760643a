import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, SqliteDialect } from 'kysely';
import { AppError } from '../../../kernel/errors.js';
import { startWorker, workerEntry } from '../../../kernel/workers.js';
import type { Database } from '../../schema.js';
import type { EmbeddedWorkerSpec, Store } from '../../store.js';
import type { CheckpointerData } from './sqlite-checkpointer.js';
import { WalSync } from './sqlite-wal-sync.js';
import { WriteTurns } from './sqlite-write-turns.js';

export interface SqliteStoreOptions {
  /** A file path; the directory is created when missing. */
  readonly file: string;
  readonly synchronous?: 'full' | 'normal';
  /**
   * Checkpoint the WAL on a background thread instead of inside commits (default true).
   * A checkpoint copies pages into the database file and syncs it; left to SQLite it runs
   * inside whichever commit crosses 1,000 WAL pages, stalling that writer (and, on the
   * server's thread, HTTP) for the whole copy.
   */
  readonly backgroundCheckpoints?: boolean;
  /** WAL content above which the checkpoint thread restarts the WAL (tests set it small). */
  readonly walRestartAboveBytes?: number;
}

/**
 * How often the checkpoint thread runs, the WAL content above which it restarts the WAL
 * (the file keeps its size and is written again from the start), and the file size above
 * which it truncates it (readers kept it from restarting).
 */
const CHECKPOINT_INTERVAL_MS = 200;
const WAL_RESTART_ABOVE_BYTES = 64 * 1024 * 1024;
const WAL_TRUNCATE_ABOVE_BYTES = 256 * 1024 * 1024;

/** Opens the embedded store: one SQLite file in WAL mode, foreign keys on. */
export function openSqliteStore({
  file,
  synchronous = 'full',
  backgroundCheckpoints = true,
  walRestartAboveBytes = WAL_RESTART_ABOVE_BYTES,
}: SqliteStoreOptions): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const checkpointer =
    backgroundCheckpoints && file !== ':memory:' ? startCheckpointer(file, walRestartAboveBytes) : undefined;
  if (checkpointer) database.pragma('wal_autocheckpoint = 0');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  const walSync = new WalSync(file);
  const turns = new WriteTurns();
  return {
    db,
    dialect: 'sqlite',
    location: file,
    async ping() {
      database.prepare('select 1').get();
    },
    async close() {
      await checkpointer?.close();
      await walSync.close();
      await db.destroy();
    },
    translateError: translateSqliteError,
    // One writer at a time holds the whole database: there is nothing finer to lock.
    lockKeysIn: async () => {},
    embedded: {
      // Kysely's SQLite driver lends its one connection to one query or transaction at a
      // time (a mutex); borrowing it the same way keeps out whatever Kysely would run.
      exclusive: (work) => db.connection().execute(() => work(database)),
      synchronous,
      transactWithoutSync: (work) =>
        turns.background(() =>
          db.connection().execute(async (connection) => {
            // The level cannot change inside a transaction: set before it begins, restored after.
            database.pragma('synchronous = NORMAL');
            try {
              return await connection.transaction().execute(work);
            } finally {
              database.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
            }
          }),
        ),
      writeTurn: () => turns.pipelined(),
      whenDurable: () => walSync.whenDurable(),
      translateError: translateSqliteError,
      worker: { file },
    },
  };
}

/**
 * A worker thread's own connection to the store's file. Its commits do not sync (NORMAL):
 * the thread's writer acknowledges nothing before `whenDurable` on the store's side, so the
 * disk's latency is paid once per sync, never by this thread. Automatic checkpoints are
 * off (the checkpoint thread does them), and it waits up to 15 s for the write lock, which
 * blocks only that thread.
 */
export function openSqliteWorkerConnection({ file }: EmbeddedWorkerSpec): SqliteDatabase.Database {
  if (file === ':memory:' || file === '') {
    throw new Error('a worker thread needs a database file, not an in-memory database');
  }
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('wal_autocheckpoint = 0');
  database.pragma('busy_timeout = 15000');
  return database;
}

/**
 * Starts the checkpoint thread, and starts it again if it dies: without it the WAL would
 * only grow (every connection of ours turns automatic checkpoints off).
 */
function startCheckpointer(file: string, restartAboveBytes: number): { close(): Promise<void> } {
  let closing = false;
  let worker: Worker;
  const start = () => {
    worker = startWorker(workerEntry(import.meta.url, 'sqlite-checkpointer'), {
      workerData: {
        file,
        intervalMs: CHECKPOINT_INTERVAL_MS,
        restartAboveBytes,
        truncateAboveBytes: WAL_TRUNCATE_ABOVE_BYTES,
      } satisfies CheckpointerData,
    });
    worker.unref();
    worker.on('error', () => {});
    worker.on('exit', () => {
      if (!closing) setTimeout(start, 1000).unref();
    });
  };
  start();
  return {
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 5000);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.postMessage('close');
      });
    },
  };
}

/** Statements kept prepared; multi-row inserts of every batch size make many distinct ones. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and preparing is a tenth of the ingest path's time.
 * The same SQL text gets the same prepared statement back (least recently used are
 * dropped). Safe because Kysely runs one query at a time on its single SQLite connection.
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      // Kysely begins transactions DEFERRED. The capture thread writes through a second
      // connection, and a deferred transaction that has read cannot take the write lock
      // after the other connection wrote (SQLITE_BUSY_SNAPSHOT, with no waiting): begin
      // IMMEDIATE takes the lock first, waiting for it under busy_timeout.
      const sql = text === 'begin' ? 'begin immediate' : text;
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

/** Maps SQLite constraint failures onto domain errors. */
export function translateSqliteError(error: unknown): unknown {
  if (!(error instanceof SqliteDatabase.SqliteError)) return error;
  switch (error.code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new AppError('already_exists', 'a resource with this identity already exists', undefined, {
        cause: error,
      });
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new AppError(
        'conflict',
        'the change refers to, or is referred to by, another resource',
        undefined,
        {
          cause: error,
        },
      );
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new AppError('unavailable', 'the database is busy, retry', undefined, { cause: error });
    default:
      return error;
  }
}
