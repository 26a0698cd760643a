import { type Selectable, sql } from 'kysely';
import type { FleetJobDeviceTable, FleetJobTable } from '../../store/schema.js';
import { guarded, type Store } from '../../store/store.js';
import type { ExecutionStatus, JobStatus } from './job-schemas.js';

export type JobRow = Selectable<FleetJobTable>;
export type ExecutionRow = Selectable<FleetJobDeviceTable>;

/** The progress counters of a job, as columns. */
export type CountColumn =
  | 'targeted'
  | 'pending'
  | 'in_progress'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled';
export type CountDelta = Partial<Record<CountColumn, number>>;

/** Rows per statement when a list of device ids goes into `IN (…)`. */
const IN_CHUNK = 500;
/** Rows per statement that sets a value per device with a CASE. */
const CASE_CHUNK = 50;

const num = (value: number | null) => (value === null ? null : Number(value));

/** PostgreSQL answers bigint columns as text: numbers are made numbers here, once. */
function normalizeJob(row: JobRow): JobRow {
  return {
    ...row,
    rate_per_minute: num(row.rate_per_minute),
    max_concurrency: num(row.max_concurrency),
    timeout_ms: num(row.timeout_ms),
    max_attempts: Number(row.max_attempts),
    abort_failed_percent: num(row.abort_failed_percent),
    abort_min_finished: num(row.abort_min_finished),
    resolved: Number(row.resolved),
    next_slot_at: Number(row.next_slot_at),
    targeted: Number(row.targeted),
    pending: Number(row.pending),
    in_progress: Number(row.in_progress),
    succeeded: Number(row.succeeded),
    failed: Number(row.failed),
    timed_out: Number(row.timed_out),
    cancelled: Number(row.cancelled),
    version: Number(row.version),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    started_at: num(row.started_at),
    finished_at: num(row.finished_at),
  };
}

function normalizeExecution(row: ExecutionRow): ExecutionRow {
  return {
    ...row,
    attempts: Number(row.attempts),
    twin_version: num(row.twin_version),
    deadline_at: num(row.deadline_at),
    started_at: num(row.started_at),
    finished_at: num(row.finished_at),
    updated_at: Number(row.updated_at),
  };
}

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function insertJob(store: Store, row: JobRow): Promise<void> {
  return guarded(store, async () => {
    await store.db.insertInto('fleet_jobs').values(row).execute();
  });
}

export async function findJob(store: Store, tenantId: string, jobId: string): Promise<JobRow | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('fleet_jobs')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', jobId)
      .executeTakeFirst(),
  );
  return row === undefined ? undefined : normalizeJob(row);
}

/** A tenant's jobs, newest first (ids grow with time). */
export async function listJobs(
  store: Store,
  tenantId: string,
  { status, before, limit }: { status?: JobStatus | undefined; before?: string | undefined; limit: number },
): Promise<JobRow[]> {
  const rows = await guarded(store, () => {
    let query = store.db.selectFrom('fleet_jobs').selectAll().where('tenant_id', '=', tenantId);
    if (status !== undefined) query = query.where('status', '=', status);
    if (before !== undefined) query = query.where('id', '<', before);
    return query.orderBy('id', 'desc').limit(limit).execute();
  });
  return rows.map(normalizeJob);
}

/** Jobs that may still start or finish devices, of every tenant: what a process resumes at start. */
export async function activeJobs(store: Store): Promise<{ tenant_id: string; id: string }[]> {
  return guarded(store, () =>
    store.db
      .selectFrom('fleet_jobs')
      .select(['tenant_id', 'id'])
      .where('status', 'in', ['queued', 'in_progress', 'paused'])
      .execute(),
  );
}

/** Moves a job's status and other fields when it is still at `from`; false otherwise. */
export async function moveJob(
  store: Store,
  row: Pick<JobRow, 'tenant_id' | 'id'>,
  from: readonly JobStatus[],
  set: Partial<Omit<JobRow, 'tenant_id' | 'id' | 'version'>>,
): Promise<boolean> {
  const result = await guarded(store, () =>
    store.db
      .updateTable('fleet_jobs')
      .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.id)
      .where('status', 'in', [...from])
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) === 1;
}

/** Adds to a job's counters (and sets other fields) in one statement. */
export async function adjustJob(
  store: Store,
  tenantId: string,
  jobId: string,
  delta: CountDelta,
  set: Partial<Pick<JobRow, 'next_slot_at' | 'updated_at' | 'resolved' | 'resolve_cursor'>>,
): Promise<void> {
  await guarded(store, () =>
    store.db
      .updateTable('fleet_jobs')
      .set((eb) => {
        const values: Record<string, unknown> = { ...set, version: eb('version', '+', 1) };
        for (const [column, by] of Object.entries(delta) as [CountColumn, number][])
          if (by !== 0) values[column] = eb(column, '+', by);
        return values;
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', jobId)
      .execute(),
  );
}

/** Adds pending executions for these devices; ones the job has already are left alone. Returns how many were new. */
export async function insertExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  deviceIds: readonly string[],
  now: number,
): Promise<number> {
  let inserted = 0;
  for (const part of chunks(deviceIds)) {
    const result = await guarded(store, () =>
      store.db
        .insertInto('fleet_job_devices')
        .values(
          part.map((deviceId) => ({
            tenant_id: tenantId,
            job_id: jobId,
            device_id: deviceId,
            status: 'pending',
            attempts: 0,
            command_id: null,
            twin_version: null,
            deadline_at: null,
            error: null,
            started_at: null,
            finished_at: null,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'job_id', 'device_id']).doNothing())
        .executeTakeFirst(),
    );
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

/** Which of these ids are not devices a job may target (unknown, deleted, retired or another tenant's). */
export async function missingDevices(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<string[]> {
  const found = new Set<string>();
  for (const part of chunks(deviceIds)) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('devices')
        .select('id')
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', part)
        .where('deleted_at', 'is', null)
        // Retired devices leave the fleet (issue 21): a job does not target them.
        .where('lifecycle', '<>', 'retired')
        .execute(),
    );
    for (const row of rows) found.add(row.id);
  }
  return deviceIds.filter((id) => !found.has(id));
}

/** The next pending devices of a job, in id order. */
export async function pendingDevices(
  store: Store,
  tenantId: string,
  jobId: string,
  limit: number,
): Promise<string[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('fleet_job_devices')
      .select('device_id')
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('status', '=', 'pending')
      .orderBy('device_id')
      .limit(limit)
      .execute(),
  );
  return rows.map((row) => row.device_id);
}

/** The next pending executions of a job, in id order, with the attempts they made so far. */
export async function pendingExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  limit: number,
): Promise<{ device_id: string; attempts: number }[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('fleet_job_devices')
      .select(['device_id', 'attempts'])
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('status', '=', 'pending')
      .orderBy('device_id')
      .limit(limit)
      .execute(),
  );
  return rows.map((row) => ({ device_id: row.device_id, attempts: Number(row.attempts) }));
}

/**
 * Starts attempt `attempt` of pending executions whose command is already made, and puts
 * each straight where its command's answer leaves it (`in_progress` while it waits, a final
 * status, or `pending` again for a retry): one statement per chunk, the only write of the
 * row for an attempt answered at once. Only rows still pending at the attempt before move,
 * so of several starters (or the progress consumer) exactly one moves a device. Returns how
 * many moved.
 */
export async function startExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  to: ExecutionStatus,
  attempt: number,
  deviceIds: readonly string[],
  { now, deadline, error }: { now: number; deadline: number | null; error: string | null },
): Promise<number> {
  let moved = 0;
  const final = to !== 'pending' && to !== 'in_progress';
  for (const part of chunks(deviceIds)) {
    const result = await guarded(store, () =>
      store.db
        .updateTable('fleet_job_devices')
        .set({
          status: to,
          attempts: attempt,
          command_id: null,
          twin_version: null,
          error,
          deadline_at: to === 'in_progress' ? deadline : null,
          started_at: now,
          finished_at: final ? now : null,
          updated_at: now,
        })
        .where('tenant_id', '=', tenantId)
        .where('job_id', '=', jobId)
        .where('status', '=', 'pending')
        .where('attempts', '=', attempt - 1)
        .where('device_id', 'in', part)
        .executeTakeFirst(),
    );
    moved += Number(result.numUpdatedRows);
  }
  return moved;
}

/**
 * Claims pending executions: each moves to in_progress with one more attempt only while
 * it is still pending, so of several claimers exactly one gets a device. Returns what it got.
 */
export async function claimExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  deviceIds: readonly string[],
  { now, deadline }: { now: number; deadline: number | null },
): Promise<{ device_id: string; attempts: number }[]> {
  const claimed: { device_id: string; attempts: number }[] = [];
  for (const part of chunks(deviceIds)) {
    const rows = await guarded(store, () =>
      store.db
        .updateTable('fleet_job_devices')
        .set((eb) => ({
          status: 'in_progress',
          attempts: eb('attempts', '+', 1),
          command_id: null,
          twin_version: null,
          error: null,
          deadline_at: deadline,
          started_at: now,
          finished_at: null,
          updated_at: now,
        }))
        .where('tenant_id', '=', tenantId)
        .where('job_id', '=', jobId)
        .where('status', '=', 'pending')
        .where('device_id', 'in', part)
        .returning(['device_id', 'attempts'])
        .execute(),
    );
    for (const row of rows) claimed.push({ device_id: row.device_id, attempts: Number(row.attempts) });
  }
  return claimed;
}

/**
 * Records the desired versions twin attempts in progress made. One statement per chunk (a
 * CASE per device), not one per device.
 */
export async function recordTwinVersions(
  store: Store,
  tenantId: string,
  jobId: string,
  items: readonly { deviceId: string; attempt: number; twinVersion: number }[],
): Promise<void> {
  // By attempt (almost always one), so that only the value needs a CASE.
  const byAttempt = new Map<number, (typeof items)[number][]>();
  for (const item of items) {
    const group = byAttempt.get(item.attempt) ?? [];
    byAttempt.set(item.attempt, group);
    group.push(item);
  }
  for (const [attempt, group] of byAttempt) {
    // Small chunks: each row of a statement looks its device up in the CASE, so the work
    // grows with the square of the chunk.
    for (const part of chunks(group, CASE_CHUNK)) {
      const twinVersion = sql<number>`case device_id ${sql.join(
        part.map((item) => sql`when ${item.deviceId} then cast(${item.twinVersion} as bigint)`),
        sql` `,
      )} end`;
      await guarded(store, () =>
        store.db
          .updateTable('fleet_job_devices')
          .set({ twin_version: twinVersion })
          .where('tenant_id', '=', tenantId)
          .where('job_id', '=', jobId)
          // Whatever its status: the jobs.progress consumer may already have ended the attempt.
          .where('attempts', '=', attempt)
          .where(
            'device_id',
            'in',
            part.map((item) => item.deviceId),
          )
          .execute(),
      );
    }
  }
}

/**
 * Ends attempts in progress (to a final status, or back to pending for a retry): only
 * rows still in progress at that attempt move. With `unclaimed`, also rows still pending
 * at the attempt before: a command job makes its commands before it claims them, so an
 * answer can come first (the claim then finds the row moved and leaves it). Returns how
 * many moved from each.
 */
export async function endExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  to: ExecutionStatus,
  attempt: number,
  deviceIds: readonly string[],
  { now, error, unclaimed = false }: { now: number; error: string | null; unclaimed?: boolean },
): Promise<{ running: number; pending: number }> {
  const moved = { running: 0, pending: 0 };
  const final = to !== 'pending';
  for (const part of chunks(deviceIds)) {
    const result = await guarded(store, () =>
      store.db
        .updateTable('fleet_job_devices')
        .set({ status: to, deadline_at: null, error, finished_at: final ? now : null, updated_at: now })
        .where('tenant_id', '=', tenantId)
        .where('job_id', '=', jobId)
        .where('status', '=', 'in_progress')
        .where('attempts', '=', attempt)
        .where('device_id', 'in', part)
        .executeTakeFirst(),
    );
    moved.running += Number(result.numUpdatedRows);
    if (unclaimed)
      moved.pending += await startExecutions(store, tenantId, jobId, to, attempt, part, {
        now,
        deadline: null,
        error,
      });
  }
  return moved;
}

/** Every pending execution of a job becomes cancelled; returns how many. */
export async function cancelPending(
  store: Store,
  tenantId: string,
  jobId: string,
  now: number,
): Promise<number> {
  const result = await guarded(store, () =>
    store.db
      .updateTable('fleet_job_devices')
      .set({ status: 'cancelled', finished_at: now, updated_at: now })
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('status', '=', 'pending')
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows);
}

/** Attempts in progress past their deadline. */
export async function overdueExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  now: number,
  limit: number,
): Promise<ExecutionRow[]> {
  const rows = await guarded(store, () =>
    store.db
      .selectFrom('fleet_job_devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('deadline_at', 'is not', null)
      .where('deadline_at', '<=', now)
      .where('status', '=', 'in_progress')
      .orderBy('deadline_at')
      .limit(limit)
      .execute(),
  );
  return rows.map(normalizeExecution);
}

/** The earliest deadline of a job's attempts in progress. */
export async function nextDeadline(
  store: Store,
  tenantId: string,
  jobId: string,
): Promise<number | undefined> {
  const row = await guarded(store, () =>
    store.db
      .selectFrom('fleet_job_devices')
      .select((eb) => eb.fn.min('deadline_at').as('next'))
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('deadline_at', 'is not', null)
      .executeTakeFirst(),
  );
  return row?.next == null ? undefined : Number(row.next);
}

/**
 * Attempts in progress that have not recorded what they started, begun at or before
 * `startedBefore`: a process died between claiming them and starting them.
 */
export async function unstartedExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  startedBefore: number,
  limit: number,
  after?: string,
): Promise<ExecutionRow[]> {
  const rows = await guarded(store, () => {
    let query = store.db
      .selectFrom('fleet_job_devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId)
      .where('status', '=', 'in_progress')
      .where('command_id', 'is', null)
      .where('twin_version', 'is', null)
      .where('started_at', '<=', startedBefore);
    if (after !== undefined) query = query.where('device_id', '>', after);
    return query.orderBy('device_id').limit(limit).execute();
  });
  return rows.map(normalizeExecution);
}

/** Twin-job attempts in progress on these devices, with their job's patch. */
export async function runningTwinExecutions(
  store: Store,
  tenantId: string,
  deviceIds: readonly string[],
): Promise<{ job_id: string; device_id: string; attempts: number; spec: string }[]> {
  const out: { job_id: string; device_id: string; attempts: number; spec: string }[] = [];
  for (const part of chunks(deviceIds)) {
    const rows = await guarded(store, () =>
      store.db
        .selectFrom('fleet_job_devices as e')
        .innerJoin('fleet_jobs as j', (join) =>
          join.onRef('j.tenant_id', '=', 'e.tenant_id').onRef('j.id', '=', 'e.job_id'),
        )
        .select(['e.job_id', 'e.device_id', 'e.attempts', 'j.spec'])
        .where('e.tenant_id', '=', tenantId)
        .where('e.device_id', 'in', part)
        .where('e.status', '=', 'in_progress')
        .where('j.kind', '=', 'twin')
        .execute(),
    );
    for (const row of rows) out.push({ ...row, attempts: Number(row.attempts) });
  }
  return out;
}

/** A job's executions in device order, optionally of one status. */
export async function listExecutions(
  store: Store,
  tenantId: string,
  jobId: string,
  {
    status,
    after,
    limit,
  }: { status?: ExecutionStatus | undefined; after?: string | undefined; limit: number },
): Promise<ExecutionRow[]> {
  const rows = await guarded(store, () => {
    let query = store.db
      .selectFrom('fleet_job_devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('job_id', '=', jobId);
    if (status !== undefined) query = query.where('status', '=', status);
    if (after !== undefined) query = query.where('device_id', '>', after);
    return query.orderBy('device_id').limit(limit).execute();
  });
  return rows.map(normalizeExecution);
}
