import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * A connected database. Everything above this interface is dialect-agnostic; each
 * dialect folder builds one and knows how to turn its driver's errors into domain errors.
 */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where the data lives, for logs: a file path or a redacted URL. */
  readonly location: string;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Turns a driver error into an AppError (`already_exists`, `conflict`…) or returns it unchanged. */
  translateError(error: unknown): unknown;
  /**
   * Takes a transaction-scoped lock on each key, in the order given, held until `db` (a
   * transaction) ends. Callers sort their keys so that two transactions never wait on each
   * other in a cycle. A no-op where the database has a single writer (SQLite). Use
   * `lockKeys(tx, keys)`.
   */
  lockKeysIn(db: Kysely<Database>, keys: readonly string[]): Promise<void>;
  /** The embedded store's own connection, for writers that prepare their own statements (SQLite only). */
  readonly embedded?: EmbeddedConnection;
}

/** The SQLite store's single connection, lent out between Kysely's queries and transactions. */
export interface EmbeddedConnection {
  /**
   * Runs `work` on the connection once no Kysely query or transaction holds it, and keeps
   * Kysely off it until `work` settles. Never call it from inside a transaction of the
   * same store: it would wait for that transaction, which waits for it.
   */
  exclusive<T>(work: (database: SqliteDatabase.Database) => Promise<T>): Promise<T>;
  /** The store's `synchronous` setting: with `full`, nothing is acknowledged before it is on disk. */
  readonly synchronous: 'full' | 'normal';
  /**
   * Runs a Kysely transaction on the connection whose commit does not sync the WAL; the
   * caller waits for `whenDurable` afterwards. It waits for its turn at the write lock
   * (`writeTurn`): capture batches in flight commit first, new ones wait for it. Never
   * call it from inside a transaction.
   */
  transactWithoutSync<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * A capture batch's turn at the write lock, before it is written: several may be in
   * flight at once, but none while a `transactWithoutSync` runs. Resolves with the release,
   * to call once the batch committed or failed.
   */
  writeTurn(): Promise<() => void>;
  /**
   * Resolves after a sync of the write-ahead log that began after this call: every commit
   * made before the call is then on disk. For writers that commit without syncing and
   * acknowledge later; rejects with `unavailable` when the disk cannot be synced.
   */
  whenDurable(): Promise<void>;
  /** Turns a driver error into an AppError, as `Store.translateError` does. */
  translateError(error: unknown): unknown;
  /** What a worker thread needs to open its own connection (`openEmbeddedWorkerConnection`). */
  readonly worker: EmbeddedWorkerSpec;
}

/** Posted to a worker thread, which opens its own connection to the same database with it. */
export interface EmbeddedWorkerSpec {
  readonly file: string;
}

/** Takes transaction-scoped locks on `keys` (see `Store.lockKeysIn`); only inside a transaction. */
export function lockKeys(tx: Store, keys: readonly string[]): Promise<void> {
  if (!tx.db.isTransaction) throw new Error('lockKeys must run inside a transaction');
  if (keys.length === 0) return Promise.resolve();
  return tx.lockKeysIn(tx.db, keys);
}

/**
 * Runs a store operation and translates driver errors into domain errors at the edge of
 * the store, so that no driver error ever reaches a handler.
 */
export async function guarded<T>(store: Store, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw store.translateError(error);
  }
}

/**
 * Runs `work` in a transaction, or inside the caller's transaction when `store` already
 * is one, so that store functions compose into one atomic write.
 */
export function transact<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  if (store.db.isTransaction) return work(store);
  // A transaction's store does not lend the connection out: it is the transaction's.
  const { embedded: _lent, ...outside } = store;
  return store.db.transaction().execute((trx) => work({ ...outside, db: trx }));
}

/**
 * Like `transact`, for background writers (feed consumers): resolves, as `transact` does,
 * once the commit is on disk, but on SQLite with `synchronous: 'full'` the commit itself
 * does not sync. The sync then runs on libuv's pool, shared with every writer waiting for
 * one (capture's batches), instead of holding the server's thread and SQLite's one write
 * lock for the disk while capture waits (bench/README.md, "Regression found").
 */
export async function transactSyncedAfter<T>(store: Store, work: (tx: Store) => Promise<T>): Promise<T> {
  const embedded = store.embedded;
  if (store.db.isTransaction || embedded === undefined || embedded.synchronous !== 'full')
    return transact(store, work);
  const { embedded: _lent, ...outside } = store;
  const result = await embedded.transactWithoutSync((trx) => work({ ...outside, db: trx }));
  await embedded.whenDurable();
  return result;
}

/**
 * Refreshes the planner's statistics after a bulk write. Without it PostgreSQL plans
 * pages of a freshly imported table with a sort instead of the index until autovacuum
 * gets to it; SQLite's `PRAGMA optimize` analyzes what needs it.
 */
export async function refreshStatistics(store: Store, tables: readonly (keyof Database)[]): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(store.db);
  } else {
    await sql`pragma optimize`.execute(store.db);
  }
}
