import type { RequestBody, WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '@fleetport/sdk';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { SecretOnce } from '../components/secret-once.js';
import { useLoad } from '../components/use-load.js';
import { formatDateTime } from '../format.js';
import { ok, problemField, typed } from '../sdk.js';

type EventType = NonNullable<RequestBody<'/v1/webhooks', 'post'>['eventTypes']>[number];
const PAGE = 50;

/**
 * Outgoing webhooks: endpoints (the signing secret shown once), enable, disable and
 * delete; each endpoint's deliveries with their log, retry, a test event and a replay of
 * the feed from a time.
 */
export function Webhooks({ api }: { readonly api: Api }) {
  const client = typed(api);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const endpoints = useLoad(
    (signal) => ok(client.GET('/v1/webhooks', { params: { query: { limit: 1000 } }, signal })),
    [client],
  );

  const replace = (endpoint: WebhookEndpoint) =>
    endpoints.set(
      (page) =>
        page && { ...page, items: page.items.map((item) => (item.id === endpoint.id ? endpoint : item)) },
    );

  async function setEnabled(endpoint: WebhookEndpoint, enabled: boolean) {
    setError(null);
    try {
      replace(
        await ok(
          client.PATCH('/v1/webhooks/{webhookId}', {
            params: { path: { webhookId: endpoint.id } },
            body: { enabled },
          }),
        ),
      );
    } catch (failure) {
      setError(failure);
    }
  }

  async function remove(endpoint: WebhookEndpoint) {
    setError(null);
    try {
      await ok(client.DELETE('/v1/webhooks/{webhookId}', { params: { path: { webhookId: endpoint.id } } }));
      endpoints.set(
        (page) => page && { ...page, items: page.items.filter((item) => item.id !== endpoint.id) },
      );
    } catch (failure) {
      setError(failure);
    }
  }

  const items = endpoints.value?.items;
  return (
    <>
      <h1 tabIndex={-1}>Webhooks</h1>
      <ProblemMessage error={endpoints.error ?? error} />
      {created ? (
        <SecretOnce
          label={`Signing secret of ${created.url}`}
          secret={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <section class="card" aria-labelledby="endpoints-title">
        <h2 id="endpoints-title">Endpoints</h2>
        {items === undefined ? (
          endpoints.error ? null : (
            <p aria-live="polite">Loading…</p>
          )
        ) : items.length === 0 ? (
          <p class="muted">No webhook endpoints yet.</p>
        ) : (
          <ul class="plain-list endpoints">
            {items.map((endpoint) => (
              <li key={endpoint.id} data-webhook-id={endpoint.id} class="endpoint">
                <div>
                  <code>{endpoint.url}</code>
                  <div class="muted">
                    {endpoint.description ? `${endpoint.description} · ` : ''}
                    {endpoint.eventTypes.length === 0 ? 'every event' : endpoint.eventTypes.join(', ')}
                    {endpoint.filter ? (
                      <>
                        {' '}
                        where <code>{endpoint.filter}</code>
                      </>
                    ) : null}
                    {endpoint.ordered ? ' · in order' : ''}
                  </div>
                </div>
                <div class="actions">
                  {endpoint.enabled ? (
                    <span class="pill applied">enabled</span>
                  ) : (
                    <span class="pill failed">
                      disabled{endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}
                    </span>
                  )}
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`${endpoint.enabled ? 'Disable' : 'Enable'} ${endpoint.url}`}
                    onClick={() => setEnabled(endpoint, !endpoint.enabled)}
                  >
                    {endpoint.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    aria-expanded={open === endpoint.id}
                    aria-label={`Deliveries of ${endpoint.url}`}
                    onClick={() => setOpen((current) => (current === endpoint.id ? null : endpoint.id))}
                  >
                    Deliveries
                  </button>
                  <ConfirmButton
                    label="Delete"
                    subject={`webhook ${endpoint.url}`}
                    onConfirm={() => remove(endpoint)}
                  />
                </div>
                {open === endpoint.id ? <Deliveries api={api} endpoint={endpoint} /> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      <NewEndpoint
        api={api}
        onCreated={(endpoint, secret) => {
          endpoints.set((page) => page && { ...page, items: [...page.items, endpoint] });
          setCreated({ url: endpoint.url, secret });
        }}
      />
    </>
  );
}

const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;

function Deliveries({ api, endpoint }: { readonly api: Api; readonly endpoint: WebhookEndpoint }) {
  const client = typed(api);
  const [filter, setFilter] = useState<(typeof DELIVERY_STATES)[number] | ''>('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [log, setLog] = useState<{ id: string; attempts: readonly WebhookAttempt[] } | null>(null);
  const path = { webhookId: endpoint.id };
  const deliveries = useLoad(
    (signal) =>
      ok(
        client.GET('/v1/webhooks/{webhookId}/deliveries', {
          params: { path, query: { limit: PAGE, ...(filter ? { status: filter } : {}) } },
          signal,
        }),
      ),
    [client, endpoint.id, filter],
  );

  async function run(action: () => Promise<string>) {
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      deliveries.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  const sendTest = () =>
    run(async () => {
      const answer = await ok(client.POST('/v1/webhooks/{webhookId}/test', { params: { path }, body: {} }));
      const last = answer.attempts.at(-1);
      return `Test event sent: ${last?.responseStatus ?? last?.error ?? 'no answer'}.`;
    });

  const replay = (event: Event) => {
    event.preventDefault();
    const from = String(new FormData(event.currentTarget as HTMLFormElement).get('from') ?? '');
    return run(async () => {
      const answer = await ok(
        client.POST('/v1/webhooks/{webhookId}/replay', {
          params: { path },
          body: from ? { from: new Date(from).toISOString() } : {},
        }),
      );
      return `${answer.queued} deliveries queued again${answer.nextCursor ? ' (more remain: replay again)' : ''}.`;
    });
  };

  const retry = (delivery: WebhookDelivery) =>
    run(async () => {
      await ok(
        client.POST('/v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry', {
          params: { path: { webhookId: endpoint.id, deliveryId: delivery.id } },
        }),
      );
      return `Delivery ${delivery.id} queued again.`;
    });

  async function showLog(delivery: WebhookDelivery) {
    if (log?.id === delivery.id) return setLog(null);
    try {
      const answer = await ok(
        client.GET('/v1/webhooks/{webhookId}/deliveries/{deliveryId}', {
          params: { path: { webhookId: endpoint.id, deliveryId: delivery.id } },
        }),
      );
      setLog({ id: delivery.id, attempts: answer.attempts });
    } catch (failure) {
      setError(failure);
    }
  }

  const fromId = `replay-from-${endpoint.id}`;
  const filterId = `deliveries-${endpoint.id}`;
  const items = deliveries.value?.items;
  return (
    <section class="history full" aria-label={`Deliveries of ${endpoint.url}`}>
      <div class="inline-form">
        <div class="field inline">
          <label for={filterId}>Show</label>
          <select
            id={filterId}
            value={filter}
            onChange={(event) => setFilter(event.currentTarget.value as typeof filter)}
          >
            <option value="">every delivery</option>
            {DELIVERY_STATES.map((state) => (
              <option value={state} key={state}>
                {state}
              </option>
            ))}
          </select>
        </div>
        <button type="button" class="secondary" onClick={sendTest}>
          Send a test event
        </button>
      </div>
      <form class="inline-form" onSubmit={replay}>
        <div class="field">
          <label for={fromId}>Replay the changes from</label>
          <input
            id={fromId}
            name="from"
            type="datetime-local"
            step="1"
            required
            aria-invalid={error && problemField(error) === 'from' ? true : undefined}
          />
        </div>
        <button type="submit">Replay</button>
      </form>
      {notice ? (
        <p role="status" class="muted">
          {notice}
        </p>
      ) : null}
      <ProblemMessage error={error ?? deliveries.error} />
      {items === undefined ? null : items.length === 0 ? (
        <p class="muted">No deliveries{filter ? ` ${filter}` : ''}.</p>
      ) : (
        <div class="table-scroll">
          <table class="deliveries">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Origin</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Tries
                </th>
                <th scope="col">Last answer</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <Fragment key={delivery.id}>
                  <tr data-delivery-id={delivery.id}>
                    <td>
                      {delivery.eventType}
                      <div class="muted">{formatDateTime(delivery.createdAt)}</div>
                    </td>
                    <td>{delivery.origin}</td>
                    <td>
                      <span class={`pill ${delivery.status}`}>{delivery.status}</span>
                    </td>
                    <td class="num">{delivery.attempts}</td>
                    <td>{delivery.lastStatus ?? delivery.lastError ?? '—'}</td>
                    <td class="actions">
                      <button
                        type="button"
                        class="secondary"
                        aria-expanded={log?.id === delivery.id}
                        aria-label={`Log of delivery ${delivery.id}`}
                        onClick={() => showLog(delivery)}
                      >
                        Log
                      </button>
                      {delivery.status === 'pending' ? null : (
                        <button
                          type="button"
                          class="secondary"
                          aria-label={`Retry delivery ${delivery.id}`}
                          onClick={() => retry(delivery)}
                        >
                          Retry
                        </button>
                      )}
                    </td>
                  </tr>
                  {log?.id === delivery.id ? (
                    <tr key={`${delivery.id}-log`}>
                      <td colSpan={6}>
                        <ol class="plain-list">
                          {log.attempts.map((attempt) => (
                            <li key={attempt.attempt}>
                              try {attempt.attempt}, {formatDateTime(attempt.at)}:{' '}
                              {attempt.responseStatus ?? attempt.error ?? 'no answer'} in {attempt.durationMs}{' '}
                              ms
                              <span class="muted mono"> {attempt.requestId}</span>
                            </li>
                          ))}
                        </ol>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function NewEndpoint({
  api,
  onCreated,
}: {
  readonly api: Api;
  readonly onCreated: (endpoint: WebhookEndpoint, secret: string) => void;
}) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const eventTypes = text('eventTypes')
      .split(/[\s,]+/)
      .filter((kind) => kind !== '') as EventType[];
    setError(null);
    try {
      const answer = await ok(
        client.POST('/v1/webhooks', {
          body: {
            url: text('url'),
            ...(text('description') ? { description: text('description') } : {}),
            ...(eventTypes.length > 0 ? { eventTypes } : {}),
            ...(text('filter') ? { filter: text('filter') } : {}),
            ordered: fields.get('ordered') === 'on',
          },
        }),
      );
      form.reset();
      onCreated(answer.endpoint, answer.secret);
    } catch (failure) {
      setError(failure);
    }
  }

  const described = error ? { 'aria-invalid': true, 'aria-describedby': 'webhook-error' } : {};
  return (
    <form class="card" onSubmit={create} aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">New endpoint</h2>
      <div class="form-grid">
        <div class="field">
          <label for="webhook-url">URL</label>
          <input
            id="webhook-url"
            name="url"
            type="url"
            required
            placeholder="https://example.com/hooks"
            {...described}
          />
        </div>
        <div class="field">
          <label for="webhook-description">Description</label>
          <input id="webhook-description" name="description" autoComplete="off" />
        </div>
        <div class="field">
          <label for="webhook-events">Events (empty: every event)</label>
          <input
            id="webhook-events"
            name="eventTypes"
            class="mono"
            placeholder="alert.raised, device.created"
          />
        </div>
        <div class="field">
          <label for="webhook-filter">Filter (CEL over the event)</label>
          <input id="webhook-filter" name="filter" class="mono" placeholder="data.severity == 'critical'" />
        </div>
        <label class="check">
          <input type="checkbox" name="ordered" /> One at a time, in order
        </label>
      </div>
      <button type="submit">Create endpoint</button>
      <ProblemMessage error={error} id="webhook-error" />
    </form>
  );
}
