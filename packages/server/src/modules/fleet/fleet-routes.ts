import { type App, principalOf } from '../../http/index.js';
import { FleetOverview, FleetQuery } from './fleet-schemas.js';
import { type FleetDeps, readFleetOverview } from './fleet-service.js';

const problem = { $ref: 'Problem#' };

/** `GET /v1/fleet`: what the console's overview shows. */
export function registerFleetRoutes(app: App, deps: FleetDeps): void {
  app.get(
    '/v1/fleet',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['fleet'],
        summary:
          'The fleet at a glance: devices by type, seen, silent and never seen, and messages per minute',
        description:
          "A device is seen when its last message is newer than its silence limit: twice its type's `expectedUplinkIntervalSeconds`, or `silentAfter` when the type has none. Deleted devices are not counted; retired ones are counted apart (`retired`), in none of the other counts. Message counts are by receive time, late and replayed messages included.",
        querystring: FleetQuery,
        response: { 200: FleetOverview, 400: problem, 401: problem, 403: problem },
      },
    },
    async function readFleetRoute(request) {
      return readFleetOverview(deps, principalOf(request).tenantId, request.query);
    },
  );
}
