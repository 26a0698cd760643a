export {
  type JobHandler,
  type JobRun,
  type ScheduledJob,
  type ScheduleRequest,
  Scheduler,
  type SchedulerDeps,
  type SchedulerOptions,
} from './scheduler.js';
