import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Fleetport's configuration: one table, read once at start-up from (lowest to highest
 * precedence) defaults, an optional JSON config file, `FLEETPORT_*` environment variables
 * and command-line flags. Every problem is collected and reported together; the result is
 * frozen.
 */
export interface Config {
  /** Where the embedded database and other local state live. */
  readonly dataDir: string;
  /** The address the HTTP and MQTT listeners bind to. */
  readonly host: string;
  /** HTTP API, console and `/metrics` port. */
  readonly httpPort: number;
  /** MQTT broker TCP port; 0 picks a free port, undefined (`off`) serves no plain TCP. */
  readonly mqttPort: number | undefined;
  /** The address the MQTT TCP and TLS listeners bind to; `host` when unset. */
  readonly mqttHost: string | undefined;
  /** MQTT over TLS port; undefined (`off`, the default) serves no TLS. Needs `mqttTlsCert` and `mqttTlsKey`. */
  readonly mqttTlsPort: number | undefined;
  /** PEM file of the TLS server certificate (chain). */
  readonly mqttTlsCert: string | undefined;
  /** PEM file of the TLS server private key. */
  readonly mqttTlsKey: string | undefined;
  /** PEM file of CAs that sign client certificates (optional). */
  readonly mqttTlsCa: string | undefined;
  /** Ask TLS clients for a certificate; a registered fingerprint authenticates the device. */
  readonly mqttTlsRequestCert: boolean;
  /** MQTT over WebSocket at `/mqtt` on the HTTP port. */
  readonly mqttWebsocket: boolean;
  /** Most MQTT connections at once; more are refused with 0x89 server busy. */
  readonly mqttMaxConnections: number;
  /** Largest MQTT packet accepted, in bytes; a larger one ends its connection (0x95). */
  readonly mqttMaxPacketSize: number;
  /** QoS 1/2 messages in flight to one client before the rest wait in its queue. */
  readonly mqttMaxInflight: number;
  /** QoS 1/2 messages a client may send before their acknowledgements (MQTT 5 Receive Maximum). */
  readonly mqttReceiveMaximum: number;
  /** Messages queued for one client (or one offline persistent session) before new ones are dropped. */
  readonly mqttMaxQueuedMessages: number;
  /** New MQTT connections accepted per second (bursts of twice that); more get 0x9F. */
  readonly mqttConnectionsPerSecond: number;
  /** Largest keep-alive granted, in seconds (v5 clients are told via Server Keep Alive); 0 is no limit. */
  readonly mqttMaxKeepAlive: number;
  /** Clients without credentials join this tenant as anonymous; unset refuses them (0x87). */
  readonly mqttAnonymousTenant: string | undefined;
  /** Unset: embedded SQLite in `dataDir`. `postgres://…`: PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** The bootstrap key used on first start; generated and printed once when unset. */
  readonly adminKey: string | undefined;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** SQLite `synchronous` pragma: `full` (durable on power loss, default) or `normal`. */
  readonly sqliteSynchronous: 'full' | 'normal';
  /** Maximum size of a JSON request body, in bytes. */
  readonly bodyLimit: number;
  /** Maximum size of a bulk import body, in bytes. */
  readonly importBodyLimit: number;
  /** PostgreSQL pool size. */
  readonly databasePoolSize: number;
  /** How long a graceful shutdown waits for in-flight requests, in milliseconds. */
  readonly shutdownTimeoutMs: number;
  /** Web origins (`https://app.example.com`) allowed to call the API from a browser; empty is no CORS. */
  readonly corsOrigins: readonly string[];
  /** Bearer token `/metrics` asks for; unset leaves `/metrics` open. */
  readonly metricsToken: string | undefined;
}

type Kind = 'string' | 'port' | 'portOrOff' | 'integer' | 'enum' | 'boolean' | 'file' | 'origins';

interface KeySpec {
  readonly key: keyof Config;
  readonly env: string;
  readonly flag: string;
  readonly kind: Kind;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly default: string | number | boolean | undefined;
  readonly doc: string;
}

/** The schema: one row per key, its sources and its documentation. */
export const configSchema: readonly KeySpec[] = [
  {
    key: 'dataDir',
    env: 'FLEETPORT_DATA_DIR',
    flag: 'data-dir',
    kind: 'string',
    default: './data',
    doc: 'directory for the embedded database and local state',
  },
  {
    key: 'host',
    env: 'FLEETPORT_HOST',
    flag: 'host',
    kind: 'string',
    default: '127.0.0.1',
    doc: 'address to listen on (0.0.0.0 for all interfaces)',
  },
  {
    key: 'httpPort',
    env: 'FLEETPORT_HTTP_PORT',
    flag: 'http-port',
    kind: 'port',
    default: 8080,
    doc: 'HTTP API port (0 picks a free port)',
  },
  {
    key: 'mqttPort',
    env: 'FLEETPORT_MQTT_PORT',
    flag: 'mqtt-port',
    kind: 'portOrOff',
    default: 1883,
    doc: 'MQTT broker TCP port (0 picks a free port; off: no plain TCP listener)',
  },
  {
    key: 'mqttHost',
    env: 'FLEETPORT_MQTT_HOST',
    flag: 'mqtt-host',
    kind: 'string',
    default: undefined,
    doc: 'address the MQTT TCP and TLS listeners bind to (default: the HTTP host)',
  },
  {
    key: 'mqttTlsPort',
    env: 'FLEETPORT_MQTT_TLS_PORT',
    flag: 'mqtt-tls-port',
    kind: 'portOrOff',
    default: 'off',
    doc: 'MQTT over TLS port, usually 8883 (off: no TLS listener); needs the certificate and key files',
  },
  {
    key: 'mqttTlsCert',
    env: 'FLEETPORT_MQTT_TLS_CERT',
    flag: 'mqtt-tls-cert',
    kind: 'file',
    default: undefined,
    doc: 'PEM file with the TLS server certificate (and chain)',
  },
  {
    key: 'mqttTlsKey',
    env: 'FLEETPORT_MQTT_TLS_KEY',
    flag: 'mqtt-tls-key',
    kind: 'file',
    default: undefined,
    doc: 'PEM file with the TLS server private key',
  },
  {
    key: 'mqttTlsCa',
    env: 'FLEETPORT_MQTT_TLS_CA',
    flag: 'mqtt-tls-ca',
    kind: 'file',
    default: undefined,
    doc: 'PEM file with the CAs that sign client certificates (optional)',
  },
  {
    key: 'mqttTlsRequestCert',
    env: 'FLEETPORT_MQTT_TLS_REQUEST_CERT',
    flag: 'mqtt-tls-request-cert',
    kind: 'boolean',
    default: false,
    doc: 'ask TLS clients for a certificate; its SHA-256 fingerprint, registered on a device, authenticates it',
  },
  {
    key: 'mqttWebsocket',
    env: 'FLEETPORT_MQTT_WEBSOCKET',
    flag: 'mqtt-websocket',
    kind: 'boolean',
    default: true,
    doc: 'MQTT over WebSocket at /mqtt on the HTTP port',
  },
  {
    key: 'mqttMaxConnections',
    env: 'FLEETPORT_MQTT_MAX_CONNECTIONS',
    flag: 'mqtt-max-connections',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    default: 100_000,
    doc: 'most MQTT connections at once (more: CONNACK 0x89 server busy)',
  },
  {
    key: 'mqttMaxPacketSize',
    env: 'FLEETPORT_MQTT_MAX_PACKET_SIZE',
    flag: 'mqtt-max-packet-size',
    kind: 'integer',
    min: 1024,
    // The largest Remaining Length MQTT can encode, plus its fixed header ([MQTT-2.2.3]).
    max: 268_435_460,
    default: 1024 * 1024,
    doc: 'largest MQTT packet in bytes (larger: DISCONNECT 0x95)',
  },
  {
    key: 'mqttMaxInflight',
    env: 'FLEETPORT_MQTT_MAX_INFLIGHT',
    flag: 'mqtt-max-inflight',
    kind: 'integer',
    min: 1,
    max: 65_535,
    default: 64,
    doc: 'QoS 1/2 messages in flight to one client; the rest wait in its queue',
  },
  {
    key: 'mqttReceiveMaximum',
    env: 'FLEETPORT_MQTT_RECEIVE_MAXIMUM',
    flag: 'mqtt-receive-maximum',
    kind: 'integer',
    min: 1,
    max: 65_535,
    // Uplinks are acknowledged once durable: the more a device may have in flight, the more
    // of them share one commit. 3.1.1 clients are paused (not refused) at this many.
    default: 256,
    doc: 'QoS 1/2 messages a client may have unacknowledged (MQTT 5 Receive Maximum; 3.1.1 clients are paused)',
  },
  {
    key: 'mqttMaxQueuedMessages',
    env: 'FLEETPORT_MQTT_MAX_QUEUED_MESSAGES',
    flag: 'mqtt-max-queued-messages',
    kind: 'integer',
    min: 1,
    max: 10_000_000,
    default: 1000,
    doc: 'messages queued per client or offline persistent session before new ones are dropped',
  },
  {
    key: 'mqttConnectionsPerSecond',
    env: 'FLEETPORT_MQTT_CONNECTIONS_PER_SECOND',
    flag: 'mqtt-connections-per-second',
    kind: 'integer',
    min: 1,
    max: 1_000_000,
    default: 1000,
    doc: 'new MQTT connections per second, bursts of twice that (more: CONNACK 0x9F)',
  },
  {
    key: 'mqttMaxKeepAlive',
    env: 'FLEETPORT_MQTT_MAX_KEEP_ALIVE',
    flag: 'mqtt-max-keep-alive',
    kind: 'integer',
    min: 0,
    max: 65_535,
    default: 0,
    doc: 'largest keep-alive granted in seconds (MQTT 5 Server Keep Alive); 0: no limit',
  },
  {
    key: 'mqttAnonymousTenant',
    env: 'FLEETPORT_MQTT_ANONYMOUS_TENANT',
    flag: 'mqtt-anonymous-tenant',
    kind: 'string',
    default: undefined,
    doc: 'let clients without credentials in, as anonymous clients of this tenant (for test suites; off by default)',
  },
  {
    key: 'databaseUrl',
    env: 'FLEETPORT_DATABASE_URL',
    flag: 'database-url',
    kind: 'string',
    default: undefined,
    doc: 'unset: SQLite in the data dir; postgres://user:pass@host/db: PostgreSQL',
  },
  {
    key: 'adminKey',
    env: 'FLEETPORT_ADMIN_KEY',
    flag: 'admin-key',
    kind: 'string',
    default: undefined,
    doc: 'bootstrap admin key for the first start (at least 32 characters); generated when unset',
  },
  {
    key: 'logLevel',
    env: 'FLEETPORT_LOG_LEVEL',
    flag: 'log-level',
    kind: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    doc: 'log level',
  },
  {
    key: 'sqliteSynchronous',
    env: 'FLEETPORT_SQLITE_SYNCHRONOUS',
    flag: 'sqlite-synchronous',
    kind: 'enum',
    values: ['full', 'normal'],
    default: 'full',
    doc: 'SQLite synchronous pragma',
  },
  {
    key: 'bodyLimit',
    env: 'FLEETPORT_BODY_LIMIT',
    flag: 'body-limit',
    kind: 'integer',
    min: 1024,
    max: 64 * 1024 * 1024,
    default: 1024 * 1024,
    doc: 'maximum JSON body size in bytes',
  },
  {
    key: 'importBodyLimit',
    env: 'FLEETPORT_IMPORT_BODY_LIMIT',
    flag: 'import-body-limit',
    kind: 'integer',
    min: 1024,
    max: 16 * 1024 * 1024 * 1024,
    default: 1024 * 1024 * 1024,
    doc: 'maximum bulk import body size in bytes',
  },
  {
    key: 'databasePoolSize',
    env: 'FLEETPORT_DATABASE_POOL_SIZE',
    flag: 'database-pool-size',
    kind: 'integer',
    min: 1,
    max: 1000,
    default: 10,
    doc: 'PostgreSQL connection pool size',
  },
  {
    key: 'shutdownTimeoutMs',
    env: 'FLEETPORT_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    kind: 'integer',
    min: 0,
    max: 3_600_000,
    default: 10_000,
    doc: 'grace period for in-flight requests on SIGTERM/SIGINT',
  },
  {
    key: 'corsOrigins',
    env: 'FLEETPORT_CORS_ORIGINS',
    flag: 'cors-origins',
    kind: 'origins',
    default: '',
    doc: 'comma-separated web origins allowed to call the API from a browser (https://app.example.com); empty: no CORS',
  },
  {
    key: 'metricsToken',
    env: 'FLEETPORT_METRICS_TOKEN',
    flag: 'metrics-token',
    kind: 'string',
    default: undefined,
    doc: 'bearer token /metrics asks for (at least 16 characters); unset: /metrics is open',
  },
];

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
  let fileValues: Record<string, unknown> = {};
  const filePath = configFile ?? env.FLEETPORT_CONFIG;
  if (filePath) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(filePath, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`config file ${filePath}: must hold a JSON object`);
      } else {
        fileValues = parsed as Record<string, unknown>;
        const known = new Set(configSchema.map((s) => s.key as string));
        for (const name of Object.keys(fileValues)) {
          if (!known.has(name)) problems.push(`config file ${filePath}: unknown key '${name}'`);
        }
      }
    } catch (error) {
      problems.push(`config file ${filePath}: ${(error as Error).message}`);
    }
  }

  const result: Record<string, unknown> = {};
  for (const spec of configSchema) {
    let raw: unknown = spec.default;
    let source = 'default';
    if (fileValues[spec.key] !== undefined) {
      raw = fileValues[spec.key];
      source = `config file key '${spec.key}'`;
    }
    if (env[spec.env] !== undefined && env[spec.env] !== '') {
      raw = env[spec.env];
      source = spec.env;
    }
    const flagValue = flags[spec.flag] ?? flags[spec.key];
    if (flagValue !== undefined) {
      raw = flagValue;
      source = `--${spec.flag}`;
    }
    const parsed = parseValue(spec, raw);
    if (parsed.problem) problems.push(`${source}: ${parsed.problem}`);
    else result[spec.key] = parsed.value;
  }

  if (typeof result.adminKey === 'string' && result.adminKey.length < 32) {
    problems.push('FLEETPORT_ADMIN_KEY: must be at least 32 characters');
  }
  if (typeof result.databaseUrl === 'string' && !/^postgres(ql)?:\/\//.test(result.databaseUrl)) {
    problems.push(
      'FLEETPORT_DATABASE_URL: must start with postgres:// or postgresql:// (leave it unset for SQLite)',
    );
  }
  if (typeof result.metricsToken === 'string' && !/^[\x21-\x7e]{16,}$/.test(result.metricsToken)) {
    problems.push('FLEETPORT_METRICS_TOKEN: must be at least 16 printable characters without spaces');
  }
  problems.push(...mqttProblems(result));
  if (problems.length > 0) throw new ConfigError(problems);
  result.dataDir = path.resolve(String(result.dataDir));
  return Object.freeze(result) as unknown as Config;
}

/** Checks between MQTT keys: TLS needs its files, listeners need distinct ports. */
function mqttProblems(result: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (result.mqttTlsPort !== undefined) {
    for (const [key, env] of [
      ['mqttTlsCert', 'FLEETPORT_MQTT_TLS_CERT'],
      ['mqttTlsKey', 'FLEETPORT_MQTT_TLS_KEY'],
    ] as const) {
      if (result[key] === undefined) problems.push(`${env}: required when FLEETPORT_MQTT_TLS_PORT is set`);
    }
  }
  const ports: [string, unknown][] = [
    ['FLEETPORT_MQTT_PORT', result.mqttPort],
    ['FLEETPORT_MQTT_TLS_PORT', result.mqttTlsPort],
  ];
  const [tcp, secure] = ports;
  if (tcp && secure && typeof tcp[1] === 'number' && tcp[1] !== 0 && tcp[1] === secure[1]) {
    problems.push(`FLEETPORT_MQTT_TLS_PORT: must differ from FLEETPORT_MQTT_PORT (both ${tcp[1]})`);
  }
  const host = result.mqttHost ?? result.host;
  for (const [env, port] of ports) {
    if (typeof port === 'number' && port !== 0 && port === result.httpPort && host === result.host)
      problems.push(`${env}: must differ from FLEETPORT_HTTP_PORT (both ${port})`);
  }
  const tenant = result.mqttAnonymousTenant;
  if (typeof tenant === 'string' && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenant)) {
    problems.push(
      'FLEETPORT_MQTT_ANONYMOUS_TENANT: must be a tenant id (lower-case letters, digits, dashes)',
    );
  }
  return problems;
}

function parseValue(spec: KeySpec, raw: unknown): { value?: unknown; problem?: string } {
  if (raw === undefined) return { value: undefined };
  switch (spec.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = String(raw).trim().toLowerCase();
      if (['true', 'on', 'yes', '1'].includes(text)) return { value: true };
      if (['false', 'off', 'no', '0'].includes(text)) return { value: false };
      return { problem: `must be true or false (or on/off), got '${String(raw)}'` };
    }
    case 'file': {
      if (typeof raw !== 'string' || raw === '') return { problem: 'must be a file path' };
      try {
        accessSync(raw, constants.R_OK);
      } catch {
        return { problem: `cannot read the file '${raw}'` };
      }
      return { value: path.resolve(raw) };
    }
    case 'portOrOff': {
      if (typeof raw === 'string' && raw.trim().toLowerCase() === 'off') return { value: undefined };
      return parseValue({ ...spec, kind: 'port' }, raw);
    }
    case 'string': {
      if (typeof raw !== 'string') return { problem: 'must be a string' };
      return { value: raw };
    }
    case 'origins': {
      const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
      const origins = list.map((origin) => origin.trim()).filter((origin) => origin !== '');
      // An origin is exactly what browsers send: scheme, host and port, no path or slash.
      const bad = origins.find((origin) => !/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin));
      if (bad !== undefined)
        return { problem: `'${bad}' is not an origin like https://app.example.com (no path, no wildcard)` };
      return { value: Object.freeze(origins) };
    }
    case 'enum': {
      const text = String(raw).toLowerCase();
      if (!spec.values?.includes(text)) return { problem: `must be one of ${spec.values?.join(', ')}` };
      return { value: text };
    }
    case 'port':
    case 'integer': {
      const text = String(raw).trim();
      if (!/^\d+$/.test(text)) return { problem: `must be a non-negative integer, got '${text}'` };
      const value = Number(text);
      const min = spec.kind === 'port' ? 0 : (spec.min ?? 0);
      const max = spec.kind === 'port' ? 65535 : (spec.max ?? Number.MAX_SAFE_INTEGER);
      if (value < min || value > max) return { problem: `must be between ${min} and ${max}, got ${value}` };
      return { value };
    }
  }
}
