import { parseArgs } from 'node:util';

/** Everything `fleetport-backup` is configured with; flags win over environment variables. */
export interface BackupConfig {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** The key `GET /records` requires (`Authorization: Bearer …`). */
  readonly readKey: string;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly retentionMs: number;
  readonly maxBytes: number;
  readonly maxBodyBytes: number;
  readonly quiet: boolean;
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly doc: string;
  readonly default?: string;
}

/** Each setting once: its flag, its variable, its default and what it is for (also the --help text). */
const SETTINGS = {
  dataDir: {
    flag: 'data-dir',
    env: 'FLEETPORT_BACKUP_DATA_DIR',
    default: './backup-data',
    doc: 'where the segment files are kept (put it on another disk than the server)',
  },
  host: {
    flag: 'host',
    env: 'FLEETPORT_BACKUP_HOST',
    default: '127.0.0.1',
    doc: 'address to listen on (0.0.0.0 to receive callbacks from the network)',
  },
  port: {
    flag: 'port',
    env: 'FLEETPORT_BACKUP_PORT',
    default: '8090',
    doc: 'HTTP port (0 picks a free one)',
  },
  readKey: {
    flag: 'key',
    env: 'FLEETPORT_BACKUP_KEY',
    doc: 'the key `fleetport resync` reads records with: at least 24 characters (required)',
  },
  segmentBytes: {
    flag: 'segment-size',
    env: 'FLEETPORT_BACKUP_SEGMENT_SIZE',
    default: '64M',
    doc: 'a segment file is closed at this size (K, M, G suffixes)',
  },
  segmentMs: {
    flag: 'segment-hours',
    env: 'FLEETPORT_BACKUP_SEGMENT_HOURS',
    default: '1',
    doc: 'or when its first record is this many hours old',
  },
  retentionMs: {
    flag: 'retention-days',
    env: 'FLEETPORT_BACKUP_RETENTION_DAYS',
    default: '35',
    doc: 'segments older than this are deleted (Sigfox itself keeps 30 days)',
  },
  maxBytes: {
    flag: 'max-size',
    env: 'FLEETPORT_BACKUP_MAX_SIZE',
    default: '10G',
    doc: 'the oldest segments are deleted while all of them hold more than this',
  },
  maxBodyBytes: {
    flag: 'max-body',
    env: 'FLEETPORT_BACKUP_MAX_BODY',
    default: '1M',
    doc: 'larger request bodies are refused (413), like the server refuses them',
  },
} as const satisfies Record<string, Setting>;

const UNITS: Readonly<Record<string, number>> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

function bytes(text: string): number | undefined {
  const match = /^(\d+)([KMGT]?)(i?B)?$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
}

function positive(text: string): number | undefined {
  const value = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The configuration could not be used: every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `--help`. */
export function usage(): string {
  const lines = Object.values(SETTINGS).map(
    (s: Setting) =>
      `  --${s.flag.padEnd(16)} ${s.doc}${s.default !== undefined ? ` (default ${s.default})` : ''}\n  ${''.padEnd(18)} env ${s.env}`,
  );
  return [
    'usage: fleetport-backup [options]',
    '',
    'Stores every Sigfox callback and HTTP uplink it receives, byte for byte, in checksummed',
    'segment files, synced before it answers 204; `fleetport resync` reads them back.',
    '',
    ...lines,
    '  --quiet            log only warnings and errors',
    '  --help             this text',
    '',
  ].join('\n');
}

/** Reads flags and environment; throws `ConfigError` listing every problem. Returns 'help' for --help. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): BackupConfig | 'help' {
  const options = Object.fromEntries(
    Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]),
  ) as Record<string, { type: 'string' }>;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, quiet: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  if (parsed.values.help) return 'help';
  const problems: string[] = [];
  const raw = (setting: Setting): string | undefined => {
    const flag = parsed.values[setting.flag];
    if (typeof flag === 'string') return flag;
    const fromEnv = env[setting.env];
    return fromEnv !== undefined && fromEnv !== '' ? fromEnv : setting.default;
  };
  const read = <T>(setting: Setting, parse: (text: string) => T | undefined, expected: string): T => {
    const text = raw(setting);
    if (text === undefined) {
      problems.push(`--${setting.flag} (${setting.env}) is required: ${setting.doc}`);
      return undefined as T;
    }
    const value = parse(text);
    if (value === undefined)
      problems.push(`--${setting.flag} (${setting.env}) must be ${expected}, got '${text}'`);
    return value as T;
  };
  const port = read(
    SETTINGS.port,
    (t) => (/^\d+$/.test(t) && Number(t) <= 65535 ? Number(t) : undefined),
    'a port number 0-65535',
  );
  const readKey = read(
    SETTINGS.readKey,
    (t) => (t.length >= 24 && /^[\x21-\x7e]+$/.test(t) ? t : undefined),
    'at least 24 printable characters without spaces',
  );
  const hours = read(SETTINGS.segmentMs, positive, 'a number of hours above 0');
  const days = read(SETTINGS.retentionMs, positive, 'a number of days above 0');
  const config: BackupConfig = {
    dataDir: read(SETTINGS.dataDir, (t) => t, 'a folder'),
    host: read(SETTINGS.host, (t) => t, 'an address'),
    port,
    readKey,
    segmentBytes: read(
      SETTINGS.segmentBytes,
      (t) => ((bytes(t) ?? 0) >= 4096 ? bytes(t) : undefined),
      'a size of at least 4K, like 64M',
    ),
    segmentMs: hours * 3600_000,
    retentionMs: days * 86_400_000,
    maxBytes: read(SETTINGS.maxBytes, (t) => ((bytes(t) ?? 0) > 0 ? bytes(t) : undefined), 'a size like 10G'),
    maxBodyBytes: read(
      SETTINGS.maxBodyBytes,
      (t) => ((bytes(t) ?? 0) > 0 && (bytes(t) ?? 0) <= 16 * 1024 ** 2 ? bytes(t) : undefined),
      'a size up to 16M',
    ),
    quiet: parsed.values.quiet === true,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
