import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * Fleetport's configuration, read once at start-up from (lowest to highest precedence)
 * defaults, an optional JSON config file, `FLEETPORT_*` environment variables and
 * command-line flags. Each key is declared once below, in its section: its config-file
 * key (the property name), environment variable, flag, default, documentation and parser.
 * The `Config` type, the CLI's flags and the documentation tests all derive from that.
 * Every problem is collected and reported together; the result is frozen.
 */

/** A key's value, or why the value a source gave is not acceptable. */
type Parsed<T> = { readonly value: T } | { readonly problem: string };

/** Turns the value a source gave (text from env and flags, JSON from the file) into a key's value. */
interface Parser<T> {
  (raw: unknown): Parsed<T>;
  /** The accepted values, for a key that takes one of a list (the CLI offers them as choices). */
  readonly values?: readonly string[];
}

/** One configuration key: where it is read from, its default and what it means. */
export interface KeySpec<K extends string = string, T = unknown> {
  /** The name on `Config` and in the config file. */
  readonly key: K;
  readonly env: string;
  readonly flag: string;
  /** Parsed like any source's value; `undefined` leaves the key unset. */
  readonly default: string | number | boolean | undefined;
  readonly doc: string;
  readonly values?: readonly string[];
  readonly parse: Parser<T>;
}

function setting<const K extends string, T, D extends string | number | boolean | undefined>(
  key: K,
  spec: { readonly env: string; readonly flag: string; readonly default: D; readonly doc: string },
  parse: Parser<T>,
): KeySpec<K, undefined extends D ? T | undefined : T> {
  return Object.freeze({
    key,
    ...spec,
    ...(parse.values === undefined ? {} : { values: parse.values }),
    parse: parse as Parser<undefined extends D ? T | undefined : T>,
  });
}

// Parsers. Each is called with a value that is set; an unset key is `undefined` before them.

function text(raw: unknown): Parsed<string> {
  return typeof raw === 'string' ? { value: raw } : { problem: 'must be a string' };
}

function matching(pattern: RegExp, problem: string): Parser<string> {
  return function matchingText(raw) {
    const parsed = text(raw);
    if ('problem' in parsed) return parsed;
    return pattern.test(parsed.value) ? parsed : { problem };
  };
}

function directory(raw: unknown): Parsed<string> {
  const parsed = text(raw);
  return 'problem' in parsed ? parsed : { value: path.resolve(parsed.value) };
}

function readableFile(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string' || raw === '') return { problem: 'must be a file path' };
  try {
    accessSync(raw, constants.R_OK);
  } catch {
    return { problem: `cannot read the file '${raw}'` };
  }
  return { value: path.resolve(raw) };
}

function boolean(raw: unknown): Parsed<boolean> {
  if (typeof raw === 'boolean') return { value: raw };
  const word = String(raw).trim().toLowerCase();
  if (['true', 'on', 'yes', '1'].includes(word)) return { value: true };
  if (['false', 'off', 'no', '0'].includes(word)) return { value: false };
  return { problem: `must be true or false (or on/off), got '${String(raw)}'` };
}

function integer(min: number, max: number): Parser<number> {
  return function integerInRange(raw) {
    const digits = String(raw).trim();
    if (!/^\d+$/.test(digits)) return { problem: `must be a non-negative integer, got '${digits}'` };
    const value = Number(digits);
    if (value < min || value > max) return { problem: `must be between ${min} and ${max}, got ${value}` };
    return { value };
  };
}

const port = integer(0, 65_535);

/** A port, or `off` for a listener that is not opened. */
function portOrOff(raw: unknown): Parsed<number | undefined> {
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'off') return { value: undefined };
  return port(raw);
}

function oneOf<const V extends string>(values: readonly V[]): Parser<V> {
  const parse = (raw: unknown): Parsed<V> => {
    const word = String(raw).toLowerCase();
    const value = values.find((candidate) => candidate === word);
    return value === undefined ? { problem: `must be one of ${values.join(', ')}` } : { value };
  };
  return Object.assign(parse, { values });
}

/** Web origins, comma-separated or a JSON array: exactly what browsers send, so no path or wildcard. */
function origins(raw: unknown): Parsed<readonly string[]> {
  const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const found = list.map((origin) => origin.trim()).filter((origin) => origin !== '');
  const bad = found.find((origin) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin));
  if (bad !== undefined)
    return { problem: `'${bad}' is not an origin like https://app.example.com (no path, no wildcard)` };
  return { value: Object.freeze(found) };
}

/** The keys, by section. Names are API (env, flag, file key): add, never rename. */
const sections = {
  server: [
    setting(
      'dataDir',
      {
        env: 'FLEETPORT_DATA_DIR',
        flag: 'data-dir',
        default: './data',
        doc: 'directory for the embedded database and local state',
      },
      directory,
    ),
    setting(
      'host',
      {
        env: 'FLEETPORT_HOST',
        flag: 'host',
        default: '127.0.0.1',
        doc: 'address to listen on (0.0.0.0 for all interfaces)',
      },
      text,
    ),
    setting(
      'logLevel',
      { env: 'FLEETPORT_LOG_LEVEL', flag: 'log-level', default: 'info', doc: 'log level' },
      oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    ),
    setting(
      'shutdownTimeoutMs',
      {
        env: 'FLEETPORT_SHUTDOWN_TIMEOUT_MS',
        flag: 'shutdown-timeout-ms',
        default: 10_000,
        doc: 'grace period for in-flight requests on SIGTERM/SIGINT',
      },
      integer(0, 3_600_000),
    ),
  ],
  access: [
    setting(
      'adminKey',
      {
        env: 'FLEETPORT_ADMIN_KEY',
        flag: 'admin-key',
        default: undefined,
        doc: 'bootstrap admin key for the first start (at least 32 characters); generated when unset',
      },
      matching(/^[\s\S]{32,}$/, 'must be at least 32 characters'),
    ),
    setting(
      'adminEmail',
      {
        env: 'FLEETPORT_ADMIN_EMAIL',
        flag: 'admin-email',
        default: 'admin@localhost',
        doc: 'e-mail of the first admin user, made on the first start (its password is set with the printed setup token)',
      },
      matching(/^[^\s@]{1,64}@[^\s@]{1,189}$/, 'must be an e-mail address'),
    ),
  ],
  http: [
    setting(
      'httpPort',
      {
        env: 'FLEETPORT_HTTP_PORT',
        flag: 'http-port',
        default: 8080,
        doc: 'HTTP API port (0 picks a free port)',
      },
      port,
    ),
    setting(
      'bodyLimit',
      {
        env: 'FLEETPORT_BODY_LIMIT',
        flag: 'body-limit',
        default: 1024 * 1024,
        doc: 'maximum JSON body size in bytes',
      },
      integer(1024, 64 * 1024 * 1024),
    ),
    setting(
      'importBodyLimit',
      {
        env: 'FLEETPORT_IMPORT_BODY_LIMIT',
        flag: 'import-body-limit',
        default: 1024 * 1024 * 1024,
        doc: 'maximum bulk import body size in bytes',
      },
      integer(1024, 16 * 1024 * 1024 * 1024),
    ),
    setting(
      'corsOrigins',
      {
        env: 'FLEETPORT_CORS_ORIGINS',
        flag: 'cors-origins',
        default: '',
        doc: 'comma-separated web origins allowed to call the API from a browser (https://app.example.com); empty: no CORS',
      },
      origins,
    ),
    setting(
      'consoleDir',
      {
        env: 'FLEETPORT_CONSOLE_DIR',
        flag: 'console-dir',
        default: undefined,
        doc: 'the built web console served at / (index.html and assets/); unset: packages/console/dist beside the program',
      },
      directory,
    ),
    setting(
      'metricsToken',
      {
        env: 'FLEETPORT_METRICS_TOKEN',
        flag: 'metrics-token',
        default: undefined,
        doc: 'bearer token /metrics asks for (at least 16 characters); unset: /metrics is open',
      },
      matching(/^[\x21-\x7e]{16,}$/, 'must be at least 16 printable characters without spaces'),
    ),
  ],
  database: [
    setting(
      'databaseUrl',
      {
        env: 'FLEETPORT_DATABASE_URL',
        flag: 'database-url',
        default: undefined,
        doc: 'unset: SQLite in the data dir; postgres://user:pass@host/db: PostgreSQL',
      },
      matching(
        /^postgres(ql)?:\/\//,
        'must start with postgres:// or postgresql:// (leave it unset for SQLite)',
      ),
    ),
    setting(
      'databasePoolSize',
      {
        env: 'FLEETPORT_DATABASE_POOL_SIZE',
        flag: 'database-pool-size',
        default: 10,
        doc: 'PostgreSQL connection pool size',
      },
      integer(1, 1000),
    ),
    setting(
      'sqliteSynchronous',
      {
        env: 'FLEETPORT_SQLITE_SYNCHRONOUS',
        flag: 'sqlite-synchronous',
        default: 'full',
        doc: 'SQLite synchronous pragma',
      },
      oneOf(['full', 'normal']),
    ),
    setting(
      'webhookRetryHours',
      {
        env: 'FLEETPORT_WEBHOOK_RETRY_HOURS',
        flag: 'webhook-retry-hours',
        default: 72,
        doc: 'how long a webhook delivery is retried with backoff before it is marked failed',
      },
      integer(1, 720),
    ),
    setting(
      'webhookDisableAfterHours',
      {
        env: 'FLEETPORT_WEBHOOK_DISABLE_AFTER_HOURS',
        flag: 'webhook-disable-after-hours',
        default: 120,
        doc: 'a webhook endpoint failing without a success this long is disabled',
      },
      integer(1, 8760),
    ),
    setting(
      'webhookTimeoutMs',
      {
        env: 'FLEETPORT_WEBHOOK_TIMEOUT_MS',
        flag: 'webhook-timeout-ms',
        default: 10_000,
        doc: 'time a webhook receiver has to answer one try',
      },
      integer(100, 120_000),
    ),
    setting(
      'webhookConcurrency',
      {
        env: 'FLEETPORT_WEBHOOK_CONCURRENCY',
        flag: 'webhook-concurrency',
        default: 32,
        doc: 'webhook requests in flight at once, over all endpoints',
      },
      integer(1, 1024),
    ),
  ],
  mqtt: [
    setting(
      'mqttPort',
      {
        env: 'FLEETPORT_MQTT_PORT',
        flag: 'mqtt-port',
        default: 1883,
        doc: 'MQTT broker TCP port (0 picks a free port; off: no plain TCP listener)',
      },
      portOrOff,
    ),
    setting(
      'mqttHost',
      {
        env: 'FLEETPORT_MQTT_HOST',
        flag: 'mqtt-host',
        default: undefined,
        doc: 'address the MQTT TCP and TLS listeners bind to (default: the HTTP host)',
      },
      text,
    ),
    setting(
      'mqttTlsPort',
      {
        env: 'FLEETPORT_MQTT_TLS_PORT',
        flag: 'mqtt-tls-port',
        default: 'off',
        doc: 'MQTT over TLS port, usually 8883 (off: no TLS listener); needs the certificate and key files',
      },
      portOrOff,
    ),
    setting(
      'mqttTlsCert',
      {
        env: 'FLEETPORT_MQTT_TLS_CERT',
        flag: 'mqtt-tls-cert',
        default: undefined,
        doc: 'PEM file with the TLS server certificate (and chain)',
      },
      readableFile,
    ),
    setting(
      'mqttTlsKey',
      {
        env: 'FLEETPORT_MQTT_TLS_KEY',
        flag: 'mqtt-tls-key',
        default: undefined,
        doc: 'PEM file with the TLS server private key',
      },
      readableFile,
    ),
    setting(
      'mqttTlsCa',
      {
        env: 'FLEETPORT_MQTT_TLS_CA',
        flag: 'mqtt-tls-ca',
        default: undefined,
        doc: 'PEM file with the CAs that sign client certificates (optional)',
      },
      readableFile,
    ),
    setting(
      'mqttTlsRequestCert',
      {
        env: 'FLEETPORT_MQTT_TLS_REQUEST_CERT',
        flag: 'mqtt-tls-request-cert',
        default: false,
        doc: 'ask TLS clients for a certificate; its SHA-256 fingerprint, registered on a device, authenticates it',
      },
      boolean,
    ),
    setting(
      'mqttWebsocket',
      {
        env: 'FLEETPORT_MQTT_WEBSOCKET',
        flag: 'mqtt-websocket',
        default: true,
        doc: 'MQTT over WebSocket at /mqtt on the HTTP port',
      },
      boolean,
    ),
    setting(
      'mqttMaxConnections',
      {
        env: 'FLEETPORT_MQTT_MAX_CONNECTIONS',
        flag: 'mqtt-max-connections',
        default: 100_000,
        doc: 'most MQTT connections at once (more: CONNACK 0x89 server busy)',
      },
      integer(1, 10_000_000),
    ),
    setting(
      'mqttMaxPacketSize',
      {
        env: 'FLEETPORT_MQTT_MAX_PACKET_SIZE',
        flag: 'mqtt-max-packet-size',
        default: 1024 * 1024,
        doc: 'largest MQTT packet in bytes (larger: DISCONNECT 0x95)',
      },
      // The largest Remaining Length MQTT can encode, plus its fixed header ([MQTT-2.2.3]).
      integer(1024, 268_435_460),
    ),
    setting(
      'mqttMaxInflight',
      {
        env: 'FLEETPORT_MQTT_MAX_INFLIGHT',
        flag: 'mqtt-max-inflight',
        default: 64,
        doc: 'QoS 1/2 messages in flight to one client; the rest wait in its queue',
      },
      integer(1, 65_535),
    ),
    setting(
      'mqttReceiveMaximum',
      {
        env: 'FLEETPORT_MQTT_RECEIVE_MAXIMUM',
        flag: 'mqtt-receive-maximum',
        // Uplinks are acknowledged once durable: the more a device may have in flight, the more
        // of them share one commit. 3.1.1 clients are paused (not refused) at this many.
        default: 256,
        doc: 'QoS 1/2 messages a client may have unacknowledged (MQTT 5 Receive Maximum; 3.1.1 clients are paused)',
      },
      integer(1, 65_535),
    ),
    setting(
      'mqttMaxQueuedMessages',
      {
        env: 'FLEETPORT_MQTT_MAX_QUEUED_MESSAGES',
        flag: 'mqtt-max-queued-messages',
        default: 1000,
        doc: 'messages queued per client or offline persistent session before new ones are dropped',
      },
      integer(1, 10_000_000),
    ),
    setting(
      'mqttConnectionsPerSecond',
      {
        env: 'FLEETPORT_MQTT_CONNECTIONS_PER_SECOND',
        flag: 'mqtt-connections-per-second',
        default: 1000,
        doc: 'new MQTT connections per second, bursts of twice that (more: CONNACK 0x9F)',
      },
      integer(1, 1_000_000),
    ),
    setting(
      'mqttMaxKeepAlive',
      {
        env: 'FLEETPORT_MQTT_MAX_KEEP_ALIVE',
        flag: 'mqtt-max-keep-alive',
        default: 0,
        doc: 'largest keep-alive granted in seconds (MQTT 5 Server Keep Alive); 0: no limit',
      },
      integer(0, 65_535),
    ),
    setting(
      'mqttAnonymousTenant',
      {
        env: 'FLEETPORT_MQTT_ANONYMOUS_TENANT',
        flag: 'mqtt-anonymous-tenant',
        default: undefined,
        doc: 'let clients without credentials in, as anonymous clients of this tenant (for test suites; off by default)',
      },
      matching(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a tenant id (lower-case letters, digits, dashes)'),
    ),
  ],
  alerts: [
    setting(
      'silentAfterIntervals',
      {
        env: 'FLEETPORT_SILENT_AFTER_INTERVALS',
        flag: 'silent-after-intervals',
        default: 3,
        doc: 'a device is silent after this many of its expected uplink intervals without an uplink (docs/ALERTS.md)',
      },
      integer(1, 1000),
    ),
    setting(
      'silenceScanMs',
      {
        env: 'FLEETPORT_SILENCE_SCAN_MS',
        flag: 'silence-scan-ms',
        default: 10_000,
        doc: 'how often the devices whose silence is due are looked at, in milliseconds',
      },
      integer(100, 3_600_000),
    ),
  ],
  notifications: [
    setting(
      'smtpHost',
      {
        env: 'FLEETPORT_SMTP_HOST',
        flag: 'smtp-host',
        default: undefined,
        doc: 'SMTP server that notification e-mails go through (docs/NOTIFICATIONS.md); unset: e-mail channels are refused',
      },
      text,
    ),
    setting(
      'smtpPort',
      { env: 'FLEETPORT_SMTP_PORT', flag: 'smtp-port', default: 587, doc: 'SMTP server port' },
      integer(1, 65_535),
    ),
    setting(
      'smtpSecurity',
      {
        env: 'FLEETPORT_SMTP_SECURITY',
        flag: 'smtp-security',
        default: 'starttls',
        doc: 'starttls (upgrade required), tls (TLS from the start, port 465) or none (plain: a relay on loopback)',
      },
      oneOf(['starttls', 'tls', 'none']),
    ),
    setting(
      'smtpUser',
      {
        env: 'FLEETPORT_SMTP_USER',
        flag: 'smtp-user',
        default: undefined,
        doc: 'SMTP user name (with FLEETPORT_SMTP_PASSWORD)',
      },
      text,
    ),
    setting(
      'smtpPassword',
      {
        env: 'FLEETPORT_SMTP_PASSWORD',
        flag: 'smtp-password',
        default: undefined,
        doc: 'SMTP password; never logged',
      },
      text,
    ),
    setting(
      'smtpFrom',
      {
        env: 'FLEETPORT_SMTP_FROM',
        flag: 'smtp-from',
        default: undefined,
        doc: 'the From address of notification e-mails (required with FLEETPORT_SMTP_HOST)',
      },
      matching(/^[^\s@]+@[^\s@]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/, "must be an address, or 'Name <address>'"),
    ),
    setting(
      'smtpTimeoutMs',
      {
        env: 'FLEETPORT_SMTP_TIMEOUT_MS',
        flag: 'smtp-timeout-ms',
        default: 10_000,
        doc: 'time the SMTP server has to connect, greet and answer each command',
      },
      integer(100, 300_000),
    ),
    setting(
      'notificationRetryHours',
      {
        env: 'FLEETPORT_NOTIFICATION_RETRY_HOURS',
        flag: 'notification-retry-hours',
        default: 24,
        doc: 'how long a notification is retried with backoff before it is marked failed',
      },
      integer(1, 720),
    ),
  ],
  health: [
    setting(
      'health',
      {
        env: 'FLEETPORT_HEALTH',
        flag: 'health',
        default: true,
        doc: 'keep device health samples and quarantine crazy devices (docs/HEALTH.md); false stops the health.samples consumer',
      },
      boolean,
    ),
    setting(
      'healthRetentionDays',
      {
        env: 'FLEETPORT_HEALTH_RETENTION_DAYS',
        flag: 'health-retention-days',
        default: 90,
        doc: 'days health samples are kept; older ones are deleted daily',
      },
      integer(1, 36_500),
    ),
  ],
};

type Sections = typeof sections;
type AnyKeySpec = Sections[keyof Sections][number];

/** The configuration's sections, each documented in its own table (see config.test.ts). */
export type ConfigSection = keyof Sections;

/** Every key, as the CLI turns them into flags, in section order. */
export const configSchema: readonly (AnyKeySpec & { readonly section: ConfigSection })[] = Object.freeze(
  (Object.keys(sections) as ConfigSection[]).flatMap((section) =>
    sections[section].map((spec) => Object.freeze({ ...spec, section })),
  ),
);

export type ConfigKey = AnyKeySpec['key'];

/** The configuration, derived from the keys above: one property per key, frozen. */
export type Config = {
  readonly [Spec in AnyKeySpec as Spec['key']]: Spec extends KeySpec<string, infer T> ? T : never;
};

/** Every problem found in the configuration, reported together. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface ConfigSources {
  /** Flags already parsed, keyed by flag name (`http-port`) or config key (`httpPort`). */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path to a JSON config file; otherwise `FLEETPORT_CONFIG` from the environment. */
  readonly configFile?: string | undefined;
}

/** Reads, validates and freezes the configuration; throws ConfigError listing every problem. */
export function loadConfig({ flags = {}, env = process.env, configFile }: ConfigSources = {}): Config {
  const problems: string[] = [];
  const fileValues = readConfigFile(configFile ?? env.FLEETPORT_CONFIG, problems);

  const values: Record<string, unknown> = {};
  for (const spec of configSchema) {
    let raw: unknown = spec.default;
    let source = 'default';
    if (fileValues[spec.key] !== undefined) {
      raw = fileValues[spec.key];
      source = `config file key '${spec.key}'`;
    }
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      source = spec.env;
    }
    const fromFlag = flags[spec.flag] ?? flags[spec.key];
    if (fromFlag !== undefined) {
      raw = fromFlag;
      source = `--${spec.flag}`;
    }
    if (raw === undefined) {
      values[spec.key] = undefined;
      continue;
    }
    const parsed = spec.parse(raw);
    if ('problem' in parsed) problems.push(`${source}: ${parsed.problem}`);
    else values[spec.key] = parsed.value;
  }

  // Each key was parsed by its own spec above, so `values` holds every key of Config (but
  // those with a problem, which end here). The type derives from the same specs.
  const config = values as Config;
  problems.push(...crossChecks.flatMap((check) => check(config)));
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function readConfigFile(filePath: string | undefined, problems: string[]): Readonly<Record<string, unknown>> {
  if (!filePath) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    problems.push(`config file ${filePath}: ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`config file ${filePath}: must hold a JSON object`);
    return {};
  }
  const known = new Set<string>(configSchema.map((spec) => spec.key));
  for (const name of Object.keys(parsed)) {
    if (!known.has(name)) problems.push(`config file ${filePath}: unknown key '${name}'`);
  }
  return parsed as Readonly<Record<string, unknown>>;
}

/**
 * Checks between keys, after each key parsed on its own. A key that had a problem is
 * missing from `config` here, so each check looks only at what it found.
 */
const crossChecks: readonly ((config: Partial<Config>) => string[])[] = [
  function tlsNeedsItsFiles(config) {
    if (config.mqttTlsPort === undefined) return [];
    const missing: string[] = [];
    if (config.mqttTlsCert === undefined) missing.push('FLEETPORT_MQTT_TLS_CERT');
    if (config.mqttTlsKey === undefined) missing.push('FLEETPORT_MQTT_TLS_KEY');
    return missing.map((name) => `${name}: required when FLEETPORT_MQTT_TLS_PORT is set`);
  },
  function smtpNeedsItsSettings(config) {
    const problems: string[] = [];
    if (config.smtpHost !== undefined && config.smtpFrom === undefined)
      problems.push('FLEETPORT_SMTP_FROM: required when FLEETPORT_SMTP_HOST is set');
    if ((config.smtpUser === undefined) !== (config.smtpPassword === undefined))
      problems.push('FLEETPORT_SMTP_USER and FLEETPORT_SMTP_PASSWORD: set both or neither');
    return problems;
  },
  function listenersNeedDistinctPorts(config) {
    const problems: string[] = [];
    const { mqttPort, mqttTlsPort } = config;
    if (mqttPort !== undefined && mqttPort !== 0 && mqttPort === mqttTlsPort)
      problems.push(`FLEETPORT_MQTT_TLS_PORT: must differ from FLEETPORT_MQTT_PORT (both ${mqttPort})`);
    // Only when MQTT binds the HTTP host: another address may reuse the port.
    const sameHost = (config.mqttHost ?? config.host) === config.host;
    for (const [name, mqttListenerPort] of [
      ['FLEETPORT_MQTT_PORT', mqttPort],
      ['FLEETPORT_MQTT_TLS_PORT', mqttTlsPort],
    ] as const) {
      if (
        mqttListenerPort !== undefined &&
        mqttListenerPort !== 0 &&
        mqttListenerPort === config.httpPort &&
        sameHost
      )
        problems.push(`${name}: must differ from FLEETPORT_HTTP_PORT (both ${mqttListenerPort})`);
    }
    return problems;
  },
];
