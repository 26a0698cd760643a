import { type Static, Type } from 'typebox';
import { CommandBody } from '../commands/index.js';
import { DeviceId } from '../devices/index.js';

/** A job's states; API: add, never rename. */
export const jobStatuses = ['queued', 'in_progress', 'paused', 'completed', 'cancelled', 'aborted'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** States after which a job starts nothing any more. */
export const finishedJobStatuses: ReadonlySet<JobStatus> = new Set(['completed', 'cancelled', 'aborted']);

/** A device's execution states; API: add, never rename. */
export const executionStatuses = [
  'pending',
  'in_progress',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

/** The most devices a job may list by id; larger sets are chosen by a condition. */
export const MAX_LISTED_DEVICES = 10_000;

const JOB_ID_PATTERN = '^job_[0-9a-f]{32}$';
export const jobIdRegex = new RegExp(JOB_ID_PATTERN);

const JobCommand = Type.Omit(CommandBody, ['idempotencyKey'], {
  additionalProperties: false,
  description:
    "the command each device is sent, as `POST /v1/devices/{id}/commands` takes it; the job sets each command's idempotency key",
});

export const CreateJobBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9 _.:-]{1,100}$', description: 'a label; `job` when absent' }),
    ),
    command: Type.Optional(JobCommand),
    twin: Type.Optional(
      Type.Object(
        {
          desired: Type.Record(Type.String(), Type.Unknown(), {
            description: "a merge patch (RFC 7396) of each device's desired properties",
          }),
        },
        { additionalProperties: false },
      ),
    ),
    target: Type.Object(
      {
        deviceIds: Type.Optional(
          Type.Array(DeviceId, { minItems: 1, maxItems: MAX_LISTED_DEVICES, uniqueItems: true }),
        ),
        where: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 4096,
            description: 'a CEL condition over devices (docs/CONDITIONS.md), resolved when the job starts',
          }),
        ),
      },
      { additionalProperties: false, description: 'exactly one of `deviceIds` or `where`' },
    ),
    rolloutPerMinute: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'devices started per minute at most' }),
    ),
    maxConcurrency: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'devices in progress at once at most' }),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 30 * 24 * 3600,
        description: 'a device not finished this long after it started is `timed_out` (or retried)',
      }),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10,
        description: 'a device that failed or timed out is tried again this many times (default 0)',
      }),
    ),
    abort: Type.Optional(
      Type.Object(
        {
          failedPercent: Type.Number({ minimum: 0, maximum: 100 }),
          minFinished: Type.Integer({ minimum: 1 }),
        },
        {
          additionalProperties: false,
          description:
            'abort when more than `failedPercent` % of the finished devices failed or timed out, once at least `minFinished` finished',
        },
      ),
    ),
  },
  { additionalProperties: false, description: 'exactly one of `command` or `twin`' },
);
export type CreateJobBody = Static<typeof CreateJobBody>;
export type JobCommandBody = Static<typeof JobCommand>;

const Status = Type.Unsafe<JobStatus>({ type: 'string', enum: [...jobStatuses] });
const ExecStatus = Type.Unsafe<ExecutionStatus>({ type: 'string', enum: [...executionStatuses] });
const Time = Type.String({ format: 'date-time' });
const OptionalTime = Type.Union([Time, Type.Null()]);

export const JobProgress = Type.Object(
  {
    targeted: Type.Integer({ description: 'devices the job chose so far (all of them once `resolved`)' }),
    pending: Type.Integer(),
    inProgress: Type.Integer(),
    succeeded: Type.Integer(),
    failed: Type.Integer(),
    timedOut: Type.Integer(),
    cancelled: Type.Integer(),
  },
  { description: 'devices by execution status' },
);

export const Job = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.Union([Type.Literal('command'), Type.Literal('twin')]),
    status: Status,
    command: Type.Union([JobCommand, Type.Null()]),
    twin: Type.Union([Type.Object({ desired: Type.Record(Type.String(), Type.Unknown()) }), Type.Null()]),
    target: Type.Object({
      where: Type.Union([Type.String(), Type.Null()], { description: 'the condition, or null for a list' }),
    }),
    rolloutPerMinute: Type.Union([Type.Integer(), Type.Null()]),
    maxConcurrency: Type.Union([Type.Integer(), Type.Null()]),
    timeoutSeconds: Type.Union([Type.Number(), Type.Null()]),
    retries: Type.Integer(),
    abort: Type.Union([
      Type.Object({ failedPercent: Type.Number(), minFinished: Type.Integer() }),
      Type.Null(),
    ]),
    resolved: Type.Boolean({ description: 'every targeted device has its execution row' }),
    progress: JobProgress,
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'why it was aborted or cancelled',
    }),
    createdAt: Time,
    updatedAt: Time,
    startedAt: OptionalTime,
    finishedAt: OptionalTime,
  },
  { description: 'a fleet job: one command or twin patch over many devices, with its progress' },
);
export type Job = Static<typeof Job>;

export const JobPage = Type.Object({
  items: Type.Array(Job),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const JobExecution = Type.Object(
  {
    deviceId: Type.String(),
    status: ExecStatus,
    attempts: Type.Integer({ description: 'executions started, retries included' }),
    commandId: Type.Union([Type.String(), Type.Null()], { description: 'the command of the last attempt' }),
    twinVersion: Type.Union([Type.Integer(), Type.Null()], {
      description: 'the desired version the patch made (or found)',
    }),
    error: Type.Union([Type.String(), Type.Null()]),
    startedAt: OptionalTime,
    finishedAt: OptionalTime,
    updatedAt: Time,
  },
  { description: "one device's execution of a job" },
);
export type JobExecution = Static<typeof JobExecution>;

export const JobExecutionPage = Type.Object({
  items: Type.Array(JobExecution),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const JobParams = Type.Object({ jobId: Type.String({ pattern: JOB_ID_PATTERN }) });

export const ListJobsQuery = Type.Object(
  {
    status: Type.Optional(Status),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(
      Type.String({ pattern: JOB_ID_PATTERN, description: '`nextCursor` of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type ListJobsQuery = Static<typeof ListJobsQuery>;

export const ListExecutionsQuery = Type.Object(
  {
    status: Type.Optional(ExecStatus),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(DeviceId),
  },
  { additionalProperties: false },
);
export type ListExecutionsQuery = Static<typeof ListExecutionsQuery>;
