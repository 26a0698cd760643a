/** A refusal of the API (its problem document), or a server that did not answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(status: number, code: string, message: string, requestId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

export type Query = Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** `path?query`, arrays as repeated parameters (`tag=a&tag=b`), unset values left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'object') for (const item of value) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** The problem document of a refusal as an ApiError, or a plain one when the body is not one. */
export async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { code?: unknown; detail?: unknown; requestId?: unknown };
    if (typeof problem.code === 'string' && typeof problem.detail === 'string')
      return new ApiError(
        response.status,
        problem.code,
        problem.detail,
        typeof problem.requestId === 'string' ? problem.requestId : undefined,
      );
  } catch {
    // not JSON: described by its status below
  }
  return new ApiError(
    response.status,
    'http_error',
    `the server answered ${response.status} ${response.statusText}`,
  );
}

const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/** The HTTP API of the server that served the console, called with one API key. */
export class Api {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  /** The Authorization header, for the event stream's own fetch. */
  get authorization(): string {
    return `Bearer ${this.#key}`;
  }

  async get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(withQuery(path, query), {
        headers: { authorization: this.authorization, accept: 'application/json' },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, 'unreachable', 'the server did not answer: is Fleetport running?');
    }
    if (!response.ok) throw await toApiError(response);
    return (await response.json()) as T;
  }
}

export { isAbort };
