import { type App, principalOf } from '../../http/index.js';
import {
  DeviceHealth,
  DeviceParams,
  HealthQuery,
  TypeHealthBody,
  TypeHealthView,
  TypeParams,
} from './health-schemas.js';
import type { HealthService } from './health-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** A device's health series, and a device type's health settings. */
export function registerHealthRoutes(app: App, health: HealthService): void {
  app.get(
    '/v1/devices/:deviceId/health',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['health'],
        summary: "A device's health in buckets: messages, signal, battery, temperature, reboots, shock",
        description:
          "Every bucket of the range, empty ones too, with min, max, avg and last per metric (null when the bucket has none), the uplinks in it, the battery drain per day from a least-squares line over the range and the date that line reaches the type's empty level. A bucket under a minute, a range with `from` not before `to` or over 1,000 buckets is `400 invalid_range`. See docs/HEALTH.md.",
        params: DeviceParams,
        querystring: HealthQuery,
        response: { 200: DeviceHealth, ...problems },
      },
    },
    async function deviceHealthRoute(request) {
      return health.deviceHealth(principalOf(request).tenantId, request.params.deviceId, request.query);
    },
  );

  app.get(
    '/v1/device-types/:typeId/health',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['health'],
        summary:
          "A device type's health settings: decoded fields per metric, empty battery level, crazy-device threshold",
        params: TypeParams,
        response: { 200: TypeHealthView, ...problems },
      },
    },
    async function typeHealthRoute(request) {
      return health.typeHealth(principalOf(request).tenantId, request.params.typeId);
    },
  );

  app.put(
    '/v1/device-types/:typeId/health',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['health'],
        summary: "Set a device type's health settings (replaces them)",
        description:
          '`fields` maps `battery`, `temperature`, `reboots` and `shock` to dotted paths in the decoded data; `batteryEmpty` is the level the projected empty date aims at (default 0); `crazy` quarantines a device that sends more than `uplinks` live uplinks within `windowSeconds`, and releases it after `quietSeconds` without an uplink. Applies to uplinks handled from now on.',
        params: TypeParams,
        body: TypeHealthBody,
        response: { 200: TypeHealthView, ...problems },
      },
    },
    async function setTypeHealthRoute(request) {
      return health.setTypeHealth(principalOf(request).tenantId, request.params.typeId, request.body);
    },
  );
}
