/**
 * A job's status or progress changed (its `job.*` change is committed): a hint for
 * whoever watches it in this process. The job row and its changes are what count.
 */
export interface JobChanged {
  readonly tenantId: string;
  readonly jobId: string;
  readonly status: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'job.changed': JobChanged;
  }
}
