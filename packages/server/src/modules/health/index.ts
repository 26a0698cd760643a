export { DEVICE_CRAZY_ALERT, QUIET_RELEASE_JOB, registerQuietRelease } from './crazy-devices.js';
export { registerHealthRoutes } from './health-routes.js';
export { type HealthSampleDeps, HealthSamples, SAMPLES_CONSUMER } from './health-samples.js';
export type { DeviceHealth, TypeHealthView } from './health-schemas.js';
export {
  HEALTH_RETENTION_EVERY_MS,
  HEALTH_RETENTION_JOB,
  type HealthDeps,
  HealthService,
  type ServiceHealth,
} from './health-service.js';
export { TypeHealthCache } from './health-settings.js';
export { type HealthSettings, startHealth } from './start-health.js';
