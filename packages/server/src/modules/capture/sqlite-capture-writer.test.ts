import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import { CapturePipeline } from './capture-pipeline.js';
import { SqliteCaptureWriter } from './capture-writer.js';
import type { Frame } from './frame.js';

const sqlite = dialectCases().find((d) => d.name === 'sqlite');

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
    const writer = new SqliteCaptureWriter(
      { file: store.location, synchronous: 'full' },
      { entry: new URL('../../../test/support/dying-capture-worker.ts', import.meta.url) },
    );
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

  it('shares the database with registry writes on the server thread: neither side fails', async () => {
    const pipeline = new CapturePipeline({
      store,
      clock: systemClock,
      bus: new EventBus(),
      logger: silentLogger,
    });
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
