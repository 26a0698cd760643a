/** A failed API call: the status and the start of the problem document. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body.slice(0, 500)}`);
    this.name = 'ApiError';
  }
}

/**
 * A minimal Fleetport API client over Node's fetch, as an application would use it:
 * a bearer key, JSON in and out, problems turned into errors.
 */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #key: string;

  constructor(baseUrl: string, key: string) {
    this.#baseUrl = baseUrl;
    this.#key = key;
  }

  /** A raw authenticated request; the caller reads the response. */
  request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${this.#key}`);
    return fetch(`${this.#baseUrl}${path}`, { ...init, headers });
  }

  /** A JSON request; resolves to the parsed body of a 2xx answer, throws ApiError otherwise. */
  async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.request(path, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, text, `${method} ${path}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}

/** Reads a field of a parsed JSON object, or fails naming what was expected. */
export function field(value: unknown, name: string): unknown {
  if (value === null || typeof value !== 'object' || !(name in value)) {
    throw new Error(`expected an object with '${name}', got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return (value as Record<string, unknown>)[name];
}

export function numberField(value: unknown, name: string): number {
  const found = field(value, name);
  if (typeof found !== 'number') throw new Error(`'${name}' is not a number: ${JSON.stringify(found)}`);
  return found;
}

export function stringField(value: unknown, name: string): string {
  const found = field(value, name);
  if (typeof found !== 'string') throw new Error(`'${name}' is not a string: ${JSON.stringify(found)}`);
  return found;
}
