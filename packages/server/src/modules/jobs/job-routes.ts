import { Type } from 'typebox';
import { type App, principalOf } from '../../http/index.js';
import { RedecodeJobView } from '../codecs/index.js';
import {
  CreateJobBody,
  Job,
  JobExecutionPage,
  JobPage,
  JobParams,
  jobIdRegex,
  ListExecutionsQuery,
  ListJobsQuery,
} from './job-schemas.js';
import type { JobService } from './job-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** Reads the other kind of job that `GET /v1/jobs/{id}` shows: the codecs' re-decode jobs. */
export interface RedecodeJobReader {
  get(tenantId: string, jobId: string): Promise<RedecodeJobView>;
}

const AnyJobParams = Type.Object({ jobId: Type.String({ pattern: '^job_[A-Za-z0-9_-]{1,60}$' }) });

/**
 * `/v1/jobs`: create, list, show, a job's devices, pause, resume, cancel. `GET /v1/jobs/{id}`
 * also answers the codecs' re-decode jobs (`kind: redecode`), which had that route first.
 */
export function registerJobRoutes(app: App, jobs: JobService, redecode?: RedecodeJobReader): void {
  app.post(
    '/v1/jobs',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['jobs'],
        summary: 'Create a fleet job: one command or twin patch over many devices',
        description:
          "Devices are chosen by `target.deviceIds` (checked now: an unknown, deleted, retired or other tenant's device is `422 unknown_devices` and nothing is stored) or `target.where`, a CEL condition resolved when the job starts (a bad one is `400 invalid_condition` with its line and column). The job starts `queued`; its rollout rate, concurrency, timeouts, retries and abort criteria are in docs/COMMANDS.md.",
        body: CreateJobBody,
        response: { 201: Job, ...problems, 422: problem },
      },
    },
    async function createJobRoute(request, reply) {
      const job = await jobs.create(principalOf(request).tenantId, request.body);
      return reply.status(201).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  app.get(
    '/v1/jobs',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['jobs'],
        summary: 'Jobs, newest first',
        querystring: ListJobsQuery,
        response: { 200: JobPage, ...problems },
      },
    },
    async function listJobsRoute(request) {
      return jobs.list(principalOf(request).tenantId, request.query);
    },
  );

  app.get(
    '/v1/jobs/:jobId',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['jobs'],
        summary: 'One job with its progress counts: a fleet job, or a re-decode job (`kind: redecode`)',
        params: AnyJobParams,
        response: { 200: Type.Union([Job, RedecodeJobView]), ...problems },
      },
    },
    async function getJobRoute(request) {
      const tenantId = principalOf(request).tenantId;
      const { jobId } = request.params;
      // The two kinds' ids cannot meet: fleet jobs' are 32 hex digits, re-decode jobs' 16 base64url.
      if (jobIdRegex.test(jobId) || redecode === undefined) return jobs.get(tenantId, jobId);
      return redecode.get(tenantId, jobId);
    },
  );

  app.get(
    '/v1/jobs/:jobId/devices',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['jobs'],
        summary: "A job's devices and their executions, in device order",
        params: JobParams,
        querystring: ListExecutionsQuery,
        response: { 200: JobExecutionPage, ...problems },
      },
    },
    async function listJobDevicesRoute(request) {
      return jobs.executions(principalOf(request).tenantId, request.params.jobId, request.query);
    },
  );

  const control = [
    ['pause', 'Pause a job: no device starts until it is resumed; those in progress finish'],
    ['resume', 'Resume a paused job'],
    ['cancel', 'Cancel a job: devices not started are cancelled; those in progress finish'],
  ] as const;
  for (const [action, summary] of control) {
    app.post(
      `/v1/jobs/:jobId/${action}`,
      {
        config: { scope: 'operator' },
        schema: {
          tags: ['jobs'],
          summary,
          description:
            'Asking for the state the job is in answers it unchanged; a job that has ended (or, to resume, is not paused or running) is `409 job_state_conflict` with `data.status`.',
          params: JobParams,
          response: { 200: Job, ...problems, 409: problem },
        },
      },
      async function controlJobRoute(request) {
        const tenantId = principalOf(request).tenantId;
        const { jobId } = request.params;
        if (action === 'pause') return jobs.pause(tenantId, jobId);
        if (action === 'resume') return jobs.resume(tenantId, jobId);
        return jobs.cancel(tenantId, jobId);
      },
    );
  }
}
