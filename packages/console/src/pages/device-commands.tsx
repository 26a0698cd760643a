import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError, isAbort } from '../api.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime, summarize } from '../format.js';
import type { ChangeHub } from '../stream.js';
import type { Command, Page } from '../types.js';

const SHOWN = 20;
/** Statuses a command can still be cancelled in (the API answers 409 otherwise). */
const CANCELLABLE = new Set(['queued', 'sent']);

export interface DeviceCommandsProps {
  readonly api: Api;
  readonly deviceId: string;
  readonly hub: ChangeHub;
}

/** A device's commands, newest first, with each one's history; send one, cancel one. */
export function DeviceCommands({ api, deviceId, hub }: DeviceCommandsProps) {
  const path = `/v1/devices/${encodeURIComponent(deviceId)}/commands`;
  const [commands, setCommands] = useState<readonly Command[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sendError, setSendError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const [open, setOpen] = useState<Command | null>(null);
  const openId = useRef<string | null>(null);

  useEffect(() => {
    const stop = new AbortController();
    api
      .get<Page<Command>>(path, { limit: SHOWN }, stop.signal)
      .then((page) =>
        // Changes that came on the stream while the page was read are newer: they win.
        setCommands((live) => {
          const known = live ?? [];
          return [...known, ...page.items.filter((item) => !known.some((seen) => seen.id === item.id))];
        }),
      )
      .catch((failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      });
    const unsubscribe = hub.subscribe((change) => {
      if (change.kind !== 'command.created' && change.kind !== 'command.status_changed') return;
      const command = change.data as Command;
      setCommands((list) => {
        const known = list ?? [];
        if (!known.some((item) => item.id === command.id)) return [command, ...known].slice(0, SHOWN);
        return known.map((item) => (item.id === command.id ? command : item));
      });
      // The open one's history grows: read it again.
      if (openId.current === command.id) void details(command.id);
    });
    return () => {
      stop.abort();
      unsubscribe();
    };
  }, [api, path, hub]);

  function close() {
    openId.current = null;
    setOpen(null);
  }

  async function details(commandId: string) {
    openId.current = commandId;
    try {
      const command = await api.get<Command>(`${path}/${encodeURIComponent(commandId)}`);
      if (openId.current === commandId) setOpen(command);
    } catch (failure) {
      setError(failure);
    }
  }

  async function send(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const body: Record<string, unknown> = {};
    const name = String(fields.get('name') ?? '').trim();
    const payload = String(fields.get('payload') ?? '').trim();
    const format = String(fields.get('format') ?? 'hex');
    const transport = String(fields.get('transport') ?? '');
    const expires = String(fields.get('expires') ?? '').trim();
    if (name) body.name = name;
    if (transport) body.transport = transport;
    body.priority = Number(fields.get('priority') ?? 5);
    if (expires) body.expiresInSeconds = Number(expires);
    if (fields.get('confirmed') === 'on') body.confirmed = true;
    if (payload) {
      if (format === 'json') {
        try {
          body.data = JSON.parse(payload);
        } catch (failure) {
          setSendError(
            new ApiError(0, 'invalid_json', `The payload is not valid JSON: ${(failure as Error).message}`),
          );
          return;
        }
      } else body.hex = payload.replace(/\s+/g, '');
    }
    setSending(true);
    setSendError(null);
    try {
      const command = await api.post<Command>(path, body);
      setCommands((list) => {
        const known = list ?? [];
        return known.some((item) => item.id === command.id) ? known : [command, ...known].slice(0, SHOWN);
      });
      form.reset();
    } catch (failure) {
      setSendError(failure);
    } finally {
      setSending(false);
    }
  }

  async function cancel(command: Command) {
    setError(null);
    try {
      const cancelled = await api.post<Command>(`${path}/${encodeURIComponent(command.id)}/cancel`);
      setCommands((list) => (list ?? []).map((item) => (item.id === cancelled.id ? cancelled : item)));
      if (open?.id === command.id) void details(command.id);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section aria-labelledby="commands-title" class="card">
      <h2 id="commands-title">Commands</h2>
      <ProblemMessage error={error} />
      {commands === null ? (
        <p aria-live="polite">Loading…</p>
      ) : commands.length === 0 ? (
        <p class="muted">No commands yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="commands">
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Name</th>
                <th scope="col">Transport</th>
                <th scope="col">Payload</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Attempts
                </th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody aria-live="polite">
              {commands.map((command) => (
                <tr key={command.id} data-command-id={command.id}>
                  <td>{formatDateTime(command.createdAt)}</td>
                  <td>
                    {command.name || <span class="muted">{command.kind}</span>}
                    {command.twinParameter ? (
                      <span class="muted"> (twin {command.twinParameter})</span>
                    ) : null}
                  </td>
                  <td>{command.transport}</td>
                  <td class="mono">{command.hex ?? summarize(command.data)}</td>
                  <td>
                    <span class={`pill ${command.status}`} data-testid="command-status">
                      {command.status}
                    </span>
                  </td>
                  <td class="num">{command.attempts}</td>
                  <td class="actions">
                    <button
                      type="button"
                      class="secondary small"
                      aria-expanded={open?.id === command.id}
                      aria-controls="command-history"
                      aria-label={`History of command ${command.name || command.id}`}
                      onClick={() => (open?.id === command.id ? close() : void details(command.id))}
                    >
                      History
                    </button>
                    {CANCELLABLE.has(command.status) ? (
                      <button
                        type="button"
                        class="secondary small danger"
                        aria-label={`Cancel command ${command.name || command.id}`}
                        onClick={() => void cancel(command)}
                      >
                        Cancel
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open ? (
        <div id="command-history" class="history" aria-live="polite">
          <h3>
            History of <span class="mono">{open.name || open.id}</span>
          </h3>
          <ol>
            {(open.history ?? []).map((step) => (
              <li key={`${step.status}-${step.at}`}>
                <span class={`pill ${step.status}`}>{step.status}</span> {formatDateTime(step.at)}
                {Object.keys(step.detail).length > 0 ? <code> {summarize(step.detail)}</code> : null}
              </li>
            ))}
          </ol>
          {open.result !== null && open.result !== undefined ? (
            <p>
              Result: <code>{summarize(open.result)}</code>
            </p>
          ) : null}
        </div>
      ) : null}
      <form class="inline-form" onSubmit={send} aria-label="Send a command">
        <div class="field">
          <label for="command-name">Name</label>
          <input id="command-name" name="name" autoComplete="off" placeholder="reboot" spellcheck={false} />
        </div>
        <div class="field">
          <label for="command-format">Payload as</label>
          <select id="command-format" name="format">
            <option value="hex">Hex bytes</option>
            <option value="json">JSON (encoded by the codec)</option>
          </select>
        </div>
        <div class="field wide">
          <label for="command-payload">Payload</label>
          <input
            id="command-payload"
            name="payload"
            autoComplete="off"
            spellcheck={false}
            placeholder="0102ff"
            aria-describedby={sendError ? 'command-error' : undefined}
            aria-invalid={sendError ? true : undefined}
          />
        </div>
        <div class="field">
          <label for="command-transport">Transport</label>
          <select id="command-transport" name="transport">
            <option value="">The device type's</option>
            <option value="mqtt">MQTT</option>
            <option value="http">HTTP polling</option>
            <option value="sigfox">Sigfox downlink</option>
          </select>
        </div>
        <div class="field narrow">
          <label for="command-priority">Priority</label>
          <input id="command-priority" name="priority" type="number" min={0} max={9} defaultValue="5" />
        </div>
        <div class="field narrow">
          <label for="command-expires">Expires in (s)</label>
          <input id="command-expires" name="expires" type="number" min={1} placeholder="never" />
        </div>
        <label class="check">
          <input type="checkbox" name="confirmed" /> The device acknowledges it
        </label>
        <button type="submit" disabled={sending}>
          {sending ? 'Sending…' : 'Send command'}
        </button>
        <ProblemMessage error={sendError} id="command-error" />
      </form>
    </section>
  );
}
