import { AppError } from '../../kernel/errors.js';

/** The metrics a sample may carry, besides being a message. */
export const HEALTH_METRICS = [
  'rssi',
  'snr',
  'stations',
  'battery',
  'temperature',
  'reboots',
  'shock',
] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number];

/** The metrics a device type maps from decoded fields (the others come from receptions). */
export const DECODED_METRICS = ['battery', 'temperature', 'reboots', 'shock'] as const;
export type DecodedMetric = (typeof DECODED_METRICS)[number];

/** One sample as the series reads it. */
export interface SampleRow {
  readonly at: number;
  readonly source: string;
  readonly rssi: number | null;
  readonly snr: number | null;
  readonly stations: number | null;
  readonly battery: number | null;
  readonly temperature: number | null;
  readonly reboots: number | null;
  readonly shock: number | null;
}

export interface Stat {
  min: number;
  max: number;
  avg: number;
  last: number;
  count: number;
}

export interface Bucket {
  /** Start of the bucket, Unix ms. */
  readonly at: number;
  /** Uplinks in the bucket (SERVICE callbacks are not messages). */
  messages: number;
  readonly metrics: Partial<Record<HealthMetric, Stat>>;
}

const MINUTE_MS = 60_000;
/** At most this many buckets per answer: a sparkline or a chart has no use for more. */
export const MAX_BUCKETS = 1000;
const UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE_MS, h: 3_600_000, d: 86_400_000 };
/** Bucket sizes picked when none is asked for: the smallest giving at most 200 buckets. */
const AUTO_BUCKETS = ['1m', '5m', '15m', '1h', '6h', '1d', '7d'] as const;

/** A bucket size like `5m`, `1h` or `1d` in milliseconds; whole minutes, since samples are read per minute at least. */
export function parseBucket(text: string): number {
  const match = /^([1-9][0-9]{0,4})([mhd])$/.exec(text);
  const unit = match?.[2];
  if (match === null || unit === undefined)
    throw new AppError(
      'invalid_range',
      `bucket '${text}' is not a size like 5m, 1h or 1d (minutes at least)`,
      {
        field: 'bucket',
      },
    );
  return Number(match[1]) * (UNIT_MS[unit] ?? MINUTE_MS);
}

/** The range and buckets of a health request, checked: from before to, at most `MAX_BUCKETS` buckets. */
export function planBuckets(
  from: number,
  to: number,
  bucket: string | undefined,
): { start: number; bucketMs: number; count: number; bucket: string } {
  if (!(from < to))
    throw new AppError('invalid_range', 'from must be before to', {
      field: 'from',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
  const chosen =
    bucket ??
    AUTO_BUCKETS.find((size) => (to - from) / parseBucket(size) <= 200) ??
    AUTO_BUCKETS.at(-1) ??
    '7d';
  const bucketMs = parseBucket(chosen);
  // Aligned on the epoch, so hourly buckets start on the hour whatever `from` is.
  const start = Math.floor(from / bucketMs) * bucketMs;
  const count = Math.ceil((to - start) / bucketMs);
  if (count > MAX_BUCKETS)
    throw new AppError(
      'invalid_range',
      `${count} buckets of ${chosen} in this range; at most ${MAX_BUCKETS}: use a larger bucket or a shorter range`,
      { field: 'bucket', buckets: count, maxBuckets: MAX_BUCKETS },
    );
  return { start, bucketMs, count, bucket: chosen };
}

/** Samples in time order into dense buckets: every bucket of the range, empty ones too. */
export function bucketize(
  rows: readonly SampleRow[],
  plan: { readonly start: number; readonly bucketMs: number; readonly count: number },
): Bucket[] {
  const buckets: Bucket[] = Array.from({ length: plan.count }, (_, index) => ({
    at: plan.start + index * plan.bucketMs,
    messages: 0,
    metrics: {},
  }));
  for (const row of rows) {
    const bucket = buckets[Math.floor((row.at - plan.start) / plan.bucketMs)];
    if (bucket === undefined) continue;
    if (row.source === 'uplink') bucket.messages += 1;
    for (const metric of HEALTH_METRICS) {
      const value = row[metric];
      if (value === null) continue;
      const stat = bucket.metrics[metric];
      if (stat === undefined) {
        bucket.metrics[metric] = { min: value, max: value, avg: value, last: value, count: 1 };
        continue;
      }
      stat.min = Math.min(stat.min, value);
      stat.max = Math.max(stat.max, value);
      // A running mean: no sum to overflow precision over long ranges.
      stat.count += 1;
      stat.avg += (value - stat.avg) / stat.count;
      stat.last = value;
    }
  }
  return buckets;
}

const DAY_MS = 86_400_000;

/** A least-squares line through the battery samples: its slope per day and where it meets `empty`. */
export function batteryTrend(
  points: readonly { readonly at: number; readonly value: number }[],
  empty: number,
): { drainPerDay: number | null; projectedEmptyAt: number | null } {
  if (points.length < 2) return { drainPerDay: null, projectedEmptyAt: null };
  // Centred on the first sample: epoch milliseconds squared would lose the slope's precision.
  const origin = points[0]?.at ?? 0;
  let sumT = 0;
  let sumY = 0;
  for (const point of points) {
    sumT += (point.at - origin) / DAY_MS;
    sumY += point.value;
  }
  const meanT = sumT / points.length;
  const meanY = sumY / points.length;
  let covariance = 0;
  let variance = 0;
  for (const point of points) {
    const dt = (point.at - origin) / DAY_MS - meanT;
    covariance += dt * (point.value - meanY);
    variance += dt * dt;
  }
  // All samples at one instant: no slope.
  if (variance === 0) return { drainPerDay: null, projectedEmptyAt: null };
  const slope = covariance / variance;
  const drainPerDay = -slope;
  if (!(slope < 0)) return { drainPerDay, projectedEmptyAt: null };
  const daysToEmpty = meanT + (empty - meanY) / slope;
  return { drainPerDay, projectedEmptyAt: Math.round(origin + daysToEmpty * DAY_MS) };
}
