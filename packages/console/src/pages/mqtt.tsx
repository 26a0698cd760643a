import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime } from '../format.js';
import type { MqttClient, MqttPolicy } from '../types.js';

/** Connections come and go without a change on the feed: the list is read again this often. */
const CLIENTS_REFRESH_MS = 10_000;

/** MQTT: the connected clients (disconnect one) and the tenant's topic policies. */
export function Mqtt({ api }: { readonly api: Api }) {
  return (
    <>
      <h1 tabIndex={-1}>MQTT</h1>
      <Clients api={api} />
      <Policies api={api} />
    </>
  );
}

function Clients({ api }: { readonly api: Api }) {
  const [clients, setClients] = useState<readonly MqttClient[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const stop = new AbortController();
    const load = () =>
      api
        .get<{ items: MqttClient[] }>('/v1/mqtt/clients', undefined, stop.signal)
        .then((page) => {
          setClients(page.items);
          setError(null);
        })
        .catch((failure: unknown) => {
          if (!isAbort(failure)) setError(failure);
        });
    void load();
    const timer = setInterval(load, CLIENTS_REFRESH_MS);
    return () => {
      stop.abort();
      clearInterval(timer);
    };
  }, [api, generation]);

  async function disconnect(client: MqttClient) {
    try {
      await api.delete(`/v1/mqtt/clients/${encodeURIComponent(client.clientId)}`);
      setClients((known) => (known ?? []).filter((item) => item.clientId !== client.clientId));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section class="card" aria-labelledby="clients-title">
      <div class="title-row">
        <h2 id="clients-title">Connected clients</h2>
        <button type="button" class="secondary small" onClick={() => setGeneration((value) => value + 1)}>
          Refresh
        </button>
      </div>
      <ProblemMessage error={error} />
      {clients === null ? (
        <p aria-live="polite">Loading…</p>
      ) : clients.length === 0 ? (
        <p class="muted">No MQTT client is connected.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">Who</th>
                <th scope="col">Protocol</th>
                <th scope="col">Connected</th>
                <th scope="col">Subscriptions</th>
                <th scope="col" class="num">
                  In flight / queued
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {clients.map((client) => (
                <tr key={client.clientId} data-client-id={client.clientId}>
                  <td class="mono">{client.clientId}</td>
                  <td>
                    {client.principal.kind}
                    {client.principal.deviceId ? ` ${client.principal.deviceId}` : ''}
                  </td>
                  <td>
                    MQTT {client.protocolVersion === 5 ? '5' : '3.1.1'} over {client.listener}
                  </td>
                  <td>{formatDateTime(client.connectedAt)}</td>
                  <td class="mono">{client.subscriptions.join(' ') || '—'}</td>
                  <td class="num">
                    {client.inflight} / {client.queued}
                    {client.paused ? ' (paused)' : ''}
                  </td>
                  <td>
                    <ConfirmButton
                      label="Disconnect"
                      subject={`client ${client.clientId}`}
                      onConfirm={() => disconnect(client)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Policies({ api }: { readonly api: Api }) {
  const [policies, setPolicies] = useState<readonly MqttPolicy[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [addError, setAddError] = useState<unknown>(null);

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<{ items: MqttPolicy[] }>('/v1/mqtt/policies', undefined, stop.signal)
      .then((page) => setPolicies(page.items))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api]);

  async function add(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const principal = String(fields.get('principal') ?? '');
    setAddError(null);
    try {
      const policy = await api.post<MqttPolicy>('/v1/mqtt/policies', {
        effect: String(fields.get('effect')),
        action: String(fields.get('action')),
        filter: String(fields.get('filter') ?? '').trim(),
        ...(principal ? { principal } : {}),
      });
      setPolicies((known) => [...(known ?? []), policy]);
      form.reset();
    } catch (failure) {
      setAddError(failure);
    }
  }

  async function remove(policy: MqttPolicy) {
    try {
      await api.delete(`/v1/mqtt/policies/${encodeURIComponent(policy.id)}`);
      setPolicies((known) => (known ?? []).filter((item) => item.id !== policy.id));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section class="card" aria-labelledby="policies-title">
      <h2 id="policies-title">Topic policies</h2>
      <p class="hint">
        Rules on top of the built-in ones (devices use their own topics only), judged at each publish and
        subscription; a deny wins over an allow.
      </p>
      <ProblemMessage error={error} />
      {policies === null ? (
        <p aria-live="polite">Loading…</p>
      ) : policies.length === 0 ? (
        <p class="muted">No topic policies.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Effect</th>
                <th scope="col">Action</th>
                <th scope="col">Topic filter</th>
                <th scope="col">Applies to</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.map((policy) => (
                <tr key={policy.id} data-policy-id={policy.id}>
                  <td>
                    <span class={`pill ${policy.effect === 'deny' ? 'failed' : 'applied'}`}>
                      {policy.effect}
                    </span>
                  </td>
                  <td>{policy.action}</td>
                  <td class="mono">{policy.filter}</td>
                  <td>{policy.principal ?? 'everyone'}</td>
                  <td>{formatDateTime(policy.createdAt)}</td>
                  <td>
                    <ConfirmButton
                      label="Remove"
                      subject={`policy ${policy.effect} ${policy.action} ${policy.filter}`}
                      onConfirm={() => remove(policy)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={add} aria-label="Add a topic policy">
        <div class="field narrow">
          <label for="policy-effect">Effect</label>
          <select id="policy-effect" name="effect">
            <option value="allow">allow</option>
            <option value="deny">deny</option>
          </select>
        </div>
        <div class="field narrow">
          <label for="policy-action">Action</label>
          <select id="policy-action" name="action">
            <option value="both">publish and subscribe</option>
            <option value="publish">publish</option>
            <option value="subscribe">subscribe</option>
          </select>
        </div>
        <div class="field wide">
          <label for="policy-filter">Topic filter</label>
          <input
            id="policy-filter"
            name="filter"
            autoComplete="off"
            spellcheck={false}
            placeholder="shared/alerts/#"
            aria-describedby={addError ? 'policy-error' : undefined}
            aria-invalid={addError ? true : undefined}
          />
        </div>
        <div class="field narrow">
          <label for="policy-principal">Applies to</label>
          <select id="policy-principal" name="principal">
            <option value="">everyone</option>
            <option value="device">devices</option>
            <option value="application">applications</option>
            <option value="anonymous">anonymous clients</option>
          </select>
        </div>
        <button type="submit">Add policy</button>
        <ProblemMessage error={addError} id="policy-error" />
      </form>
    </section>
  );
}
