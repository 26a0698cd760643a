export { registerAlertRoutes } from './alert-routes.js';
export type { Alert, AlertDetail } from './alert-schemas.js';
export {
  type AlertDeps,
  AlertService,
  type ClearAlert,
  type InTransaction,
  type RaiseAlert,
} from './alert-service.js';
export {
  ALERT_CHANGE_KINDS,
  ALERT_SEVERITIES,
  ALERT_STATES,
  type AlertSeverity,
  type AlertState,
  PLATFORM_ALERT_TYPES,
} from './alerts-events.js';
export { LIFECYCLE_ALERTS_CONSUMER, LifecycleAlerts } from './lifecycle-alerts.js';
export { registerSilenceRoutes } from './silence-routes.js';
export type { DeviceSilence } from './silence-schemas.js';
export {
  SILENCE_CONSUMER,
  SILENCE_SCAN_JOB,
  type SilenceDeps,
  type SilenceOptions,
  SilenceWatch,
} from './silence-watch.js';
