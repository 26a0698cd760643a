export { authenticateDevice, type DeviceAuthDeps } from './device-auth.js';
export { discardAbandonedImports } from './device-import.js';
export { registerDeviceRoutes } from './device-routes.js';
export type { Device, DeviceType } from './device-schemas.js';
export { type CaptureSettings, resolveCaptureSettings } from './device-schemas.js';
export { type DeviceDeps, getDevice } from './device-service.js';
export { findCredentialBySecretHash } from './device-store.js';
