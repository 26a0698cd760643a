import type { components } from './generated/openapi.js';

/** An RFC 9457 problem document, as every Fleetport error answer carries it (docs/ERRORS.md). */
export type Problem = components['schemas']['Problem'];

/**
 * The API refused a request: its status and the problem document's stable `code` (the
 * thing to branch on), `detail` for people, and the `requestId` the server logged it under.
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail);
    this.name = 'ProblemError';
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
    this.problem = problem;
  }
}

/** The server could not be reached, or the connection broke before it answered. */
export class UnreachableError extends Error {
  /** The server's base URL. */
  readonly url: string;
  /** Why, as short as the cause allows: `ECONNREFUSED`, `TimeoutError`… */
  readonly reason: string;

  constructor(url: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot reach Fleetport at ${url} (${reason})`, options);
    this.name = 'UnreachableError';
    this.url = url;
    this.reason = reason;
  }
}

/** Whether a parsed body is a problem document (its `code` and `status` are what is relied on). */
export function isProblem(value: unknown): value is Problem {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.status === 'number';
}

/**
 * The ProblemError of an error answer. A body that is not a problem document (a proxy's
 * HTML page, say) becomes one with the code `http_<status>` and the start of the body.
 */
export async function readProblem(response: Response): Promise<ProblemError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: described by its status and text.
  }
  return problemFromBody(response, parsed);
}

/** The ProblemError of an error answer whose body was already read (parsed JSON, or text). */
export function problemFromBody(response: Response, body: unknown): ProblemError {
  const requestId = response.headers.get('x-request-id') ?? undefined;
  if (isProblem(body)) {
    return new ProblemError({
      ...body,
      detail: typeof body.detail === 'string' ? body.detail : body.title,
      ...(body.requestId === undefined && requestId !== undefined ? { requestId } : {}),
    });
  }
  const text = typeof body === 'string' ? body : '';
  return new ProblemError({
    type: 'about:blank',
    title: response.statusText,
    status: response.status,
    code: `http_${response.status}`,
    detail: text.trim().slice(0, 200) || response.statusText || `HTTP ${response.status}`,
    ...(requestId !== undefined ? { requestId } : {}),
  });
}

/** Names why fetch failed: the cause's code (ECONNREFUSED…) says the most. */
export function unreachable(url: string, error: unknown): UnreachableError {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : error instanceof Error
          ? error.name === 'TimeoutError'
            ? 'TimeoutError'
            : error.message
          : String(error);
  return new UnreachableError(url, reason, { cause: error });
}

/** An abort the caller asked for (its signal), as opposed to a failure. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
