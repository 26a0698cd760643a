import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, transactSyncedAfter } from '../../store.js';
import { openSqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function open(backgroundCheckpoints: boolean, walRestartAboveBytes?: number): { store: Store; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleetport-sqlite-'));
  dirs.push(dir);
  const file = path.join(dir, 'fleetport.db');
  const store = openSqliteStore({
    file,
    backgroundCheckpoints,
    ...(walRestartAboveBytes === undefined ? {} : { walRestartAboveBytes }),
  });
  stores.push(store);
  return { store, file };
}

async function writeRows(store: Store, count: number): Promise<void> {
  await sql`create table filler (id integer primary key, body text not null)`.execute(store.db);
  for (let batch = 0; batch < count / 500; batch++) {
    await store.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 500; i++)
        await sql`insert into filler (body) values (${'x'.repeat(400)})`.execute(tx);
    });
  }
}

const sizeOf = (file: string) => statSync(file).size;

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe('SQLite store checkpoints', () => {
  it('leaves the WAL to the background thread: commits never copy it back, the thread does', async () => {
    const { store, file } = open(true);
    await writeRows(store, 5000);
    // About 2 MB went into the WAL; the database file itself only grows by checkpoints.
    expect(sizeOf(`${file}-wal`)).toBeGreaterThan(1_000_000);
    expect(await eventually(() => sizeOf(file) > 1_000_000)).toBe(true);
    const [row] = (await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db)).rows;
    expect(row?.n).toBe(5000);
  });

  it('stops its thread on close, and the data is all in the file afterwards', async () => {
    const { store, file } = open(true);
    await writeRows(store, 1000);
    stores.pop();
    await store.close();
    const reopened = openSqliteStore({ file, backgroundCheckpoints: false });
    stores.push(reopened);
    const [row] = (await sql<{ n: number }>`select count(*) as n from filler`.execute(reopened.db)).rows;
    expect(row?.n).toBe(1000);
  });

  it('restarts a WAL that commits never let restart, and keeps its file to write over', async () => {
    const { store, file } = open(true, 256 * 1024);
    await sql`create table filler (id integer primary key, body text not null)`.execute(store.db);
    // Commits back to back from a connection of their own until the WAL restarts (at most
    // 20 s: a loaded machine gives the checkpoint thread little time), as the
    // capture thread makes them: no commit begins with the whole WAL copied back, so SQLite
    // never starts it over by itself and it would only grow. A restart begins a new
    // generation of the log, with new salts in its header.
    const writer = new SqliteDatabase(file);
    writer.pragma('synchronous = NORMAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.pragma('busy_timeout = 5000');
    const insert = writer.prepare('insert into filler (body) values (?)');
    const wal = openSync(`${file}-wal`, 'r');
    const header = Buffer.alloc(8);
    const salts = new Set<string>();
    let shrank = false;
    let size = 0;
    let rows = 0;
    try {
      const started = Date.now();
      while (salts.size < 2 && Date.now() - started < 20_000) {
        insert.run('x'.repeat(400));
        rows += 1;
        if (rows % 50 !== 0) continue;
        readSync(wal, header, 0, 8, 16);
        salts.add(header.toString('hex'));
        const now = fstatSync(wal).size;
        shrank ||= now < size;
        size = now;
      }
    } finally {
      closeSync(wal);
      writer.close();
    }
    expect(salts.size).toBeGreaterThan(1);
    // Restarted, never truncated: the file keeps its blocks, and commits write over them.
    expect(shrank).toBe(false);
    const [row] = (await sql<{ n: number }>`select count(*) as n from filler`.execute(store.db)).rows;
    expect(row?.n).toBe(rows);
  });

  it('without the thread, the same writes stay in the WAL (below the 1,000-page automatic checkpoint)', async () => {
    const { store, file } = open(false);
    await writeRows(store, 5000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The contrast to the first test: there, the growth of the file was the thread's work.
    expect(sizeOf(`${file}-wal`)).toBeGreaterThan(1_000_000);
    expect(sizeOf(file)).toBeLessThan(100_000);
  });

  it('runs a background transaction at its turn, committing without a sync at FULL and giving the level back, also when it fails', async () => {
    const { store } = open(false);
    await sql`create table t (id integer primary key)`.execute(store.db);
    const level = async (db: Store) =>
      (await sql<{ synchronous: number }>`pragma synchronous`.execute(db.db)).rows[0]?.synchronous;
    const release = await store.embedded?.writeTurn();
    let ran = false;
    const background = transactSyncedAfter(store, async (tx) => {
      ran = true;
      await sql`insert into t (id) values (1)`.execute(tx.db);
      return level(tx);
    });
    await new Promise((resolve) => setImmediate(resolve));
    // A capture batch is in flight: the transaction waits for it.
    expect(ran).toBe(false);
    release?.();
    expect(await background).toBe(1);
    expect(await level(store)).toBe(2);
    await expect(
      transactSyncedAfter(store, async (tx) => {
        await sql`insert into t (id) values (2)`.execute(tx.db);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await level(store)).toBe(2);
    const rows = await sql<{ id: number }>`select id from t`.execute(store.db);
    expect(rows.rows).toEqual([{ id: 1 }]);
  });
});
