import { CliError, ExitCode, exitCodeForStatus } from './errors.js';

/** An RFC 9457 problem document as the Fleetport API sends it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The API answered with an error status; carries its problem document. */
export class ApiError extends CliError {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.code, problem.detail, exitCodeForStatus(problem.status), problem.requestId);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
}

/** The server could not be reached at all, or the connection broke mid-way: exit 7. */
export class NetworkError extends CliError {
  constructor(message: string) {
    super('unreachable', message, ExitCode.unavailable);
    this.name = 'NetworkError';
  }
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** A raw or streamed body; give its content type in `headers`. */
  readonly body?: ReadableStream<Uint8Array> | string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Cancels the request (a long poll the user stops, a timeout). */
  readonly signal?: AbortSignal;
}

export interface ClientConfig {
  /** Base URL of the server, like `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly apiKey: string;
}

/** A thin, fetch-based client of the Fleetport HTTP API. */
export class FleetportClient {
  readonly #config: ClientConfig;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  /** The server's base URL, without a trailing slash. */
  get url(): string {
    return this.#config.url.replace(/\/+$/, '');
  }

  /** Sends a request and returns the response when it is 2xx; throws ApiError or NetworkError otherwise. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(`${this.url}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, item);
      else url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      authorization: `Bearer ${this.#config.apiKey}`,
      ...options.headers,
    };
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.body !== undefined) {
      body = options.body;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body,
        ...(options.signal ? { signal: options.signal } : {}),
        // A stream body needs half duplex: the upload completes before the response is read.
        ...(typeof options.body === 'object' ? { duplex: 'half' as const } : {}),
      });
    } catch (error) {
      throw networkError(this.url, error);
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  /** Sends a request and parses the JSON answer; `undefined` for an empty (204) answer. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkError(this.url, error);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(
        'bad_response',
        `the server sent a response that is not JSON: ${text.slice(0, 120)}`,
        ExitCode.internal,
      );
    }
  }
}

/** Describes why fetch failed, naming the URL; the cause's code (ECONNREFUSED…) says the most. */
export function networkError(url: string, error: unknown): NetworkError {
  if (error instanceof CliError) return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return new NetworkError(`cannot reach Fleetport at ${url} (${reason})`);
}

function isProblem(value: unknown): value is Problem {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.status === 'number';
}

/** Reads an error response into an ApiError, whether or not it is a problem document. */
async function toApiError(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not ours (a proxy's HTML page, say): fall back to the status line.
  }
  if (isProblem(parsed)) {
    return new ApiError({
      ...parsed,
      detail: typeof parsed.detail === 'string' ? parsed.detail : parsed.title,
      ...(parsed.requestId === undefined && requestId ? { requestId } : {}),
    });
  }
  return new ApiError({
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    code: `http_${response.status}`,
    detail: text.trim().slice(0, 200) || response.statusText || `HTTP ${response.status}`,
    ...(requestId ? { requestId } : {}),
  });
}
