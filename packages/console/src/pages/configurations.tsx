import type { Configuration, ConfigurationMetrics } from '@fleetport/sdk';
import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { ProblemMessage } from '../components/problem.js';
import { useLoad } from '../components/use-load.js';
import { formatDateTime, formatNumber } from '../format.js';
import { ok, problemField, typed } from '../sdk.js';
import { followStream, type StreamStatus } from '../stream.js';
import { LiveBadge } from './overview.js';

const KINDS = ['configuration.created', 'configuration.updated', 'configuration.deleted'];

/**
 * Fleet configurations: each one's target condition, priority, content and rollout status,
 * its metrics a click away; a form to make one. Changes on the stream read the list again.
 */
export function Configurations({ api }: { readonly api: Api }) {
  const client = typed(api);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = useLoad(
    async (signal) => {
      // Every page (100 each): configurations are few, each one a rule over the whole fleet.
      const items: Configuration[] = [];
      let cursor: string | undefined;
      do {
        const page = await ok(
          client.GET('/v1/configurations', {
            params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
            signal,
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { items };
    },
    [client],
  );

  useEffect(() => {
    const stop = new AbortController();
    void followStream({
      api,
      query: { kinds: KINDS },
      onChange: () => list.reload(),
      onStatus: setStatus,
      signal: stop.signal,
    });
    return () => stop.abort();
  }, [api]);

  async function remove(configuration: Configuration) {
    setError(null);
    try {
      await ok(
        client.DELETE('/v1/configurations/{configurationId}', {
          params: { path: { configurationId: configuration.id } },
        }),
      );
      list.set(
        (page) => page && { ...page, items: page.items.filter((item) => item.id !== configuration.id) },
      );
    } catch (failure) {
      setError(failure);
    }
  }

  const items = list.value?.items;
  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Fleet configurations</h1>
        <LiveBadge status={status} />
      </div>
      <ProblemMessage error={list.error ?? error} />
      <section class="card" aria-labelledby="configurations-title">
        <h2 id="configurations-title">Configurations</h2>
        {items === undefined ? (
          <p aria-live="polite">Loading…</p>
        ) : items.length === 0 ? (
          <p class="muted">No configurations yet.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Configuration</th>
                  <th scope="col">Target</th>
                  <th scope="col" class="num">
                    Priority
                  </th>
                  <th scope="col">Content</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((configuration) => (
                  <ConfigurationRow
                    key={configuration.id}
                    api={api}
                    configuration={configuration}
                    open={open === configuration.id}
                    onToggle={() =>
                      setOpen((current) => (current === configuration.id ? null : configuration.id))
                    }
                    onDelete={() => remove(configuration)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <NewConfiguration api={api} onCreated={() => list.reload()} />
    </>
  );
}

function ConfigurationRow({
  api,
  configuration,
  open,
  onToggle,
  onDelete,
}: {
  readonly api: Api;
  readonly configuration: Configuration;
  readonly open: boolean;
  readonly onToggle: () => void;
  readonly onDelete: () => Promise<void>;
}) {
  return (
    <>
      <tr data-configuration-id={configuration.id}>
        <td>
          <strong>{configuration.id}</strong>
          {configuration.name && configuration.name !== configuration.id ? (
            <div class="muted">{configuration.name}</div>
          ) : null}
        </td>
        <td>
          <code>{configuration.target}</code>
        </td>
        <td class="num">{configuration.priority}</td>
        <td>
          <code>{JSON.stringify(configuration.content)}</code>
        </td>
        <td>
          <span class={`pill ${configuration.status === 'applied' ? 'applied' : 'pending'}`}>
            {configuration.status}
          </span>
          <div class="muted">
            version {configuration.version}, applied {configuration.appliedVersion}
          </div>
        </td>
        <td class="actions">
          <button
            type="button"
            class="secondary"
            aria-expanded={open}
            aria-label={`Metrics of ${configuration.id}`}
            onClick={onToggle}
          >
            Metrics
          </button>
          <ConfirmButton label="Delete" subject={`configuration ${configuration.id}`} onConfirm={onDelete} />
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={6}>
            <Metrics api={api} configuration={configuration} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

const COUNTS = ['targeted', 'applied', 'pending', 'failed', 'overridden'] as const;

function Metrics({ api, configuration }: { readonly api: Api; readonly configuration: Configuration }) {
  const client = typed(api);
  const metrics = useLoad<ConfigurationMetrics>(
    (signal) =>
      ok(
        client.GET('/v1/configurations/{configurationId}/metrics', {
          params: { path: { configurationId: configuration.id }, query: { history: 10 } },
          signal,
        }),
      ),
    // A new version (from the stream) may change every count.
    [client, configuration.id, configuration.version, configuration.appliedVersion],
  );
  const current = metrics.value?.current;
  return (
    <section class="history" aria-label={`Metrics of ${configuration.id}`}>
      <ProblemMessage error={metrics.error} />
      {current ? (
        <>
          <dl class="properties" data-testid="metrics">
            {COUNTS.flatMap((name) => [
              <dt key={`${name}-name`}>{name}</dt>,
              <dd key={name} data-metric={name}>
                {formatNumber(current[name])}
              </dd>,
            ])}
            {Object.entries(current.custom).flatMap(([name, value]) => [
              <dt key={`custom-${name}-name`}>
                {name} <code>{configuration.metrics[name] ?? ''}</code>
              </dt>,
              <dd key={`custom-${name}`} data-metric={name}>
                {formatNumber(value)}
              </dd>,
            ])}
          </dl>
          <p class="muted">
            Counted {formatDateTime(current.at)}.{' '}
            <button type="button" class="secondary" onClick={metrics.reload}>
              Count again
            </button>
          </p>
        </>
      ) : metrics.error ? null : (
        <p aria-live="polite">Counting…</p>
      )}
    </section>
  );
}

/** `name = condition` per line: the custom metrics. */
function parseMetrics(text: string): Record<string, string> {
  const metrics: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (line.trim() === '') continue;
    if (at <= 0) throw new Error(`"${line.trim()}" is not "name = condition"`);
    metrics[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return metrics;
}

function NewConfiguration({ api, onCreated }: { readonly api: Api; readonly onCreated: () => void }) {
  const client = typed(api);
  const [error, setError] = useState<{ field: string; error: unknown } | null>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    setError(null);
    let content: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text('content') || '{}');
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('the content is a JSON object of desired properties');
      content = parsed as Record<string, unknown>;
    } catch (failure) {
      setError({
        field: 'content',
        error:
          failure instanceof SyntaxError ? new Error(`The content is not JSON: ${failure.message}`) : failure,
      });
      return;
    }
    let metrics: Record<string, string>;
    try {
      metrics = parseMetrics(text('metrics'));
    } catch (failure) {
      setError({ field: 'metrics', error: failure });
      return;
    }
    const priority = text('priority');
    try {
      await ok(
        client.POST('/v1/configurations', {
          body: {
            id: text('id'),
            ...(text('name') ? { name: text('name') } : {}),
            target: text('target'),
            ...(priority ? { priority: Number(priority) } : {}),
            content,
            ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
          },
        }),
      );
      form.reset();
      onCreated();
    } catch (failure) {
      // A refusal names its field (`target`, `metrics.<name>`, `content`…): shown by that field.
      const field = problemField(failure) ?? '';
      setError({
        field: field.startsWith('metrics') ? 'metrics' : field === 'target' ? 'target' : 'content',
        error: failure,
      });
    }
  }

  const invalid = (field: string) =>
    error?.field === field
      ? { 'aria-invalid': true, 'aria-describedby': `configuration-${field}-error` }
      : {};
  const problem = (field: string) =>
    error?.field === field ? (
      <ProblemMessage error={error.error} id={`configuration-${field}-error`} />
    ) : null;
  return (
    <form class="card" onSubmit={create} aria-labelledby="new-configuration-title">
      <h2 id="new-configuration-title">New configuration</h2>
      <div class="form-grid">
        <div class="field">
          <label for="configuration-id">Id</label>
          <input id="configuration-id" name="id" autoComplete="off" placeholder="paris-interval" required />
        </div>
        <div class="field">
          <label for="configuration-name">Name</label>
          <input id="configuration-name" name="name" autoComplete="off" />
        </div>
        <div class="field">
          <label for="configuration-priority">Priority</label>
          <input id="configuration-priority" name="priority" type="number" step="1" placeholder="0" />
        </div>
      </div>
      <div class="stack">
        <label for="configuration-target">Target condition (CEL)</label>
        <input
          id="configuration-target"
          name="target"
          class="mono"
          autoComplete="off"
          placeholder='tags.site == "paris"'
          {...invalid('target')}
        />
        {problem('target')}
        <label for="configuration-content">Desired properties (JSON)</label>
        <textarea
          id="configuration-content"
          name="content"
          class="mono"
          rows={4}
          placeholder='{"interval": 600}'
          {...invalid('content')}
        />
        {problem('content')}
        <label for="configuration-metrics">Custom metrics, one per line: name = condition</label>
        <textarea
          id="configuration-metrics"
          name="metrics"
          class="mono"
          rows={2}
          placeholder="reporting = has(twin.reported.interval)"
          {...invalid('metrics')}
        />
        {problem('metrics')}
        <div class="actions">
          <button type="submit">Create configuration</button>
        </div>
      </div>
    </form>
  );
}
