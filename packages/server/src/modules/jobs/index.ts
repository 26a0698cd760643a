export { commandJobActions } from './job-actions.js';
export { registerJobRoutes } from './job-routes.js';
export type { Job, JobExecution, JobStatus } from './job-schemas.js';
export {
  type JobActions,
  type JobDeps,
  JobService,
  type JobServiceOptions,
  type TargetScan,
} from './job-service.js';
