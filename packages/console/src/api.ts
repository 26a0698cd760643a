import { readProblem } from '@fleetport/sdk';
/** A refusal of the API (its problem document), or a server that did not answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** The problem's `data`: details some refusals carry (an import's per-row report). */
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    requestId?: string,
    data?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.data = data;
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

/** The problem document of a refusal as an ApiError (read by the SDK), or a plain one when the body is not one. */
export async function toApiError(response: Response): Promise<ApiError> {
  const refusal = await readProblem(response);
  // The SDK names an answer that is not a problem document `http_<status>`.
  if (refusal.code !== `http_${response.status}`)
    return new ApiError(
      refusal.status,
      refusal.code,
      refusal.detail,
      refusal.requestId,
      refusal.problem.data,
    );
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
    return (
      await this.request<T>('GET', path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) })
    ).body;
  }

  /** POST a JSON body (or none); the answer's body. */
  async post<T>(path: string, json?: unknown, options: SendOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, { ...options, ...(json === undefined ? {} : { json }) }))
      .body;
  }

  async put<T>(path: string, json: unknown, options: SendOptions = {}): Promise<T> {
    return (await this.request<T>('PUT', path, { ...options, json })).body;
  }

  async patch<T>(path: string, json: unknown, options: SendOptions = {}): Promise<T> {
    return (await this.request<T>('PATCH', path, { ...options, json })).body;
  }

  async delete(path: string, options: SendOptions = {}): Promise<void> {
    await this.request<unknown>('DELETE', path, options);
  }

  /** One call: the parsed body (undefined when empty) and the ETag, or an ApiError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
      ...options.headers,
    };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    try {
      response = await fetch(withQuery(path, options.query), {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (isAbort(error)) throw error;
      throw new ApiError(0, 'unreachable', 'the server did not answer: is Fleetport running?');
    }
    if (!response.ok) throw await toApiError(response);
    const text = await response.text();
    return { body: (text === '' ? undefined : JSON.parse(text)) as T, etag: response.headers.get('etag') };
  }

  /** A response as a file (an export): its bytes and the row count the server announced. */
  async download(path: string, query?: Query): Promise<{ blob: Blob; total: number | null }> {
    let response: Response;
    try {
      response = await fetch(withQuery(path, query), { headers: { authorization: this.authorization } });
    } catch {
      throw new ApiError(0, 'unreachable', 'the server did not answer: is Fleetport running?');
    }
    if (!response.ok) throw await toApiError(response);
    const total = response.headers.get('x-total-count');
    return { blob: await response.blob(), total: total === null ? null : Number(total) };
  }

  /**
   * Sends a file as the body, reporting the share uploaded (fetch cannot tell upload
   * progress, XMLHttpRequest can); resolves with the JSON answer.
   */
  upload<T>(
    path: string,
    body: Blob,
    {
      contentType,
      query,
      onProgress,
    }: { contentType: string; query?: Query; onProgress: (sent: number) => void },
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', withQuery(path, query));
      request.setRequestHeader('authorization', this.authorization);
      request.setRequestHeader('accept', 'application/json');
      request.setRequestHeader('content-type', contentType);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
      };
      request.onerror = () =>
        reject(new ApiError(0, 'unreachable', 'the server did not answer: is Fleetport running?'));
      request.onload = () => {
        const answer = new Response(request.responseText, {
          status: request.status,
          statusText: request.statusText,
        });
        if (request.status >= 200 && request.status < 300) {
          onProgress(1);
          answer.json().then(resolve, reject);
        } else toApiError(answer).then(reject, reject);
      };
      request.send(body);
    });
  }
}

export interface SendOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Query;
  readonly signal?: AbortSignal;
}

export interface RequestOptions extends SendOptions {
  readonly json?: unknown;
}

export interface Answer<T> {
  readonly body: T;
  readonly etag: string | null;
}

export { isAbort };
