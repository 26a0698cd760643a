import { Registry } from 'prom-client';
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

function frame(deviceId: string, messageId: string, extra: Partial<Frame> = {}): Frame {
  return {
    tenantId: 't',
    deviceId,
    typeId: 'meter',
    transport: 'http',
    receivedAt: systemClock.now(),
    messageId,
    payload: Buffer.from('0102', 'hex'),
    receptions: [],
    ...extra,
  };
}

/** The value of a metric's sample, by sample name and labels. */
async function sample(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const sampleName = (value as { metricName?: string }).metricName ?? metric.name;
      if (sampleName !== name) continue;
      const own = value.labels as Record<string, string | number>;
      if (Object.entries(labels).every(([key, wanted]) => String(own[key]) === wanted)) return value.value;
    }
  }
  throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
}

for (const dialect of dialectCases()) {
  describe.skipIf(!dialect.available)(`capture metrics (${dialect.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    let pipeline: CapturePipeline;
    const registry = new Registry();

    beforeAll(async () => {
      database = await dialect.create();
      store = await openTestStore(database);
      await seedTenantWithTypes(store, 't', { meter: { sequenceBits: 32 } });
      pipeline = new CapturePipeline(
        { store, clock: systemClock, bus: new EventBus(), logger: silentLogger },
        { writer: openCaptureWriter(store), metrics: registry },
      );
    });
    afterAll(async () => {
      await pipeline?.close();
      await store?.close();
      await database?.drop();
    });

    it('counts frames by transport and outcome, and times every batch that was written', async () => {
      // Together, so that they share batches; the one of an unknown type fails its batch,
      // which is then written frame by frame.
      const results = await Promise.allSettled([
        pipeline.capture(frame('d1', 'm1')),
        pipeline.capture(frame('d1', 'm2')),
        pipeline.capture(frame('d2', 'm1', { transport: 'mqtt' })),
        pipeline.capture(frame('d3', 'm1', { typeId: 'no-such-type' })),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
      ]);
      // A retry: already stored.
      expect((await pipeline.capture(frame('d1', 'm2'))).duplicate).toBe(true);
      await pipeline.drained();

      const frames: [transport: string, outcome: string, count: number][] = [
        ['http', 'created', 2],
        ['mqtt', 'created', 1],
        ['http', 'duplicate', 1],
        ['http', 'failed', 1],
      ];
      for (const [transport, outcome, count] of frames)
        expect(await sample(registry, 'fleetport_capture_frames_total', { transport, outcome })).toBe(count);

      // Every written frame is in exactly one timed batch; the failed one in none.
      const batches = await sample(registry, 'fleetport_capture_batch_frames_count');
      expect(await sample(registry, 'fleetport_capture_batch_frames_sum')).toBe(4);
      expect(batches).toBeGreaterThanOrEqual(2);
      for (const timing of ['wait', 'commit', 'durable'])
        expect(await sample(registry, `fleetport_capture_batch_${timing}_seconds_count`)).toBe(batches);
      const commit = await sample(registry, 'fleetport_capture_batch_commit_seconds_sum');
      const durable = await sample(registry, 'fleetport_capture_batch_durable_seconds_sum');
      expect(commit).toBeGreaterThan(0);
      expect(durable).toBeGreaterThanOrEqual(commit);
      expect(await sample(registry, 'fleetport_capture_frames_waiting')).toBe(0);
    });
  });
}
