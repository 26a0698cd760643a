export { registerFleetRoutes } from './fleet-routes.js';
export type { FleetOverview } from './fleet-schemas.js';
export { type FleetDeps, readFleetOverview } from './fleet-service.js';
