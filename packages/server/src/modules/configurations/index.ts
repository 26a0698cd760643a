export {
  APPLY_CONSUMER,
  ConfigurationApplier,
  type ConfigurationApplierDeps,
} from './configuration-applier.js';
export { registerConfigurationRoutes } from './configuration-routes.js';
export type { Configuration, ConfigurationMetrics, MetricCounts } from './configuration-schemas.js';
export {
  type ConfigurationDeps,
  ConfigurationService,
  SNAPSHOT_EVERY_MS,
  SNAPSHOT_JOB,
} from './configuration-service.js';
