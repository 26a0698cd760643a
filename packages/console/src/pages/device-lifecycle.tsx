import type { Alert, DeviceLifecycle as Lifecycle, LifecycleTransition } from '@fleetport/sdk';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { useLoad } from '../components/use-load.js';
import { formatDateTime } from '../format.js';
import { ok, typed } from '../sdk.js';
import type { ChangeHub } from '../stream.js';

type State = Lifecycle['state'];

export interface DevicePartProps {
  readonly api: Api;
  readonly deviceId: string;
  readonly hub: ChangeHub;
}

const label = (state: string) => state.replaceAll('_', ' ');

/**
 * A device's lifecycle: its state and since when, the moves the graph allows from it (from
 * `GET /v1/devices/{id}/lifecycle`, which answers them for this device now), each with a
 * reason; its contract and subscription; the audited history; and its active alerts.
 */
export function DeviceLifecycle({ api, deviceId, hub }: DevicePartProps) {
  const client = typed(api);
  const path = { deviceId };
  const lifecycle = useLoad(
    (signal) => ok(client.GET('/v1/devices/{deviceId}/lifecycle', { params: { path }, signal })),
    [client, deviceId],
  );
  const history = useLoad(
    (signal) =>
      ok(
        client.GET('/v1/devices/{deviceId}/lifecycle/history', {
          params: { path, query: { limit: 20 } },
          signal,
        }),
      ),
    [client, deviceId],
  );
  const [to, setTo] = useState<State | ''>('');
  const [error, setError] = useState<unknown>(null);

  // A move made elsewhere (another operator, an automatic rule) arrives on the device's stream.
  useEffect(
    () =>
      hub.subscribe((change) => {
        if (change.kind !== 'device.lifecycle_changed') return;
        lifecycle.reload();
        history.reload();
      }),
    [hub],
  );

  async function move(event: Event) {
    event.preventDefault();
    if (to === '') return;
    const form = event.currentTarget as HTMLFormElement;
    const reason = String(new FormData(form).get('reason') ?? '').trim();
    setError(null);
    try {
      const moved = await ok(
        client.POST('/v1/devices/{deviceId}/lifecycle', {
          params: { path },
          body: { state: to, ...(reason ? { reason } : {}) },
        }),
      );
      lifecycle.set(() => moved);
      history.reload();
      setTo('');
      form.reset();
    } catch (failure) {
      setError(failure);
    }
  }

  const current = lifecycle.value;
  return (
    <section class="card" aria-labelledby="lifecycle-title">
      <h2 id="lifecycle-title">Lifecycle</h2>
      <ProblemMessage error={lifecycle.error} />
      {current ? (
        <>
          <dl class="properties">
            <dt>State</dt>
            <dd>
              <span class={`pill lifecycle-${current.state}`} data-testid="lifecycle-state">
                {label(current.state)}
              </span>{' '}
              {current.since ? <span class="muted">since {formatDateTime(current.since)}</span> : null}
            </dd>
            <dt>Activated</dt>
            <dd>{formatDateTime(current.activatedAt)}</dd>
            <dt>Contract</dt>
            <dd>{current.contractId ?? 'none'}</dd>
            <dt>Subscription</dt>
            <dd>
              {current.subscription
                ? `${current.subscription.plan}, until ${formatDateTime(current.subscription.endsAt)}`
                : 'none'}
            </dd>
          </dl>
          {current.allowed.length === 0 ? (
            <p class="muted">No move is allowed from {label(current.state)}.</p>
          ) : (
            <form class="inline-form" onSubmit={move}>
              <div class="field">
                <label for="lifecycle-to">Move to</label>
                <select
                  id="lifecycle-to"
                  value={to}
                  onChange={(event) => setTo(event.currentTarget.value as State)}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? 'lifecycle-error' : undefined}
                >
                  <option value="">choose a state</option>
                  {current.allowed.map((state) => (
                    <option value={state} key={state}>
                      {label(state)}
                    </option>
                  ))}
                </select>
              </div>
              <div class="field wide">
                <label for="lifecycle-reason">Reason</label>
                <input
                  id="lifecycle-reason"
                  name="reason"
                  autoComplete="off"
                  placeholder="kept in the audit"
                />
              </div>
              <button type="submit" disabled={to === ''}>
                Move
              </button>
              <ProblemMessage error={error} id="lifecycle-error" />
            </form>
          )}
        </>
      ) : null}
      <h3>History</h3>
      <ProblemMessage error={history.error} />
      {history.value ? (
        history.value.items.length === 0 ? (
          <p class="muted">No transitions yet.</p>
        ) : (
          <ol class="plain-list" aria-label="Lifecycle history">
            {history.value.items.map((transition) => (
              <TransitionItem key={transition.id} transition={transition} />
            ))}
          </ol>
        )
      ) : null}
      <DeviceAlerts api={api} deviceId={deviceId} hub={hub} />
    </section>
  );
}

function TransitionItem({ transition }: { readonly transition: LifecycleTransition }) {
  return (
    <li>
      <span>
        {label(transition.from)} → <strong>{label(transition.to)}</strong>
        {transition.reason ? `: ${transition.reason}` : ''}
      </span>
      <span class="muted">
        {transition.actor.kind === 'platform'
          ? `platform (${transition.actor.id})`
          : `key ${transition.actor.id}`}
        , {formatDateTime(transition.at)}
      </span>
    </li>
  );
}

/** The device's active alerts, following the stream; the alerts page has the actions. */
function DeviceAlerts({ api, deviceId, hub }: DevicePartProps) {
  const client = typed(api);
  const alerts = useLoad(
    (signal) =>
      ok(client.GET('/v1/alerts', { params: { query: { deviceId, state: 'active', limit: 20 } }, signal })),
    [client, deviceId],
  );
  useEffect(
    () =>
      hub.subscribe((change) => {
        if (!change.kind.startsWith('alert.')) return;
        const alert = change.data as Alert;
        alerts.set((page) => {
          if (!page) return page;
          const rest = page.items.filter((item) => item.id !== alert.id);
          return { ...page, items: alert.state === 'cleared' ? rest : [alert, ...rest] };
        });
      }),
    [hub],
  );
  const items = alerts.value?.items;
  return (
    <>
      <h3>Active alerts</h3>
      <ProblemMessage error={alerts.error} />
      {items === undefined ? null : items.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="plain-list" aria-label="Active alerts">
          {items.map((alert) => (
            <li key={alert.id}>
              <span>
                <span class={`pill severity-${alert.severity}`}>{alert.severity}</span> {alert.type}:{' '}
                {alert.message}
              </span>
              <span class={`pill ${alert.state}`}>{alert.state}</span>
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link href={`/alerts?state=&deviceId=${encodeURIComponent(deviceId)}`}>
          Every alert of this device
        </Link>
      </p>
    </>
  );
}
