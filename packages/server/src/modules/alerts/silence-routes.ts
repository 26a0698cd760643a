import { type App, principalOf } from '../../http/index.js';
import { DeviceSilence, SetSilenceBody, SilenceParams } from './silence-schemas.js';
import type { SilenceWatch } from './silence-watch.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };

/** A device's silence watch and its own expected interval. */
export function registerSilenceRoutes(app: App, silence: SilenceWatch): void {
  app.get(
    '/v1/devices/:deviceId/silence',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['alerts'],
        summary: "A device's silence: expected interval, last uplink, when it becomes silent, whether it is",
        params: SilenceParams,
        response: { 200: DeviceSilence, ...problems },
      },
    },
    async function getSilenceRoute(request) {
      return silence.get(principalOf(request).tenantId, request.params.deviceId);
    },
  );

  app.put(
    '/v1/devices/:deviceId/silence',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['alerts'],
        summary: "Set a device's own expected uplink interval (null: its type's)",
        description:
          'Its due time follows at once: a silent device that is no longer silent under the new interval has its `device_silent` cleared. See docs/ALERTS.md.',
        params: SilenceParams,
        body: SetSilenceBody,
        response: { 200: DeviceSilence, ...problems },
      },
    },
    async function setSilenceRoute(request) {
      return silence.setInterval(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.body.expectedIntervalSeconds,
      );
    },
  );
}
