import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { SecretOnce } from '../components/secret-once.js';
import { formatDateTime } from '../format.js';
import type { CreatedCredential, Credential } from '../types.js';

/** A device's credentials: tokens (the secret shown once) and X.509 fingerprints. */
export function DeviceCredentials({ api, deviceId }: { readonly api: Api; readonly deviceId: string }) {
  const path = `/v1/devices/${encodeURIComponent(deviceId)}/credentials`;
  const [items, setItems] = useState<readonly Credential[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [kind, setKind] = useState<'token' | 'x509'>('token');
  const [created, setCreated] = useState<CreatedCredential | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<{ items: Credential[] }>(path, undefined, stop.signal)
      .then((page) => setItems(page.items))
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    return () => stop.abort();
  }, [api, path]);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const name = String(fields.get('name') ?? '').trim();
    const fingerprint = String(fields.get('fingerprint') ?? '').trim();
    const body: Record<string, string> = { kind };
    if (name) body.name = name;
    if (kind === 'x509') body.fingerprint = fingerprint;
    setBusy(true);
    setFormError(null);
    try {
      const credential = await api.post<CreatedCredential>(path, body);
      const { token: _secret, ...listed } = credential;
      setItems((known) => [...(known ?? []), listed]);
      if (credential.token) setCreated(credential);
      form.reset();
    } catch (failure) {
      setFormError(failure);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(credential: Credential) {
    setError(null);
    try {
      await api.delete(`${path}/${encodeURIComponent(credential.id)}`);
      setItems((known) => (known ?? []).filter((item) => item.id !== credential.id));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section aria-labelledby="credentials-title" class="card">
      <h2 id="credentials-title">Credentials</h2>
      <ProblemMessage error={error} />
      {created?.token ? (
        <SecretOnce
          label={`Token ${created.name || created.id} of ${deviceId}`}
          secret={created.token}
          onDone={() => setCreated(null)}
        />
      ) : null}
      {items === null ? (
        <p aria-live="polite">Loading…</p>
      ) : items.length === 0 ? (
        <p class="muted">No credentials: the device cannot connect yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="credentials">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((credential) => (
                <tr key={credential.id} data-credential-id={credential.id}>
                  <td>{credential.name || <span class="muted">{credential.id}</span>}</td>
                  <td>{credential.kind}</td>
                  <td class="mono">{credential.fingerprint ?? '—'}</td>
                  <td>{formatDateTime(credential.createdAt)}</td>
                  <td>{credential.expiresAt ? formatDateTime(credential.expiresAt) : 'never'}</td>
                  <td>
                    <ConfirmButton
                      label="Revoke"
                      subject={`${credential.kind} ${credential.name || credential.id}`}
                      onConfirm={() => revoke(credential)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="inline-form" onSubmit={create} aria-label="Add a credential">
        <div class="field">
          <label for="credential-kind">Kind</label>
          <select
            id="credential-kind"
            value={kind}
            onChange={(event) => setKind(event.currentTarget.value as 'token' | 'x509')}
          >
            <option value="token">Token (generated)</option>
            <option value="x509">X.509 certificate fingerprint</option>
          </select>
        </div>
        <div class="field">
          <label for="credential-name">Name</label>
          <input id="credential-name" name="name" autoComplete="off" placeholder="factory token" />
        </div>
        {kind === 'x509' ? (
          <div class="field">
            <label for="credential-fingerprint">SHA-256 fingerprint</label>
            <input
              id="credential-fingerprint"
              name="fingerprint"
              autoComplete="off"
              spellcheck={false}
              placeholder="AB:CD:…"
              aria-describedby={formError ? 'credential-error' : undefined}
            />
          </div>
        ) : null}
        <button type="submit" disabled={busy}>
          Add credential
        </button>
        <ProblemMessage error={formError} id="credential-error" />
      </form>
    </section>
  );
}
