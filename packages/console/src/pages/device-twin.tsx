import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, isAbort } from '../api.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime, summarize } from '../format.js';
import type { ChangeHub } from '../stream.js';
import { findNull, mergePatch } from '../twin-patch.js';
import type { Twin, TwinParameter } from '../types.js';

/** While a parameter waits for the device, its status is read again this often (sent and failed are not on the feed). */
const OPEN_POLL_MS = 10_000;

/** The latest time of a parameter's status, and what it is called. */
function statusTime(parameter: TwinParameter): string {
  const at =
    {
      pending: parameter.pendingAt,
      sent: parameter.sentAt,
      applied: parameter.appliedAt,
      failed: parameter.failedAt,
      superseded: parameter.supersededAt,
    }[parameter.status] ?? parameter.pendingAt;
  return formatDateTime(at);
}

export interface DeviceTwinProps {
  readonly api: Api;
  readonly deviceId: string;
  readonly hub: ChangeHub;
}

/**
 * The twin: desired and reported side by side with each parameter's status, attempts and
 * times; desired edited as JSON and saved as a merge patch with If-Match, so an edit made
 * on an old version is refused (412) instead of overwriting someone else's.
 */
export function DeviceTwin({ api, deviceId, hub }: DeviceTwinProps) {
  const path = `/v1/devices/${encodeURIComponent(deviceId)}/twin`;
  const [twin, setTwin] = useState<Twin | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The editor: its text and the version it started from (null when closed).
  const [draft, setDraft] = useState<{ text: string; base: Twin; etag: string | null } | null>(null);
  const [editError, setEditError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [rowError, setRowError] = useState<unknown>(null);
  const reload = useRef<() => void>(() => {});

  useEffect(() => {
    const stop = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      clearTimeout(timer);
      try {
        const answer = await api.request<Twin>('GET', path, { signal: stop.signal });
        setTwin(answer.body);
        setEtag(answer.etag);
        setError(null);
        const open = Object.values(answer.body.parameters).some(
          (parameter) => parameter.status === 'pending' || parameter.status === 'sent',
        );
        if (open) timer = setTimeout(() => void load(), OPEN_POLL_MS);
      } catch (failure) {
        if (!isAbort(failure)) setError(failure);
      }
    };
    reload.current = () => void load();
    void load();
    const unsubscribe = hub.subscribe((change) => {
      if (change.kind.startsWith('twin.') || change.kind === 'command.status_changed') void load();
    });
    return () => {
      stop.abort();
      clearTimeout(timer);
      unsubscribe();
    };
  }, [api, path, hub]);

  async function save(event: Event) {
    event.preventDefault();
    if (!draft) return;
    let edited: unknown;
    try {
      edited = JSON.parse(draft.text);
    } catch (failure) {
      setEditError(new ApiError(0, 'invalid_json', `Not valid JSON: ${(failure as Error).message}`));
      return;
    }
    if (edited === null || typeof edited !== 'object' || Array.isArray(edited)) {
      setEditError(new ApiError(0, 'invalid_json', 'Desired must be a JSON object: { "name": value, … }.'));
      return;
    }
    const nulled = findNull(edited);
    if (nulled !== undefined) {
      setEditError(
        new ApiError(
          0,
          'invalid_json',
          `${nulled} is null: remove the property instead (null means "remove").`,
        ),
      );
      return;
    }
    const patch = mergePatch(draft.base.desired, edited as Record<string, unknown>);
    if (Object.keys(patch).length === 0) {
      setDraft(null);
      return;
    }
    setSaving(true);
    setEditError(null);
    try {
      const answer = await api.request<Twin>('PATCH', `${path}/desired`, {
        json: patch,
        headers: draft.etag ? { 'if-match': draft.etag } : {},
      });
      setTwin(answer.body);
      setEtag(answer.etag);
      setDraft(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412)
        setEditError(
          new ApiError(
            412,
            failure.code,
            `Desired changed since you started editing (you edited version ${draft.base.desiredVersion}${
              twin && twin.desiredVersion !== draft.base.desiredVersion
                ? `, it is now ${twin.desiredVersion}`
                : ''
            }). Nothing was saved. Start again from the current version to keep both changes.`,
            failure.requestId,
          ),
        );
      else setEditError(failure);
    } finally {
      setSaving(false);
    }
  }

  async function resend(name: string) {
    setRowError(null);
    try {
      await api.post(`${path}/parameters/${encodeURIComponent(name)}/resend`);
      reload.current();
    } catch (failure) {
      setRowError(failure);
    }
  }

  const names = twin
    ? [...new Set([...Object.keys(twin.desired), ...Object.keys(twin.reported)])].sort()
    : [];

  return (
    <section aria-labelledby="twin-title" class="card">
      <div class="title-row">
        <h2 id="twin-title">Twin</h2>
        {twin ? (
          <span class="hint" data-testid="twin-versions">
            desired v{twin.desiredVersion} · reported v{twin.reportedVersion}
          </span>
        ) : null}
      </div>
      <ProblemMessage error={error} />
      <ProblemMessage error={rowError} />
      {twin === null ? (
        <p aria-live="polite">Loading…</p>
      ) : names.length === 0 ? (
        <p class="muted">No desired or reported properties yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="twin">
            <thead>
              <tr>
                <th scope="col">Property</th>
                <th scope="col">Desired</th>
                <th scope="col">Reported</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {names.map((name) => {
                const parameter = twin.parameters[name];
                const desired = Object.hasOwn(twin.desired, name);
                return (
                  <tr key={name} data-parameter={name}>
                    <th scope="row" class="mono">
                      {name}
                    </th>
                    <td class="mono">{desired ? summarize(twin.desired[name]) : '—'}</td>
                    <td class="mono">
                      {Object.hasOwn(twin.reported, name) ? summarize(twin.reported[name]) : '—'}
                    </td>
                    <td>
                      {parameter ? (
                        <>
                          <span class={`pill ${parameter.status}`} data-testid="parameter-status">
                            {parameter.status}
                          </span>
                          {parameter.error ? <span class="problem-inline"> {parameter.error}</span> : null}
                        </>
                      ) : (
                        <span class="muted">reported only</span>
                      )}
                    </td>
                    <td class="num">{parameter?.attempts ?? '—'}</td>
                    <td>
                      {parameter ? (
                        <span title={`set by ${parameter.setBy}, version ${parameter.version}`}>
                          {statusTime(parameter)}
                        </span>
                      ) : (
                        formatDateTime(twin.metadata.reported[name]?.updatedAt ?? null)
                      )}
                    </td>
                    <td>
                      {desired && parameter ? (
                        <button
                          type="button"
                          class="secondary small"
                          aria-label={`Resend ${name}`}
                          onClick={() => void resend(name)}
                        >
                          Resend
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {twin && !draft ? (
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setEditError(null);
            setDraft({ text: JSON.stringify(twin.desired, null, 2), base: twin, etag });
          }}
        >
          Edit desired
        </button>
      ) : null}
      {draft ? (
        <form onSubmit={save} aria-label="Edit desired properties" class="stack">
          <label for="desired-json">Desired (JSON), from version {draft.base.desiredVersion}</label>
          <textarea
            id="desired-json"
            class="code"
            rows={Math.min(16, Math.max(4, draft.text.split('\n').length + 1))}
            spellcheck={false}
            value={draft.text}
            aria-invalid={editError ? true : undefined}
            aria-describedby={editError ? 'desired-error desired-help' : 'desired-help'}
            onInput={(event) => setDraft({ ...draft, text: event.currentTarget.value })}
          />
          <p id="desired-help" class="hint">
            Saved as a merge patch: only what you change is sent. Remove a property to clear it.
          </p>
          <ProblemMessage error={editError} id="desired-error" />
          <div class="actions">
            <button type="submit" disabled={saving}>
              {saving ? 'Saving…' : 'Save desired'}
            </button>
            {editError instanceof ApiError && editError.status === 412 && twin ? (
              <button
                type="button"
                class="secondary"
                onClick={() => {
                  setEditError(null);
                  setDraft({ text: JSON.stringify(twin.desired, null, 2), base: twin, etag });
                }}
              >
                Start again from version {twin.desiredVersion}
              </button>
            ) : null}
            <button type="button" class="secondary" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
