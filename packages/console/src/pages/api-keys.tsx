import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { SecretOnce } from '../components/secret-once.js';
import { formatDateTime } from '../format.js';
import type { ApiKey } from '../types.js';

/** The tenant's API keys: create one (its secret shown once), revoke one. */
export function ApiKeys({ api, ownKeyId }: { readonly api: Api; readonly ownKeyId: string | undefined }) {
  const [keys, setKeys] = useState<readonly ApiKey[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [createError, setCreateError] = useState<unknown>(null);
  const [created, setCreated] = useState<ApiKey | null>(null);

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<{ items: ApiKey[] }>('/v1/keys', undefined, stop.signal)
      .then((page) => setKeys(page.items))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api]);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const expires = String(fields.get('expires') ?? '');
    setCreateError(null);
    try {
      const key = await api.post<ApiKey>('/v1/keys', {
        name: String(fields.get('name') ?? '').trim(),
        scope: String(fields.get('scope') ?? 'reader'),
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
      const { secret: _shown, ...listed } = key;
      setKeys((known) => [...(known ?? []), listed]);
      setCreated(key);
      form.reset();
    } catch (failure) {
      setCreateError(failure);
    }
  }

  async function revoke(key: ApiKey) {
    setError(null);
    try {
      const revoked = await api.request<ApiKey>('DELETE', `/v1/keys/${encodeURIComponent(key.id)}`);
      setKeys((known) => (known ?? []).map((item) => (item.id === key.id ? (revoked.body ?? item) : item)));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <h1 tabIndex={-1}>API keys</h1>
      <ProblemMessage error={error} />
      {created?.secret ? (
        <SecretOnce
          label={`API key ${created.name}`}
          secret={created.secret}
          onDone={() => setCreated(null)}
        />
      ) : null}
      <section class="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        {keys === null ? (
          <p aria-live="polite">Loading…</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id} data-key-id={key.id}>
                    <td>
                      {key.name}
                      {key.id === ownKeyId ? <span class="muted"> (this session)</span> : null}
                    </td>
                    <td>{key.scope}</td>
                    <td>{formatDateTime(key.createdAt)}</td>
                    <td>{formatDateTime(key.lastUsedAt)}</td>
                    <td>{key.expiresAt ? formatDateTime(key.expiresAt) : 'never'}</td>
                    <td>
                      {key.revokedAt ? (
                        <span class="pill cancelled">revoked {formatDateTime(key.revokedAt)}</span>
                      ) : (
                        <span class="pill applied">active</span>
                      )}
                    </td>
                    <td>
                      {key.revokedAt || key.system ? null : (
                        <ConfirmButton
                          label="Revoke"
                          subject={`key ${key.name}`}
                          onConfirm={() => revoke(key)}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <form class="card inline-form" onSubmit={create} aria-labelledby="new-key-title">
        <h2 id="new-key-title" class="full">
          New API key
        </h2>
        <div class="field">
          <label for="key-name">Name</label>
          <input
            id="key-name"
            name="name"
            autoComplete="off"
            placeholder="grafana"
            aria-describedby={createError ? 'key-error' : undefined}
            aria-invalid={createError ? true : undefined}
          />
        </div>
        <div class="field">
          <label for="key-scope">Scope</label>
          <select id="key-scope" name="scope">
            <option value="reader">reader: reads everything</option>
            <option value="operator">operator: also changes devices and sends commands</option>
            <option value="admin">admin: also manages keys and types</option>
          </select>
        </div>
        <div class="field narrow">
          <label for="key-expires">Expires on</label>
          <input id="key-expires" name="expires" type="date" />
        </div>
        <button type="submit">Create key</button>
        <ProblemMessage error={createError} id="key-error" />
      </form>
    </>
  );
}
