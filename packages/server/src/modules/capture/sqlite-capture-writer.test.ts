import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import type { EmbeddedConnection, Store } from '../../store/store.js';
import { CapturePipeline } from './capture-pipeline.js';
import { SqliteCaptureWriter } from './capture-writer.js';
import type { Frame } from './frame.js';

const sqlite = dialectCases().find((d) => d.name === 'sqlite');

/** The SQLite store's connection, which the writer borrows for small batches. */
function lent(store: Store): EmbeddedConnection {
  if (!store.embedded) throw new Error('the SQLite store lends its connection');
  return store.embedded;
}

const frame = (deviceId: string, seq: number): Frame => ({
  tenantId: 't',
  deviceId,
  typeId: 'x',
  transport: 'http',
  receivedAt: Date.now(),
  deviceTime: Date.now() - 1000,
  seq,
  payload: Buffer.from([seq % 256]),
  receptions: [],
});

describe('the SQLite capture thread', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    if (!sqlite) throw new Error('no sqlite case');
    database = await sqlite.create();
    store = await openTestStore(database);
    await seedTenantWithTypes(store, 't', { x: {} });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('fails the batch it was writing when it dies, and a new thread takes the next batch', async () => {
    const writer = new SqliteCaptureWriter(lent(store), {
      entry: new URL('../../../test/support/dying-capture-worker.ts', import.meta.url),
      writeHere: false,
    });
    try {
      const first = await writer.write([frame('a', 1)], Date.now());
      expect(first.outcomes[0]?.duplicate).toBe(false);
      await expect(writer.write([frame('a', 2), frame('die', 1)], Date.now())).rejects.toMatchObject({
        code: 'unavailable',
      });
      const after = await writer.write([frame('a', 2)], Date.now());
      expect(after.outcomes[0]?.duplicate).toBe(false);
      const stored = await store.db.selectFrom('messages').select('device_id').execute();
      expect(stored.map((m) => m.device_id).sort()).toEqual(['a', 'a']);
    } finally {
      await writer.close();
    }
    await expect(writer.write([frame('a', 3)], Date.now())).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('writes a small batch on the server thread when the capture thread has nothing uncommitted, a large one on the thread', async () => {
    // The thread dies on any batch with a frame of device `die`: where a batch was written
    // shows in whether it failed.
    const writer = new SqliteCaptureWriter(lent(store), {
      entry: new URL('../../../test/support/dying-capture-worker.ts', import.meta.url),
    });
    try {
      const small = await writer.write([frame('die', 1), frame('here', 1)], Date.now());
      expect(small.outcomes.map((o) => o.duplicate)).toEqual([false, false]);
      const large = Array.from({ length: 129 }, (_, i) => frame(i === 0 ? 'die' : 'big', i + 1));
      await expect(writer.write(large, Date.now())).rejects.toMatchObject({ code: 'unavailable' });
      const stored = await store.db
        .selectFrom('messages')
        .select(({ fn }) => ['device_id', fn.countAll<number>().as('n')])
        .where('device_id', 'in', ['die', 'here', 'big'])
        .groupBy('device_id')
        .execute();
      expect(Object.fromEntries(stored.map((r) => [r.device_id, Number(r.n)]))).toEqual({ die: 1, here: 1 });
    } finally {
      await writer.close();
    }
  });

  it('accepts a batch written on the server thread at its commit and resolves it after; the store connection keeps syncing its own commits', async () => {
    const embedded = store.embedded;
    if (!embedded) throw new Error('the SQLite store lends its connection');
    const synchronous = () =>
      embedded.exclusive(async (db) => Number(db.pragma('synchronous', { simple: true })));
    // The store's connection syncs its commits (FULL); registry writes rely on it.
    expect(await synchronous()).toBe(2);
    const writer = new SqliteCaptureWriter(embedded);
    try {
      const events: string[] = [];
      const written = writer.write([frame('split', 1)], Date.now(), () => {
        events.push('committed');
      });
      // `accepted` is called at commit; the batch resolves once a sync of the WAL that began
      // after that commit has finished (the commit itself does not sync).
      void written.then(() => events.push('durable'));
      await written;
      expect(events).toEqual(['committed', 'durable']);
      expect(await synchronous()).toBe(2);
      // A batch that fails inside its transaction (an unknown device type) leaves the
      // connection as it found it too, and stores nothing.
      await expect(
        writer.write([{ ...frame('split', 2), typeId: 'no-such-type' }], Date.now()),
      ).rejects.toBeDefined();
      expect(await synchronous()).toBe(2);
      const stored = await store.db
        .selectFrom('messages')
        .select('seq')
        .where('device_id', '=', 'split')
        .execute();
      expect(stored.map((m) => m.seq)).toEqual([1]);
    } finally {
      await writer.close();
    }
  });

  it('commits batches in the order they were handed over, wherever each is written', async () => {
    const writer = new SqliteCaptureWriter(lent(store));
    try {
      // The thread is running (a large batch goes there), so that it would be quick to
      // overtake.
      await writer.write(
        Array.from({ length: 200 }, (_, i) => frame('warm-up', i)),
        Date.now(),
      );
      // A query in progress holds the store's connection (without SQLite's write lock): the
      // first (small) batch waits for it, and the large batches handed over meanwhile go to
      // the thread, which must not commit them before the first.
      let release = () => {};
      const held = store.db.connection().execute(async (connection) => {
        await connection.selectFrom('device_types').select('id').execute();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const seqFrames = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => frame('ordered', from + i));
      const first = writer.write(seqFrames(1, 1), Date.now());
      const second = writer.write(seqFrames(2, 200), Date.now());
      const third = writer.write(seqFrames(202, 200), Date.now());
      // The event loop is not held up while the first batch waits for the connection.
      const ticked = await new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100));
      expect(ticked).toBe(true);
      release();
      await held;
      const results = await Promise.all([first, second, third]);
      // In arrival order, no frame is out of order; the feed positions grow batch by batch.
      expect(results.flatMap((r) => r.outOfOrder)).toEqual([]);
      const positions = results.map((r) => r.positions.get('t') ?? 0);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect(new Set(positions).size).toBe(3);
      const state = await store.db
        .selectFrom('device_state')
        .select(['seq_max', 'message_count', 'out_of_order_count'])
        .where('device_id', '=', 'ordered')
        .executeTakeFirstOrThrow();
      expect(state).toMatchObject({ seq_max: 401, out_of_order_count: 0 });
      expect(Number(state.message_count)).toBe(401);
    } finally {
      await writer.close();
    }
  });

  it('shares the database with registry writes on the server thread: neither side fails', async () => {
    const pipeline = new CapturePipeline(
      { store, clock: systemClock, bus: new EventBus(), logger: silentLogger },
      { writer: new SqliteCaptureWriter(lent(store)) },
    );
    try {
      await pipeline.capture(frame('warm-up', 1)); // the thread is running
      const frames = Array.from({ length: 3000 }, (_, i) => frame(`r${i % 30}`, 100 + Math.floor(i / 30)));
      const captures = Promise.all(frames.map((f) => pipeline.capture(f)));
      // Registry transactions that read, wait while the capture thread commits, then write.
      // (Begun DEFERRED, the write would fail at once with SQLITE_BUSY_SNAPSHOT.)
      for (let i = 0; i < 10; i += 1) {
        await store.db.transaction().execute(async (tx) => {
          await tx.selectFrom('device_types').select('id').execute();
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx
            .insertInto('device_types')
            .values({
              tenant_id: 't',
              id: `extra-${i}`,
              name: 'extra',
              description: '',
              expected_uplink_interval_s: null,
              settings: '{}',
              capture: '{}',
              version: 1,
              created_at: 1,
              updated_at: 1,
            })
            .execute();
        });
      }
      const outcomes = await captures;
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(3000);
      const types = await store.db
        .selectFrom('device_types')
        .select('id')
        .where('id', 'like', 'extra-%')
        .execute();
      expect(types).toHaveLength(10);
    } finally {
      await pipeline.close();
    }
  });
});
