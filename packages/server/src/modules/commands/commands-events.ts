/**
 * A command became ready to send to a device (created, or back in the queue for a retry):
 * a hint that wakes the device's HTTP long polls and the MQTT delivery of this process.
 */
export interface CommandQueued {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly transport: string;
}

/** A direct-method call was answered or ended: wakes the request waiting for it. */
export interface CommandSettled {
  readonly tenantId: string;
  readonly commandId: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'command.queued': CommandQueued;
    'command.settled': CommandSettled;
  }
}
