import { type Selectable, sql } from 'kysely';
import type { ScheduledJobTable } from '../../store/schema.js';
import { guarded, type Store, transact } from '../../store/store.js';

export type ScheduledJobRow = Selectable<ScheduledJobTable>;

/** A job as it is asked for: its key, its handler's name, when, how often, and with what. */
export interface JobSpec {
  readonly key: string;
  readonly handler: string;
  readonly runAt: number;
  readonly everyMs: number | null;
  readonly payload: string;
}

/**
 * Creates the job, or replaces the one of its key when it differs; the same job asked for
 * again changes nothing, so a module may schedule at every start. A replaced job forgets its
 * failures and any run in progress (its version moves on). Runs in the caller's
 * transaction when given one. Returns whether anything changed.
 */
export function upsertJob(store: Store, spec: JobSpec, now: number): Promise<boolean> {
  return guarded(store, () =>
    transact(store, async (tx) => {
      const inserted = await tx.db
        .insertInto('scheduled_jobs')
        .values({
          key: spec.key,
          handler: spec.handler,
          payload: spec.payload,
          run_at: spec.runAt,
          every_ms: spec.everyMs,
          version: 1,
          lease_until: 0,
          attempts: 0,
          failures: 0,
          last_error: null,
          last_failed_at: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
      const existing = await tx.db
        .selectFrom('scheduled_jobs')
        .selectAll()
        .where('key', '=', spec.key)
        .executeTakeFirst();
      if (
        existing !== undefined &&
        existing.handler === spec.handler &&
        existing.payload === spec.payload &&
        (existing.every_ms === null ? null : Number(existing.every_ms)) === spec.everyMs &&
        // A repeating job keeps its next run when asked for again with the same period.
        (spec.everyMs !== null || Number(existing.run_at) === spec.runAt)
      ) {
        return false;
      }
      await tx.db
        .updateTable('scheduled_jobs')
        .set((eb) => ({
          handler: spec.handler,
          payload: spec.payload,
          run_at: spec.runAt,
          every_ms: spec.everyMs,
          version: eb('version', '+', 1),
          lease_until: 0,
          attempts: 0,
          updated_at: now,
        }))
        .where('key', '=', spec.key)
        .execute();
      return true;
    }),
  );
}

/** Removes the job of `key`; a run in progress finishes but changes nothing. */
export function deleteJob(store: Store, key: string): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db.deleteFrom('scheduled_jobs').where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}

/** Deletes the jobs of `keys` (those that exist) in one statement. */
export async function deleteJobs(store: Store, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await guarded(store, async () => {
    for (let start = 0; start < keys.length; start += 500)
      await store.db
        .deleteFrom('scheduled_jobs')
        .where('key', 'in', keys.slice(start, start + 500))
        .execute();
  });
}

export function findJob(store: Store, key: string): Promise<ScheduledJobRow | undefined> {
  return guarded(store, () =>
    store.db.selectFrom('scheduled_jobs').selectAll().where('key', '=', key).executeTakeFirst(),
  );
}

/** Keys and versions of jobs due at `now`, of these handlers, that nobody runs: oldest first. */
export function findDueJobs(
  store: Store,
  input: { now: number; handlers: readonly string[]; limit: number },
): Promise<{ key: string; version: number }[]> {
  if (input.handlers.length === 0) return Promise.resolve([]);
  return guarded(store, async () => {
    const rows = await store.db
      .selectFrom('scheduled_jobs')
      .select(['key', 'version'])
      .where('run_at', '<=', input.now)
      .where('lease_until', '<=', input.now)
      .where('handler', 'in', input.handlers)
      .orderBy('run_at')
      .limit(input.limit)
      .execute();
    return rows.map((row) => ({ key: row.key, version: Number(row.version) }));
  });
}

/**
 * When the next job of these handlers can be claimed, if any: its due time, or the end of
 * the lease of a run in progress (so that a leased job is not looked at again and again).
 */
export function nextRunAt(store: Store, handlers: readonly string[]): Promise<number | undefined> {
  if (handlers.length === 0) return Promise.resolve(undefined);
  return guarded(store, async () => {
    const row = await store.db
      .selectFrom('scheduled_jobs')
      .select(
        sql<number | string | null>`min(case when lease_until > run_at then lease_until else run_at end)`.as(
          'next',
        ),
      )
      .where('handler', 'in', handlers)
      .executeTakeFirst();
    return row?.next == null ? undefined : Number(row.next);
  });
}

/**
 * Claims a due job for one run: the UPDATE succeeds only while the job is still at the
 * version seen, due and unleased, so of several runners that saw it exactly one wins, on
 * either dialect. Returns the claimed row (with its new version), or undefined.
 */
export function claimJob(
  store: Store,
  input: { key: string; version: number; now: number; leaseMs: number },
): Promise<ScheduledJobRow | undefined> {
  return guarded(store, () =>
    store.db
      .updateTable('scheduled_jobs')
      .set((eb) => ({ lease_until: input.now + input.leaseMs, version: eb('version', '+', 1) }))
      .where('key', '=', input.key)
      .where('version', '=', input.version)
      .where('run_at', '<=', input.now)
      .where('lease_until', '<=', input.now)
      .returningAll()
      .executeTakeFirst(),
  );
}

/** Extends a claimed run's lease; false when the job changed meanwhile. */
export function renewJobLease(
  store: Store,
  input: { key: string; version: number; until: number },
): Promise<boolean> {
  return guarded(store, async () => {
    const result = await store.db
      .updateTable('scheduled_jobs')
      .set({ lease_until: input.until })
      .where('key', '=', input.key)
      .where('version', '=', input.version)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  });
}

/**
 * Ends a successful run: a one-shot job is removed, a repeating one waits for `nextRunAt`.
 * Fenced by version: a job rescheduled, cancelled or claimed again meanwhile is left alone.
 */
export function completeJob(
  store: Store,
  input: { key: string; version: number; nextRunAt: number | null; now: number },
): Promise<void> {
  return guarded(store, async () => {
    if (input.nextRunAt === null) {
      await store.db
        .deleteFrom('scheduled_jobs')
        .where('key', '=', input.key)
        .where('version', '=', input.version)
        .execute();
      return;
    }
    await store.db
      .updateTable('scheduled_jobs')
      .set({ run_at: input.nextRunAt, lease_until: 0, attempts: 0, updated_at: input.now })
      .where('key', '=', input.key)
      .where('version', '=', input.version)
      .execute();
  });
}

/** Records a failed run and when to try again (fenced like `completeJob`). */
export function failJob(
  store: Store,
  input: { key: string; version: number; error: string; retryAt: number; now: number },
): Promise<void> {
  return guarded(store, async () => {
    await store.db
      .updateTable('scheduled_jobs')
      .set((eb) => ({
        run_at: input.retryAt,
        lease_until: 0,
        attempts: eb('attempts', '+', 1),
        failures: eb('failures', '+', 1),
        last_error: input.error,
        last_failed_at: input.now,
        updated_at: input.now,
      }))
      .where('key', '=', input.key)
      .where('version', '=', input.version)
      .execute();
  });
}
