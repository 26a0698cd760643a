import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { lazyPage } from '../components/lazy.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { TimeChart } from '../components/time-chart.js';
import { ago, formatDateTime, formatNumber, numericFields, summarize } from '../format.js';
import { ChangeHub, followStream, type StreamStatus } from '../stream.js';
import type { DecodedChange, Device, DeviceState, Message, Page, Reception } from '../types.js';
import { DeviceCommands } from './device-commands.js';
import { DeviceCredentials } from './device-credentials.js';
import { DeviceTwin } from './device-twin.js';
import { LiveBadge } from './overview.js';

// Parts past the first screen: their own chunks, fetched when a device is first opened.
const DeviceLifecycle = lazyPage(
  () => import('./device-lifecycle.js').then((module) => module.DeviceLifecycle),
  { focus: false },
);
const DeviceHealth = lazyPage(() => import('./device-health.js').then((module) => module.DeviceHealth), {
  focus: false,
});

const RECENT = 25;
const RANGES = [
  { value: '3600', label: 'Last hour' },
  { value: '21600', label: 'Last 6 hours' },
  { value: '86400', label: 'Last 24 hours' },
  { value: '604800', label: 'Last 7 days' },
] as const;
/** Most messages a chart reads (10 pages of the API's largest page). */
const CHART_LIMIT = 10_000;

/** What a chart draws of a message: its decoded values, or its JSON payload without a codec. */
const valuesOf = (message: Message) =>
  numericFields(message.decoded?.data ?? (message.decoded ? undefined : message.json));

/** A new message in a newest-first list, or a decoding merged into the one it belongs to. */
function merge(
  list: readonly Message[],
  change: { kind: string; data: unknown },
  limit: number,
): readonly Message[] {
  if (change.kind === 'message.created') {
    const message = change.data as Message;
    if (list.some((known) => known.id === message.id)) return list;
    return [message, ...list].slice(0, limit);
  }
  if (change.kind === 'message.decoded') {
    const decoded = change.data as DecodedChange;
    return list.map((known) =>
      known.id === decoded.messageId ? { ...known, decoded: decoded.decoded } : known,
    );
  }
  return list;
}

/** One device: properties, tags, live messages with their decoded values, and a chart. */
export function DevicePage({ api, deviceId }: { readonly api: Api; readonly deviceId: string }) {
  const [device, setDevice] = useState<Device | null>(null);
  const [state, setState] = useState<DeviceState | null>(null);
  const [recent, setRecent] = useState<readonly Message[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [range, setRange] = useState<string>(RANGES[0].value);
  const [history, setHistory] = useState<readonly Message[]>([]);
  const [truncated, setTruncated] = useState(false);
  const [chartError, setChartError] = useState<unknown>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  // Receptions by message id, for the messages whose row is open.
  const [receptions, setReceptions] = useState<ReadonlyMap<string, readonly Reception[] | Error>>(new Map());
  const hub = useMemo(() => new ChangeHub(), []);
  const path = `/v1/devices/${encodeURIComponent(deviceId)}`;

  useEffect(() => {
    const stop = new AbortController();
    setDevice(null);
    setError(null);
    const load = async () => {
      try {
        const [found, capture, page] = await Promise.all([
          api.get<Device>(path, undefined, stop.signal),
          api.get<DeviceState>(`${path}/state`, undefined, stop.signal),
          api.get<Page<Message>>(`${path}/messages`, { limit: RECENT, receptions: 'true' }, stop.signal),
        ]);
        setDevice(found);
        setState(capture);
        setRecent((live) => [
          ...live,
          ...page.items.filter((message) => !live.some((known) => known.id === message.id)),
        ]);
      } catch (failure) {
        if (!isAbort(failure)) setError(failure);
      }
    };
    setRecent([]);
    // The stream opens first: a message stored while the history is read arrives on it.
    void followStream({
      api,
      query: {
        deviceId,
        kinds: [
          'message.created',
          'message.decoded',
          'device.updated',
          'device.deleted',
          'twin.desired.changed',
          'twin.reported.changed',
          'command.created',
          'command.status_changed',
          'device.lifecycle_changed',
          'alert.raised',
          'alert.updated',
          'alert.acknowledged',
          'alert.cleared',
        ],
      },
      onChange: (change) => {
        hub.emit(change);
        if (
          change.kind !== 'device.updated' &&
          change.kind !== 'device.deleted' &&
          !change.kind.startsWith('message.')
        )
          return;
        if (change.kind === 'device.updated') setDevice(change.data as Device);
        else if (change.kind === 'device.deleted') setError(new Error('This device was deleted.'));
        else {
          setRecent((list) => merge(list, change, RECENT));
          // The chart's list is oldest first: a new message goes last.
          setHistory((list) => {
            if (change.kind !== 'message.created') return merge(list, change, CHART_LIMIT);
            const message = change.data as Message;
            return list.some((known) => known.id === message.id) ? list : [...list, message];
          });
          if (change.kind === 'message.created') {
            const message = change.data as Message;
            setState((known) =>
              known
                ? { ...known, lastSeenAt: message.receivedAt, messageCount: known.messageCount + 1 }
                : known,
            );
          }
        }
      },
      onStatus: setStatus,
      signal: stop.signal,
    });
    void load();
    return () => stop.abort();
  }, [api, deviceId, path, hub]);

  // The chart's range: oldest first, up to CHART_LIMIT messages.
  useEffect(() => {
    const stop = new AbortController();
    const from = new Date(Date.now() - Number(range) * 1000).toISOString();
    setChartError(null);
    (async () => {
      const read: Message[] = [];
      let cursor: string | undefined;
      do {
        const page: Page<Message> = await api.get(
          `${path}/messages`,
          { from, order: 'asc', limit: 1000, cursor },
          stop.signal,
        );
        read.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && read.length < CHART_LIMIT);
      setHistory(read);
      setTruncated(cursor !== undefined);
    })().catch((failure: unknown) => {
      if (!isAbort(failure)) setChartError(failure);
    });
    return () => stop.abort();
  }, [api, path, range]);

  const chart = useMemo(() => {
    const rows = history.map((message) => ({
      at: Date.parse(message.receivedAt) / 1000,
      values: valuesOf(message),
    }));
    const fields = [...new Set(rows.flatMap((row) => [...row.values.keys()]))].sort();
    return {
      fields,
      times: rows.map((row) => row.at),
      series: fields.map((field) => ({
        label: field,
        values: rows.map((row) => row.values.get(field) ?? null),
      })),
    };
  }, [history]);
  const shown = chart.series.filter((series) => !hidden.has(series.label));

  /** Opens or closes a message's receptions, read with the message (more may have merged since). */
  async function toggleReceptions(message: Message) {
    if (receptions.has(message.id)) {
      const next = new Map(receptions);
      next.delete(message.id);
      setReceptions(next);
      return;
    }
    try {
      const full = await api.get<Message>(`/v1/messages/${encodeURIComponent(message.id)}`);
      setReceptions((known) => new Map(known).set(message.id, full.receptions ?? []));
    } catch (failure) {
      setReceptions((known) =>
        new Map(known).set(message.id, failure instanceof Error ? failure : new Error(String(failure))),
      );
    }
  }

  if (error && !device)
    return (
      <>
        <h1 tabIndex={-1}>Device {deviceId}</h1>
        <ProblemMessage error={error} />
        <p>
          <Link href="/devices">Back to the devices</Link>
        </p>
      </>
    );

  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>
          Device <span class="mono">{deviceId}</span>
        </h1>
        <LiveBadge status={status} />
      </div>
      <ProblemMessage error={error} />
      {device ? (
        <div class="columns">
          <section aria-labelledby="properties-title" class="card">
            <h2 id="properties-title">Properties</h2>
            <dl class="properties">
              <dt>Name</dt>
              <dd>{device.name || '—'}</dd>
              <dt>Type</dt>
              <dd>
                <Link href={`/device-types/${encodeURIComponent(device.typeId)}`}>{device.typeId}</Link>
              </dd>
              <dt>Last seen</dt>
              <dd data-testid="last-seen">
                {state?.lastSeenAt ? (
                  <time dateTime={state.lastSeenAt} title={formatDateTime(state.lastSeenAt)}>
                    {ago(state.lastSeenAt)}
                  </time>
                ) : (
                  'never'
                )}
              </dd>
              <dt>Messages</dt>
              <dd>{formatNumber(state?.messageCount ?? 0)}</dd>
              <dt>Duplicates dropped</dt>
              <dd>{formatNumber(state?.duplicateCount ?? 0)}</dd>
              <dt>Created</dt>
              <dd>{formatDateTime(device.createdAt)}</dd>
              <dt>Updated</dt>
              <dd>
                {formatDateTime(device.updatedAt)} (version {device.version})
              </dd>
              {Object.keys(device.attributes).length > 0 ? (
                <>
                  <dt>Attributes</dt>
                  <dd>
                    <code>{summarize(device.attributes)}</code>
                  </dd>
                </>
              ) : null}
            </dl>
          </section>
          <section aria-labelledby="tags-title" class="card">
            <h2 id="tags-title">Tags</h2>
            {Object.keys(device.tags).length === 0 ? (
              <p class="muted">No tags.</p>
            ) : (
              <ul class="tags">
                {Object.entries(device.tags).map(([key, value]) => (
                  <li key={key}>
                    <Link
                      class="tag-link"
                      href={`/devices?tag=${encodeURIComponent(value === '' ? key : `${key}=${value}`)}`}
                    >
                      {value === '' ? key : `${key}=${value}`}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      ) : (
        <p aria-live="polite">Loading…</p>
      )}

      <section aria-labelledby="chart-title" class="card">
        <div class="title-row">
          <h2 id="chart-title">Decoded values</h2>
          <div class="field inline">
            <label for="chart-range">Range</label>
            <select id="chart-range" value={range} onChange={(event) => setRange(event.currentTarget.value)}>
              {RANGES.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <ProblemMessage error={chartError} />
        {chart.fields.length === 0 ? (
          <p class="muted">
            No numeric values in this range
            {history.length > 0 ? ` (${formatNumber(history.length)} messages)` : ''}.
          </p>
        ) : (
          <>
            <fieldset class="series-picker">
              <legend>Fields</legend>
              {chart.fields.map((field) => (
                <label key={field} class="check">
                  <input
                    type="checkbox"
                    checked={!hidden.has(field)}
                    onChange={(event) => {
                      const next = new Set(hidden);
                      if (event.currentTarget.checked) next.delete(field);
                      else next.add(field);
                      setHidden(next);
                    }}
                  />
                  {field}
                </label>
              ))}
            </fieldset>
            {/* One chart per field: fields rarely share a unit or a scale. */}
            {shown.map((series) => (
              <div key={series.label}>
                <p class="chart-title" aria-hidden="true">
                  {series.label}
                </p>
                <TimeChart
                  label={`${series.label} of ${deviceId}: ${chart.times.length} messages, latest ${series.values.findLast((value) => value !== null) ?? 'none'}`}
                  times={chart.times}
                  series={[series]}
                  height={180}
                />
              </div>
            ))}
            {truncated ? (
              <p class="hint">
                The first {formatNumber(CHART_LIMIT)} messages of the range are shown: choose a shorter range.
              </p>
            ) : null}
          </>
        )}
      </section>

      <section aria-labelledby="messages-title" class="card">
        <h2 id="messages-title">Messages</h2>
        <p class="hint">The newest {RECENT}; new ones appear as they arrive.</p>
        {recent.length === 0 ? (
          <p class="muted">No messages yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="messages" aria-describedby="messages-title">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Timeliness</th>
                  <th scope="col">Seq</th>
                  <th scope="col">Payload</th>
                  <th scope="col">Decoded</th>
                  <th scope="col">Receptions</th>
                </tr>
              </thead>
              <tbody aria-live="polite" aria-relevant="additions">
                {recent.map((message) => {
                  const opened = receptions.get(message.id);
                  const count = message.receptions?.length;
                  return (
                    <Fragment key={message.id}>
                      <tr data-message-id={message.id}>
                        <td>
                          <time dateTime={message.receivedAt}>{formatDateTime(message.receivedAt)}</time>
                        </td>
                        <td>
                          <span class={`pill ${message.timeliness}`}>{message.timeliness}</span>
                          {message.outOfOrder ? <span class="pill late">out of order</span> : null}
                        </td>
                        <td class="num">{message.seq ?? '—'}</td>
                        <td class="mono">{message.payload.hex || summarize(message.json)}</td>
                        <td class="decoded">
                          {message.decoded ? (
                            message.decoded.errors.length > 0 ? (
                              <span class="problem-inline">{message.decoded.errors.join('; ')}</span>
                            ) : (
                              <code>{summarize(message.decoded.data)}</code>
                            )
                          ) : (
                            <span class="muted">—</span>
                          )}
                        </td>
                        <td class="num">
                          <button
                            type="button"
                            class="link-button"
                            aria-expanded={opened !== undefined}
                            aria-controls={`receptions-${message.id}`}
                            // The name starts with the visible text (WCAG 2.5.3).
                            aria-label={`${count ?? 'Show'} receptions, message of ${formatDateTime(message.receivedAt)}`}
                            onClick={() => void toggleReceptions(message)}
                          >
                            {count ?? 'Show'}
                          </button>
                        </td>
                      </tr>
                      {opened !== undefined ? (
                        <tr id={`receptions-${message.id}`} class="receptions-row">
                          <td colSpan={6}>
                            {opened instanceof Error ? (
                              <ProblemMessage error={opened} />
                            ) : opened.length === 0 ? (
                              <span class="muted">
                                No base-station receptions (sent over {message.transport}).
                              </span>
                            ) : (
                              <table class="receptions">
                                <caption class="visually-hidden">Receptions by station</caption>
                                <thead>
                                  <tr>
                                    <th scope="col">Station</th>
                                    <th scope="col">Received</th>
                                    <th scope="col" class="num">
                                      RSSI (dBm)
                                    </th>
                                    <th scope="col" class="num">
                                      SNR (dB)
                                    </th>
                                  </tr>
                                </thead>
                                <tbody>
                                  {opened.map((reception) => (
                                    <tr key={`${reception.station}-${reception.receivedAt}`}>
                                      <td class="mono">{reception.station}</td>
                                      <td>{formatDateTime(reception.receivedAt)}</td>
                                      <td class="num">{reception.rssi ?? '—'}</td>
                                      <td class="num">{reception.snr ?? '—'}</td>
                                    </tr>
                                  ))}
                                </tbody>
                              </table>
                            )}
                          </td>
                        </tr>
                      ) : null}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <DeviceHealth api={api} deviceId={deviceId} hub={hub} />
      <DeviceLifecycle api={api} deviceId={deviceId} hub={hub} />
      <DeviceTwin api={api} deviceId={deviceId} hub={hub} />
      <DeviceCommands api={api} deviceId={deviceId} hub={hub} />
      <DeviceCredentials api={api} deviceId={deviceId} />
    </>
  );
}
