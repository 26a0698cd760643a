import type { Alert, AlertDetail } from '@fleetport/sdk';
import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime } from '../format.js';
import { navigate } from '../router.js';
import { ok, typed } from '../sdk.js';
import { followStream, type StreamStatus } from '../stream.js';
import { LiveBadge } from './overview.js';

const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
const STATES = ['active', 'open', 'acknowledged', 'cleared'] as const;
const ALERT_KINDS = [
  'alert.raised',
  'alert.updated',
  'alert.acknowledged',
  'alert.cleared',
  'alert.commented',
];
const PAGE = 50;

type Severity = (typeof SEVERITIES)[number];
type StateFilter = (typeof STATES)[number];

interface Filters {
  readonly state?: StateFilter;
  readonly severity?: Severity;
  readonly type?: string;
  readonly deviceId?: string;
}

function filtersOf(query: URLSearchParams): Filters {
  const state = query.get('state') ?? 'active';
  const severity = query.get('severity');
  const type = query.get('type')?.trim();
  const deviceId = query.get('deviceId')?.trim();
  return {
    ...((STATES as readonly string[]).includes(state) ? { state: state as StateFilter } : {}),
    ...(severity && (SEVERITIES as readonly string[]).includes(severity)
      ? { severity: severity as Severity }
      : {}),
    ...(type ? { type } : {}),
    ...(deviceId ? { deviceId } : {}),
  };
}

/** Whether an alert as a change left it belongs in the list the filters show. */
function matches(alert: Alert, filters: Filters): boolean {
  if (filters.state === 'active' ? alert.state === 'cleared' : filters.state && alert.state !== filters.state)
    return false;
  if (filters.severity && alert.severity !== filters.severity) return false;
  if (filters.type && alert.type !== filters.type) return false;
  return !(filters.deviceId && alert.deviceId !== filters.deviceId);
}

/**
 * The tenant's alerts, newest first, filtered by state, severity, type and device (the
 * filters live in the address); acknowledge, clear and comment; every change of an alert
 * arrives on the event stream and updates the list in place.
 */
export function Alerts({ api, query }: { readonly api: Api; readonly query: URLSearchParams }) {
  const client = typed(api);
  const filters = filtersOf(query);
  const filterKey = JSON.stringify(filters);
  // Changes that arrive while the first page is read are kept and merged with it.
  const [alerts, setAlerts] = useState<readonly Alert[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    const stop = new AbortController();
    setAlerts([]);
    setLoaded(false);
    setError(null);
    const upsert = (alert: Alert) =>
      setAlerts((list) => {
        const known = list.some((item) => item.id === alert.id);
        if (!matches(alert, filters)) return known ? list.filter((item) => item.id !== alert.id) : list;
        // An alert changes in place; a new one goes first (the list is newest first).
        return known ? list.map((item) => (item.id === alert.id ? alert : item)) : [alert, ...list];
      });
    // The stream opens first, so an alert raised while the first page is read is not missed.
    void followStream({
      api,
      query: { kinds: ALERT_KINDS, ...(filters.deviceId ? { deviceId: filters.deviceId } : {}) },
      onChange: (change) => upsert(change.data as Alert),
      onStatus: setStatus,
      signal: stop.signal,
    });
    ok(
      client.GET('/v1/alerts', { params: { query: { ...filters, limit: PAGE } }, signal: stop.signal }),
    ).then(
      (page) => {
        setAlerts((live) => [
          ...live,
          ...page.items.filter((item) => !live.some((known) => known.id === item.id)),
        ]);
        setCursor(page.nextCursor);
        setLoaded(true);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      },
    );
    return () => stop.abort();
  }, [api, filterKey]);

  async function more() {
    if (!cursor) return;
    try {
      const page = await ok(
        client.GET('/v1/alerts', { params: { query: { ...filters, limit: PAGE, cursor } } }),
      );
      setAlerts((list) => [
        ...list,
        ...page.items.filter((item) => !list.some((known) => known.id === item.id)),
      ]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  }

  function applyFilters(event: Event) {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const name of ['state', 'severity', 'type', 'deviceId']) {
      const value = String(fields.get(name) ?? '').trim();
      if (value !== '') params.set(name, value);
    }
    navigate(`/alerts?${params.toString()}`);
  }

  const replace = (alert: Alert) =>
    setAlerts((list) => list.map((item) => (item.id === alert.id ? alert : item)));

  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Alerts</h1>
        <LiveBadge status={status} />
      </div>
      <form class="card inline-form" onSubmit={applyFilters} aria-label="Alert filters" key={filterKey}>
        <div class="field narrow">
          <label for="alert-state">State</label>
          <select id="alert-state" name="state" value={filters.state ?? ''}>
            <option value="">any</option>
            {STATES.map((state) => (
              <option value={state} key={state}>
                {state === 'active' ? 'active (open or acknowledged)' : state}
              </option>
            ))}
          </select>
        </div>
        <div class="field narrow">
          <label for="alert-severity">Severity</label>
          <select id="alert-severity" name="severity" value={filters.severity ?? ''}>
            <option value="">any</option>
            {SEVERITIES.map((severity) => (
              <option value={severity} key={severity}>
                {severity}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="alert-type">Type</label>
          <input id="alert-type" name="type" value={filters.type ?? ''} placeholder="device_silent" />
        </div>
        <div class="field">
          <label for="alert-device">Device</label>
          <input id="alert-device" name="deviceId" value={filters.deviceId ?? ''} autoComplete="off" />
        </div>
        <button type="submit">Show</button>
      </form>
      <ProblemMessage error={error} />
      <section class="card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts</h2>
        {!loaded ? (
          error ? null : (
            <p aria-live="polite">Loading…</p>
          )
        ) : alerts.length === 0 ? (
          <p class="muted">No alerts match.</p>
        ) : (
          <div class="table-scroll">
            <table class="alerts">
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Alert</th>
                  <th scope="col">Subject</th>
                  <th scope="col" class="num">
                    Times
                  </th>
                  <th scope="col">Last</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {alerts.map((alert) => (
                  <AlertRow
                    key={alert.id}
                    api={api}
                    alert={alert}
                    open={open === alert.id}
                    onToggle={() => setOpen((current) => (current === alert.id ? null : alert.id))}
                    onChanged={replace}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor ? (
          <button type="button" class="secondary" onClick={more}>
            More alerts
          </button>
        ) : null}
      </section>
    </>
  );
}

interface AlertRowProps {
  readonly api: Api;
  readonly alert: Alert;
  readonly open: boolean;
  readonly onToggle: () => void;
  readonly onChanged: (alert: Alert) => void;
}

function AlertRow({ api, alert, open, onToggle, onChanged }: AlertRowProps) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const label = `${alert.type}${alert.deviceId ? ` on ${alert.deviceId}` : alert.subject ? ` ${alert.subject}` : ''}`;

  async function act(action: 'acknowledge' | 'clear') {
    setBusy(true);
    setError(null);
    try {
      const path =
        action === 'acknowledge'
          ? '/v1/alerts/{alertId}/acknowledge'
          : ('/v1/alerts/{alertId}/clear' as const);
      onChanged(await ok(client.POST(path, { params: { path: { alertId: alert.id } }, body: {} })));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <tr data-alert-id={alert.id} data-state={alert.state}>
        <td>
          <span class={`pill severity-${alert.severity}`}>{alert.severity}</span>
        </td>
        <td>
          <strong>{alert.type}</strong>
          <div class="muted">{alert.message}</div>
        </td>
        <td>
          {alert.deviceId ? (
            <Link href={`/devices/${encodeURIComponent(alert.deviceId)}`}>{alert.deviceId}</Link>
          ) : (
            (alert.subject ?? 'fleet')
          )}
        </td>
        <td class="num">{alert.occurrences}</td>
        <td>{formatDateTime(alert.lastAt)}</td>
        <td>
          <span class={`pill ${alert.state}`}>{alert.state}</span>
        </td>
        <td class="actions">
          {alert.state === 'open' ? (
            <button
              type="button"
              class="secondary"
              disabled={busy}
              aria-label={`Acknowledge ${label}`}
              onClick={() => act('acknowledge')}
            >
              Acknowledge
            </button>
          ) : null}
          {alert.state !== 'cleared' ? (
            <button
              type="button"
              class="secondary"
              disabled={busy}
              aria-label={`Clear ${label}`}
              onClick={() => act('clear')}
            >
              Clear
            </button>
          ) : null}
          <button
            type="button"
            class="secondary"
            aria-expanded={open}
            aria-label={`History of ${label}`}
            onClick={onToggle}
          >
            History
          </button>
        </td>
      </tr>
      {error ? (
        <tr>
          <td colSpan={7}>
            <ProblemMessage error={error} />
          </td>
        </tr>
      ) : null}
      {open ? (
        <tr>
          <td colSpan={7}>
            <AlertHistory api={api} alert={alert} label={label} onChanged={onChanged} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function AlertHistory({
  api,
  alert,
  label,
  onChanged,
}: {
  readonly api: Api;
  readonly alert: Alert;
  readonly label: string;
  readonly onChanged: (alert: Alert) => void;
}) {
  const client = typed(api);
  const [detail, setDetail] = useState<AlertDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [commentError, setCommentError] = useState<unknown>(null);

  // Read again whenever the alert changes (a new version arrived on the stream or from an action).
  useEffect(() => {
    const stop = new AbortController();
    ok(
      client.GET('/v1/alerts/{alertId}', { params: { path: { alertId: alert.id } }, signal: stop.signal }),
    ).then(setDetail, (failure: unknown) => {
      if (!isAbort(failure)) setError(failure);
    });
    return () => stop.abort();
  }, [client, alert.id, alert.version]);

  async function comment(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '');
    setCommentError(null);
    try {
      const answer = await ok(
        client.POST('/v1/alerts/{alertId}/comments', {
          params: { path: { alertId: alert.id } },
          body: { text },
        }),
      );
      onChanged(answer.alert);
      form.reset();
    } catch (failure) {
      setCommentError(failure);
    }
  }

  const fieldId = `comment-${alert.id}`;
  return (
    <section class="history" aria-label={`History of ${label}`}>
      <ProblemMessage error={error} />
      {Object.keys(alert.details).length > 0 ? (
        <pre class="mono">{JSON.stringify(alert.details, null, 2)}</pre>
      ) : null}
      {detail ? (
        <ol>
          {detail.history.map((entry) => (
            <li key={entry.seq}>
              <strong>{entry.action}</strong> by{' '}
              {entry.actor.kind === 'platform' ? `the platform (${entry.actor.id})` : `key ${entry.actor.id}`}
              , {formatDateTime(entry.at)}
              {entry.text ? <>: {entry.text}</> : null}
            </li>
          ))}
        </ol>
      ) : null}
      <form class="inline-form" onSubmit={comment}>
        <div class="field wide">
          <label for={fieldId}>Comment</label>
          <input
            id={fieldId}
            name="text"
            autoComplete="off"
            aria-invalid={commentError ? true : undefined}
            aria-describedby={commentError ? `${fieldId}-error` : undefined}
          />
        </div>
        <button type="submit">Add comment</button>
        <ProblemMessage error={commentError} id={`${fieldId}-error`} />
      </form>
    </section>
  );
}
