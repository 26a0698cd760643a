import {
  createFleetportClient,
  ok,
  type Problem,
  ProblemError,
  readProblem,
  type FleetportClient as TypedClient,
  UnreachableError,
  unreachable,
} from '@fleetport/sdk';
import { CliError, ExitCode, exitCodeForStatus } from './errors.js';

export type { Problem } from '@fleetport/sdk';

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
  /** An API key, or else a console session from `fleetport login`. */
  readonly apiKey?: string;
  readonly session?: { readonly secret: string; readonly csrfToken: string };
}

/** The headers that authenticate a request: the key, or the session's cookie and CSRF token. */
function credentialHeaders(config: ClientConfig): Record<string, string> {
  if (config.apiKey !== undefined) return { authorization: `Bearer ${config.apiKey}` };
  if (config.session !== undefined)
    return { cookie: `fleetport_session=${config.session.secret}`, 'x-csrf-token': config.session.csrfToken };
  return {};
}

/** A thin, fetch-based client of the Fleetport HTTP API. */
export class FleetportClient {
  readonly #config: ClientConfig;
  #api: TypedClient | undefined;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  /** The server's base URL, without a trailing slash. */
  get url(): string {
    return this.#config.url.replace(/\/+$/, '');
  }

  /** The SDK's typed client on the same server and key; its failures reach users through `call`. */
  get api(): TypedClient {
    const credentials = credentialHeaders(this.#config);
    this.#api ??= createFleetportClient({
      url: this.url,
      fetch: (request: Request) => {
        for (const [name, value] of Object.entries(credentials)) request.headers.set(name, value);
        return fetch(request);
      },
    });
    return this.#api;
  }

  /**
   * Makes a typed call and returns its answer's body, with the SDK's errors as the CLI's
   * (ApiError, NetworkError: their exit codes).
   *
   * @example const me = await ctx.client.call((api) => api.GET('/v1/me'));
   */
  async call<T>(
    calling: (
      api: TypedClient,
    ) => Promise<{ readonly data?: T; readonly error?: unknown; readonly response: Response }>,
  ): Promise<T> {
    try {
      return await ok(calling(this.api));
    } catch (error) {
      throw toCliError(error);
    }
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
      ...credentialHeaders(this.#config),
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
    if (!response.ok) throw new ApiError((await readProblem(response)).problem);
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
  return new NetworkError(unreachable(url, error).message);
}

/** The SDK's failures as the CLI's: a refusal exits by its status, no answer exits 7. */
export function toCliError(error: unknown): unknown {
  if (error instanceof ProblemError) return new ApiError(error.problem);
  if (error instanceof UnreachableError) return new NetworkError(error.message);
  return error;
}
