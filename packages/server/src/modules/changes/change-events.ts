/** Changes were committed to a tenant's feed, up to `position`. Wakes long polls and followers. */
export interface ChangesCommitted {
  readonly tenantId: string;
  readonly position: number;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'changes.committed': ChangesCommitted;
  }
}
