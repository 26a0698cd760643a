export { type DeviceAuthDeps, DeviceAuthenticator } from './device-auth.js';
export { discardAbandonedImports } from './device-import.js';
export { parseIfMatch, registerDeviceRoutes } from './device-routes.js';
export {
  type CaptureSettings,
  type Device,
  DeviceId,
  type DeviceType,
  DeviceTypeCodec,
  DeviceTypeId,
  deviceIdRegex,
  LIFECYCLE_STATES,
  LifecycleState,
  resolveCaptureSettings,
  Variables,
} from './device-schemas.js';
export {
  createDevice,
  type DeviceDeps,
  getDevice,
  listDevicesWherePage,
  presentDevice,
  presentDeviceType,
  selectDeviceIdsPage,
  targetDeviceIdsPage,
} from './device-service.js';
export type { DeviceFilter } from './device-store.js';
