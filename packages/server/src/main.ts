import { type Config, loadConfig } from './config.js';
import { createLogger, startServer } from './server.js';

/**
 * `fleetport serve`: starts the server with `config` (by default read from the
 * environment; a bad one throws ConfigError listing every problem), prints the bootstrap
 * key once, and shuts down gracefully on SIGTERM and SIGINT.
 */
export async function serve(config: Config = loadConfig()): Promise<void> {
  const logger = createLogger(config);
  const server = await startServer(config, logger);
  if (server.generatedAdminKey) {
    process.stdout.write(
      [
        '',
        '  Fleetport created its bootstrap admin key. It is shown only this once: keep it safe.',
        '',
        `    FLEETPORT_API_KEY=${server.generatedAdminKey}`,
        '',
        `  API: ${server.url}   docs: ${server.url}/docs`,
        '',
      ].join('\n'),
    );
  }
  if (server.firstAdmin) {
    const { email, setupToken, expiresAt } = server.firstAdmin;
    process.stdout.write(
      [
        '',
        `  Fleetport created the first admin user, ${email}, without a password. Set it with this`,
        `  one-time setup token (valid until ${expiresAt}; shown only this once):`,
        '',
        `    fleetport users set-password --token ${setupToken} --password-stdin`,
        '',
        '  (or POST /v1/auth/password-reset {"token", "password"}; see docs/ACCESS.md)',
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
