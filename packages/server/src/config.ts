import { readFileSync } from 'node:fs';
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
  /** MQTT broker TCP port (used by the broker). */
  readonly mqttPort: number;
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
}

type Kind = 'string' | 'port' | 'integer' | 'enum';

interface KeySpec {
  readonly key: keyof Config;
  readonly env: string;
  readonly flag: string;
  readonly kind: Kind;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly default: string | number | undefined;
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
    kind: 'port',
    default: 1883,
    doc: 'MQTT broker TCP port',
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
  if (problems.length > 0) throw new ConfigError(problems);
  result.dataDir = path.resolve(String(result.dataDir));
  return Object.freeze(result) as unknown as Config;
}

function parseValue(spec: KeySpec, raw: unknown): { value?: unknown; problem?: string } {
  if (raw === undefined) return { value: undefined };
  switch (spec.kind) {
    case 'string': {
      if (typeof raw !== 'string') return { problem: 'must be a string' };
      return { value: raw };
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
