/**
 * A device's desired properties changed, or some of its parameters are to be sent again:
 * wakes the device's long polls and sends the delta to its MQTT connection. A hint: the
 * twin itself (and its `twin.desired.changed` change) is what counts.
 */
export interface TwinDesiredChanged {
  readonly tenantId: string;
  readonly deviceId: string;
  /** The desired version after the change. */
  readonly version: number;
}

/** A device's reported properties changed (from the device, or a decoded uplink). */
export interface TwinReportedChanged {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly version: number;
}

/** A device type's reported fields changed: drop what was cached of them. */
export interface TwinReportedFieldsChanged {
  readonly tenantId: string;
  readonly typeId: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'twin.desired_changed': TwinDesiredChanged;
    'twin.reported_changed': TwinReportedChanged;
    'twin.reported_fields_changed': TwinReportedFieldsChanged;
  }
}
