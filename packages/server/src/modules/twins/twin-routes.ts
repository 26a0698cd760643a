import { Type } from 'typebox';
import { type App, deviceOf, principalOf } from '../../http/index.js';
import { DeviceId, DeviceTypeId, parseIfMatch } from '../devices/index.js';
import {
  DeviceTwinQuery,
  OpenParameterPage,
  OpenParameterQuery,
  ParameterFailures,
  ParameterView,
  Twin,
  TwinPatch,
  TypeTwinSettings,
  TypeTwinSettingsBody,
} from './twin-schemas.js';
import type { TwinService } from './twin-service.js';

const problem = { $ref: 'Problem#' };
const problems = { 400: problem, 401: problem, 403: problem, 404: problem };
const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 64 })) });
const etag = (version: number) => `"${version}"`;
const ParameterName = Type.String({ minLength: 1, maxLength: 128 });
const PATCH_TYPES = 'Send it as `application/merge-patch+json` (or `application/json`).';

/** Twins through API keys: read, change desired, resend a parameter, list open parameters, type settings. */
export function registerTwinRoutes(app: App, twins: TwinService): void {
  app.get(
    '/v1/devices/:deviceId/twin',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['twins'],
        summary: "The device's twin: desired, reported, delta, versions, metadata, each parameter's status",
        description: 'The `ETag` is the desired version: send it as `If-Match` when changing desired.',
        params: Type.Object({ deviceId: DeviceId }),
        response: { 200: Twin, ...problems },
      },
    },
    async function getTwinRoute(request, reply) {
      const twin = await twins.get(principalOf(request).tenantId, request.params.deviceId);
      return reply.header('etag', etag(twin.desiredVersion)).send(twin);
    },
  );

  app.patch(
    '/v1/devices/:deviceId/twin/desired',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['twins'],
        summary: 'Change desired with a JSON merge patch (RFC 7396: null removes); If-Match supported',
        description: `Each changed property becomes a pending parameter (applied at once when reported already has the value) and the device is sent the delta. A stale \`If-Match\` answers 412 and changes nothing; a retired device answers 409 \`device_retired\`. ${PATCH_TYPES}`,
        params: Type.Object({ deviceId: DeviceId }),
        headers: IfMatchHeaders,
        body: TwinPatch,
        response: { 200: Twin, ...problems, 409: problem, 412: problem },
      },
    },
    async function patchDesiredRoute(request, reply) {
      const twin = await twins.patchDesired(
        principalOf(request).tenantId,
        request.params.deviceId,
        request.body,
        { ifMatch: parseIfMatch(request.headers['if-match']) },
      );
      return reply.header('etag', etag(twin.desiredVersion)).send(twin);
    },
  );

  app.post(
    '/v1/devices/:deviceId/twin/parameters/:name/resend',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['twins'],
        summary: 'Send one desired property to the device again (it becomes pending, whatever its status)',
        description: 'A retired device answers 409 `device_retired`.',
        params: Type.Object({ deviceId: DeviceId, name: ParameterName }),
        response: { 200: ParameterView, ...problems, 409: problem },
      },
    },
    async function resendParameterRoute(request) {
      return twins.resend(principalOf(request).tenantId, request.params.deviceId, request.params.name);
    },
  );

  app.get(
    '/v1/twin-parameters',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['twins'],
        summary: "The tenant's open parameters (pending and failed by default), in device order",
        description:
          'Fleet-wide: every device with a parameter in one of the statuses, one item per parameter, ordered by device then name. Follow `nextCursor`.',
        querystring: OpenParameterQuery,
        response: { 200: OpenParameterPage, 400: problem, 401: problem, 403: problem },
      },
    },
    async function listOpenParametersRoute(request) {
      const { status, limit, cursor } = request.query;
      return twins.listOpen(principalOf(request).tenantId, [...new Set(status)], limit, cursor);
    },
  );

  app.get(
    '/v1/device-types/:typeId/twin',
    {
      config: { scope: 'reader' },
      schema: {
        tags: ['twins'],
        summary:
          "The type's twin settings: decoded uplink fields that are reported properties, how desired values reach its devices",
        params: Type.Object({ typeId: DeviceTypeId }),
        response: { 200: TypeTwinSettings, ...problems },
      },
    },
    async function getTypeTwinRoute(request) {
      return twins.typeSettings(principalOf(request).tenantId, request.params.typeId);
    },
  );

  app.put(
    '/v1/device-types/:typeId/twin',
    {
      config: { scope: 'operator' },
      schema: {
        tags: ['twins'],
        summary: "Set the type's twin settings (reported fields, delivery of desired values)",
        description:
          '`reportedFields` maps a reported property to a dotted path in the decoded data; a decoded uplink of a device of the type reports those values, unless a newer value of the property is stored (`{}` removes them). `delivery` says how desired values reach the devices: `mqtt` (default), or as downlinks on the command queue, one parameter (or `downlink.groups` group) at a time, encoded by the codec: `sigfox` (BIDIR answers, 8 bytes) or `http` (`GET /v1/device/commands`). Members left out keep their current values.',
        params: Type.Object({ typeId: DeviceTypeId }),
        body: TypeTwinSettingsBody,
        response: { 200: TypeTwinSettings, ...problems },
      },
    },
    async function putTypeTwinRoute(request) {
      return twins.setTypeSettings(principalOf(request).tenantId, request.params.typeId, request.body);
    },
  );
}

/** Twins through a device's own token: read (long polling) and report. */
export function registerDeviceTwinRoutes(app: App, twins: TwinService): void {
  // Long polls end when the server starts closing, so that they never hold a shutdown.
  const closing = new AbortController();
  app.addHook('preClose', async function endTwinLongPolls() {
    closing.abort();
  });

  app.get(
    '/v1/device/twin',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['twins'],
        summary: "The twin of the token's device; `wait` long-polls for the next desired change",
        description:
          'Authenticated with a device token. With `wait`, answers once desired is past `since` (the current version when absent), or after `wait` seconds with the twin as it is. The delta and pending resends in the answer count as sent.',
        security: [{ deviceToken: [] }],
        querystring: DeviceTwinQuery,
        response: { 200: Twin, 400: problem, 401: problem, 404: problem },
      },
    },
    async function readDeviceTwinRoute(request, reply) {
      const device = deviceOf(request);
      const gone = new AbortController();
      const onClose = () => gone.abort();
      reply.raw.once('close', onClose);
      try {
        const twin = await twins.readForDevice(device.tenantId, device.deviceId, {
          since: request.query.since,
          waitMs: request.query.wait * 1000,
          signal: AbortSignal.any([gone.signal, closing.signal]),
        });
        return reply.header('etag', etag(twin.desiredVersion)).send(twin);
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  app.patch(
    '/v1/device/twin/reported',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['twins'],
        summary: "Report properties of the token's device (a JSON merge patch of reported)",
        description: `Authenticated with a device token. A property whose stored value is newer is left alone. ${PATCH_TYPES}`,
        security: [{ deviceToken: [] }],
        body: TwinPatch,
        response: { 200: Twin, 400: problem, 401: problem, 404: problem },
      },
    },
    async function patchReportedRoute(request) {
      const device = deviceOf(request);
      return twins.patchReported(device.tenantId, device.deviceId, request.body);
    },
  );

  app.post(
    '/v1/device/twin/failed',
    {
      config: { auth: 'device' },
      schema: {
        tags: ['twins'],
        summary: 'The device could not apply some desired properties: name → reason',
        security: [{ deviceToken: [] }],
        body: ParameterFailures,
        response: {
          200: Type.Object({
            failed: Type.Array(Type.String(), { description: 'the parameters now failed' }),
          }),
          400: problem,
          401: problem,
          404: problem,
        },
      },
    },
    async function failParametersRoute(request) {
      const device = deviceOf(request);
      return { failed: await twins.failParameters(device.tenantId, device.deviceId, request.body) };
    },
  );
}
