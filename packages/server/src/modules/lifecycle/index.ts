export { type ClonedDeviceType, cloneDeviceType } from './clone-device-type.js';
export { registerContractRoutes } from './contract-routes.js';
export { CONTRACT_JOBS, type ContractDeps, ContractService } from './contract-service.js';
export { LIFECYCLE_CHANGE_KINDS, LIFECYCLE_WARNING_KINDS } from './lifecycle-events.js';
export {
  AUTOMATIC_RULES,
  type AutomaticRule,
  checkTransition,
  LIFECYCLE_STATES,
  LIFECYCLE_TRANSITIONS,
  type LifecycleState,
  PROCESSING_SKIPPED_STATES,
  skipsProcessing,
  TYPE_STAGES,
  type TypeStage,
} from './lifecycle-graph.js';
export { registerLifecycleRoutes } from './lifecycle-routes.js';
export type { Contract, DeviceLifecycle, Subscription, Transition } from './lifecycle-schemas.js';
export {
  announceTransitions,
  type LifecycleDeps,
  LifecycleService,
  lastTransition,
} from './lifecycle-service.js';
export {
  findDevicesSkippingProcessing,
  findLifecycleDevices,
  type LifecycleDeviceRow,
} from './lifecycle-store.js';
export { LifecycleFromUplinks, UPLINKS_CONSUMER } from './lifecycle-uplinks.js';
