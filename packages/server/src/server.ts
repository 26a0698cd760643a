import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { EventBus } from './bus/event-bus.js';
import type { Config } from './config.js';
import { type App, buildApp } from './http/index.js';
import { systemClock } from './kernel/clock.js';
import type { Logger } from './kernel/logger.js';
import { authenticate, bootstrapAccess, registerAccessRoutes } from './modules/access/index.js';
import {
  CallbackAuthenticator,
  CapturePipeline,
  registerCallbackSecretRoutes,
  registerIngestRoutes,
  TypeSettings,
} from './modules/capture/index.js';
import { registerSigfoxRoutes } from './modules/capture/sigfox/index.js';
import { registerChangeRoutes } from './modules/changes/index.js';
import { Codecs, registerCodecRoutes } from './modules/codecs/index.js';
import {
  DeviceAuthenticator,
  discardAbandonedImports,
  registerDeviceRoutes,
} from './modules/devices/index.js';
import { registerMessageRoutes } from './modules/messages/index.js';
import { migrateToLatest } from './store/migrate.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  readonly app: App;
  readonly store: Store;
  /** `http://host:port` the API listens on. */
  readonly url: string;
  /** The bootstrap key when this start generated it (first start without FLEETPORT_ADMIN_KEY). */
  readonly generatedAdminKey: string | undefined;
  /** Stops accepting, finishes in-flight requests (up to the shutdown timeout), closes the store. */
  close(): Promise<void>;
}

/** Secrets never reach the log. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.secret',
  '*.token',
  '*.password',
  '*.adminKey',
  '*.apiKey',
];

export function createLogger(config: Pick<Config, 'logLevel'>): pino.Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: 'fleetport' },
  });
}

/**
 * The composition root: opens the store, migrates it, bootstraps access, builds the HTTP
 * app with every module, and listens. Only this function chooses adapters.
 */
export async function startServer(
  config: Config,
  logger: pino.Logger = createLogger(config),
): Promise<RunningServer> {
  const store = openStore(config);
  let pipeline: CapturePipeline | undefined;
  let codecs: Codecs | undefined;
  try {
    await migrateToLatest(store.db);
    const kernelLogger = logger as unknown as Logger;
    const bus = new EventBus();
    const deps = { store, clock: systemClock, logger: kernelLogger, bus };
    const abandoned = await discardAbandonedImports(store);
    if (abandoned > 0) logger.warn({ rows: abandoned }, 'discarded staged rows of interrupted imports');
    const bootstrap = await bootstrapAccess(deps, config.adminKey);

    const deviceAuthenticator = new DeviceAuthenticator(deps);
    const callbackAuthenticator = new CallbackAuthenticator(deps);
    const app = await buildApp({
      logger,
      bodyLimit: config.bodyLimit,
      version: VERSION,
      authenticators: {
        apiKey: (bearer) => authenticate(deps, bearer),
        device: (token) => deviceAuthenticator.authenticate(token),
        callback: (secret, typeId) => callbackAuthenticator.authenticate(secret, typeId),
      },
      ready: () => store.ping(),
    });
    registerAccessRoutes(app, deps);
    registerDeviceRoutes(app, deps, config);
    registerChangeRoutes(app, deps);
    registerMessageRoutes(app, deps);
    codecs = new Codecs(deps, { metrics: app.metrics });
    await codecs.start();
    registerCodecRoutes(app, codecs);
    pipeline = new CapturePipeline(deps, { synchronous: config.sqliteSynchronous });
    const typeSettings = new TypeSettings(store, systemClock);
    registerCallbackSecretRoutes(app, deps);
    registerIngestRoutes(app, { pipeline, settings: typeSettings, now: () => systemClock.now() });
    registerSigfoxRoutes(app, { ...deps, pipeline, settings: typeSettings });
    await app.listen({ host: config.host, port: config.httpPort });
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info(
      { url, database: store.dialect, location: store.location, version: VERSION },
      'fleetport is listening',
    );

    let closing: Promise<void> | undefined;
    const capture = pipeline;
    const decoding = codecs;
    return {
      app,
      store,
      url,
      generatedAdminKey: bootstrap.generatedKey,
      close() {
        closing ??= (async () => {
          const timer = setTimeout(() => {
            logger.warn(
              { timeoutMs: config.shutdownTimeoutMs },
              'shutdown timeout: closing open connections',
            );
            app.server.closeAllConnections();
          }, config.shutdownTimeoutMs);
          timer.unref();
          try {
            await app.close();
          } finally {
            clearTimeout(timer);
            await capture
              .close()
              .catch((error: unknown) => logger.error({ err: error }, 'capture writer close failed'));
            await decoding
              .close()
              .catch((error: unknown) => logger.error({ err: error }, 'codec close failed'));
            await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await pipeline?.close().catch(() => {});
    await codecs?.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
}

/** `fleetport migrate`: applies pending migrations and exits. */
export async function migrate(config: Config): Promise<readonly string[]> {
  const store = openStore(config);
  try {
    return (await migrateToLatest(store.db)).applied;
  } finally {
    await store.close();
  }
}
