import { describe, expect, it } from 'vitest';
import { isAppError } from '../../kernel/errors.js';
import {
  batteryTrend,
  bucketize,
  MAX_BUCKETS,
  parseBucket,
  planBuckets,
  type SampleRow,
} from './health-series.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 5, 1);

function refusal(work: () => unknown): { code: string; data: unknown } {
  try {
    work();
  } catch (error) {
    if (isAppError(error)) return { code: error.code, data: error.data };
    throw error;
  }
  throw new Error('expected a refusal');
}

const sample = (at: number, values: Partial<SampleRow> = {}): SampleRow => ({
  at,
  source: 'uplink',
  rssi: null,
  snr: null,
  stations: null,
  battery: null,
  temperature: null,
  reboots: null,
  shock: null,
  ...values,
});

describe('health buckets', () => {
  it('reads bucket sizes in minutes, hours and days, and refuses anything else with invalid_range', () => {
    expect(parseBucket('1m')).toBe(60_000);
    expect(parseBucket('15m')).toBe(900_000);
    expect(parseBucket('6h')).toBe(6 * HOUR);
    expect(parseBucket('7d')).toBe(7 * DAY);
    for (const bad of ['30s', '0m', '1', 'h', '1w', '-1h', '1.5h', '100000m'])
      expect(
        refusal(() => parseBucket(bad)),
        bad,
      ).toMatchObject({ code: 'invalid_range', data: { field: 'bucket' } });
  });

  it('aligns buckets on the epoch, picks a size when none is asked, and refuses reversed or oversized ranges', () => {
    const plan = planBuckets(T0 + 90 * 60_000, T0 + 5 * HOUR, '1h');
    expect(plan).toEqual({ start: T0 + HOUR, bucketMs: HOUR, count: 4, bucket: '1h' });
    expect(planBuckets(T0, T0 + DAY, undefined).bucket).toBe('15m');
    expect(planBuckets(T0, T0 + 30 * DAY, undefined).bucket).toBe('6h');
    expect(refusal(() => planBuckets(T0 + 1, T0, '1h'))).toMatchObject({
      code: 'invalid_range',
      data: { field: 'from' },
    });
    expect(refusal(() => planBuckets(T0, T0, '1h'))).toMatchObject({
      code: 'invalid_range',
      data: { field: 'from' },
    });
    expect(refusal(() => planBuckets(T0, T0 + 30 * DAY, '1m'))).toMatchObject({
      code: 'invalid_range',
      data: { field: 'bucket', maxBuckets: MAX_BUCKETS },
    });
  });

  it('gives every bucket min, max, avg and last per metric, counts uplinks but not SERVICE samples', () => {
    const plan = planBuckets(T0, T0 + 3 * HOUR, '1h');
    const buckets = bucketize(
      [
        sample(T0 + 1000, { rssi: -120, battery: 3.6 }),
        sample(T0 + 2000, { rssi: -100 }),
        sample(T0 + 3000, { rssi: -110, temperature: 20 }),
        sample(T0 + 2 * HOUR + 5, { source: 'service', battery: 3.5, temperature: 25 }),
      ],
      plan,
    );
    expect(buckets.map((b) => b.messages)).toEqual([3, 0, 0]);
    expect(buckets[0]?.metrics.rssi).toEqual({ min: -120, max: -100, avg: -110, last: -110, count: 3 });
    expect(buckets[0]?.metrics.battery).toEqual({ min: 3.6, max: 3.6, avg: 3.6, last: 3.6, count: 1 });
    expect(buckets[1]?.metrics).toEqual({});
    expect(buckets[2]?.metrics.temperature?.last).toBe(25);
    expect(buckets.map((b) => b.at)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
  });
});

describe('battery trend', () => {
  it('fits the drain per day and projects when the line reaches empty', () => {
    // 3.6 V falling 0.01 V a day: 2.6 V (empty) is 100 days after the first sample.
    const points = Array.from({ length: 11 }, (_, day) => ({ at: T0 + day * DAY, value: 3.6 - 0.01 * day }));
    const trend = batteryTrend(points, 2.6);
    expect(trend.drainPerDay).toBeCloseTo(0.01, 9);
    expect(Math.abs((trend.projectedEmptyAt ?? 0) - (T0 + 100 * DAY))).toBeLessThan(60_000);
  });

  it('has no slope for fewer than two samples or one instant, and no empty date when not draining', () => {
    expect(batteryTrend([{ at: T0, value: 3 }], 0)).toEqual({ drainPerDay: null, projectedEmptyAt: null });
    expect(
      batteryTrend(
        [
          { at: T0, value: 3 },
          { at: T0, value: 2 },
        ],
        0,
      ),
    ).toEqual({ drainPerDay: null, projectedEmptyAt: null });
    const charging = batteryTrend(
      [
        { at: T0, value: 50 },
        { at: T0 + DAY, value: 60 },
      ],
      0,
    );
    expect(charging.drainPerDay).toBeCloseTo(-10, 9);
    expect(charging.projectedEmptyAt).toBeNull();
  });
});
