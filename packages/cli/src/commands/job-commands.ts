import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { Job, JobExecution, Page } from '../api-types.js';
import { CommandContext } from '../context.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { collect, integerIn, jsonObject, oneOf } from '../options.js';
import { type Column, formatDetails, formatTable, formatTime } from '../output.js';
import { StatusLine } from '../status-line.js';
import { stopSignal } from '../stop-signal.js';

const jobStatuses = ['queued', 'in_progress', 'paused', 'completed', 'cancelled', 'aborted'] as const;
const executionStatuses = [
  'pending',
  'in_progress',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
] as const;
const ended = new Set(['completed', 'cancelled', 'aborted']);
/** How often `--watch` reads the job. */
const WATCH_INTERVAL_MS = 500;
const BAR_WIDTH = 24;

function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
}

function percentIn(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 100)
    throw new InvalidArgumentError('must be a number from 0 to 100');
  return parsed;
}

const finished = (j: Job) =>
  j.progress.succeeded + j.progress.failed + j.progress.timedOut + j.progress.cancelled;

/** `12/40 done (ok 10, failed 1, timed out 1, cancelled 0), 5 in progress, 23 pending`. */
function progressText(j: Job): string {
  const p = j.progress;
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(finished(j))}/${n(p.targeted)}${j.resolved ? '' : '+'} done (ok ${n(p.succeeded)}, failed ${n(p.failed)}, timed out ${n(p.timedOut)}, cancelled ${n(p.cancelled)}), ${n(p.inProgress)} in progress, ${n(p.pending)} pending`;
}

/** The `--watch` line: status, a bar (terminal), percent and counts. */
export function watchLine(j: Job, tty: boolean): string {
  const total = j.progress.targeted;
  const fraction = total > 0 ? Math.min(finished(j) / total, 1) : 0;
  const parts = [j.id, j.status];
  if (tty) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
  }
  parts.push(`${(fraction * 100).toFixed(1).padStart(5)}%`, progressText(j));
  return parts.join('  ');
}

const columns: readonly Column<Job>[] = [
  { header: 'id', value: (j) => j.id },
  { header: 'name', value: (j) => j.name },
  { header: 'kind', value: (j) => j.kind },
  { header: 'status', value: (j) => j.status },
  { header: 'targeted', value: (j) => String(j.progress.targeted) },
  { header: 'succeeded', value: (j) => String(j.progress.succeeded) },
  { header: 'failed', value: (j) => String(j.progress.failed + j.progress.timedOut) },
  { header: 'created', value: (j) => formatTime(j.createdAt) },
];

const executionColumns: readonly Column<JobExecution>[] = [
  { header: 'device', value: (e) => e.deviceId },
  { header: 'status', value: (e) => e.status },
  { header: 'attempts', value: (e) => String(e.attempts) },
  {
    header: 'command',
    value: (e) => e.commandId ?? (e.twinVersion === null ? '' : `desired v${e.twinVersion}`),
  },
  { header: 'finished', value: (e) => (e.finishedAt === null ? '' : formatTime(e.finishedAt)) },
  { header: 'error', value: (e) => e.error ?? '' },
];

function details(j: Job): string {
  const what =
    j.command !== null
      ? `command ${JSON.stringify(j.command)}`
      : `twin desired ${JSON.stringify(j.twin?.desired ?? {})}`;
  return formatDetails([
    ['id', j.id],
    ['name', j.name],
    ['status', j.status],
    ['does', what],
    ['target', j.target.where === null ? 'a list of devices' : `where ${j.target.where}`],
    ['progress', progressText(j)],
    ['rate', j.rolloutPerMinute === null ? 'unlimited' : `${j.rolloutPerMinute} devices/min`],
    ['concurrency', j.maxConcurrency === null ? 'unlimited' : String(j.maxConcurrency)],
    ['timeout', j.timeoutSeconds === null ? 'none' : `${j.timeoutSeconds} s`],
    ['retries', String(j.retries)],
    [
      'abort',
      j.abort === null ? 'never' : `over ${j.abort.failedPercent}% failed of at least ${j.abort.minFinished}`,
    ],
    ['reason', j.reason ?? ''],
    ['created', formatTime(j.createdAt)],
    ['started', j.startedAt === null ? '' : formatTime(j.startedAt)],
    ['finished', j.finishedAt === null ? '' : formatTime(j.finishedAt)],
  ]);
}

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

/**
 * Follows a job until it ends (or Ctrl-C), with a progress line on stderr; prints the
 * final job. An aborted job is `job_failed` (exit 1).
 */
async function watch(ctx: CommandContext, io: CliIo, first: Job): Promise<void> {
  const line = new StatusLine(io.stderr, !ctx.json);
  const tty = io.stderr.isTTY === true;
  const stop = stopSignal(io);
  let job = first;
  try {
    line.update(() => watchLine(job, tty));
    while (!ended.has(job.status) && !stop.signal.aborted) {
      await sleep(WATCH_INTERVAL_MS, undefined, { signal: stop.signal }).catch(() => {});
      if (stop.signal.aborted) break;
      job = await ctx.client.request<Job>('GET', jobPath(job.id));
      line.update(() => watchLine(job, tty));
    }
  } finally {
    line.finish();
    stop.dispose();
  }
  ctx.show(job, details);
  if (job.status === 'aborted')
    throw new CliError(
      'job_failed',
      `the job was aborted: ${job.reason ?? 'no reason given'}`,
      ExitCode.internal,
    );
}

interface CreateOptions {
  name?: string;
  hex?: string;
  base64?: string;
  data?: unknown;
  twin?: Record<string, unknown>;
  transport?: 'mqtt' | 'http' | 'sigfox';
  priority?: number;
  confirmed?: boolean;
  expiresIn?: number;
  qos?: number;
  device?: string[];
  where?: string;
  rate?: number;
  concurrency?: number;
  timeout?: number;
  retries?: number;
  abortPercent?: number;
  abortMin?: number;
  watch?: boolean;
}

/** `jobs create|list|show|devices|pause|resume|cancel`. */
export function registerJobCommands(program: Command, io: CliIo): void {
  const jobs = program
    .command('jobs')
    .description('fleet jobs: one command or twin patch over many devices, with rate limits and progress');
  jobs
    .command('create')
    .description(
      'create a job: a command (--hex, --base64 or --data) or a twin patch (--twin) over --device or --where',
    )
    .option('--name <name>', 'a label for the job')
    .option('--hex <hex>', 'the command payload, hex')
    .option('--base64 <b64>', 'the command payload, base64')
    .option('--data <json>', "the command as JSON the device type's codec encodes", jsonValue)
    .option('--twin <json>', "a merge patch of each device's desired properties", jsonObject)
    .option('--transport <t>', 'mqtt (default), http or sigfox', oneOf(['mqtt', 'http', 'sigfox']))
    .option('--priority <n>', 'command priority, 0 to 9', integerIn(0, 9))
    .option('--confirmed', 'a device succeeds only when it acknowledges its command')
    .option(
      '--expires-in <seconds>',
      'each command expires after this many seconds',
      integerIn(1, 366 * 24 * 3600),
    )
    .option('--qos <n>', 'MQTT QoS of each command', integerIn(0, 2))
    .option('--device <id>', 'a target device; repeat for more', collect)
    .option('--where <cel>', 'the target devices, as a condition (docs/CONDITIONS.md)')
    .option('--rate <n>', 'devices started per minute at most', integerIn(1, 10_000_000))
    .option('--concurrency <n>', 'devices in progress at once at most', integerIn(1, 1_000_000))
    .option(
      '--timeout <seconds>',
      'a device not done this long after it started times out',
      integerIn(1, 30 * 24 * 3600),
    )
    .option('--retries <n>', 'tries again a device that failed or timed out (0-10)', integerIn(0, 10))
    .option('--abort-percent <p>', 'abort when more than this % of finished devices failed', percentIn)
    .option(
      '--abort-min <n>',
      '... once at least this many finished (with --abort-percent)',
      integerIn(1, 10_000_000),
    )
    .option('--watch', 'follow the job to its end with a progress bar')
    .action(async function createJob(options: CreateOptions, command: Command) {
      const payloads = [options.hex, options.base64, options.data].filter((v) => v !== undefined).length;
      if (options.twin === undefined && payloads !== 1)
        throw new UsageError('give exactly one of --hex, --base64 or --data, or --twin');
      if (options.twin !== undefined && payloads > 0)
        throw new UsageError('--twin takes no command payload (--hex, --base64, --data)');
      if ((options.device === undefined) === (options.where === undefined))
        throw new UsageError('give --device (repeatable) or --where');
      if ((options.abortPercent === undefined) !== (options.abortMin === undefined))
        throw new UsageError('--abort-percent and --abort-min go together');
      const ctx = new CommandContext(io, command);
      const commandBody =
        options.twin !== undefined
          ? undefined
          : {
              ...(options.hex !== undefined ? { hex: options.hex.replace(/^0x/i, '') } : {}),
              ...(options.base64 !== undefined ? { base64: options.base64 } : {}),
              ...(options.data !== undefined ? { data: options.data } : {}),
              ...(options.transport !== undefined ? { transport: options.transport } : {}),
              ...(options.priority !== undefined ? { priority: options.priority } : {}),
              ...(options.confirmed ? { confirmed: true } : {}),
              ...(options.expiresIn !== undefined ? { expiresInSeconds: options.expiresIn } : {}),
              ...(options.qos !== undefined ? { qos: options.qos } : {}),
            };
      const json = {
        ...(options.name !== undefined ? { name: options.name } : {}),
        ...(commandBody !== undefined ? { command: commandBody } : { twin: { desired: options.twin } }),
        target: options.device !== undefined ? { deviceIds: options.device } : { where: options.where },
        ...(options.rate !== undefined ? { rolloutPerMinute: options.rate } : {}),
        ...(options.concurrency !== undefined ? { maxConcurrency: options.concurrency } : {}),
        ...(options.timeout !== undefined ? { timeoutSeconds: options.timeout } : {}),
        ...(options.retries !== undefined ? { retries: options.retries } : {}),
        ...(options.abortPercent !== undefined && options.abortMin !== undefined
          ? { abort: { failedPercent: options.abortPercent, minFinished: options.abortMin } }
          : {}),
      };
      const job = await ctx.client.request<Job>('POST', '/v1/jobs', { json });
      if (options.watch) return watch(ctx, io, job);
      ctx.show(job, details);
    });
  jobs
    .command('list')
    .description('jobs, newest first')
    .option('--status <status>', `only these: ${jobStatuses.join(', ')}`, oneOf([...jobStatuses]))
    .option('--limit <n>', 'at most this many (1-500)', integerIn(1, 500))
    .option('--cursor <cursor>', 'the next page: nextCursor of the previous one')
    .action(async function listJobs(
      options: { status?: string; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const query = new URLSearchParams();
      if (options.status) query.set('status', options.status);
      if (options.limit) query.set('limit', String(options.limit));
      if (options.cursor) query.set('cursor', options.cursor);
      const page = await ctx.client.request<Page<Job>>('GET', `/v1/jobs${query.size > 0 ? `?${query}` : ''}`);
      if (!ctx.json && page.items.length === 0) ctx.note('no jobs');
      ctx.show(page, (p) => formatTable(columns, p.items));
      if (!ctx.json && page.nextCursor !== null) ctx.note(`more: --cursor ${page.nextCursor}`);
    });
  jobs
    .command('show')
    .description('one job with its progress; --watch follows it to its end (exit 1 when it is aborted)')
    .argument('<job-id>', 'the job id (job_…)')
    .option('--watch', 'follow the job to its end with a progress bar')
    .action(async function showJob(jobId: string, options: { watch?: boolean }, command: Command) {
      const ctx = new CommandContext(io, command);
      const job = await ctx.client.request<Job>('GET', jobPath(jobId));
      if (options.watch) return watch(ctx, io, job);
      ctx.show(job, details);
    });
  jobs
    .command('devices')
    .description("a job's devices and how each went, in device order")
    .argument('<job-id>', 'the job id (job_…)')
    .option('--status <status>', `only these: ${executionStatuses.join(', ')}`, oneOf([...executionStatuses]))
    .option('--limit <n>', 'at most this many (1-1000)', integerIn(1, 1000))
    .option('--cursor <device>', 'the next page: nextCursor of the previous one')
    .action(async function listJobDevices(
      jobId: string,
      options: { status?: string; limit?: number; cursor?: string },
      command: Command,
    ) {
      const ctx = new CommandContext(io, command);
      const query = new URLSearchParams();
      if (options.status) query.set('status', options.status);
      if (options.limit) query.set('limit', String(options.limit));
      if (options.cursor) query.set('cursor', options.cursor);
      const page = await ctx.client.request<Page<JobExecution>>(
        'GET',
        `${jobPath(jobId)}/devices${query.size > 0 ? `?${query}` : ''}`,
      );
      if (!ctx.json && page.items.length === 0) ctx.note('no devices');
      ctx.show(page, (p) => formatTable(executionColumns, p.items));
      if (!ctx.json && page.nextCursor !== null) ctx.note(`more: --cursor ${page.nextCursor}`);
    });
  for (const [action, description] of [
    ['pause', 'stop starting devices until resumed (those in progress finish)'],
    ['resume', 'start devices again after a pause'],
    ['cancel', 'cancel the devices not started (exit 5 when the job has ended)'],
  ] as const) {
    jobs
      .command(action)
      .description(description)
      .argument('<job-id>', 'the job id (job_…)')
      .action(async function controlJob(jobId: string, _options: unknown, command: Command) {
        const ctx = new CommandContext(io, command);
        const job = await ctx.client.request<Job>('POST', `${jobPath(jobId)}/${action}`);
        ctx.show(job, (j) => `${j.id} ${j.status}`);
      });
  }
}
