import { CliError, ExitCode } from './errors.js';

/** One request fleetport-backup kept, as its `GET /records` serves it. */
export interface BackupRecord {
  readonly id: string;
  readonly receivedAt: number;
  readonly method: string;
  readonly path: string;
  readonly contentType?: string;
  readonly credentialSha256?: string;
  readonly body: string;
}

/** Bytes the backup found that are not whole records (damage, a torn write). */
export interface BackupFault {
  readonly segment: string;
  readonly offset: number;
  readonly bytes: number;
  readonly reason: string;
  readonly savedTo?: string;
}

export interface BackupPage {
  readonly records: readonly BackupRecord[];
  readonly faults: readonly BackupFault[];
  /** Record numbers after the cursor that the backup's retention already deleted. */
  readonly deleted?: { readonly first: number; readonly last: number };
  readonly next: string;
  readonly more: boolean;
}

export interface BackupHealth {
  readonly status: string;
  readonly lastRecord: number;
  readonly recoveries: readonly BackupFault[];
}

/**
 * A client of fleetport-backup's two read routes. Its failures exit like the API's: no
 * answer 7, a refused key 6, anything else the backup refused 3.
 */
export class BackupClient {
  readonly #url: string;
  readonly #key: string;

  constructor(url: string, key: string) {
    this.#url = url.replace(/\/+$/, '');
    this.#key = key;
  }

  get url(): string {
    return this.#url;
  }

  health(): Promise<BackupHealth> {
    return this.#get<BackupHealth>('/healthz', false);
  }

  records(query: { since: string; from?: number; to?: number; limit: number }): Promise<BackupPage> {
    const params = new URLSearchParams({ since: query.since, limit: String(query.limit) });
    if (query.from !== undefined) params.set('from', String(query.from));
    if (query.to !== undefined) params.set('to', String(query.to));
    return this.#get<BackupPage>(`/records?${params}`, true);
  }

  async #get<T>(path: string, authenticated: boolean): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.#url}${path}`, {
        headers: authenticated ? { authorization: `Bearer ${this.#key}` } : {},
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        'backup_unreachable',
        `cannot reach the backup at ${this.#url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        ExitCode.unavailable,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CliError(
        'bad_response',
        `the backup at ${this.#url} sent something that is not JSON (is it a fleetport-backup?): ${text.slice(0, 120)}`,
        ExitCode.unavailable,
      );
    }
    // /healthz answers 503 with its body while its disk fails: still worth reading.
    if (response.ok || (path === '/healthz' && response.status === 503)) return body as T;
    const problem = body as { code?: string; detail?: string };
    const exit =
      response.status === 401 || response.status === 403
        ? ExitCode.auth
        : response.status >= 500
          ? ExitCode.unavailable
          : ExitCode.invalid;
    throw new CliError(
      problem.code === 'unauthenticated'
        ? 'backup_unauthenticated'
        : (problem.code ?? `http_${response.status}`),
      `the backup refused ${path.split('?')[0]}: ${problem.detail ?? `HTTP ${response.status}`}`,
      exit,
    );
  }
}
