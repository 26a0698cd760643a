import type { Registry } from 'prom-client';
import { AppError, isAppError, notFound } from '../../kernel/errors.js';
import { uuidv7 } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import { type Store, transact } from '../../store/store.js';
import {
  appendChanges,
  type ChangeDeps,
  type ChangeEntry,
  type FeedBatch,
  type FeedConsumer,
  followChanges,
  writeWithChanges,
} from '../changes/index.js';
import type { Command, CommandBody } from '../commands/index.js';
import { compileCondition } from '../conditions/index.js';
import type { JobRun, Scheduler } from '../scheduler/index.js';
import type { Twin } from '../twins/index.js';
import { commandKey, commandOutcome, type Outcome, parseCommandKey, twinOutcome } from './job-outcomes.js';
import {
  type CreateJobBody,
  type ExecutionStatus,
  finishedJobStatuses,
  type Job,
  type JobCommandBody,
  type JobExecution,
  type JobStatus,
  type ListExecutionsQuery,
  type ListJobsQuery,
} from './job-schemas.js';
import {
  activeJobs,
  adjustJob,
  type CountColumn,
  type CountDelta,
  cancelPending,
  claimExecutions,
  type ExecutionRow,
  endExecutions,
  findJob,
  insertExecutions,
  insertJob,
  type JobRow,
  listExecutions,
  listJobs,
  missingDevices,
  moveJob,
  nextDeadline,
  overdueExecutions,
  pendingDevices,
  pendingExecutions,
  recordTwinVersions,
  runningTwinExecutions,
  startExecutions,
  unstartedExecutions,
} from './job-store.js';

/** What a job does to devices, through the modules that own commands and twins. */
export interface JobActions {
  /**
   * Queues a command per item, in item order (in one transaction where the commands module
   * can); an idempotency key used before answers the command made then. An item its device
   * cannot take (deleted since, a payload its codec refuses) answers its AppError; anything
   * else rejects the whole call.
   */
  sendCommands(
    tenantId: string,
    items: readonly { readonly deviceId: string; readonly body: CommandBody }[],
  ): Promise<readonly (Command | AppError)[]>;
  /** The commands that hold these idempotency keys on these devices; keys no command holds are left out. */
  findCommands(
    tenantId: string,
    wanted: readonly { readonly deviceId: string; readonly key: string }[],
  ): Promise<readonly Command[]>;
  /** Cancels a command that is not delivered yet; anything else is left as it is. */
  cancelCommand(tenantId: string, deviceId: string, commandId: string): Promise<void>;
  /** Merges the patch into the device's desired properties. */
  patchTwin(tenantId: string, deviceId: string, patch: Record<string, unknown>, setBy: string): Promise<Twin>;
  readTwin(tenantId: string, deviceId: string): Promise<Twin>;
}

/**
 * One page of the ids of the devices a job may target that a condition selects, in id
 * order, at most `limit` (the devices module's `targetDeviceIdsPage`).
 */
export type TargetScan = (
  tenantId: string,
  where: string,
  page: { readonly cursor: string | undefined; readonly limit: number },
) => Promise<{ readonly deviceIds: readonly string[]; readonly nextCursor: string | null }>;

export interface JobDeps extends ChangeDeps {
  readonly logger: Logger;
  readonly scheduler: Scheduler;
  readonly metrics?: Registry;
}

export interface JobServiceOptions {
  /** Devices started per step of a job at most (default 1000). */
  readonly batchSize?: number;
  /** Devices of one step started at once (twin jobs; default 16). */
  readonly parallel?: number;
  /** Device ids a condition's resolution records per transaction at most (default 5000). */
  readonly resolvePage?: number;
  /** An attempt claimed this long ago without its command recorded was cut short by a crash (default 30 s). */
  readonly recoverAfterMs?: number;
  /** The progress consumer's name (tests run several services on one database). */
  readonly consumerName?: string;
}

const TICK_HANDLER = 'jobs.tick';
const tickKey = (tenantId: string, jobId: string) => `${TICK_HANDLER}:${tenantId}:${jobId}`;
/** Steps one run of a job's tick takes at most before it lets other jobs run. */
const STEPS_PER_RUN = 20;
/** How far a rollout rate may burst after idling: one second's worth of devices. */
const BURST_MS = 1_000;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function presentJob(row: JobRow): Job {
  const spec = JSON.parse(row.spec) as Record<string, unknown>;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Job['kind'],
    status: row.status as JobStatus,
    command: row.kind === 'command' ? (spec as JobCommandBody) : null,
    twin: row.kind === 'twin' ? { desired: spec } : null,
    target: { where: row.target_where },
    rolloutPerMinute: row.rate_per_minute,
    maxConcurrency: row.max_concurrency,
    timeoutSeconds: row.timeout_ms === null ? null : row.timeout_ms / 1000,
    retries: row.max_attempts - 1,
    abort:
      row.abort_failed_percent === null || row.abort_min_finished === null
        ? null
        : { failedPercent: row.abort_failed_percent, minFinished: row.abort_min_finished },
    resolved: row.resolved === 1,
    progress: {
      targeted: row.targeted,
      pending: row.pending,
      inProgress: row.in_progress,
      succeeded: row.succeeded,
      failed: row.failed,
      timedOut: row.timed_out,
      cancelled: row.cancelled,
    },
    reason: row.reason,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}

function presentExecution(row: ExecutionRow, commandId: string | null): JobExecution {
  return {
    deviceId: row.device_id,
    status: row.status as ExecutionStatus,
    attempts: row.attempts,
    commandId,
    twinVersion: row.twin_version,
    error: row.error,
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    updatedAt: iso(row.updated_at),
  };
}

/** One attempt of a command job, started: its command, and how it ended if it did at once. */
interface SentCommand {
  readonly deviceId: string;
  readonly attempt: number;
  readonly command: Command | undefined;
  /** Undefined while the command is on its way. */
  readonly outcome: Outcome | undefined;
}

/** The attempts of a batch that ended at once, as endings. */
function answered(sent: readonly SentCommand[]): Ending[] {
  return sent.flatMap((item) =>
    item.outcome === undefined ? [] : [{ deviceId: item.deviceId, attempt: item.attempt, ...item.outcome }],
  );
}

/** One attempt's end, to record. */
interface Ending extends Outcome {
  readonly deviceId: string;
  readonly attempt: number;
  /** `timed_out` instead of `failed` when the attempt ran out of time. */
  readonly timedOut?: boolean;
}

/**
 * Fleet jobs: one command or twin patch over devices chosen by a list or a condition, with
 * a rollout rate, a concurrency limit, per-device timeouts and retries, abort criteria,
 * pause, resume and cancel. Each job's work runs as scheduler runs (`jobs.tick`), so the
 * clock that drives rates and timeouts is the scheduler's; each device's execution is a
 * row. A command job makes a batch's commands first, each with the idempotency key
 * `job:<jobId>:<attempt>`, then claims the batch in one transaction that also ends the
 * attempts answered at once; a crash in between leaves the devices pending, and the keys
 * answer the same commands when the job goes on, so no device is done twice. The key also
 * finds an attempt's command, so none is recorded. A twin job claims its devices first,
 * then patches them. Attempts end through a durable feed consumer (`jobs.progress`) that
 * follows command statuses and twin changes; each end, the counters and its `job.*` change
 * commit together.
 */
export class JobService {
  readonly #deps: JobDeps;
  readonly #actions: JobActions;
  readonly #scan: TargetScan;
  readonly #batchSize: number;
  readonly #parallel: number;
  readonly #resolvePage: number;
  readonly #recoverAfterMs: number;
  readonly #consumerName: string;
  /** Jobs whose attempts cut short by an earlier process were taken up since this one started. */
  readonly #recovered = new Set<string>();
  /** Jobs this process is stepping now: a second run for one of them only asks for another round. */
  readonly #stepping = new Map<string, { again: boolean }>();
  #consumer: FeedConsumer | undefined;

  constructor(deps: JobDeps, actions: JobActions, scan: TargetScan, options: JobServiceOptions = {}) {
    this.#deps = deps;
    this.#actions = actions;
    this.#scan = scan;
    this.#batchSize = options.batchSize ?? 1000;
    this.#parallel = options.parallel ?? 16;
    this.#resolvePage = options.resolvePage ?? 5000;
    this.#recoverAfterMs = options.recoverAfterMs ?? 30_000;
    this.#consumerName = options.consumerName ?? 'jobs.progress';
    deps.scheduler.register(TICK_HANDLER, (run) => this.#tick(run));
  }

  /** Follows command and twin changes, and makes sure every unfinished job has its next step scheduled. */
  async start(): Promise<void> {
    this.#consumer = followChanges(
      this.#deps,
      this.#consumerName,
      { kinds: ['command.status_changed', 'twin.reported.changed', 'twin.desired.changed'] },
      { effects: 'once', handle: (batch, commit) => this.#progress(batch, commit) },
      { gatherMs: 5 },
    );
    for (const job of await activeJobs(this.#deps.store)) await this.#wake(job.tenant_id, job.id);
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }

  /**
   * Creates a job, `queued`; it starts at its first step. A list of devices is checked
   * and recorded now (an unknown, deleted, retired or other tenant's device refuses the whole job
   * with `unknown_devices`); a condition is checked now and resolved when the job starts.
   */
  async create(tenantId: string, body: CreateJobBody): Promise<Job> {
    if ((body.command === undefined) === (body.twin === undefined))
      throw new AppError('validation_failed', 'give exactly one of command or twin', { field: 'command' });
    const { deviceIds, where } = body.target;
    if ((deviceIds === undefined) === (where === undefined))
      throw new AppError('validation_failed', 'give exactly one of target.deviceIds or target.where', {
        field: 'target',
      });
    if (where !== undefined) compileCondition(where, 'target.where');
    let spec: string;
    if (body.command !== undefined) {
      const given = [body.command.hex, body.command.base64, body.command.data].filter((v) => v !== undefined);
      if (given.length !== 1)
        throw new AppError(
          'validation_failed',
          'give exactly one of command.hex, command.base64 or command.data',
          {
            field: 'command',
          },
        );
      spec = JSON.stringify(body.command);
    } else {
      const desired = body.twin?.desired ?? {};
      if (Object.keys(desired).length === 0)
        throw new AppError('validation_failed', 'twin.desired sets no property', { field: 'twin.desired' });
      spec = JSON.stringify(desired);
    }
    if (deviceIds !== undefined) {
      const missing = await missingDevices(this.#deps.store, tenantId, deviceIds);
      if (missing.length > 0)
        throw new AppError(
          'unknown_devices',
          `${missing.length} of the listed devices ${missing.length === 1 ? 'is' : 'are'} not devices of this tenant: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
          { deviceIds: missing.slice(0, 100), count: missing.length },
        );
    }
    const now = this.#deps.clock.now();
    const row: JobRow = {
      tenant_id: tenantId,
      id: `job_${uuidv7(now).replaceAll('-', '')}`,
      name: body.name ?? 'job',
      kind: body.command !== undefined ? 'command' : 'twin',
      spec,
      target_where: where ?? null,
      status: 'queued',
      rate_per_minute: body.rolloutPerMinute ?? null,
      max_concurrency: body.maxConcurrency ?? null,
      timeout_ms: body.timeoutSeconds === undefined ? null : body.timeoutSeconds * 1000,
      max_attempts: (body.retries ?? 0) + 1,
      abort_failed_percent: body.abort?.failedPercent ?? null,
      abort_min_finished: body.abort?.minFinished ?? null,
      resolved: deviceIds !== undefined ? 1 : 0,
      resolve_cursor: null,
      next_slot_at: 0,
      targeted: deviceIds?.length ?? 0,
      pending: deviceIds?.length ?? 0,
      in_progress: 0,
      succeeded: 0,
      failed: 0,
      timed_out: 0,
      cancelled: 0,
      reason: null,
      version: 1,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
    };
    await writeWithChanges(this.#deps, tenantId, async (tx, record) => {
      await insertJob(tx, row);
      if (deviceIds !== undefined) await insertExecutions(tx, tenantId, row.id, deviceIds, now);
      await this.#deps.scheduler.schedule(
        {
          key: tickKey(tenantId, row.id),
          handler: TICK_HANDLER,
          at: now,
          payload: { tenantId, jobId: row.id },
        },
        tx,
      );
      record({ kind: 'job.created', entityId: row.id, data: presentJob(row) });
    });
    this.#announce(tenantId, row.id, row.status);
    return presentJob(row);
  }

  async get(tenantId: string, jobId: string): Promise<Job> {
    return presentJob(await this.#find(tenantId, jobId));
  }

  async list(tenantId: string, query: ListJobsQuery): Promise<{ items: Job[]; nextCursor: string | null }> {
    const rows = await listJobs(this.#deps.store, tenantId, {
      status: query.status,
      before: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map(presentJob),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** A job's devices with their executions, in device order. */
  async executions(
    tenantId: string,
    jobId: string,
    query: ListExecutionsQuery,
  ): Promise<{ items: JobExecution[]; nextCursor: string | null }> {
    const job = await this.#find(tenantId, jobId);
    const rows = await listExecutions(this.#deps.store, tenantId, jobId, {
      status: query.status,
      after: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const commands = job.kind === 'command' ? await this.#commandIds(job, page) : new Map<string, string>();
    return {
      items: page.map((row) => presentExecution(row, commands.get(row.device_id) ?? null)),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.device_id ?? null) : null,
    };
  }

  /**
   * The command of each execution's latest attempt, by device: found by its idempotency key
   * (rows written before keys were the record carry their id).
   */
  async #commandIds(job: JobRow, rows: readonly ExecutionRow[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    const wanted = new Map<string, { deviceId: string; key: string }>();
    for (const row of rows) {
      if (row.command_id !== null) ids.set(row.device_id, row.command_id);
      else if (row.attempts > 0) {
        const key = commandKey(job.id, row.attempts);
        wanted.set(`${row.device_id}\u0000${key}`, { deviceId: row.device_id, key });
      }
    }
    if (wanted.size === 0) return ids;
    for (const command of await this.#actions.findCommands(job.tenant_id, [...wanted.values()]))
      if (wanted.has(`${command.deviceId}\u0000${command.idempotencyKey}`))
        ids.set(command.deviceId, command.id);
    return ids;
  }

  /** Stops starting devices; those in progress still finish. Pausing a paused job answers it. */
  pause(tenantId: string, jobId: string): Promise<Job> {
    return this.#control(tenantId, jobId, 'paused', ['queued', 'in_progress'], {});
  }

  /** Starts devices again after a pause. Resuming a job that is not paused answers it as it is. */
  async resume(tenantId: string, jobId: string): Promise<Job> {
    const job = await this.#control(tenantId, jobId, 'in_progress', ['paused'], {});
    await this.#wake(tenantId, jobId);
    return job;
  }

  /**
   * Cancels a job: devices not started yet are cancelled; those in progress finish and are
   * recorded as they end. Cancelling a cancelled job answers it.
   */
  cancel(tenantId: string, jobId: string): Promise<Job> {
    return this.#control(tenantId, jobId, 'cancelled', ['queued', 'in_progress', 'paused'], {
      reason: 'cancelled',
    });
  }

  async #control(
    tenantId: string,
    jobId: string,
    to: JobStatus,
    from: readonly JobStatus[],
    { reason }: { reason?: string },
  ): Promise<Job> {
    for (;;) {
      const row = await this.#find(tenantId, jobId);
      // Asking again for where the job is answers it unchanged; resuming a job that is not
      // paused (queued, or running) too.
      if (row.status === to || (to === 'in_progress' && row.status === 'queued')) return presentJob(row);
      if (!from.includes(row.status as JobStatus))
        throw new AppError(
          'job_state_conflict',
          `job '${jobId}' is ${row.status}: it cannot be ${to === 'in_progress' ? 'resumed' : to}`,
          {
            jobId,
            status: row.status,
          },
        );
      const moved = await this.#moveTo(row, to, from, reason ?? null);
      if (moved) return presentJob(moved);
    }
  }

  /** Moves a job to `to` (final states cancel what is pending) with its change; undefined if it moved meanwhile. */
  async #moveTo(
    row: JobRow,
    to: JobStatus,
    from: readonly JobStatus[],
    reason: string | null,
  ): Promise<JobRow | undefined> {
    const now = this.#deps.clock.now();
    const final = finishedJobStatuses.has(to);
    const moved = await writeWithChanges(this.#deps, row.tenant_id, async (tx, record) => {
      const set = {
        status: to,
        updated_at: now,
        ...(to === 'in_progress' && row.started_at === null ? { started_at: now } : {}),
        ...(final ? { finished_at: now, reason } : {}),
      };
      if (!(await moveJob(tx, row, from, set))) return undefined;
      if (final) {
        const cancelled = await cancelPending(tx, row.tenant_id, row.id, now);
        if (cancelled > 0) await adjustJob(tx, row.tenant_id, row.id, { pending: -cancelled, cancelled }, {});
      }
      const after = await findJob(tx, row.tenant_id, row.id);
      if (after === undefined) return undefined;
      record({ kind: 'job.status_changed', entityId: row.id, data: presentJob(after) });
      return after;
    });
    if (moved !== undefined) {
      if (final) await this.#deps.scheduler.cancel(tickKey(row.tenant_id, row.id)).catch(() => false);
      this.#announce(row.tenant_id, row.id, moved.status);
    }
    return moved;
  }

  async #find(tenantId: string, jobId: string): Promise<JobRow> {
    const row = await findJob(this.#deps.store, tenantId, jobId);
    if (row === undefined) throw notFound('job', jobId);
    return row;
  }

  #announce(tenantId: string, jobId: string, status: string): void {
    this.#deps.bus.publish('job.changed', { tenantId, jobId, status });
  }

  /** Schedules the job's next step now. */
  async #wake(tenantId: string, jobId: string, store: Store = this.#deps.store, at?: number): Promise<void> {
    await this.#deps.scheduler.schedule(
      {
        key: tickKey(tenantId, jobId),
        handler: TICK_HANDLER,
        at: at ?? this.#deps.clock.now(),
        payload: { tenantId, jobId },
      },
      store,
    );
  }

  // ---- the job's steps -----------------------------------------------------------------

  /** One scheduler run of a job: start it, resolve its targets, take up cut-short attempts, time out, start devices. */
  async #tick(run: JobRun): Promise<void> {
    const { tenantId, jobId } = run.payload as { tenantId: string; jobId: string };
    const key = `${tenantId}\u0000${jobId}`;
    const running = this.#stepping.get(key);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.#stepping.set(key, state);
    try {
      let next: number | undefined;
      do {
        state.again = false;
        next = await this.#step(tenantId, jobId);
      } while (state.again);
      if (next !== undefined) await this.#wake(tenantId, jobId, this.#deps.store, next);
    } finally {
      this.#stepping.delete(key);
    }
  }

  /** Does what the job can do now; returns when it should look again (undefined: when woken). */
  async #step(tenantId: string, jobId: string): Promise<number | undefined> {
    let job = await findJob(this.#deps.store, tenantId, jobId);
    if (job === undefined || finishedJobStatuses.has(job.status as JobStatus)) return undefined;
    if (job.status === 'queued') {
      job =
        (await this.#moveTo(job, 'in_progress', ['queued'], null)) ??
        (await findJob(this.#deps.store, tenantId, jobId));
      if (job === undefined || job.status !== 'in_progress') return undefined;
    }
    if (job.resolved === 0 && !(await this.#resolve(job))) return undefined;
    await this.#recover(job);
    await this.#timeOut(job);
    for (let steps = 0; steps < STEPS_PER_RUN; steps++) {
      job = await findJob(this.#deps.store, tenantId, jobId);
      if (job === undefined || finishedJobStatuses.has(job.status as JobStatus)) return undefined;
      if (job.status !== 'in_progress' || job.pending === 0) break;
      const now = this.#deps.clock.now();
      const free = job.max_concurrency === null ? this.#batchSize : job.max_concurrency - job.in_progress;
      const slots = rateSlots(job, now);
      const count = Math.min(free, slots.allowed, this.#batchSize);
      if (count <= 0) break;
      if (!(await this.#startDevices(job, count, slots, now))) break;
      if (steps === STEPS_PER_RUN - 1) return this.#deps.clock.now();
    }
    return this.#nextLook(tenantId, jobId);
  }

  /** When the job needs a look without being woken: its next rate slot or its next deadline. */
  async #nextLook(tenantId: string, jobId: string): Promise<number | undefined> {
    const job = await findJob(this.#deps.store, tenantId, jobId);
    if (job === undefined || finishedJobStatuses.has(job.status as JobStatus)) return undefined;
    await this.#settle(job);
    const times: number[] = [];
    const deadline = await nextDeadline(this.#deps.store, tenantId, jobId);
    if (deadline !== undefined) times.push(deadline);
    const free = job.max_concurrency === null || job.in_progress < job.max_concurrency;
    if (job.status === 'in_progress' && job.pending > 0 && free)
      times.push(Math.max(job.next_slot_at, this.#deps.clock.now()));
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Records the devices a condition selects, a page per transaction; false when the job stopped meanwhile. */
  async #resolve(job: JobRow): Promise<boolean> {
    const where = job.target_where ?? '';
    let cursor = job.resolve_cursor ?? undefined;
    for (;;) {
      const page = await this.#scan(job.tenant_id, where, { cursor, limit: this.#resolvePage });
      const now = this.#deps.clock.now();
      const ok = await writeWithChanges(this.#deps, job.tenant_id, async (tx, record) => {
        const current = await findJob(tx, job.tenant_id, job.id);
        if (current === undefined || current.resolved === 1 || current.resolve_cursor !== (cursor ?? null))
          return false;
        if (finishedJobStatuses.has(current.status as JobStatus)) return false;
        const added = await insertExecutions(tx, job.tenant_id, job.id, page.deviceIds, now);
        await adjustJob(
          tx,
          job.tenant_id,
          job.id,
          { targeted: added, pending: added },
          { resolved: page.nextCursor === null ? 1 : 0, resolve_cursor: page.nextCursor, updated_at: now },
        );
        const after = await findJob(tx, job.tenant_id, job.id);
        if (after !== undefined) record({ kind: 'job.progress', entityId: job.id, data: presentJob(after) });
        return true;
      });
      if (!ok) {
        const current = await findJob(this.#deps.store, job.tenant_id, job.id);
        return (
          current !== undefined &&
          current.resolved === 1 &&
          !finishedJobStatuses.has(current.status as JobStatus)
        );
      }
      this.#announce(job.tenant_id, job.id, job.status);
      if (page.nextCursor === null) return true;
      cursor = page.nextCursor;
    }
  }

  /**
   * Starts again the attempts a process claimed and did not record (it died in between).
   * A twin job's are the attempts without a desired version; a command job claims only
   * attempts whose commands are made, so its attempts in progress are looked at once per
   * process, for those claimed before commands came first: the idempotency key answers
   * the command one may have made, so none is sent twice.
   */
  async #recover(job: JobRow): Promise<void> {
    const now = this.#deps.clock.now();
    const key = `${job.tenant_id}\u0000${job.id}`;
    const first = !this.#recovered.has(key);
    if (job.kind === 'command' && !first) return;
    const before = first ? Number.MAX_SAFE_INTEGER : now - this.#recoverAfterMs;
    this.#recovered.add(key);
    let after: string | undefined;
    for (;;) {
      const rows = await unstartedExecutions(
        this.#deps.store,
        job.tenant_id,
        job.id,
        before,
        this.#batchSize,
        after,
      );
      if (rows.length === 0) return;
      const attempts = rows.map((row) => ({ deviceId: row.device_id, attempt: row.attempts }));
      if (job.kind === 'command') {
        const sent = await this.#sendCommands(job, attempts);
        await this.#end(job.tenant_id, job.id, answered(sent), false);
      } else await this.#patchTwins(job, attempts);
      if (rows.length < this.#batchSize) return;
      after = rows.at(-1)?.device_id;
    }
  }

  /** Attempts past their deadline: timed out (or retried); a command still queued is cancelled. */
  async #timeOut(job: JobRow): Promise<void> {
    for (;;) {
      const now = this.#deps.clock.now();
      const rows = await overdueExecutions(this.#deps.store, job.tenant_id, job.id, now, this.#batchSize);
      if (rows.length === 0) return;
      const endings: Ending[] = [];
      for (const row of rows) {
        const late = job.kind === 'twin' ? await this.#lateTwin(job, row) : undefined;
        endings.push({
          deviceId: row.device_id,
          attempt: row.attempts,
          ...(late ?? { status: 'failed', error: 'timed out', timedOut: true }),
        });
      }
      await this.#end(job.tenant_id, job.id, endings, false);
      // Ended first, so that the cancellation's own change finds the attempt over. A command
      // still queued or sent is not sent again; one already delivered stays as it is.
      if (job.kind === 'command') await this.#cancelCommands(job, await this.#commandIds(job, rows));
      if (rows.length < this.#batchSize) return;
    }
  }

  /** Cancels commands a job no longer waits for; one delivered or ended meanwhile is left as it is. */
  async #cancelCommands(job: JobRow, commands: ReadonlyMap<string, string>): Promise<void> {
    for (const [deviceId, commandId] of commands) {
      try {
        await this.#actions.cancelCommand(job.tenant_id, deviceId, commandId);
      } catch (error) {
        if (!isAppError(error)) throw error;
      }
    }
  }

  /** What a twin attempt at its deadline did after all: a parameter's failure is not on the feed. */
  async #lateTwin(job: JobRow, row: ExecutionRow): Promise<Outcome | undefined> {
    try {
      return twinOutcome(await this.#actions.readTwin(job.tenant_id, row.device_id), JSON.parse(job.spec));
    } catch (error) {
      if (!isAppError(error)) throw error;
      return undefined;
    }
  }

  /** Starts up to `count` pending devices; false when none could be started. */
  #startDevices(
    job: JobRow,
    count: number,
    slots: { base: number; intervalMs: number },
    now: number,
  ): Promise<boolean> {
    return job.kind === 'command'
      ? this.#startCommands(job, count, slots, now)
      : this.#startTwins(job, count, slots, now);
  }

  /**
   * Makes the commands of up to `count` pending devices, then claims them in one
   * transaction that ends at once the attempts already answered (their only write). A crash
   * between the two leaves the devices pending: their keys answer the same commands next time.
   */
  async #startCommands(
    job: JobRow,
    count: number,
    slots: { base: number; intervalMs: number },
    now: number,
  ): Promise<boolean> {
    const candidates = await pendingExecutions(this.#deps.store, job.tenant_id, job.id, count);
    if (candidates.length === 0) return false;
    const sent = await this.#sendCommands(
      job,
      candidates.map((row) => ({ deviceId: row.device_id, attempt: row.attempts + 1 })),
    );
    const deadline = job.timeout_ms === null ? null : now + job.timeout_ms;
    const entries: ChangeEntry[] = [];
    const { claimed, stopped, position } = await transact(this.#deps.store, async (tx) => {
      const current = await findJob(tx, job.tenant_id, job.id);
      if (current?.status !== 'in_progress') return { claimed: 0, stopped: current, position: 0 };
      const claimed = await this.#claimSent(tx, current, sent, { now, deadline, slots }, entries);
      const position =
        entries.length > 0 ? await appendChanges(tx, job.tenant_id, entries, this.#deps.clock.now()) : 0;
      return { claimed, stopped: undefined, position };
    });
    this.#published(job.tenant_id, position, entries);
    // Made for a job that ended meanwhile: not sent any further. (Paused, they stay: the
    // devices are still pending, and their keys answer these commands when it resumes.)
    if (stopped !== undefined && finishedJobStatuses.has(stopped.status as JobStatus))
      await this.#cancelCommands(
        job,
        new Map(
          sent.flatMap((s) =>
            s.command !== undefined && s.outcome === undefined ? [[s.deviceId, s.command.id]] : [],
          ),
        ),
      );
    return claimed > 0;
  }

  /**
   * Claims sent attempts in `tx`, each straight to where its answer leaves it: in progress
   * while it waits, its end when answered, pending again for a retry; the counters, the
   * rate's next slot, the abort criteria and completion move with it. Returns how many moved.
   */
  async #claimSent(
    tx: Store,
    job: JobRow,
    sent: readonly SentCommand[],
    {
      now,
      deadline,
      slots,
    }: { now: number; deadline: number | null; slots: { base: number; intervalMs: number } },
    entries: ChangeEntry[],
  ): Promise<number> {
    const groups = new Map<
      string,
      { to: ExecutionStatus; attempt: number; error: string | null; ids: string[] }
    >();
    for (const item of sent) {
      const to: ExecutionStatus =
        item.outcome === undefined
          ? 'in_progress'
          : item.outcome.status === 'succeeded'
            ? 'succeeded'
            : item.attempt < job.max_attempts
              ? 'pending'
              : 'failed';
      const error = to === 'failed' || to === 'pending' ? (item.outcome?.error ?? null) : null;
      const key = `${to}\u0000${item.attempt}\u0000${error ?? ''}`;
      const group = groups.get(key) ?? { to, attempt: item.attempt, error, ids: [] };
      groups.set(key, group);
      group.ids.push(item.deviceId);
    }
    const delta: CountDelta = {};
    let claimed = 0;
    for (const group of groups.values()) {
      const moved = await startExecutions(tx, job.tenant_id, job.id, group.to, group.attempt, group.ids, {
        now,
        deadline,
        error: group.error,
      });
      if (moved === 0) continue;
      claimed += moved;
      if (group.to === 'pending') continue;
      delta.pending = (delta.pending ?? 0) - moved;
      const column = group.to as CountColumn;
      delta[column] = (delta[column] ?? 0) + moved;
    }
    if (claimed === 0) return 0;
    await adjustJob(tx, job.tenant_id, job.id, delta, {
      updated_at: now,
      ...(slots.intervalMs > 0 ? { next_slot_at: Math.ceil(slots.base + claimed * slots.intervalMs) } : {}),
    });
    const after = await findJob(tx, job.tenant_id, job.id);
    if (after === undefined) return claimed;
    const ended = await this.#finishIfDone(tx, after, now);
    entries.push(
      ended !== undefined
        ? { kind: 'job.status_changed', entityId: job.id, data: presentJob(ended) }
        : { kind: 'job.progress', entityId: job.id, data: presentJob(after) },
    );
    return claimed;
  }

  /**
   * Makes the commands of these attempts, each keyed `job:<jobId>:<attempt>`, and tells how
   * each ended if it did at once. What its device cannot take fails the attempt; anything
   * else (the database) rejects, with nothing claimed.
   */
  async #sendCommands(
    job: JobRow,
    attempts: readonly { deviceId: string; attempt: number }[],
  ): Promise<SentCommand[]> {
    const spec = JSON.parse(job.spec) as JobCommandBody;
    const answers = await this.#actions.sendCommands(
      job.tenant_id,
      attempts.map((item) => ({
        deviceId: item.deviceId,
        body: { ...spec, idempotencyKey: commandKey(job.id, item.attempt) },
      })),
    );
    return attempts.map((item, i) => {
      const answer = answers[i];
      if (answer === undefined || answer instanceof AppError)
        return {
          ...item,
          command: undefined,
          outcome: {
            status: 'failed',
            error: answer === undefined ? 'no answer' : `${answer.code}: ${answer.message}`.slice(0, 500),
          },
        };
      return { ...item, command: answer, outcome: commandOutcome(answer.status, answer.confirmed) };
    });
  }

  /** Claims up to `count` pending devices of a twin job and patches them; false when none could be claimed. */
  async #startTwins(
    job: JobRow,
    count: number,
    slots: { base: number; intervalMs: number },
    now: number,
  ): Promise<boolean> {
    const candidates = await pendingDevices(this.#deps.store, job.tenant_id, job.id, count);
    if (candidates.length === 0) return false;
    const deadline = job.timeout_ms === null ? null : now + job.timeout_ms;
    const claimed = await writeWithChanges(this.#deps, job.tenant_id, async (tx, record) => {
      const current = await findJob(tx, job.tenant_id, job.id);
      if (current?.status !== 'in_progress') return [];
      const got = await claimExecutions(tx, job.tenant_id, job.id, candidates, { now, deadline });
      await adjustJob(
        tx,
        job.tenant_id,
        job.id,
        { pending: -got.length, in_progress: got.length },
        {
          updated_at: now,
          ...(slots.intervalMs > 0
            ? { next_slot_at: Math.ceil(slots.base + got.length * slots.intervalMs) }
            : {}),
        },
      );
      const after = await findJob(tx, job.tenant_id, job.id);
      if (got.length > 0 && after !== undefined)
        record({ kind: 'job.progress', entityId: job.id, data: presentJob(after) });
      return got;
    });
    if (claimed.length === 0) return false;
    await this.#patchTwins(
      job,
      claimed.map((row) => ({ deviceId: row.device_id, attempt: row.attempts })),
    );
    return true;
  }

  /** Patches claimed twin attempts, records the desired version each made, and ends those done at once. */
  async #patchTwins(job: JobRow, attempts: readonly { deviceId: string; attempt: number }[]): Promise<void> {
    const spec = JSON.parse(job.spec) as Record<string, unknown>;
    const started: { deviceId: string; attempt: number; twinVersion: number }[] = [];
    const endings: Ending[] = [];
    let next = 0;
    let fatal: unknown;
    const worker = async () => {
      while (next < attempts.length && fatal === undefined) {
        const item = attempts[next++] as { deviceId: string; attempt: number };
        try {
          const twin = await this.#actions.patchTwin(job.tenant_id, item.deviceId, spec, `job:${job.id}`);
          started.push({ ...item, twinVersion: twin.desiredVersion });
          const outcome = twinOutcome(twin, spec);
          if (outcome !== undefined) endings.push({ ...item, ...outcome });
        } catch (error) {
          // What the device cannot take (deleted since) fails the attempt; anything else
          // (the database) fails the run once what was started is recorded, and the attempt
          // is started again (`#recover`).
          if (!isAppError(error)) {
            fatal ??= error;
            return;
          }
          endings.push({ ...item, status: 'failed', error: `${error.code}: ${error.message}`.slice(0, 500) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#parallel, attempts.length) }, worker));
    // What started and what ended at once commit together: one transaction per batch.
    const entries: ChangeEntry[] = [];
    const position = await transact(this.#deps.store, async (tx) => {
      if (started.length > 0) await recordTwinVersions(tx, job.tenant_id, job.id, started);
      if (endings.length > 0) await this.#endIn(tx, job.tenant_id, job.id, endings, false, entries);
      return entries.length > 0 ? appendChanges(tx, job.tenant_id, entries, this.#deps.clock.now()) : 0;
    });
    this.#published(job.tenant_id, position, entries);
    if (fatal !== undefined) throw fatal;
  }

  /** Records attempt endings in their own transaction. */
  async #end(tenantId: string, jobId: string, endings: readonly Ending[], fromFeed: boolean): Promise<void> {
    if (endings.length === 0) return;
    const entries: ChangeEntry[] = [];
    const position = await transact(this.#deps.store, async (tx) => {
      await this.#endIn(tx, tenantId, jobId, endings, fromFeed, entries);
      return entries.length > 0 ? appendChanges(tx, tenantId, entries, this.#deps.clock.now()) : 0;
    });
    this.#published(tenantId, position, entries);
  }

  #published(tenantId: string, position: number, entries: readonly ChangeEntry[]): void {
    if (entries.length === 0) return;
    this.#deps.bus.publish('changes.committed', { tenantId, position });
    for (const entry of entries) {
      const job = entry.data as Job;
      this.#announce(tenantId, job.id, job.status);
    }
  }

  /**
   * Ends attempts in `tx`: each to its status, or back to pending while retries remain
   * (`fromFeed`: also attempts whose batch is not claimed yet, and the job is woken for its
   * next devices); counters move by what actually moved; then the abort criteria and completion are
   * checked, and the job's change is pushed to `entries`.
   */
  async #endIn(
    tx: Store,
    tenantId: string,
    jobId: string,
    endings: readonly Ending[],
    fromFeed: boolean,
    entries: ChangeEntry[],
  ): Promise<void> {
    const job = await findJob(tx, tenantId, jobId);
    if (job === undefined) return;
    const now = this.#deps.clock.now();
    const retrying = !finishedJobStatuses.has(job.status as JobStatus);
    const groups = new Map<
      string,
      { to: ExecutionStatus; attempt: number; error: string | null; ids: string[] }
    >();
    for (const ending of endings) {
      const retry = ending.status === 'failed' && retrying && ending.attempt < job.max_attempts;
      const to: ExecutionStatus = retry
        ? 'pending'
        : ending.status === 'succeeded'
          ? 'succeeded'
          : ending.timedOut
            ? 'timed_out'
            : 'failed';
      const error = to === 'succeeded' ? null : ending.error;
      const key = `${to}\u0000${ending.attempt}\u0000${error ?? ''}`;
      const group = groups.get(key) ?? { to, attempt: ending.attempt, error, ids: [] };
      groups.set(key, group);
      group.ids.push(ending.deviceId);
    }
    const delta: CountDelta = {};
    let moved = 0;
    for (const group of groups.values()) {
      // From the feed, an answer may come before its batch is claimed (`#startCommands`).
      const from = await endExecutions(tx, tenantId, jobId, group.to, group.attempt, group.ids, {
        now,
        error: group.error,
        unclaimed: fromFeed,
      });
      const count = from.running + from.pending;
      if (count === 0) continue;
      moved += count;
      delta.in_progress = (delta.in_progress ?? 0) - from.running;
      delta.pending = (delta.pending ?? 0) - from.pending;
      const column = group.to as CountColumn;
      delta[column] = (delta[column] ?? 0) + count;
    }
    if (moved === 0) return;
    await adjustJob(tx, tenantId, jobId, delta, { updated_at: now });
    let after = await findJob(tx, tenantId, jobId);
    if (after === undefined) return;
    const ended = await this.#finishIfDone(tx, after, now);
    if (ended !== undefined) {
      after = ended;
      entries.push({ kind: 'job.status_changed', entityId: jobId, data: presentJob(after) });
    } else {
      entries.push({ kind: 'job.progress', entityId: jobId, data: presentJob(after) });
      if (fromFeed && after.status === 'in_progress' && after.pending > 0)
        await this.#wake(tenantId, jobId, tx);
    }
  }

  /** Aborts the job when its criteria say so, or completes it when every device is done; the job after, if it moved. */
  async #finishIfDone(tx: Store, job: JobRow, now: number): Promise<JobRow | undefined> {
    if (finishedJobStatuses.has(job.status as JobStatus)) return undefined;
    const finished = job.succeeded + job.failed + job.timed_out;
    const bad = job.failed + job.timed_out;
    let to: JobStatus | undefined;
    let reason: string | null = null;
    if (
      job.abort_failed_percent !== null &&
      job.abort_min_finished !== null &&
      finished >= job.abort_min_finished &&
      bad * 100 > job.abort_failed_percent * finished
    ) {
      to = 'aborted';
      reason = `${bad} of ${finished} finished devices failed or timed out, more than ${job.abort_failed_percent}%`;
    } else if (job.resolved === 1 && job.pending === 0 && job.in_progress === 0 && job.status !== 'queued') {
      to = 'completed';
    }
    if (to === undefined) return undefined;
    if (
      !(await moveJob(tx, job, ['queued', 'in_progress', 'paused'], {
        status: to,
        reason,
        finished_at: now,
        updated_at: now,
      }))
    )
      return undefined;
    if (to === 'aborted') {
      const cancelled = await cancelPending(tx, job.tenant_id, job.id, now);
      if (cancelled > 0) await adjustJob(tx, job.tenant_id, job.id, { pending: -cancelled, cancelled }, {});
    }
    return findJob(tx, job.tenant_id, job.id);
  }

  /** Completes a job that has nothing left (a list whose every device ended at once, an empty condition). */
  async #settle(job: JobRow): Promise<void> {
    const entries: ChangeEntry[] = [];
    const position = await transact(this.#deps.store, async (tx) => {
      const current = await findJob(tx, job.tenant_id, job.id);
      if (current === undefined) return 0;
      const ended = await this.#finishIfDone(tx, current, this.#deps.clock.now());
      if (ended === undefined) return 0;
      entries.push({ kind: 'job.status_changed', entityId: job.id, data: presentJob(ended) });
      return appendChanges(tx, job.tenant_id, entries, this.#deps.clock.now());
    });
    this.#published(job.tenant_id, position, entries);
  }

  // ---- following commands and twins ----------------------------------------------------

  /** Ends the attempts that a batch of command and twin changes finished, in the cursor's transaction. */
  async #progress(
    batch: FeedBatch,
    commit: (work: (tx: Store) => Promise<void>) => Promise<void>,
  ): Promise<void> {
    const byJob = new Map<string, Ending[]>();
    const add = (jobId: string, ending: Ending) => {
      const list = byJob.get(jobId) ?? [];
      byJob.set(jobId, list);
      list.push(ending);
    };
    const twinDevices = new Set<string>();
    for (const change of batch.changes) {
      if (change.kind !== 'command.status_changed') {
        twinDevices.add(change.entityId);
        continue;
      }
      const command = change.data as Command | undefined;
      const key = parseCommandKey(command?.idempotencyKey);
      if (command === undefined || key === undefined) continue;
      const outcome = commandOutcome(command.status, command.confirmed);
      if (outcome !== undefined)
        add(key.jobId, { deviceId: command.deviceId, attempt: key.attempt, ...outcome });
    }
    if (twinDevices.size > 0) {
      const running = await runningTwinExecutions(this.#deps.store, batch.tenantId, [...twinDevices]);
      for (const row of running) {
        let twin: Twin;
        try {
          twin = await this.#actions.readTwin(batch.tenantId, row.device_id);
        } catch (error) {
          if (isAppError(error) && error.code === 'not_found') {
            add(row.job_id, {
              deviceId: row.device_id,
              attempt: row.attempts,
              status: 'failed',
              error: 'device deleted',
            });
            continue;
          }
          throw error;
        }
        const outcome = twinOutcome(twin, JSON.parse(row.spec) as Record<string, unknown>);
        if (outcome !== undefined)
          add(row.job_id, { deviceId: row.device_id, attempt: row.attempts, ...outcome });
      }
    }
    if (byJob.size === 0) return;
    const entries: ChangeEntry[] = [];
    let position = 0;
    await commit(async (tx) => {
      entries.length = 0;
      for (const [jobId, endings] of byJob)
        await this.#endIn(tx, batch.tenantId, jobId, endings, true, entries);
      position =
        entries.length > 0 ? await appendChanges(tx, batch.tenantId, entries, this.#deps.clock.now()) : 0;
    });
    this.#published(batch.tenantId, position, entries);
  }
}

/**
 * How many devices the rollout rate lets start now: slots every `60000 / rate` ms from the
 * job's next slot, with at most one second's worth saved up while it idled.
 */
export function rateSlots(job: Pick<JobRow, 'rate_per_minute' | 'next_slot_at'>, now: number) {
  if (job.rate_per_minute === null) return { allowed: Number.POSITIVE_INFINITY, base: now, intervalMs: 0 };
  const intervalMs = 60_000 / job.rate_per_minute;
  const base = Math.max(job.next_slot_at, now - Math.max(0, BURST_MS - intervalMs));
  const allowed = base > now ? 0 : Math.floor((now - base) / intervalMs) + 1;
  return { allowed, base, intervalMs };
}
