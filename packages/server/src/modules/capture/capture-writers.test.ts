import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, openTestStore, type TestDatabase } from '../../../test/support/databases.js';
import { seedTenantWithTypes } from '../../../test/support/seed.js';
import { EventBus } from '../../bus/event-bus.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { openCaptureWriter } from '../../server.js';
import type { Store } from '../../store/store.js';
import { CapturePipeline } from './capture-pipeline.js';
import type { Frame } from './frame.js';

const postgres = dialectCases().find((d) => d.name === 'postgres');
const DEVICES = 6;
const FRAMES = 120;

/**
 * Worker processes share one PostgreSQL: two pipelines on two connection pools write the
 * same devices at once, and device state must still add up.
 */
describe.skipIf(!postgres?.available)('two capture writers on one PostgreSQL', () => {
  let database: TestDatabase;
  let stores: Store[] = [];

  beforeAll(async () => {
    if (!postgres) throw new Error('no postgres case');
    database = await postgres.create();
    stores = [await openTestStore(database), await openTestStore(database)];
    const [first] = stores;
    if (!first) throw new Error('no store');
    await seedTenantWithTypes(first, 't', { x: {} });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await database?.drop();
  });

  it('keeps every device state exact and stores each frame once when both write the same devices', async () => {
    const pipelines = stores.map(
      (store) =>
        new CapturePipeline(
          { store, clock: systemClock, bus: new EventBus(), logger: silentLogger },
          { writer: openCaptureWriter(store) },
        ),
    );
    const now = Date.now();
    const frames: Frame[] = [];
    for (let seq = 0; seq < FRAMES; seq += 1) {
      for (let d = 0; d < DEVICES; d += 1) {
        frames.push({
          tenantId: 't',
          deviceId: `d${d}`,
          typeId: 'x',
          transport: 'http',
          receivedAt: now + seq,
          deviceTime: now - 1000 + seq,
          seq,
          seqBits: 32,
          payload: Buffer.from([d, seq % 256]),
          receptions: [],
        });
      }
    }
    // Every frame goes to both writers, in a different order: each must be stored once.
    const outcomes = await Promise.all([
      ...frames.map((frame) => pipelines[0]?.capture(frame)),
      ...[...frames].reverse().map((frame) => pipelines[1]?.capture(frame)),
    ]);
    expect(outcomes.filter((o) => o && !o.duplicate)).toHaveLength(frames.length);

    const [store] = stores;
    if (!store) throw new Error('no store');
    const counts = await store.db
      .selectFrom('messages')
      .select(['device_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('device_id')
      .execute();
    expect(counts.map((c) => Number(c.n))).toEqual(Array(DEVICES).fill(FRAMES));
    const states = await store.db.selectFrom('device_state').selectAll().orderBy('device_id').execute();
    expect(states).toHaveLength(DEVICES);
    for (const state of states) {
      expect(Number(state.message_count)).toBe(FRAMES);
      expect(Number(state.duplicate_count)).toBe(FRAMES);
      expect(Number(state.seq_max)).toBe(FRAMES - 1);
    }
  }, 60_000);
});
