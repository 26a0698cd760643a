import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { TimeChart } from '../components/time-chart.js';
import { formatNumber, formatTime } from '../format.js';
import { followStream, type StreamStatus } from '../stream.js';
import type { FleetOverview } from '../types.js';

const MINUTES = 60;
/** At most one refresh per this many ms while messages stream in. */
const REFRESH_MS = 5000;

/** The fleet at a glance: devices by type, seen and silent, messages per minute. */
export function Overview({ api }: { readonly api: Api }) {
  const [fleet, setFleet] = useState<FleetOverview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');

  useEffect(() => {
    const stop = new AbortController();
    let pending: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const load = async () => {
      last = Date.now();
      try {
        setFleet(await api.get<FleetOverview>('/v1/fleet', { minutes: MINUTES }, stop.signal));
        setError(null);
      } catch (failure) {
        if (!isAbort(failure)) setError(failure);
      }
    };
    // New messages and devices refresh the counts, throttled; a timer keeps the minutes moving.
    const soon = () => {
      if (pending !== undefined) return;
      pending = setTimeout(
        () => {
          pending = undefined;
          void load();
        },
        Math.max(0, last + REFRESH_MS - Date.now()),
      );
    };
    void load();
    const timer = setInterval(soon, 30_000);
    void followStream({
      api,
      query: { kinds: ['message.created', 'device.created', 'device.deleted'] },
      onChange: soon,
      onStatus: setStatus,
      signal: stop.signal,
    });
    return () => {
      stop.abort();
      clearInterval(timer);
      clearTimeout(pending);
    };
  }, [api]);

  const perMinute = fleet?.messagesPerMinute ?? [];
  const lastHour = perMinute.reduce((sum, entry) => sum + entry.count, 0);
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Fleet overview</h1>
        <LiveBadge status={status} />
      </div>
      <ProblemMessage error={error} />
      {fleet ? (
        <>
          <section aria-label="Device counts" class="stats">
            <Stat label="Devices" value={fleet.totals.devices} />
            <Stat label="Seen" value={fleet.totals.seen} tone="good" />
            <Stat
              label="Silent"
              value={fleet.totals.silent}
              tone={fleet.totals.silent > 0 ? 'warn' : undefined}
            />
            <Stat label="Never seen" value={fleet.totals.never} />
          </section>
          <section aria-labelledby="rate-title" class="card">
            <h2 id="rate-title">Messages per minute</h2>
            <p class="hint">
              {formatNumber(lastHour)} messages in the last {MINUTES} minutes, up to {formatTime(fleet.at)}.
            </p>
            <TimeChart
              label={`Messages per minute over the last ${MINUTES} minutes: ${formatNumber(lastHour)} in all, ${formatNumber(perMinute.at(-1)?.count ?? 0)} in the current minute`}
              times={perMinute.map((entry) => Date.parse(entry.minute) / 1000)}
              series={[{ label: 'messages', values: perMinute.map((entry) => entry.count) }]}
              bars
              height={200}
            />
          </section>
          <section aria-labelledby="types-title" class="card">
            <h2 id="types-title">Devices by type</h2>
            {fleet.byType.length === 0 ? (
              <p>
                No device types yet: create one with the API or <code>fleetport device-types create</code>.
              </p>
            ) : (
              <div class="table-scroll">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Type</th>
                      <th scope="col" class="num">
                        Devices
                      </th>
                      <th scope="col" class="num">
                        Seen
                      </th>
                      <th scope="col" class="num">
                        Silent
                      </th>
                      <th scope="col" class="num">
                        Never seen
                      </th>
                      <th scope="col" class="num">
                        Silent after
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {fleet.byType.map((type) => (
                      <tr key={type.typeId}>
                        <th scope="row">
                          <Link href={`/devices?type=${encodeURIComponent(type.typeId)}`}>{type.name}</Link>{' '}
                          <span class="muted">{type.typeId}</span>
                        </th>
                        <td class="num">{formatNumber(type.devices)}</td>
                        <td class="num">{formatNumber(type.seen)}</td>
                        <td class="num">{formatNumber(type.silent)}</td>
                        <td class="num">{formatNumber(type.never)}</td>
                        <td class="num">{formatSeconds(type.silentAfterSeconds)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      ) : error ? null : (
        <p aria-live="polite">Loading…</p>
      )}
    </>
  );
}

function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function Stat({
  label,
  value,
  tone,
}: {
  readonly label: string;
  readonly value: number;
  readonly tone?: string | undefined;
}) {
  return (
    <div class={`stat${tone ? ` ${tone}` : ''}`}>
      <span class="stat-label">{label}</span>
      <span class="stat-value">{formatNumber(value)}</span>
    </div>
  );
}

const STATUS_TEXT: Readonly<Record<StreamStatus, string>> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  refused: 'Live updates refused',
};

/** Whether the SSE stream is connected, announced politely to screen readers. */
export function LiveBadge({ status }: { readonly status: StreamStatus }) {
  return (
    <span class={`badge ${status}`} role="status" data-status={status}>
      {STATUS_TEXT[status]}
    </span>
  );
}
