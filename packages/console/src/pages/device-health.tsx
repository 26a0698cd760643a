import type { ResponseBody } from '@fleetport/sdk';
import { useEffect, useState } from 'preact/hooks';
import { ProblemMessage } from '../components/problem.js';
import { TimeChart } from '../components/time-chart.js';
import { useLoad } from '../components/use-load.js';
import { ago, formatDateTime, formatNumber } from '../format.js';
import { ok, typed } from '../sdk.js';
import type { DevicePartProps } from './device-lifecycle.js';

type Health = ResponseBody<'/v1/devices/{deviceId}/health', 'get'>;
type Bucket = Health['buckets'][number];
const METRICS = ['battery', 'temperature', 'rssi', 'snr', 'stations', 'reboots', 'shock'] as const;
const RANGES = [
  { label: '24 hours', hours: 24 },
  { label: '7 days', hours: 24 * 7 },
  { label: '30 days', hours: 24 * 30 },
] as const;

/**
 * A device's health over a range: uplinks per hour, battery drain and its projected empty
 * date, and one chart per metric that has samples (average per bucket). Read again at
 * most once a minute while uplinks arrive.
 */
export function DeviceHealth({ api, deviceId, hub }: DevicePartProps) {
  const client = typed(api);
  const [hours, setHours] = useState<number>(24);
  const [round, setRound] = useState(0);
  const health = useLoad(
    (signal) =>
      ok(
        client.GET('/v1/devices/{deviceId}/health', {
          params: {
            path: { deviceId },
            query: { from: new Date(Date.now() - hours * 3_600_000).toISOString() },
          },
          signal,
        }),
      ),
    [client, deviceId, hours, round],
  );

  useEffect(() => {
    let last = Date.now();
    let pending: ReturnType<typeof setTimeout> | undefined;
    const stop = hub.subscribe((change) => {
      if (change.kind !== 'message.created' || pending !== undefined) return;
      pending = setTimeout(
        () => {
          pending = undefined;
          last = Date.now();
          setRound((n) => n + 1);
        },
        Math.max(0, last + 60_000 - Date.now()),
      );
    });
    return () => {
      stop();
      clearTimeout(pending);
    };
  }, [hub]);

  const value = health.value;
  const times = value?.buckets.map((bucket) => Date.parse(bucket.at) / 1000) ?? [];
  const charted = value
    ? METRICS.filter((metric) => value.buckets.some((bucket) => bucket[metric] !== null))
    : [];
  return (
    <section class="card" aria-labelledby="health-title">
      <div class="title-row">
        <h2 id="health-title">Health</h2>
        <div class="field inline">
          <label for="health-range">Health over</label>
          <select
            id="health-range"
            value={hours}
            onChange={(event) => setHours(Number(event.currentTarget.value))}
          >
            {RANGES.map((range) => (
              <option value={range.hours} key={range.hours}>
                {range.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ProblemMessage error={health.error} />
      {value ? (
        <>
          <dl class="properties" data-testid="health">
            <dt>Last seen</dt>
            <dd>{ago(value.lastSeenAt)}</dd>
            <dt>Uplinks</dt>
            <dd>
              {formatNumber(value.messages.total)} (
              {formatNumber(Math.round(value.messages.perHour * 10) / 10)} per hour)
            </dd>
            <dt>Battery drain</dt>
            <dd>
              {value.battery.drainPerDay === null
                ? 'not enough samples'
                : `${formatNumber(Math.round(value.battery.drainPerDay * 1000) / 1000)} per day`}
              {value.battery.projectedEmptyAt
                ? `, empty about ${formatDateTime(value.battery.projectedEmptyAt)}`
                : ''}
            </dd>
            <dt>Buckets</dt>
            <dd>{value.bucket}</dd>
          </dl>
          {charted.length === 0 ? (
            <p class="muted">No health samples in this range.</p>
          ) : (
            charted.map((metric) => (
              <div key={metric}>
                <h3 class="chart-title">{metric}</h3>
                <TimeChart
                  label={`${metric} of ${deviceId}, average per ${value.bucket}`}
                  times={times}
                  series={[
                    {
                      label: `${metric} (avg)`,
                      values: value.buckets.map((bucket: Bucket) => bucket[metric]?.avg ?? null),
                    },
                  ]}
                  height={160}
                />
              </div>
            ))
          )}
        </>
      ) : health.error ? null : (
        <p aria-live="polite">Loading…</p>
      )}
    </section>
  );
}
