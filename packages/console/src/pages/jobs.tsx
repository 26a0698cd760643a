import type { FleetJob, JobExecution, RequestBody } from '@fleetport/sdk';
import { useEffect, useState } from 'preact/hooks';
import { type Api, isAbort } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Link } from '../components/link.js';
import { ProblemMessage } from '../components/problem.js';
import { formatDateTime, formatNumber } from '../format.js';
import { ok, problemField, typed } from '../sdk.js';
import { followStream, type StreamStatus } from '../stream.js';
import { LiveBadge } from './overview.js';

const KINDS = ['job.created', 'job.status_changed', 'job.progress'];
const PAGE = 50;
const ENDED = new Set<FleetJob['status']>(['completed', 'cancelled', 'aborted']);

/**
 * Fleet jobs: each job's status and progress (live from the stream's `job.*` changes),
 * pause, resume and cancel, each device's execution a click away, and a form to start one.
 */
export function Jobs({ api }: { readonly api: Api }) {
  const client = typed(api);
  // Changes that arrive while the first page is read are kept and merged with it.
  const [jobs, setJobs] = useState<readonly FleetJob[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [open, setOpen] = useState<string | null>(null);

  const upsert = (job: FleetJob) =>
    setJobs((list) => {
      const known = list.find((item) => item.id === job.id);
      // Changes may arrive out of order with an action's own answer: the newer one stays.
      if (known && known.updatedAt > job.updatedAt) return list;
      return known ? list.map((item) => (item.id === job.id ? job : item)) : [job, ...list];
    });

  useEffect(() => {
    const stop = new AbortController();
    void followStream({
      api,
      query: { kinds: KINDS },
      onChange: (change) => upsert(change.data as FleetJob),
      onStatus: setStatus,
      signal: stop.signal,
    });
    ok(client.GET('/v1/jobs', { params: { query: { limit: PAGE } }, signal: stop.signal })).then(
      (page) => {
        setJobs((live) => [
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
  }, [api, client]);

  async function more() {
    if (!cursor) return;
    try {
      const page = await ok(client.GET('/v1/jobs', { params: { query: { limit: PAGE, cursor } } }));
      setJobs((list) => [
        ...list,
        ...page.items.filter((item) => !list.some((known) => known.id === item.id)),
      ]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <div class="title-row">
        <h1 tabIndex={-1}>Jobs</h1>
        <LiveBadge status={status} />
      </div>
      <ProblemMessage error={error} />
      <section class="card" aria-labelledby="jobs-title">
        <h2 id="jobs-title">Fleet jobs</h2>
        {!loaded ? (
          error ? null : (
            <p aria-live="polite">Loading…</p>
          )
        ) : jobs.length === 0 ? (
          <p class="muted">No jobs yet.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Target</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((job) => (
                  <JobRow
                    key={job.id}
                    api={api}
                    job={job}
                    open={open === job.id}
                    onToggle={() => setOpen((current) => (current === job.id ? null : job.id))}
                    onChanged={upsert}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {cursor ? (
          <button type="button" class="secondary" onClick={more}>
            More jobs
          </button>
        ) : null}
      </section>
      <NewJob api={api} onCreated={upsert} />
    </>
  );
}

function JobRow({
  api,
  job,
  open,
  onToggle,
  onChanged,
}: {
  readonly api: Api;
  readonly job: FleetJob;
  readonly open: boolean;
  readonly onToggle: () => void;
  readonly onChanged: (job: FleetJob) => void;
}) {
  const client = typed(api);
  const [error, setError] = useState<unknown>(null);
  const { progress } = job;
  const finished = progress.succeeded + progress.failed + progress.timedOut + progress.cancelled;
  const label = `${job.name} (${job.id})`;

  async function act(action: 'pause' | 'resume' | 'cancel') {
    setError(null);
    try {
      const path = `/v1/jobs/{jobId}/${action}` as const;
      onChanged(await ok(client.POST(path, { params: { path: { jobId: job.id } } })));
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <>
      <tr data-job-id={job.id} data-status={job.status}>
        <td>
          <strong>{job.name}</strong>
          <div class="muted mono">{job.id}</div>
          <div class="muted">
            {job.kind === 'command' ? `command ${job.command?.name ?? 'command'}` : 'twin patch'},{' '}
            {formatDateTime(job.createdAt)}
          </div>
        </td>
        <td>{job.target.where === null ? 'a list of devices' : <code>{job.target.where}</code>}</td>
        <td>
          <span class={`pill ${jobTone(job.status)}`}>{job.status.replace('_', ' ')}</span>
          {job.reason ? <div class="muted">{job.reason}</div> : null}
        </td>
        <td>
          <progress
            max={Math.max(progress.targeted, 1)}
            value={finished}
            aria-label={`Progress of ${label}`}
          />
          <div class="muted" data-testid="job-progress">
            {formatNumber(finished)} of {formatNumber(progress.targeted)}
            {job.resolved ? '' : '+'} done: {formatNumber(progress.succeeded)} succeeded,{' '}
            {formatNumber(progress.failed + progress.timedOut)} failed, {formatNumber(progress.inProgress)} in
            progress
          </div>
        </td>
        <td class="actions">
          {job.status === 'queued' || job.status === 'in_progress' ? (
            <button
              type="button"
              class="secondary"
              aria-label={`Pause ${label}`}
              onClick={() => act('pause')}
            >
              Pause
            </button>
          ) : null}
          {job.status === 'paused' ? (
            <button
              type="button"
              class="secondary"
              aria-label={`Resume ${label}`}
              onClick={() => act('resume')}
            >
              Resume
            </button>
          ) : null}
          {ENDED.has(job.status) ? null : (
            <ConfirmButton label="Cancel" subject={`job ${label}`} onConfirm={() => act('cancel')} />
          )}
          <button
            type="button"
            class="secondary"
            aria-expanded={open}
            aria-label={`Devices of ${label}`}
            onClick={onToggle}
          >
            Devices
          </button>
        </td>
      </tr>
      {error ? (
        <tr>
          <td colSpan={5}>
            <ProblemMessage error={error} />
          </td>
        </tr>
      ) : null}
      {open ? (
        <tr>
          <td colSpan={5}>
            <Executions api={api} job={job} label={label} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function jobTone(status: FleetJob['status']): string {
  if (status === 'completed') return 'applied';
  if (status === 'aborted') return 'failed';
  if (status === 'cancelled') return 'cancelled';
  return 'pending';
}

const EXECUTION_STATES = ['pending', 'in_progress', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;

/** A job's devices in device order, filtered by status; read again as the job progresses. */
function Executions({
  api,
  job,
  label,
}: {
  readonly api: Api;
  readonly job: FleetJob;
  readonly label: string;
}) {
  const client = typed(api);
  const [filter, setFilter] = useState<(typeof EXECUTION_STATES)[number] | ''>('');
  const [items, setItems] = useState<readonly JobExecution[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const query = filter === '' ? {} : { status: filter };

  useEffect(() => {
    const stop = new AbortController();
    ok(
      client.GET('/v1/jobs/{jobId}/devices', {
        params: { path: { jobId: job.id }, query: { ...query, limit: PAGE } },
        signal: stop.signal,
      }),
    ).then(
      (page) => {
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) setError(failure);
      },
    );
    return () => stop.abort();
  }, [client, job.id, job.updatedAt, filter]);

  async function more() {
    if (!cursor) return;
    try {
      const page = await ok(
        client.GET('/v1/jobs/{jobId}/devices', {
          params: { path: { jobId: job.id }, query: { ...query, limit: PAGE, cursor } },
        }),
      );
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (failure) {
      setError(failure);
    }
  }

  const selectId = `executions-${job.id}`;
  return (
    <section class="history" aria-label={`Devices of ${label}`}>
      <div class="field inline">
        <label for={selectId}>Show</label>
        <select
          id={selectId}
          value={filter}
          onChange={(event) => setFilter(event.currentTarget.value as typeof filter)}
        >
          <option value="">every device</option>
          {EXECUTION_STATES.map((state) => (
            <option value={state} key={state}>
              {state.replace('_', ' ')}
            </option>
          ))}
        </select>
      </div>
      <ProblemMessage error={error} />
      {items === null ? null : items.length === 0 ? (
        <p class="muted">No devices{filter ? ` ${filter.replace('_', ' ')}` : ''} yet.</p>
      ) : (
        <table class="executions">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Attempts
              </th>
              <th scope="col">Finished</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {items.map((execution) => (
              <tr key={execution.deviceId} data-device-id={execution.deviceId}>
                <td>
                  <Link href={`/devices/${encodeURIComponent(execution.deviceId)}`}>
                    {execution.deviceId}
                  </Link>
                </td>
                <td>
                  <span class={`pill ${executionTone(execution.status)}`}>
                    {execution.status.replace('_', ' ')}
                  </span>
                </td>
                <td class="num">{execution.attempts}</td>
                <td>{formatDateTime(execution.finishedAt)}</td>
                <td>{execution.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor ? (
        <button type="button" class="secondary" onClick={more}>
          More devices
        </button>
      ) : null}
    </section>
  );
}

function executionTone(status: JobExecution['status']): string {
  if (status === 'succeeded') return 'applied';
  if (status === 'failed' || status === 'timed_out') return 'failed';
  if (status === 'cancelled') return 'cancelled';
  return 'pending';
}

type NewJobBody = RequestBody<'/v1/jobs', 'post'>;

function NewJob({ api, onCreated }: { readonly api: Api; readonly onCreated: (job: FleetJob) => void }) {
  const client = typed(api);
  const [kind, setKind] = useState<'command' | 'twin'>('command');
  const [targetBy, setTargetBy] = useState<'where' | 'list'>('where');
  const [error, setError] = useState<{ field: string; error: unknown } | null>(null);

  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const number = (name: string) => (text(name) === '' ? undefined : Number(text(name)));
    setError(null);
    let payload: Pick<NewJobBody, 'command' | 'twin'>;
    try {
      if (kind === 'twin') {
        const desired: unknown = JSON.parse(text('desired') || 'null');
        if (desired === null || typeof desired !== 'object' || Array.isArray(desired))
          throw new Error('The patch is a JSON object of desired properties.');
        payload = { twin: { desired: desired as Record<string, unknown> } };
      } else {
        const data = text('data');
        payload = {
          command: {
            ...(text('commandName') ? { name: text('commandName') } : {}),
            transport: text('transport') as 'mqtt' | 'http' | 'sigfox',
            ...(data === '' ? { hex: text('hex') } : { data: JSON.parse(data) }),
          },
        };
      }
    } catch (failure) {
      setError({
        field: kind === 'twin' ? 'desired' : 'data',
        error: failure instanceof SyntaxError ? new Error(`Not JSON: ${failure.message}`) : failure,
      });
      return;
    }
    const deviceIds = text('deviceIds')
      .split(/[\s,]+/)
      .filter((id) => id !== '');
    const rollout = number('rolloutPerMinute');
    const concurrency = number('maxConcurrency');
    try {
      const job = await ok(
        client.POST('/v1/jobs', {
          body: {
            ...(text('name') ? { name: text('name') } : {}),
            ...payload,
            target: targetBy === 'where' ? { where: text('where') } : { deviceIds },
            ...(rollout === undefined ? {} : { rolloutPerMinute: rollout }),
            ...(concurrency === undefined ? {} : { maxConcurrency: concurrency }),
          },
        }),
      );
      onCreated(job);
      form.reset();
    } catch (failure) {
      const field = problemField(failure) ?? '';
      const code = failure instanceof Error && 'code' in failure ? String(failure.code) : '';
      setError({
        field:
          code === 'invalid_condition' || field.startsWith('target') || code === 'unknown_devices'
            ? 'target'
            : 'form',
        error: failure,
      });
    }
  }

  const invalid = (field: string) =>
    error?.field === field ? { 'aria-invalid': true, 'aria-describedby': `job-${field}-error` } : {};
  const problem = (field: string) =>
    error?.field === field ? <ProblemMessage error={error.error} id={`job-${field}-error`} /> : null;
  return (
    <form class="card" onSubmit={create} aria-labelledby="new-job-title">
      <h2 id="new-job-title">New job</h2>
      <div class="form-grid">
        <div class="field">
          <label for="job-name">Name</label>
          <input id="job-name" name="name" autoComplete="off" placeholder="reboot paris" />
        </div>
        <div class="field">
          <label for="job-kind">What</label>
          <select
            id="job-kind"
            value={kind}
            onChange={(event) => setKind(event.currentTarget.value as typeof kind)}
          >
            <option value="command">send a command</option>
            <option value="twin">patch desired properties</option>
          </select>
        </div>
        <div class="field">
          <label for="job-target-by">Devices</label>
          <select
            id="job-target-by"
            value={targetBy}
            onChange={(event) => setTargetBy(event.currentTarget.value as typeof targetBy)}
          >
            <option value="where">those matching a condition</option>
            <option value="list">a list of ids</option>
          </select>
        </div>
        <div class="field">
          <label for="job-rollout">Devices per minute</label>
          <input
            id="job-rollout"
            name="rolloutPerMinute"
            type="number"
            min="1"
            step="1"
            placeholder="no limit"
          />
        </div>
        <div class="field">
          <label for="job-concurrency">At once</label>
          <input
            id="job-concurrency"
            name="maxConcurrency"
            type="number"
            min="1"
            step="1"
            placeholder="no limit"
          />
        </div>
      </div>
      <div class="stack">
        {targetBy === 'where' ? (
          <>
            <label for="job-where">Condition (CEL)</label>
            <input
              id="job-where"
              name="where"
              class="mono"
              autoComplete="off"
              placeholder='type == "thermo" && tags.site == "paris"'
              {...invalid('target')}
            />
          </>
        ) : (
          <>
            <label for="job-device-ids">Device ids, separated by spaces or commas</label>
            <textarea id="job-device-ids" name="deviceIds" class="mono" rows={2} {...invalid('target')} />
          </>
        )}
        {problem('target')}
        {kind === 'command' ? (
          <div class="form-grid">
            <div class="field">
              <label for="job-command-name">Command name</label>
              <input id="job-command-name" name="commandName" autoComplete="off" placeholder="reboot" />
            </div>
            <div class="field">
              <label for="job-transport">Transport</label>
              <select id="job-transport" name="transport">
                <option value="mqtt">MQTT</option>
                <option value="http">HTTP polling</option>
                <option value="sigfox">Sigfox BIDIR</option>
              </select>
            </div>
            <div class="field">
              <label for="job-hex">Payload (hex)</label>
              <input id="job-hex" name="hex" class="mono" autoComplete="off" placeholder="01ff" />
            </div>
            <div class="field">
              <label for="job-data">or JSON for the codec</label>
              <input id="job-data" name="data" class="mono" autoComplete="off" {...invalid('data')} />
            </div>
          </div>
        ) : (
          <>
            <label for="job-desired">Desired patch (JSON)</label>
            <textarea
              id="job-desired"
              name="desired"
              class="mono"
              rows={3}
              placeholder='{"interval": 600}'
              {...invalid('desired')}
            />
          </>
        )}
        {problem('data')}
        {problem('desired')}
        {problem('form')}
        <div class="actions">
          <button type="submit">Start job</button>
        </div>
      </div>
    </form>
  );
}
