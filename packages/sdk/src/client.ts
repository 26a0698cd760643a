import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { isAbort, ProblemError, problemFromBody, readProblem, unreachable } from './problem.js';

/** Where the server is and how to authenticate. */
export interface ClientOptions {
  /** Base URL of the server, like `http://127.0.0.1:8080`; `''` in a page the server served. */
  readonly url: string;
  /** An API key (`fpk_…`), or a device token (`fpd_…`) for the `/v1/device/…` routes. */
  readonly apiKey?: string;
  /** Another fetch (a test's, a proxy-aware one); the global one by default. */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** A typed client of the Fleetport HTTP API: `GET`, `POST`… over the OpenAPI document's paths. */
export type FleetportClient = Client<paths>;

/**
 * A client whose calls resolve to the answer when it is 2xx and reject with a
 * ProblemError (the API refused) or an UnreachableError (no answer) otherwise.
 *
 * @example
 * const fleetport = createFleetportClient({ url: 'http://127.0.0.1:8080', apiKey });
 * const device = await ok(fleetport.GET('/v1/devices/{deviceId}', { params: { path: { deviceId: 'truck-12' } } }));
 */
export function createFleetportClient({ url, apiKey, fetch }: ClientOptions): FleetportClient {
  const baseUrl = url.replace(/\/+$/, '');
  const client = createClient<paths>({
    baseUrl,
    headers: {
      accept: 'application/json, application/problem+json',
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    ...(fetch === undefined ? {} : { fetch }),
  });
  client.use(errorsAsExceptions(baseUrl));
  return client;
}

function errorsAsExceptions(baseUrl: string): Middleware {
  return {
    async onResponse({ response }) {
      if (!response.ok) throw await readProblem(response);
      return undefined;
    },
    onError({ error }) {
      // The caller's own abort stays what it is: nothing went wrong.
      if (isAbort(error) || error instanceof ProblemError) return error as Error;
      return unreachable(baseUrl || 'this origin', error);
    },
  };
}

/**
 * The body of a call's answer. With a client from createFleetportClient a failed call has
 * already rejected; an `error` left in the result (another client) becomes a ProblemError.
 */
export async function ok<T>(
  pending: Promise<{ readonly data?: T; readonly error?: unknown; readonly response: Response }>,
): Promise<T> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) throw problemFromBody(response, error);
  return data as T;
}
