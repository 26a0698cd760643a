import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { Store } from '../../store/store.js';
import {
  claimJob,
  completeJob,
  deleteJob,
  deleteJobs,
  failJob,
  findDueJobs,
  findJob,
  nextRunAt,
  renewJobLease,
  type ScheduledJobRow,
  upsertJob,
} from './scheduler-store.js';

export interface SchedulerDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where run counts go (the app's `/metrics` registry). */
  readonly metrics?: Registry;
}

export interface SchedulerOptions {
  /** The longest wait between looks for due jobs, for jobs other processes scheduled (default 1 s). */
  readonly pollMs?: number;
  /**
   * How long a claimed run keeps other runners off its job; renewed every third of it while
   * it runs (default 15 s, as the feed consumers'). A run cut short by a crash waits this
   * long before a restarted process takes it up: a job rollout killed mid-step waited 60 s.
   */
  readonly leaseMs?: number;
  /** Runs in progress at once in this process (default 8). */
  readonly concurrency?: number;
  /** The first retry delay after a failed run (default 1 s), doubled at each failure in a row. */
  readonly retryMs?: number;
  /** The longest retry delay (default 1 h). */
  readonly maxRetryMs?: number;
}

/** What to run, when, and how often. */
export interface ScheduleRequest {
  /** The job's identity: scheduling the same key again replaces the job, or does nothing when equal. */
  readonly key: string;
  /** A handler's name, as a module registered it. */
  readonly handler: string;
  /** When to run (Unix ms); for a repeating job the first run (default: one period from now). */
  readonly at?: number;
  /** Repeats with this period, in milliseconds. */
  readonly everyMs?: number;
  /** Given to the handler; JSON. */
  readonly payload?: unknown;
}

/** One run of a job, as its handler gets it. */
export interface JobRun {
  readonly key: string;
  readonly payload: unknown;
  /** When the run was due. */
  readonly runAt: number;
  /** 1 for a first try, more for retries after failures. */
  readonly attempt: number;
}

export type JobHandler = (run: JobRun) => Promise<void>;

/** A job as it is stored: for status pages and tests. */
export interface ScheduledJob {
  readonly key: string;
  readonly handler: string;
  readonly payload: unknown;
  readonly runAt: number;
  readonly everyMs: number | null;
  /** Failures in a row since the last success. */
  readonly attempts: number;
  /** Failures ever. */
  readonly failures: number;
  readonly lastError: string | null;
  readonly lastFailedAt: number | null;
}

function presentJob(row: ScheduledJobRow): ScheduledJob {
  return {
    key: row.key,
    handler: row.handler,
    payload: JSON.parse(row.payload) as unknown,
    runAt: Number(row.run_at),
    everyMs: row.every_ms === null ? null : Number(row.every_ms),
    attempts: Number(row.attempts),
    failures: Number(row.failures),
    lastError: row.last_error,
    lastFailedAt: row.last_failed_at === null ? null : Number(row.last_failed_at),
  };
}

/** The first slot of `runAt + k * everyMs` after `now`: a late run does not pile up missed ones. */
export function nextSlot(runAt: number, everyMs: number, now: number): number {
  if (runAt > now) return runAt + everyMs;
  return runAt + everyMs * (Math.floor((now - runAt) / everyMs) + 1);
}

/**
 * Durable timed work. Jobs live in `scheduled_jobs`, so they outlive the process; modules
 * register handlers by name and schedule jobs by key (run at a time, or every N ms). Any
 * number of processes may run a scheduler on one database: each due run is claimed by one
 * of them with a fenced UPDATE and a lease, renewed while it runs. A failed run is logged,
 * recorded on the job and retried with backoff. Time is read from the clock, so tests move
 * it; `runDue()` runs what is due now.
 *
 * Runs are at least once: a process that dies mid-run leaves the job to be claimed again
 * when its lease ends (15 s by default), so handlers should be idempotent.
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #concurrency: number;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #running = new Set<Promise<void>>();
  readonly #runs: Counter<'handler' | 'outcome'> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;
  #ticking: Promise<void> | undefined;
  /** A poke came while a tick ran: look again at once. */
  #again = false;

  constructor(deps: SchedulerDeps, options: SchedulerOptions = {}) {
    this.#deps = deps;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#concurrency = options.concurrency ?? 8;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 3_600_000;
    this.#runs = deps.metrics
      ? new Counter({
          name: 'fleetport_scheduler_runs_total',
          help: 'Scheduled job runs in this process, by handler and outcome: ok, failed',
          labelNames: ['handler', 'outcome'] as const,
          registers: [deps.metrics],
        })
      : undefined;
  }

  /** Registers the handler of jobs named `name`; this process runs only jobs it has a handler for. */
  register(name: string, handler: JobHandler): void {
    if (this.#handlers.has(name))
      throw new Error(`a scheduler handler named '${name}' is already registered`);
    this.#handlers.set(name, handler);
    this.#poke();
  }

  /**
   * Schedules a job (idempotent by key; see `ScheduleRequest`). Pass a transaction's store
   * as `store` to schedule with a module's own write.
   */
  async schedule(request: ScheduleRequest, store: Store = this.#deps.store): Promise<void> {
    const now = this.#deps.clock.now();
    const everyMs = request.everyMs ?? null;
    if (everyMs !== null && !(Number.isSafeInteger(everyMs) && everyMs > 0)) {
      throw new AppError('validation_failed', 'everyMs must be a positive whole number of milliseconds', {
        key: request.key,
      });
    }
    const runAt = request.at ?? (everyMs === null ? undefined : now + everyMs);
    if (runAt === undefined || !Number.isFinite(runAt)) {
      throw new AppError('validation_failed', 'a job needs `at`, `everyMs` or both', { key: request.key });
    }
    await upsertJob(
      store,
      {
        key: request.key,
        handler: request.handler,
        runAt: Math.floor(runAt),
        everyMs,
        payload: JSON.stringify(request.payload ?? null),
      },
      now,
    );
    this.#poke();
  }

  /** Cancels the job of `key`; true when there was one. A run in progress finishes, and changes nothing. */
  cancel(key: string): Promise<boolean> {
    return deleteJob(this.#deps.store, key);
  }

  /** Cancels the jobs of `keys`; pass a transaction's store to cancel them with a module's own write. */
  cancelAll(keys: readonly string[], store: Store = this.#deps.store): Promise<void> {
    return deleteJobs(store, keys);
  }

  /** The job of `key` as stored, if any. */
  async job(key: string): Promise<ScheduledJob | undefined> {
    const row = await findJob(this.#deps.store, key);
    return row === undefined ? undefined : presentJob(row);
  }

  /** Starts running due jobs in the background. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#poke();
  }

  /** Claims and runs every job due now (up to the concurrency), and resolves when they ended. */
  async runDue(): Promise<number> {
    const started = await this.#claimAndStart();
    await Promise.all(started);
    return started.length;
  }

  /**
   * Looks for due jobs soon: for a module that scheduled inside its own transaction, once
   * that committed (the look `schedule` starts may run before the commit and miss it).
   */
  wake(): void {
    this.#poke();
  }

  /** Stops claiming, and waits for the runs in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    await Promise.all([...this.#running]);
  }

  /** Looks for due work soon (after a schedule, a registration, or a run ended). */
  #poke(): void {
    if (!this.#started || this.#closed) return;
    this.#arm(0);
  }

  #arm(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, Math.min(delayMs, this.#pollMs)));
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#again = false;
    let delay = this.#pollMs;
    const ticking = (async () => {
      try {
        await this.#claimAndStart();
        // With every slot busy, the end of a run pokes the next look.
        if (this.#running.size < this.#concurrency) {
          const next = await nextRunAt(this.#deps.store, [...this.#handlers.keys()]);
          if (next !== undefined) delay = next - this.#deps.clock.now();
        }
      } catch (error) {
        this.#deps.logger.error({ err: error }, 'the scheduler could not look for due jobs');
      }
    })();
    this.#ticking = ticking;
    await ticking;
    this.#ticking = undefined;
    if (!this.#closed) this.#arm(this.#again ? 0 : delay);
  }

  async #claimAndStart(): Promise<Promise<void>[]> {
    const free = this.#concurrency - this.#running.size;
    if (this.#closed || free <= 0) return [];
    const now = this.#deps.clock.now();
    const due = await findDueJobs(this.#deps.store, {
      now,
      handlers: [...this.#handlers.keys()],
      limit: free,
    });
    const started: Promise<void>[] = [];
    for (const candidate of due) {
      const claimed = await claimJob(this.#deps.store, { ...candidate, now, leaseMs: this.#leaseMs });
      // Another runner claimed it first, or it changed since it was read.
      if (claimed === undefined) continue;
      const run: Promise<void> = this.#run(claimed).finally(() => {
        this.#running.delete(run);
        this.#poke();
      });
      this.#running.add(run);
      started.push(run);
    }
    return started;
  }

  async #run(row: ScheduledJobRow): Promise<void> {
    const { store, clock, logger } = this.#deps;
    const handler = this.#handlers.get(row.handler);
    if (handler === undefined) return;
    const job = presentJob(row);
    const version = Number(row.version);
    const renewal = setInterval(
      () =>
        void renewJobLease(store, { key: job.key, version, until: clock.now() + this.#leaseMs }).catch(
          (error: unknown) => logger.warn({ err: error, key: job.key }, 'renewing a job lease failed'),
        ),
      Math.max(10, Math.floor(this.#leaseMs / 3)),
    );
    renewal.unref();
    try {
      try {
        await handler({ key: job.key, payload: job.payload, runAt: job.runAt, attempt: job.attempts + 1 });
      } catch (error) {
        const failures = job.attempts + 1;
        const delay = Math.min(this.#maxRetryMs, this.#retryMs * 2 ** Math.min(failures - 1, 30));
        const now = clock.now();
        this.#runs?.inc({ handler: job.handler, outcome: 'failed' });
        logger.error(
          { err: error, key: job.key, handler: job.handler, attempt: failures, retryInMs: delay },
          'a scheduled job failed; retrying with backoff',
        );
        const message = error instanceof Error ? error.message : String(error);
        await failJob(store, {
          key: job.key,
          version,
          error: message.slice(0, 1000),
          retryAt: now + delay,
          now,
        });
        return;
      }
      this.#runs?.inc({ handler: job.handler, outcome: 'ok' });
      const now = clock.now();
      await completeJob(store, {
        key: job.key,
        version,
        nextRunAt: job.everyMs === null ? null : nextSlot(job.runAt, job.everyMs, now),
        now,
      });
    } catch (error) {
      // The store failed after the run: its lease runs out and another claim runs it again.
      logger.error({ err: error, key: job.key }, 'recording a scheduled run failed');
    } finally {
      clearInterval(renewal);
    }
  }
}
