import type { ChangeKind } from '../changes/index.js';

/**
 * A device moved along the lifecycle graph (a hint after commit, for caches and live
 * views; what must not be missed follows the `device.lifecycle_changed` change instead).
 */
export interface DeviceLifecycleChanged {
  readonly tenantId: string;
  readonly deviceId: string;
  readonly from: string;
  readonly to: string;
}

declare module '../../bus/event-bus.js' {
  interface BusEvents {
    'device.lifecycle_changed': DeviceLifecycleChanged;
  }
}

/**
 * The change-feed kinds this module writes (they are listed with every kind in
 * modules/changes). The warnings (`*.ending`, `contract.tokens_low`) are the seam for
 * alerts: a durable consumer of these kinds raises them, as docs/LIFECYCLE.md says.
 */
export const LIFECYCLE_CHANGE_KINDS = [
  'device.lifecycle_changed',
  'device_type.lifecycle_changed',
  'contract.created',
  'contract.updated',
  'contract.deleted',
  'contract.devices_changed',
  'contract.ending',
  'contract.tokens_low',
  'contract.ended',
  'subscription.changed',
  'subscription.deleted',
  'subscription.ending',
  'subscription.ended',
] as const satisfies readonly ChangeKind[];

/** The warnings an alerts module turns into alerts. */
export const LIFECYCLE_WARNING_KINDS = [
  'contract.ending',
  'contract.tokens_low',
  'subscription.ending',
] as const satisfies readonly ChangeKind[];
