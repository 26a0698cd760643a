/** A device type's callback secrets changed, or the type is gone: cached callback authentications are stale. */
export interface DeviceTypeAccessChanged {
  readonly tenantId: string;
  readonly typeId: string;
}

/** A device's credentials, type or existence changed: cached authentications are stale. */
export interface DeviceAccessChanged {
  readonly tenantId: string;
  readonly deviceId: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'device_type.access_changed': DeviceTypeAccessChanged;
    'device.access_changed': DeviceAccessChanged;
  }
}
