import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { EventBus } from './bus/event-bus.js';
import type { Config } from './config.js';
import { type App, buildApp, locateConsole, serveConsole } from './http/index.js';
import { systemClock } from './kernel/clock.js';
import type { Logger } from './kernel/logger.js';
import {
  ApiKeyAuthenticator,
  bootstrapAccess,
  DEFAULT_TENANT_ID,
  registerAccessRoutes,
  resetBootstrapKey,
} from './modules/access/index.js';
import {
  AlertService,
  LifecycleAlerts,
  registerAlertRoutes,
  registerSilenceRoutes,
  SilenceWatch,
} from './modules/alerts/index.js';
import {
  CallbackAuthenticator,
  CapturePipeline,
  type CaptureWriter,
  POSTGRES_BATCHES_IN_FLIGHT,
  registerCallbackSecretRoutes,
  registerIngestRoutes,
  SqliteCaptureWriter,
  storeCaptureWriter,
  TypeSettings,
} from './modules/capture/index.js';
import { DeviceAdmission, registerSigfoxRoutes, type SigfoxRoutes } from './modules/capture/sigfox/index.js';
import { DurableHorizon, registerChangeRoutes } from './modules/changes/index.js';
import { Codecs, registerCodecRoutes } from './modules/codecs/index.js';
import {
  CommandService,
  DirectMethods,
  MqttCommands,
  registerCommandRoutes,
  registerDevicePollRoutes,
  registerMethodRoutes,
  SigfoxCommands,
} from './modules/commands/index.js';
import { ConditionVariableProviders } from './modules/conditions/index.js';
import {
  ConfigurationApplier,
  ConfigurationService,
  registerConfigurationRoutes,
  SNAPSHOT_EVERY_MS,
  SNAPSHOT_JOB,
} from './modules/configurations/index.js';
import {
  DeviceAuthenticator,
  discardAbandonedImports,
  registerDeviceRoutes,
  targetDeviceIdsPage,
} from './modules/devices/index.js';
import { registerFleetRoutes } from './modules/fleet/index.js';
import { startHealth } from './modules/health/index.js';
import { commandJobActions, JobService, registerJobRoutes } from './modules/jobs/index.js';
import {
  ContractService,
  LifecycleFromUplinks,
  LifecycleService,
  registerContractRoutes,
  registerLifecycleRoutes,
} from './modules/lifecycle/index.js';
import { expandMessageChanges, registerMessageRoutes } from './modules/messages/index.js';
import {
  DevicePresence,
  DevicePublisher,
  type DeviceTopicRouter,
  MqttAccess,
  registerBrokerMetrics,
  registerMqttRoutes,
  serveMqttOverWebSocket,
  TopicPolicies,
} from './modules/mqtt-access/index.js';
import { startMqttExport } from './modules/mqtt-export/index.js';
import { notificationSettings, startNotifications } from './modules/notifications/index.js';
import { ResyncReplay, registerResyncRoutes } from './modules/resync/index.js';
import { Scheduler } from './modules/scheduler/index.js';
import {
  ReportedFromDecoded,
  registerDeviceTwinRoutes,
  registerTwinMqtt,
  registerTwinRoutes,
  TwinDownlinks,
  TwinService,
  twinConditionProviders,
} from './modules/twins/index.js';
import {
  authenticateSession,
  bootstrapFirstAdmin,
  registerUsersRoutes,
  resetTokenByEmail,
} from './modules/users/index.js';
import { startWebhooks } from './modules/webhooks/index.js';
import { Broker, type ListenOptions } from './mqtt/index.js';
import { SqlPersistence } from './mqtt/sql-persistence.js';
import { openStoreOrExplain, reachDatabase, readTlsFiles, type TlsFiles } from './startup-checks.js';
import { listenFailure, StartupError } from './startup-error.js';
import { migrateToLatest } from './store/migrate.js';
import { openStore, sqliteFile } from './store/open-store.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  readonly app: App;
  readonly store: Store;
  /**
   * The server's event bus. Whatever writes to the store from this process announces its
   * commits here: on SQLite the change feed shows no change past the last one announced.
   */
  readonly bus: EventBus;
  /** `http://host:port` the API listens on. */
  readonly url: string;
  /** The bootstrap key when this start generated it (first start without FLEETPORT_ADMIN_KEY). */
  readonly generatedAdminKey: string | undefined;
  /** The first admin user made by this start (the first), with the token that sets its password; shown once. */
  readonly firstAdmin:
    | { readonly email: string; readonly setupToken: string; readonly expiresAt: string }
    | undefined;
  /** The MQTT broker and the ports its TCP and TLS listeners bound (undefined when off). */
  readonly mqtt: {
    readonly broker: Broker;
    readonly tcpPort?: number;
    readonly tlsPort?: number;
    /** Where modules register their device subtrees (`devices/{id}/{subtree}/…`); capture owns `up`. */
    readonly deviceTopics: DeviceTopicRouter;
    /** Publishes to a device's connection or persistent session, for modules. */
    readonly devices: DevicePublisher;
  };
  /** The Sigfox callbacks' ports: the downlink source of BIDIR answers (commands by default). */
  readonly sigfox: SigfoxRoutes;
  /** The applier of fleet configurations: `idle()` resolves once every change committed before is applied. */
  readonly configurations: { idle(): Promise<void> };
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
  '*.smtpPassword',
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
 * The composition root: opens the store, migrates it, builds the HTTP app with every
 * module, listens, and only then bootstraps access. Only this function chooses adapters.
 * Problems the operator can fix (a port in use, an unusable data dir or TLS file) reject
 * with a StartupError naming the setting.
 */
export async function startServer(
  config: Config,
  logger: pino.Logger = createLogger(config),
): Promise<RunningServer> {
  const tls = readTlsFiles(config);
  const store = openStoreOrExplain(config);
  // The bootstrap key is made once every port is bound: a start that fails before (a
  // Mosquitto on 1883) must not create a key that nobody was shown. Until then, not ready.
  let bootstrapped = false;
  let pipeline: CapturePipeline | undefined;
  let codecs: Codecs | undefined;
  let reporting: ReportedFromDecoded | undefined;
  let scheduler: Scheduler | undefined;
  /** Started services of the fleet modules, closed in this order before the scheduler. */
  const fleetServices: { readonly name: string; close(): Promise<void> }[] = [];
  let broker: Broker | undefined;
  /** Closed before the broker: it publishes there. */
  let mqttExport: { close(): Promise<void> } | undefined;
  let closeMqttWebSocket: (() => void) | undefined;
  try {
    await reachDatabase(config, store);
    await migrateToLatest(store.db);
    const kernelLogger = logger as unknown as Logger;
    const bus = new EventBus();
    // SQLite capture batches are readable before they are synced: the feed waits for that.
    const durable = store.dialect === 'sqlite' ? await DurableHorizon.open(store, bus) : undefined;
    const deps = {
      store,
      clock: systemClock,
      logger: kernelLogger,
      bus,
      expandChanges: expandMessageChanges,
      ...(durable ? { durable } : {}),
    };
    const abandoned = await discardAbandonedImports(store);
    if (abandoned > 0) logger.warn({ rows: abandoned }, 'discarded staged rows of interrupted imports');

    const apiKeys = new ApiKeyAuthenticator(deps);
    const deviceAuthenticator = new DeviceAuthenticator(deps);
    const callbackAuthenticator = new CallbackAuthenticator(deps);
    const app = await buildApp({
      logger,
      bodyLimit: config.bodyLimit,
      version: VERSION,
      corsOrigins: config.corsOrigins,
      metricsToken: config.metricsToken,
      authenticators: {
        apiKey: (bearer) => apiKeys.authenticate(bearer),
        session: (secret) => authenticateSession(deps, secret),
        device: (token) => deviceAuthenticator.authenticate(token),
        callback: (secret, typeId) => callbackAuthenticator.authenticate(secret, typeId),
      },
      ready: async () => {
        if (!bootstrapped) return 'starting: access is not bootstrapped yet';
        await store.ping();
        return undefined;
      },
    });
    registerAccessRoutes(app, deps);
    registerUsersRoutes(app, deps);
    // The modules that own `reported` and `desired` (twins) provide them to conditions.
    const conditionVariables = new ConditionVariableProviders();
    for (const provider of twinConditionProviders(store)) conditionVariables.register(provider);
    registerDeviceRoutes(app, { ...deps, conditionVariables }, config);
    registerChangeRoutes(app, deps);
    registerMessageRoutes(app, { ...deps, conditionVariables });
    const twins = new TwinService(deps);
    registerTwinRoutes(app, twins);
    registerDeviceTwinRoutes(app, twins);
    registerFleetRoutes(app, deps);
    codecs = new Codecs(deps, { metrics: app.metrics });
    await codecs.start();
    registerCodecRoutes(app, codecs);
    // Decoded uplinks update the reported properties their device type declares.
    reporting = new ReportedFromDecoded({ ...deps, metrics: app.metrics }, twins);
    reporting.start();
    // Timed work of the modules: they register their handlers on it.
    scheduler = new Scheduler({ ...deps, metrics: app.metrics });
    const codecService = codecs.service;
    const commands = new CommandService({
      ...deps,
      scheduler,
      encode: (tenantId, deviceId, data) => codecService.encodeForDevice(tenantId, deviceId, data),
    });
    registerCommandRoutes(app, commands);
    registerDevicePollRoutes(app, commands, bus);
    // Fleet jobs act on devices through the commands and twins services.
    const jobs = new JobService(
      { ...deps, scheduler, metrics: app.metrics },
      {
        ...commandJobActions(commands),
        patchTwin: (tenantId, deviceId, patch, setBy) =>
          twins.patchDesired(tenantId, deviceId, patch, { setBy }),
        readTwin: (tenantId, deviceId) => twins.get(tenantId, deviceId),
      },
      (tenantId, where, page) => targetDeviceIdsPage({ ...deps, conditionVariables }, tenantId, where, page),
    );
    registerJobRoutes(app, jobs, codecs.jobs);
    await jobs.start();
    fleetServices.push({ name: 'jobs', close: () => jobs.close() });
    // Fleet configurations: applied by a durable feed consumer, metrics snapshotted on the scheduler.
    const configurationDeps = { ...deps, conditionVariables, metrics: app.metrics };
    const configurations = new ConfigurationService(configurationDeps);
    registerConfigurationRoutes(app, configurations);
    scheduler.register(SNAPSHOT_JOB, async () => {
      await configurations.snapshotAll();
    });
    await scheduler.schedule({ key: SNAPSHOT_JOB, handler: SNAPSHOT_JOB, everyMs: SNAPSHOT_EVERY_MS });
    const applier = new ConfigurationApplier(configurationDeps, twins);
    applier.start();
    fleetServices.push({ name: 'configuration applier', close: () => applier.close() });
    // Desired values of types without a session become downlinks on the command queue.
    const twinDownlinks = new TwinDownlinks({
      ...deps,
      metrics: app.metrics,
      twins,
      commands,
      encode: (tenantId, deviceId, data) => codecService.encodeForDevice(tenantId, deviceId, data),
    });
    twinDownlinks.start();
    fleetServices.push({ name: 'twin downlinks', close: () => twinDownlinks.close() });
    // Lifecycle: transitions by hand, by uplinks (a feed consumer) and by end dates (the scheduler).
    const lifecycle = new LifecycleService(deps);
    registerLifecycleRoutes(app, deps, lifecycle);
    registerContractRoutes(app, new ContractService({ ...deps, scheduler }, lifecycle));
    const lifecycleUplinks = new LifecycleFromUplinks({ ...deps, metrics: app.metrics }, lifecycle);
    lifecycleUplinks.start();
    fleetServices.push({ name: 'lifecycle consumer', close: () => lifecycleUplinks.close() });
    // Alerts: raised by the platform's modules in their own transactions, handled over HTTP.
    const alerts = new AlertService(deps);
    registerAlertRoutes(app, alerts);
    // The lifecycle's warnings become alerts through a durable feed consumer.
    const lifecycleAlerts = new LifecycleAlerts({ ...deps, metrics: app.metrics }, alerts);
    lifecycleAlerts.start();
    fleetServices.push({ name: 'lifecycle alerts', close: () => lifecycleAlerts.close() });
    // Silent devices: due times moved by a feed consumer, a scan of the due ones on the scheduler.
    const silence = new SilenceWatch({ ...deps, scheduler, metrics: app.metrics }, alerts, {
      silentAfterIntervals: config.silentAfterIntervals,
      scanMs: config.silenceScanMs,
    });
    registerSilenceRoutes(app, silence);
    fleetServices.push({ name: 'silence watch', close: () => silence.close() });
    // Webhooks: deliveries queued from the change feed, sent on a scheduler of their own.
    const webhooks = startWebhooks(
      app,
      { ...deps, metrics: app.metrics, alerts },
      {
        timeoutMs: config.webhookTimeoutMs,
        concurrency: config.webhookConcurrency,
        retryHours: config.webhookRetryHours,
        disableAfterHours: config.webhookDisableAfterHours,
      },
    );
    fleetServices.push({ name: 'webhooks', close: () => webhooks.close() });
    // Notifications: alert changes gathered by a feed consumer, sent on a scheduler of their own.
    const notifications = startNotifications(
      app,
      { ...deps, metrics: app.metrics },
      notificationSettings(config),
      () => broker,
    );
    fleetServices.push({ name: 'notifications', close: () => notifications.close() });
    // Health: samples and crazy devices from a feed consumer, releases and retention on the scheduler.
    const health = await startHealth(
      app,
      { ...deps, scheduler, lifecycle, alerts, metrics: app.metrics },
      { samples: config.health, retentionDays: config.healthRetentionDays },
    );
    fleetServices.push({ name: 'health consumer', close: () => health.close() });
    scheduler.start();
    pipeline = new CapturePipeline(deps, { writer: openCaptureWriter(store), metrics: app.metrics });
    const typeSettings = new TypeSettings(store, systemClock);
    registerCallbackSecretRoutes(app, deps);
    registerIngestRoutes(app, { pipeline, settings: typeSettings, now: () => systemClock.now() });
    const sigfox = registerSigfoxRoutes(app, { ...deps, pipeline, settings: typeSettings });
    sigfox.useDownlinkSource(new SigfoxCommands(commands, deps));
    sigfox.onService(async (notice) => {
      await health.service.recordService({ ...notice, at: notice.time ?? notice.receivedAt });
    });
    // fleetport resync: requests a fleetport-backup kept, replayed through the same capture.
    const resyncAdmission = new DeviceAdmission(deps);
    registerResyncRoutes(
      app,
      new ResyncReplay({
        pipeline,
        settings: typeSettings,
        bodyLimit: config.bodyLimit,
        now: () => systemClock.now(),
        callbackByHash: (hash, typeId) => callbackAuthenticator.authenticateHash(hash, typeId),
        deviceByHash: (hash) => deviceAuthenticator.authenticateHash(hash),
        admitSigfoxDevice: (principal, deviceId, autoCreate) =>
          resyncAdmission.admit(principal, deviceId, autoCreate),
      }),
    );
    // Last: the console's catch-all answers only paths no route above claimed.
    serveConsole(app, { root: config.consoleDir ?? locateConsole(import.meta.url), logger });
    const mqtt = await startBroker(config, deps, tls, {
      app,
      pipeline,
      typeSettings,
      deviceAuthenticator,
      apiKeys,
      plugIn: (access, mqttBroker) => {
        // Before the listeners open, so that no device connects unheard.
        const ports = {
          publisher: new DevicePublisher(mqttBroker),
          presence: new DevicePresence(mqttBroker),
        };
        const mqttCommands = new MqttCommands(commands, ports, deps);
        access.onDeviceConnection(mqttCommands);
        access.deviceTopics.register('ack', mqttCommands.acknowledgements);

        registerMethodRoutes(app, new DirectMethods(commands, ports, deps));
        registerTwinMqtt(access, {
          twins,
          devices: ports.publisher,
          presence: ports.presence,
          bus,
          logger: kernelLogger,
        });
        // The MQTT export: changes published on `$fleetport/…` by a durable feed consumer.
        mqttExport = startMqttExport(app, { ...deps, metrics: app.metrics, broker: mqttBroker });
      },
    });
    broker = mqtt.broker;
    closeMqttWebSocket = mqtt.closeWebSocket;
    try {
      await app.listen({ host: config.host, port: config.httpPort });
    } catch (error) {
      throw (
        listenFailure(error, 'FLEETPORT_HTTP_PORT', { host: config.host, port: config.httpPort }) ?? error
      );
    }
    // Once uplinks can arrive: the server's downtime, which silence does not count, ends here.
    await silence.start();
    const bootstrap = await bootstrapAccess(deps, config.adminKey);
    if (bootstrap.adminKeyIgnored)
      logger.warn(
        'FLEETPORT_ADMIN_KEY is ignored: this database already has another bootstrap key (lost it? run `fleetport admin reset-key` on this host, see docs/CLI.md)',
      );
    // Beside a bootstrap key made now, the first admin user and its one-time setup token.
    const firstAdmin = bootstrap.created
      ? await bootstrapFirstAdmin(deps, DEFAULT_TENANT_ID, config.adminEmail)
      : undefined;
    bootstrapped = true;
    const address = app.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info(
      { url, database: store.dialect, location: store.location, version: VERSION },
      'fleetport is listening',
    );
    if (mqtt.tcpPort !== undefined || mqtt.tlsPort !== undefined || config.mqttWebsocket)
      logger.info(
        {
          tcpPort: mqtt.tcpPort,
          tlsPort: mqtt.tlsPort,
          websocket: config.mqttWebsocket ? `${url.replace(/^http/, 'ws')}/mqtt` : undefined,
        },
        'mqtt broker is listening',
      );

    let closing: Promise<void> | undefined;
    const capture = pipeline;
    const decoding = codecs;
    const reportingDecoded = reporting;
    const timed = scheduler;
    const mqttBroker = mqtt.broker;
    const exporting = mqttExport;
    return {
      app,
      store,
      bus,
      url,
      generatedAdminKey: bootstrap.generatedKey,
      firstAdmin: firstAdmin && {
        email: firstAdmin.user.email,
        setupToken: firstAdmin.setupToken,
        expiresAt: firstAdmin.expiresAt,
      },
      mqtt: {
        broker: mqtt.broker,
        tcpPort: mqtt.tcpPort,
        tlsPort: mqtt.tlsPort,
        deviceTopics: mqtt.deviceTopics,
        devices: mqtt.devices,
      },
      sigfox,
      configurations: { idle: () => applier.idle() },
      close() {
        closing ??= (async () => {
          // The broker first: it stops accepting, waits for uplinks in the capture
          // pipeline and for its own storage, while both are still open.
          await exporting
            ?.close()
            .catch((error: unknown) => logger.error({ err: error }, 'mqtt export close failed'));
          mqtt.closeWebSocket();
          await mqttBroker
            .close()
            .catch((error: unknown) => logger.error({ err: error }, 'mqtt broker close failed'));
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
            await reportingDecoded
              .close()
              .catch((error: unknown) => logger.error({ err: error }, 'twin reporting close failed'));
            for (const service of fleetServices)
              await service
                .close()
                .catch((error: unknown) => logger.error({ err: error }, `${service.name} close failed`));
            await timed
              .close()
              .catch((error: unknown) => logger.error({ err: error }, 'scheduler close failed'));
            await store.close();
          }
        })();
        return closing;
      },
    };
  } catch (error) {
    await mqttExport?.close().catch(() => {});
    closeMqttWebSocket?.();
    await broker?.close().catch(() => {});
    await pipeline?.close().catch(() => {});
    await codecs?.close().catch(() => {});
    await reporting?.close().catch(() => {});
    for (const service of fleetServices) await service.close().catch(() => {});
    await scheduler?.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
}

/**
 * The MQTT broker: Fleetport's access hooks, durable sessions in the store, TCP and TLS
 * listeners as configured, WebSocket at `/mqtt` on the HTTP server, counters in `/metrics`.
 */
async function startBroker(
  config: Config,
  deps: { store: Store; clock: typeof systemClock; logger: Logger; bus: EventBus },
  tls: TlsFiles | undefined,
  {
    app,
    pipeline,
    typeSettings,
    deviceAuthenticator,
    apiKeys,
    plugIn,
  }: {
    app: App;
    pipeline: CapturePipeline;
    typeSettings: TypeSettings;
    deviceAuthenticator: DeviceAuthenticator;
    apiKeys: ApiKeyAuthenticator;
    /** Modules plug into the hooks and the broker here, before any connection is accepted. */
    plugIn: (access: MqttAccess, broker: Broker) => void;
  },
) {
  const policies = new TopicPolicies(deps);
  const access = new MqttAccess(
    {
      ...deps,
      authenticateDevice: (token) => deviceAuthenticator.authenticate(token),
      authenticateKey: (secret) => apiKeys.authenticate(secret),
      policies,
      capture: (order, read) => pipeline.captureWhenRead(order, read),
      sequenceBits: async (tenantId, typeId) => (await typeSettings.get(tenantId, typeId)).sequenceBits,
    },
    { anonymousTenant: config.mqttAnonymousTenant },
  );
  await access.start();
  const broker = new Broker({
    hooks: access,
    persistence: new SqlPersistence(deps.store),
    logger: deps.logger.child({ component: 'mqtt' }),
    limits: {
      maxConnections: config.mqttMaxConnections,
      maxPacketSize: config.mqttMaxPacketSize,
      maxInflight: config.mqttMaxInflight,
      receiveMaximum: config.mqttReceiveMaximum,
      maxQueuedMessages: config.mqttMaxQueuedMessages,
      connectionsPerSecond: config.mqttConnectionsPerSecond,
      maxKeepAlive: config.mqttMaxKeepAlive === 0 ? undefined : config.mqttMaxKeepAlive,
    },
  });
  access.bindBroker(broker);
  plugIn(access, broker);
  registerMqttRoutes(app, { policies, broker });
  registerBrokerMetrics(app.metrics, () => broker.metrics);
  const host = config.mqttHost ?? config.host;
  const listen: { -readonly [K in keyof ListenOptions]: ListenOptions[K] } = {};
  if (config.mqttPort !== undefined) listen.tcp = { port: config.mqttPort, host };
  if (config.mqttTlsPort !== undefined && tls !== undefined) {
    listen.tls = { port: config.mqttTlsPort, host, ...tls, requestCert: config.mqttTlsRequestCert };
  }
  try {
    const bound = await broker.listen(listen).catch((error: unknown) => {
      // TCP binds first, so a port both listeners were given fails on the TLS one.
      const failed = (error as { port?: unknown }).port;
      const setting =
        listen.tls !== undefined && failed === listen.tls.port
          ? 'FLEETPORT_MQTT_TLS_PORT'
          : 'FLEETPORT_MQTT_PORT';
      const port = setting === 'FLEETPORT_MQTT_TLS_PORT' ? listen.tls?.port : listen.tcp?.port;
      throw (port === undefined ? undefined : listenFailure(error, setting, { host, port })) ?? error;
    });
    const closeWebSocket = config.mqttWebsocket
      ? serveMqttOverWebSocket(app.server, (stream, meta) => broker.attach(stream, meta), {
          maxPayload: config.mqttMaxPacketSize,
        })
      : () => {};
    return {
      broker,
      tcpPort: bound.tcp?.port,
      tlsPort: bound.tls?.port,
      closeWebSocket,
      deviceTopics: access.deviceTopics,
      devices: new DevicePublisher(broker),
    };
  } catch (error) {
    await broker.close().catch(() => {});
    throw error;
  }
}

/**
 * The capture writer for this store: the embedded store's capture thread (and its own
 * connection for small batches), or, for PostgreSQL, transactions on the pool, several at
 * once.
 */
export function openCaptureWriter(store: Store): CaptureWriter {
  return store.embedded
    ? new SqliteCaptureWriter(store.embedded)
    : storeCaptureWriter(store, { maxInFlight: POSTGRES_BATCHES_IN_FLIGHT });
}

/**
 * `fleetport admin reset-key`: revokes the bootstrap key and makes a new one, straight in
 * the database (run on the server's host), for an owner who lost the key. On SQLite the
 * data dir must already hold a database: a mistyped path must not yield a fresh one.
 */
type DatabaseConfig = Pick<Config, 'databaseUrl' | 'dataDir' | 'sqliteSynchronous' | 'databasePoolSize'>;

/** Runs `work` on the server's database from its host (the `admin` commands), migrated first. */
async function onHostDatabase<T>(
  config: DatabaseConfig,
  work: (deps: { store: Store; clock: typeof systemClock; logger: Logger }) => Promise<T>,
): Promise<T> {
  if (!config.databaseUrl && !existsSync(sqliteFile(config.dataDir)))
    throw new StartupError(
      'data_dir_unusable',
      'FLEETPORT_DATA_DIR',
      `FLEETPORT_DATA_DIR: '${config.dataDir}' holds no Fleetport database; give the data dir the server uses`,
    );
  const store = openStore(config);
  try {
    await reachDatabase(config, store);
    await migrateToLatest(store.db);
    const logger = createLogger({ logLevel: 'silent' }) as unknown as Logger;
    return await work({ store, clock: systemClock, logger });
  } finally {
    await store.close();
  }
}

export function resetAdminKey(
  config: DatabaseConfig,
): Promise<{ readonly secret: string; readonly keyId: string; readonly revokedKeyIds: readonly string[] }> {
  return onHostDatabase(config, (deps) => resetBootstrapKey(deps));
}

/** `fleetport admin reset-password`: a reset token for a user, for when no admin can sign in. */
export function resetUserPassword(
  config: DatabaseConfig,
  email: string,
): Promise<{
  readonly token: string;
  readonly expiresAt: string;
  readonly userId: string;
  readonly tenantId: string;
}> {
  return onHostDatabase(config, async (deps) => {
    const reset = await resetTokenByEmail(deps, email);
    return {
      token: reset.token,
      expiresAt: reset.expiresAt,
      userId: reset.user.id,
      tenantId: reset.user.tenantId,
    };
  });
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
