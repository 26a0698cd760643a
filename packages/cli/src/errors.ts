/**
 * The CLI's exit codes: the one place where failures become numbers scripts can test.
 * They are API: add new ones, never renumber.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  invalid: 3,
  notFound: 4,
  conflict: 5,
  auth: 6,
  unavailable: 7,
  startup: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table, as printed by `fleetport --help` and documented in docs/CLI.md. */
export const EXIT_CODE_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  unexpected internal error',
  '  2  usage or configuration error (bad flags, missing API key)',
  '  3  the API refused the request as invalid (400, 413, 415, 422, other 4xx); an import with rejected rows',
  '  4  not found (404)',
  '  5  conflict: already exists, changed meanwhile, precondition failed (409, 412, 428)',
  '  6  authentication or authorization failed (401, 403)',
  '  7  server unavailable or unreachable (5xx, network)',
  '  8  serve could not start: a port in use, an unusable data dir, TLS file or database (the message names the setting)',
].join('\n');

/** A failure the CLI reports as `fleetport: <code>: <detail>` and exits with `exitCode`. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, exitCode: ExitCode, requestId?: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.requestId = requestId;
  }
}

/** Bad flags or arguments, a missing API key, an unreadable profile or config: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, code = 'usage_error') {
    super(code, message, ExitCode.usage);
    this.name = 'UsageError';
  }
}

/** The exit code for an HTTP status the API answered with. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 404) return ExitCode.notFound;
  if (status === 409 || status === 412 || status === 428) return ExitCode.conflict;
  if (status >= 500) return ExitCode.unavailable;
  if (status >= 400) return ExitCode.invalid;
  return ExitCode.internal;
}
