import { createFleetportClient, type FleetportClient, ProblemError } from '@fleetport/sdk';
import type { Api } from './api.js';

const clients = new WeakMap<Api, FleetportClient>();

/**
 * The SDK's typed client (paths, parameters and bodies checked against the OpenAPI
 * document) signing each request with the key `api` holds. Only lazy pages import this
 * module, so openapi-fetch stays out of the first load. A refusal rejects with the SDK's
 * ProblemError, which ProblemMessage shows like an ApiError.
 */
export function typed(api: Api): FleetportClient {
  let client = clients.get(api);
  if (!client) {
    client = createFleetportClient({
      // The page's own origin: the server that served the console.
      url: location.origin,
      fetch: (request) => {
        request.headers.set('authorization', api.authorization);
        return fetch(request, { cache: 'no-store' });
      },
    });
    clients.set(api, client);
  }
  return client;
}

export { isAbort, ok } from '@fleetport/sdk';

/** The field a refusal names in its `data.field` (a condition's, a body's), if any. */
export function problemField(error: unknown): string | undefined {
  if (!(error instanceof ProblemError)) return undefined;
  const field = error.problem.data?.field;
  return typeof field === 'string' ? field : undefined;
}
