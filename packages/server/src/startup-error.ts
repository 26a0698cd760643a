/** Why `serve` could not start; each is the operator's to fix, never a bug. Codes are API. */
export type StartupErrorCode =
  | 'port_unavailable'
  | 'data_dir_unusable'
  | 'tls_file_invalid'
  | 'database_unreachable';

/**
 * A start-up failure the operator can fix by changing one setting: the message is one
 * line that names the setting (`FLEETPORT_MQTT_PORT`, say) and what is wrong with it.
 * The CLI prints it without a stack and exits with its own code (docs/CLI.md).
 */
export class StartupError extends Error {
  readonly code: StartupErrorCode;
  /** The environment variable of the setting to change. */
  readonly setting: string;

  constructor(code: StartupErrorCode, setting: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
    this.code = code;
    this.setting = setting;
  }
}

/** Node's `listen` failures that mean "this address cannot be had", not a bug. */
const UNAVAILABLE_ADDRESS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL']);

/** The `listen` error as a StartupError naming `setting`, or undefined for any other error. */
export function listenFailure(
  error: unknown,
  setting: string,
  where: { readonly host: string; readonly port: number },
): StartupError | undefined {
  const code = systemErrorCode(error);
  if (code === undefined || !UNAVAILABLE_ADDRESS.has(code)) return undefined;
  const address = `${where.host}:${where.port}`;
  const reason =
    code === 'EADDRINUSE'
      ? `${address} is already in use by another program`
      : code === 'EACCES'
        ? `binding ${address} is not permitted (ports below 1024 need privileges)`
        : `${where.host} is not an address of this machine`;
  return new StartupError(
    'port_unavailable',
    setting,
    `${setting}: ${reason}; set ${setting} to a free port`,
    { cause: error },
  );
}

/** The `code` of a Node system error (`EADDRINUSE`, `ENOTDIR` …). */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
