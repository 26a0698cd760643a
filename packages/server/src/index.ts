export { type Config, ConfigError, configSchema, loadConfig } from './config.js';
export { serve } from './main.js';
export { createLogger, migrate, type RunningServer, startServer } from './server.js';
export { VERSION } from './version.js';
