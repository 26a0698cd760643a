export { type Config, ConfigError, configSchema, loadConfig } from './config.js';
export { serve } from './main.js';
export {
  createLogger,
  migrate,
  type RunningServer,
  resetAdminKey,
  resetUserPassword,
  startServer,
} from './server.js';
export { StartupError, type StartupErrorCode } from './startup-error.js';
export { VERSION } from './version.js';
